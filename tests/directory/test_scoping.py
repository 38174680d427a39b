"""Who sees which people: the directory's scoping, persona by persona."""

from __future__ import annotations

from typing import Any

import pytest

from openaup.directory.models import Person
from tests.personas import World

pytestmark = pytest.mark.django_db


def visible_names(user: Any) -> set[str]:
    return set(Person.objects.students().visible_to(user).values_list("given_name", flat=True))


def test_district_roles_see_every_student(district_admin: Any, tech_staff: Any) -> None:
    assert visible_names(district_admin) == {"Ava", "Ben", "Cal", "Dee"}
    assert visible_names(tech_staff) == {"Ava", "Ben", "Cal", "Dee"}


def test_principal_sees_only_their_school(principal_a: Any, principal_b: Any) -> None:
    assert visible_names(principal_a) == {"Ava", "Ben", "Cal"}
    assert visible_names(principal_b) == {"Dee"}


def test_teacher_sees_only_students_of_their_sections(teacher: Any) -> None:
    assert visible_names(teacher) == {"Ava", "Ben"}


def test_student_sees_only_themself(student: Any) -> None:
    assert visible_names(student) == {"Ava"}


def test_guardian_sees_exactly_their_children(guardian: Any, world: World) -> None:
    assert visible_names(guardian) == {"Ava", "Dee"}


def test_guardian_without_educational_rights_sees_no_child(world: World) -> None:
    from tests.accounts.factories import UserFactory

    user = UserFactory(person=world.other_guardian_person)
    assert visible_names(user) == set()


def test_contractor_and_user_without_role_see_nobody(contractor: Any, no_role_user: Any) -> None:
    assert visible_names(contractor) == set()
    assert visible_names(no_role_user) == set()


def test_records_officer_reads_but_cannot_change(records_officer: Any) -> None:
    assert visible_names(records_officer) == {"Ava", "Ben", "Cal", "Dee"}
    assert not Person.objects.visible_to(records_officer, "change").exists()
