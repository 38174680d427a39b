"""The audit trail pages (district administrators and records officers) and the record of
access (students and families): who may open them, what they show, filters, query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openaup.audit import services as audit
from openaup.audit.models import AuditEvent
from openaup.directory.services import set_educational_rights
from tests.html_tables import first_column
from tests.personas import World

TRAIL = reverse("audit:event-list")
REPORT = reverse("audit:access-report")


def detail(event: AuditEvent) -> str:
    return reverse("audit:event-detail", args=[event.pk])


def text(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def times(client: Client, query: str = "") -> list[str]:
    """The first column (time) of the trail's table."""
    cells = first_column(text(client.get(TRAIL + query)).encode(), "Audit events")
    return [cell for cell in cells if cell != "No event matches this search."]


# --- who may open what ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    event = audit.record("test.one")
    for url in (TRAIL, detail(event), REPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(
    "persona", ["tech_staff", "principal_a", "teacher", "student", "guardian", "contractor"]
)
def test_only_district_admins_and_records_officers_read_the_trail(
    client: Client, world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    event = audit.record("test.one", person=world.student_a1)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TRAIL).status_code == 403
    assert client.get(detail(event)).status_code == 403


@pytest.mark.parametrize("persona", ["district_admin", "records_officer"])
def test_trail_readers_open_the_trail_and_each_event(
    client: Client, world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    event = audit.record("test.one", person=world.student_a1)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TRAIL).status_code == 200
    assert client.get(detail(event)).status_code == 200
    assert client.get(reverse("audit:event-detail", args=[event.pk + 1000])).status_code == 404


@pytest.mark.parametrize(
    "persona", ["district_admin", "tech_staff", "records_officer", "principal_a", "teacher"]
)
def test_the_record_of_access_is_for_students_and_families(
    client: Client, world: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(REPORT).status_code == 403


def test_the_navigation_links_only_what_one_may_open(
    client: Client, world: World, records_officer: Any, guardian: Any, teacher: Any
) -> None:
    for user, trail, report in (
        (records_officer, True, False),
        (guardian, False, True),
        (teacher, False, False),
    ):
        client.force_login(user)
        home = text(client.get(reverse("home")))
        assert (f'href="{TRAIL}"' in home) is trail
        assert (f'href="{REPORT}"' in home) is report


# --- the trail ------------------------------------------------------------------------------


def test_the_trail_shows_each_event_newest_first(
    client: Client, world: World, district_admin: Any, principal_a: Any, tech_staff: Any
) -> None:
    audit.record_student_view(actor=principal_a, student=world.student_a1)
    audit.record(
        "guardian_link.rights_set",
        actor=tech_staff,
        person=world.student_a1,
        object_repr="Gina Guardian for Ava",
        changes={"has_educational_rights": [True, False]},
        reason="Court order on file",
    )
    client.force_login(district_admin)
    page = text(client.get(TRAIL))

    assert page.index("guardian_link.rights_set") < page.index("student.viewed")
    assert "Pat PrincipalA" in page
    assert "Principal / school administrator, School A" in page
    assert "Technology staff, district" in page
    assert "Court order on file" in page
    assert world.student_a1.display_name in page


def test_the_trail_filters_by_person_actor_action_and_dates(
    client: Client, world: World, district_admin: Any, principal_a: Any, teacher: Any
) -> None:
    audit.record_student_view(actor=principal_a, student=world.student_a1)
    audit.record_student_view(actor=teacher, student=world.student_a2)
    audit.record("person.departed", actor=principal_a, person=world.student_b1)
    client.force_login(district_admin)
    everything = AuditEvent.objects.count()  # signing in is an event too

    assert len(times(client)) == everything
    assert len(times(client, f"?person={world.student_a2.pk}")) == 1
    assert len(times(client, "?person=" + world.student_b1.given_name.lower())) == 1
    assert len(times(client, "?actor=principal.a")) == 2
    assert len(times(client, "?actor=Tess")) == 1
    assert len(times(client, "?action=student.viewed")) == 2
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    assert len(times(client, f"?date_from={today}&date_to={today}")) == everything
    assert times(client, f"?date_from={tomorrow}") == []
    assert times(client, "?person=nobody-by-that-name") == []


def test_an_event_shows_its_changes_and_hashes(
    client: Client, world: World, district_admin: Any, tech_staff: Any
) -> None:
    event = audit.record(
        "guardian_link.rights_set",
        actor=tech_staff,
        person=world.student_a1,
        changes={"has_educational_rights": [True, False], "counts": {"added": 2}},
        reason="Court order on file",
    )
    client.force_login(district_admin)
    page = text(client.get(detail(event)))

    assert event.hash in page
    assert event.prev_hash in page
    assert "has_educational_rights" in page
    assert "Court order on file" in page
    assert "{&quot;added&quot;: 2}" in page


def test_the_trail_runs_the_same_queries_however_many_rows(
    client: Client,
    world: World,
    district_admin: Any,
    principal_a: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(district_admin)
    for _ in range(3):
        audit.record_student_view(actor=principal_a, student=world.student_a1)
    with CaptureQueriesContext(connection) as few:
        client.get(TRAIL)
    for student in (world.student_a2, world.student_b1) * 20:
        audit.record_student_view(actor=principal_a, student=student)
    shown = min(AuditEvent.objects.count(), 50)
    with django_assert_max_num_queries(len(few)):
        assert len(times(client)) == shown


# --- the record of access ---------------------------------------------------------------------


def lines(page: str, student: Any) -> list[str]:
    return first_column(page.encode(), f"Record of access for {student.display_name}")


def test_a_guardian_sees_who_viewed_or_changed_each_childs_record(
    client: Client,
    world: World,
    guardian: Any,
    principal_a: Any,
    tech_staff: Any,
    teacher: Any,
) -> None:
    audit.record_student_view(actor=principal_a, student=world.student_a1)
    audit.record("person.departed", actor=tech_staff, person=world.student_b1, reason="Moved away")
    audit.record_student_view(actor=teacher, student=world.student_a2)  # not their child
    client.force_login(guardian)
    client.get(reverse("directory:person-detail", args=[world.student_a1.pk]))
    page = text(client.get(REPORT))

    assert len(lines(page, world.student_a1)) == 2
    assert len(lines(page, world.student_b1)) == 1
    assert "Pat PrincipalA (Principal / school administrator, School A)" in page
    assert "You" in page
    assert "Viewed" in page
    assert "Changed" in page
    assert "Moved away" in page
    assert world.student_a2.display_name not in page
    assert "Tess" not in page


def test_staff_are_shown_by_role_when_the_district_so_configures(
    client: Client, world: World, guardian: Any, principal_a: Any, settings: Any
) -> None:
    settings.OPENAUP_ACCESS_REPORT_STAFF_BY_ROLE = True
    audit.record_student_view(actor=principal_a, student=world.student_a1)
    audit.record_student_view(actor=guardian, student=world.student_a1)
    client.force_login(guardian)
    page = text(client.get(REPORT))

    assert "Principal / school administrator, School A" in page
    assert "PrincipalA" not in page
    assert "You" in page


def test_exports_are_listed_as_exports(
    client: Client, world: World, guardian: Any, district_admin: Any
) -> None:
    client.force_login(district_admin)
    client.get(reverse("directory:person-export") + "?kind=student")
    client.force_login(guardian)
    page = text(client.get(REPORT))
    assert "Exported (in a list)" in page


def test_a_guardian_without_rights_sees_no_record(
    client: Client, world: World, principal_a: Any, tech_staff: Any
) -> None:
    from tests.accounts.factories import UserFactory

    audit.record_student_view(actor=principal_a, student=world.student_a1)
    other = UserFactory(username="otto", person=world.other_guardian_person)
    client.force_login(other)
    page = text(client.get(REPORT))
    assert world.student_a1.display_name not in page
    assert "There is no student record this report can show you" in page


def test_clearing_rights_ends_the_guardians_view_of_that_child(
    client: Client, world: World, guardian: Any, principal_a: Any, tech_staff: Any
) -> None:
    audit.record_student_view(actor=principal_a, student=world.student_a1)
    link = world.student_a1.guardian_links.get(guardian=world.guardian_person)
    set_educational_rights(actor=tech_staff, link=link, has_rights=False, reason="Court order")
    client.force_login(guardian)
    page = text(client.get(REPORT))
    assert world.student_a1.display_name not in page
    assert world.student_b1.display_name in page


def test_a_student_sees_their_own_record_only(
    client: Client, world: World, student: Any, teacher: Any
) -> None:
    audit.record_student_view(actor=teacher, student=world.student_a1)
    audit.record_student_view(actor=teacher, student=world.student_a2)
    client.force_login(student)
    page = text(client.get(REPORT))
    assert (
        len(lines(page, world.student_a1))
        == AuditEvent.objects.filter(person=world.student_a1).count()
    )
    assert "Tess Teacher (Teacher, School A)" in page
    assert world.student_a2.display_name not in page


def test_the_scope_of_events_follows_the_reader(
    world: World, guardian: Any, district_admin: Any, teacher: Any, principal_a: Any
) -> None:
    about_a1 = audit.record_student_view(actor=principal_a, student=world.student_a1)
    about_a2 = audit.record_student_view(actor=principal_a, student=world.student_a2)
    about_nobody = audit.record("test.system")

    def seen(user: Any) -> set[int]:
        return set(AuditEvent.objects.visible_to(user).values_list("pk", flat=True))

    assert {about_a1.pk, about_a2.pk, about_nobody.pk} <= seen(district_admin)
    assert about_a1.pk in seen(guardian)
    assert not {about_a2.pk, about_nobody.pk} & seen(guardian)
    # A teacher sees their students' pages, not who else looked at them.
    assert seen(teacher) == set()
    assert not AuditEvent.objects.visible_to(district_admin, "change").exists()
    assert not AuditEvent.objects.visible_to(district_admin, "delete").exists()


def test_an_adult_student_decides_whether_their_guardian_sees_their_record_of_access(
    client: Client, world: World, guardian: Any, principal_b: Any
) -> None:
    from openaup.access.services import give_guardian_access
    from tests.accounts.factories import UserFactory

    dee = world.student_b1
    dee.birth_date = timezone.localdate() - datetime.timedelta(days=19 * 366)
    dee.save(update_fields=["birth_date"])
    dee_user = UserFactory(username="dee", person=dee)
    audit.record_student_view(actor=principal_b, student=dee)

    client.force_login(dee_user)
    assert "Pam PrincipalB" in text(client.get(REPORT))
    client.force_login(guardian)
    assert dee.display_name not in text(client.get(REPORT))

    link = dee.guardian_links.get(guardian=world.guardian_person)
    give_guardian_access(actor=dee_user, link=link)
    assert "Pam PrincipalB" in text(client.get(REPORT))
