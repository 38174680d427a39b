"""Reads of a student's record leave a ``student.viewed`` event (pages and API records);
lists do not; the people export records itself and each student in it."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse

from openaup.audit.models import AuditEvent
from openaup.audit.verify import verify_chain
from tests.directory.factories import StudentFactory
from tests.personas import World

EXPORT = reverse("directory:person-export")


def record_events() -> Any:
    """Events about records (signing in leaves events of its own)."""
    return AuditEvent.objects.exclude(action__startswith="account.")


def views_of(student: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="student.viewed", person=student))


def page(person: Any) -> str:
    return reverse("directory:person-detail", args=[person.pk])


def test_opening_a_students_page_is_recorded(
    client: Client, world: World, principal_a: Any
) -> None:
    client.force_login(principal_a)
    assert client.get(page(world.student_a1), REMOTE_ADDR="10.0.0.7").status_code == 200

    [event] = views_of(world.student_a1)
    assert event.actor == principal_a
    assert event.role == "school_admin @ School A"
    assert (event.object_type, event.object_id) == ("directory.person", str(world.student_a1.pk))
    assert (event.channel, event.client_ip) == ("web", "10.0.0.7")
    assert event.request_id
    assert record_events().count() == 1


def test_each_look_is_recorded_and_the_chain_holds(
    client: Client, world: World, teacher: Any
) -> None:
    client.force_login(teacher)
    for _ in range(3):
        client.get(page(world.student_a2))
    assert len(views_of(world.student_a2)) == 3
    assert verify_chain().intact


def test_a_student_opening_their_own_record_is_recorded(
    client: Client, world: World, student: Any
) -> None:
    client.force_login(student)
    assert client.get(page(world.student_a1)).status_code == 200
    [event] = views_of(world.student_a1)
    assert event.actor == student


def test_pages_of_staff_and_guardians_and_lists_record_nothing(
    client: Client, world: World, district_admin: Any
) -> None:
    client.force_login(district_admin)
    for url in (
        page(world.teacher_person),
        page(world.guardian_person),
        reverse("directory:person-list"),
        reverse("directory:person-list") + "?kind=student",
    ):
        assert client.get(url).status_code == 200
    assert not record_events().exists()


def test_a_record_out_of_scope_is_a_404_and_no_event(
    client: Client, world: World, principal_b: Any
) -> None:
    client.force_login(principal_b)
    assert client.get(page(world.student_a1)).status_code == 404
    assert not record_events().exists()


def test_api_records_are_recorded_and_api_lists_are_not(
    client: Client, world: World, tech_staff: Any
) -> None:
    client.force_login(tech_staff)
    ava = world.student_a1
    for url in (f"/api/people/{ava.pk}/", f"/api/students/{ava.pk}/"):
        assert client.get(url).status_code == 200
    for url in ("/api/people/", "/api/students/", f"/api/people/{world.teacher_person.pk}/"):
        assert client.get(url).status_code == 200

    events = views_of(ava)
    assert len(events) == 2
    assert {event.role for event in events} == {"tech_staff @ district"}
    assert record_events().count() == 2


def rows(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_records_itself_and_each_student(
    client: Client, world: World, district_admin: Any
) -> None:
    client.force_login(district_admin)
    response = client.get(EXPORT + "?kind=student&school=" + str(world.school_a.pk))

    assert response.status_code == 200
    exported = rows(response)
    assert {row["given_name"] for row in exported} == {"Ava", "Ben", "Cal"}
    assert {row["school"] for row in exported} == {"School A"}
    [summary] = AuditEvent.objects.filter(action="students.exported")
    assert summary.changes == {
        "rows": 3,
        "students": 3,
        "filter": {"kind": ["student"], "school": [str(world.school_a.pk)]},
    }
    per_student = AuditEvent.objects.filter(action="student.exported")
    assert {event.person.given_name for event in per_student} == {"Ava", "Ben", "Cal"}
    assert {event.role for event in per_student} == {"district_admin @ district"}
    assert verify_chain().intact


def test_the_export_holds_only_what_the_user_may_see(
    client: Client, world: World, teacher: Any
) -> None:
    client.force_login(teacher)
    exported = rows(client.get(EXPORT))
    assert {row["given_name"] for row in exported} == {"Ava", "Ben", "Tess"}
    students = AuditEvent.objects.filter(action="student.exported")
    assert {event.person_id for event in students} == {world.student_a1.pk, world.student_a2.pk}
    [summary] = AuditEvent.objects.filter(action="students.exported")
    assert summary.changes["rows"] == 3


def test_the_export_defuses_spreadsheet_formulas(
    client: Client, world: World, district_admin: Any
) -> None:
    StudentFactory(school=world.school_a, given_name="=HYPERLINK(1)", family_name="Zed")
    client.force_login(district_admin)
    exported = rows(client.get(EXPORT + "?q=Zed"))
    assert [row["given_name"] for row in exported] == ["'=HYPERLINK(1)"]


def test_a_bad_filter_exports_nothing_and_records_nothing(
    client: Client, world: World, district_admin: Any
) -> None:
    client.force_login(district_admin)
    response = client.get(EXPORT + "?grade=99")
    assert response.status_code == 400
    assert "grade" in response.content.decode()
    assert not record_events().exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_people_list_links_its_export_with_the_same_filters(
    client: Client, world: World, district_admin: Any
) -> None:
    client.force_login(district_admin)
    page = client.get(reverse("directory:person-list") + "?kind=student&page=1").content.decode()
    assert f'href="{EXPORT}?kind=student"' in page
    assert not record_events().exists()
