"""The cross-school and cross-family cases of the matrix, spelled out against the demo
district: what each list holds, not only the status of one page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from openaup.directory.models import Enrollment, Person
from tests.permissions.matrix import Demo


def client_for(demo: Demo, username: str) -> Client:
    client = Client()
    client.force_login(demo.user(username))
    return client


def all_ids(client: Client, url: str) -> list[int]:
    """Every id an API list gives, page after page."""
    ids: list[int] = []
    next_url: str | None = url
    while next_url:
        body: dict[str, Any] = client.get(next_url).json()
        ids.extend(row["id"] for row in body["results"])
        next_url = body["next"]
    return ids


def test_the_elementary_principal_cannot_see_a_high_school_student(demo: Demo) -> None:
    client = client_for(demo, "principal.es")
    hs_student = Person.objects.filter(kind="student", school=demo.school("hs")).first()
    assert hs_student is not None
    assert client.get(reverse("directory:person-detail", args=[hs_student.pk])).status_code == 404
    assert client.get(reverse("student-detail", args=[hs_student.pk])).status_code == 404
    seen = all_ids(client, reverse("student-list"))
    es_students = Person.objects.filter(kind="student", school=demo.school("es"))
    assert sorted(seen) == sorted(es_students.values_list("pk", flat=True))


def test_the_guardian_sees_exactly_their_two_children(demo: Demo) -> None:
    client = client_for(demo, "guardian")
    body = client.get(reverse("student-list")).json()
    children = sorted(child.pk for child in demo.guardian_children)
    assert body["count"] == 2
    assert sorted(row["id"] for row in body["results"]) == children
    assert sorted(all_ids(client, reverse("person-list"))) == sorted(
        [*children, demo.person("guardian").pk]
    )
    schools = {child.school_id for child in demo.guardian_children}
    assert schools == {demo.school("es").pk, demo.school("hs").pk}


def test_teacher_hs_sees_only_the_students_of_their_sections(demo: Demo) -> None:
    teacher = demo.person("teacher.hs")
    taught = Enrollment.objects.filter(
        section__enrollments__person=teacher,
        section__enrollments__role__in=["teacher", "aide"],
        section__enrollments__is_active=True,
        role="student",
        is_active=True,
    ).values_list("person_id", flat=True)
    client = client_for(demo, "teacher.hs")
    assert sorted(all_ids(client, reverse("student-list"))) == sorted(set(taught))
    assert set(taught)
    # No student of another school, whatever the list.
    others = Person.objects.filter(kind="student").exclude(school=demo.school("hs"))
    assert not set(all_ids(client, reverse("person-list"))) & set(
        others.values_list("pk", flat=True)
    )


def test_the_contractor_sees_the_granted_school_only(demo: Demo) -> None:
    client = client_for(demo, "contractor")
    ms_students = Person.objects.filter(kind="student", school=demo.school("ms"))
    assert sorted(all_ids(client, reverse("student-list"))) == sorted(
        ms_students.values_list("pk", flat=True)
    )
