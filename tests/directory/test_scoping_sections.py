"""Who sees which sections and enrollments."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Q

from openaup.directory.models import Enrollment, Section
from tests.directory.factories import EnrollmentFactory, SectionFactory
from tests.personas import World

pytestmark = pytest.mark.django_db


def enrolled_names(user: Any) -> set[str]:
    return set(Enrollment.objects.visible_to(user).values_list("person__given_name", flat=True))


def test_guardian_sees_their_childs_class_but_not_the_classmates(
    guardian: Any, world: World
) -> None:
    assert enrolled_names(guardian) == {"Ava", "Tess"}


def test_student_sees_their_own_enrollment_and_the_teacher(student: Any) -> None:
    assert enrolled_names(student) == {"Ava", "Tess"}


def test_teacher_and_principal_see_the_whole_class(
    teacher: Any, principal_a: Any, principal_b: Any
) -> None:
    assert enrolled_names(teacher) == {"Ava", "Ben", "Tess"}
    assert enrolled_names(principal_a) == {"Ava", "Ben", "Tess"}
    assert enrolled_names(principal_b) == set()


def test_sections_visible_to_a_teacher_can_be_counted_per_section(
    teacher: Any, world: World
) -> None:
    other = SectionFactory(school=world.school_a, title="Art")
    EnrollmentFactory(section=other, person=world.student_a2, role="student")
    sections = Section.objects.visible_to(teacher).annotate(
        students=Count("enrollments", filter=Q(enrollments__role="student"))
    )
    assert [(s.title, s.students) for s in sections] == [("Grade 3 Homeroom", 2)]


def test_sections_a_guardian_sees_are_listed_once(guardian: Any, world: World) -> None:
    second = SectionFactory(school=world.school_b, title="Biology")
    EnrollmentFactory(section=second, person=world.student_b1, role="student")
    EnrollmentFactory(section=second, person=world.teacher_person, role="teacher")
    titles = list(Section.objects.visible_to(guardian).values_list("title", flat=True))
    assert sorted(titles) == ["Biology", "Grade 3 Homeroom"]
