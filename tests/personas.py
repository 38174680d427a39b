"""The personas every test reuses.

Two schools: A (elementary) and B (high). ``principal_b`` must see nothing of A.
``teacher`` teaches one section in A (two students); ``student`` is one of them;
``guardian`` has two children, one in A and one in B (educational rights on both);
``other_guardian`` is linked to the A child without educational rights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from openaup.directory.choices import Grade
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.directory.factories import (
    EnrollmentFactory,
    GuardianFactory,
    GuardianLinkFactory,
    PersonFactory,
    PersonRoleFactory,
    SchoolFactory,
    SectionFactory,
    StaffFactory,
    StudentFactory,
)


@dataclass
class World:
    school_a: Any
    school_b: Any
    section_a: Any
    student_a1: Any
    student_a2: Any
    student_b1: Any
    teacher_person: Any
    guardian_person: Any
    other_guardian_person: Any


@pytest.fixture
def world(db: None) -> World:
    school_a = SchoolFactory(name="School A", low_grade=Grade.PK, high_grade=Grade.G05)
    school_b = SchoolFactory(name="School B", low_grade=Grade.G09, high_grade=Grade.G12)
    teacher_person = StaffFactory(school=school_a, given_name="Tess", family_name="Teacher")
    PersonRoleFactory(person=teacher_person, role="teacher", school=school_a)
    section_a = SectionFactory(school=school_a, title="Grade 3 Homeroom")
    EnrollmentFactory(section=section_a, person=teacher_person, role="teacher")
    student_a1 = StudentFactory(school=school_a, grade=Grade.G03, given_name="Ava")
    student_a2 = StudentFactory(school=school_a, grade=Grade.G03, given_name="Ben")
    StudentFactory(school=school_a, grade=Grade.G04, given_name="Cal")  # not in the section
    student_b1 = StudentFactory(school=school_b, grade=Grade.G10, given_name="Dee")
    for student in (student_a1, student_a2):
        EnrollmentFactory(section=section_a, person=student, role="student")
    guardian_person = GuardianFactory(given_name="Gina", family_name="Guardian")
    GuardianLinkFactory(student=student_a1, guardian=guardian_person)
    GuardianLinkFactory(student=student_b1, guardian=guardian_person)
    other_guardian_person = GuardianFactory(given_name="Otto")
    GuardianLinkFactory(
        student=student_a1, guardian=other_guardian_person, has_educational_rights=False
    )
    return World(
        school_a=school_a,
        school_b=school_b,
        section_a=section_a,
        student_a1=student_a1,
        student_a2=student_a2,
        student_b1=student_b1,
        teacher_person=teacher_person,
        guardian_person=guardian_person,
        other_guardian_person=other_guardian_person,
    )


@pytest.fixture
def district_admin(world: World) -> Any:
    return RoleAssignmentFactory(user__username="admin", role="district_admin").user


@pytest.fixture
def tech_staff(world: World) -> Any:
    return RoleAssignmentFactory(user__username="tech", role="tech_staff").user


@pytest.fixture
def records_officer(world: World) -> Any:
    return RoleAssignmentFactory(user__username="records", role="records_officer").user


@pytest.fixture
def principal_a(world: World) -> Any:
    person = StaffFactory(school=world.school_a, given_name="Pat", family_name="PrincipalA")
    world.school_a.principal = person
    world.school_a.save()
    return UserFactory(username="principal.a", person=person)


@pytest.fixture
def principal_b(world: World) -> Any:
    person = StaffFactory(school=world.school_b, given_name="Pam", family_name="PrincipalB")
    world.school_b.principal = person
    world.school_b.save()
    return UserFactory(username="principal.b", person=person)


@pytest.fixture
def teacher(world: World) -> Any:
    return UserFactory(username="teacher", person=world.teacher_person)


@pytest.fixture
def student(world: World) -> Any:
    return UserFactory(username="student", person=world.student_a1)


@pytest.fixture
def guardian(world: World) -> Any:
    return UserFactory(username="guardian", person=world.guardian_person)


@pytest.fixture
def contractor(world: World) -> Any:
    person = PersonFactory(kind="contractor", given_name="Cory", family_name="Contractor")
    return UserFactory(username="contractor", person=person)


@pytest.fixture
def no_role_user(world: World) -> Any:
    return UserFactory(username="nobody")
