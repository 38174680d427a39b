"""The monitoring pages and API: who sees which school's report, the timeline's audit, who
used an address, counselor designations, bad parameters."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.monitoring import services
from tests.monitoring.factories import CounselorDesignationFactory, line, write_day
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def decisions(people: World, log_dir: Path) -> datetime.datetime:
    """Today: Ava (school A) blocked three times on games.example, Dee (school B) twice on
    casino.example (agressif), and an allowed request from a school-B address."""
    # today in district time, even just after midnight (the timeline shows today)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=1, microsecond=0)
    now = max(timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5), midnight)
    lines = [line(now, user="ava.a", ip="10.10.0.7", profile="elementary", host="games.example",
                  action="block", category="games")] * 3  # fmt: skip
    lines += [line(now, user="dee.b", ip="10.20.0.8", host="casino.example", action="block",
                   category="agressif")] * 2  # fmt: skip
    lines.append(line(now, ip="10.20.0.9", host="news.example"))
    write_day(log_dir, now.astimezone(datetime.UTC).date(), lines)
    services.ingest_decisions()
    return now


def get(client: Client, user: Any, name: str, *args: Any, **query: Any) -> Any:
    client.force_login(user)
    return client.get(reverse(name, args=args), query)


def test_the_district_sees_every_school_and_a_principal_only_their_own(
    client: Client, decisions: Any, district_admin: Any, principal_a: Any
) -> None:
    response = get(client, district_admin, "monitoring:report")
    assert response.status_code == 200
    page = response.content.decode()
    assert "games.example" in page
    assert "casino.example" in page
    assert "<svg" in page
    assert 'data-table="sites-chart"' in page
    assert response.context["blocked_total"] == 5

    response = get(client, principal_a, "monitoring:report")
    page = response.content.decode()
    assert "games.example" in page
    assert "casino.example" not in page
    assert response.context["blocked_total"] == 3


def test_a_principal_asking_for_another_school_gets_a_404(
    client: Client, decisions: Any, principal_a: Any, world: World
) -> None:
    response = get(client, principal_a, "monitoring:report", school=world.school_b.pk)
    assert response.status_code == 400  # not among the form's choices
    client.force_login(principal_a)
    api = client.get("/api/monitoring-reports/", {"school": world.school_b.pk})
    assert api.status_code == 404


@pytest.mark.parametrize("persona", ["teacher", "student", "guardian", "contractor"])
def test_teachers_students_guardians_and_contractors_see_no_report(
    client: Client, decisions: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    assert get(client, user, "monitoring:report").status_code == 403
    assert client.get("/api/monitoring-reports/").status_code == 403


def test_the_report_api_gives_the_same_figures_and_checks_its_parameters(
    client: Client, decisions: Any, tech_staff: Any, world: World
) -> None:
    client.force_login(tech_staff)
    data = client.get("/api/monitoring-reports/", {"school": world.school_b.pk}).json()
    assert data["top_sites"] == [{"key": "casino.example", "count": 2}]
    assert data["top_categories"] == [{"key": "agressif", "count": 2}]
    assert sum(day["blocked"] for day in data["per_day"]) == 2
    bad = client.get("/api/monitoring-reports/", {"days": "12"})
    assert bad.status_code == 400
    assert "days" in bad.json()


def test_a_principal_opens_a_students_timeline_and_it_is_audited(
    client: Client, decisions: Any, principal_a: Any, world: World
) -> None:
    response = get(client, principal_a, "monitoring:timeline", world.student_a1.pk)
    assert response.status_code == 200
    assert [event.host for _, event in response.context["events"]] == ["games.example"] * 3
    event = AuditEvent.objects.get(action="student.viewed", person=world.student_a1)
    assert event.changes["view"] == "activity timeline"
    # another school's student does not exist for this principal
    assert get(client, principal_a, "monitoring:timeline", world.student_b1.pk).status_code == 404


def test_a_future_day_is_refused_with_a_message(
    client: Client, decisions: Any, principal_a: Any, world: World
) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = get(
        client, principal_a, "monitoring:timeline", world.student_a1.pk, day=tomorrow.isoformat()
    )
    assert response.status_code == 400
    assert "The day is in the future." in response.content.decode()
    assert not AuditEvent.objects.filter(action="student.viewed").exists()


def test_tech_staff_and_teachers_do_not_open_timelines(
    client: Client, decisions: Any, tech_staff: Any, teacher: Any, world: World
) -> None:
    assert get(client, tech_staff, "monitoring:timeline", world.student_a1.pk).status_code == 403
    assert get(client, teacher, "monitoring:timeline", world.student_a1.pk).status_code == 403


def test_a_designated_counselor_opens_timelines_until_revoked(
    client: Client, decisions: Any, principal_a: Any, world: World
) -> None:
    from tests.accounts.factories import UserFactory
    from tests.directory.factories import StaffFactory

    counselor_person = StaffFactory(school=world.school_a, given_name="Cora", family_name="Couns")
    counselor = UserFactory(username="cora", person=counselor_person)
    assert get(client, counselor, "monitoring:timeline", world.student_a1.pk).status_code == 403
    assert get(client, counselor, "monitoring:report").status_code == 403

    client.force_login(principal_a)
    response = client.post(
        reverse("monitoring:counselor-list"),
        {"person": counselor_person.pk, "school": world.school_a.pk, "reason": "Wellbeing"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="monitoring.counselor_designated").exists()
    assert get(client, counselor, "monitoring:timeline", world.student_a1.pk).status_code == 200
    assert get(client, counselor, "monitoring:timeline", world.student_b1.pk).status_code == 404
    # a counselor sees no report: the monitoring page sends them to find a student
    response = get(client, counselor, "monitoring:report")
    assert response["Location"] == reverse("monitoring:student-search")

    designation = counselor_person.counselor_designations.get()
    client.force_login(principal_a)
    client.post(reverse("monitoring:counselor-revoke", args=[designation.pk]))
    assert get(client, counselor, "monitoring:timeline", world.student_a1.pk).status_code == 403


def test_a_designation_without_a_reason_is_refused_and_changes_nothing(
    client: Client, principal_a: Any, world: World
) -> None:
    client.force_login(principal_a)
    response = client.post(
        reverse("monitoring:counselor-list"),
        {"person": world.teacher_person.pk, "school": world.school_a.pk, "reason": " "},
    )
    assert response.status_code == 400
    assert "Say why" in response.content.decode() or "required" in response.content.decode()
    assert not world.teacher_person.counselor_designations.exists()


def test_a_principal_cannot_designate_for_another_school(
    client: Client, principal_b: Any, world: World
) -> None:
    client.force_login(principal_b)
    response = client.post(
        reverse("monitoring:counselor-list"),
        {"person": world.teacher_person.pk, "school": world.school_a.pk, "reason": "x"},
    )
    assert response.status_code == 400  # school A is not a choice for principal B
    assert not world.teacher_person.counselor_designations.exists()
    designation = CounselorDesignationFactory(person=world.teacher_person, school=world.school_a)
    response = client.post(reverse("monitoring:counselor-revoke", args=[designation.pk]))
    assert response.status_code == 404


def test_tech_staff_look_up_who_used_an_address_and_it_is_audited(
    client: Client, decisions: datetime.datetime, tech_staff: Any, principal_a: Any, world: World
) -> None:
    at = timezone.localtime(decisions).strftime("%Y-%m-%dT%H:%M")
    response = get(
        client, tech_staff, "monitoring:ip-lookup", ip="10.20.0.8", at=at, reason="Case 12"
    )
    assert response.status_code == 200
    uses = response.context["uses"]
    assert [(u["use"].user, u["person"]) for u in uses] == [("dee.b", world.student_b1)]
    lookup = AuditEvent.objects.get(action="monitoring.ip_looked_up")
    assert lookup.reason == "Case 12"
    assert AuditEvent.objects.filter(action="student.viewed", person=world.student_b1).exists()
    assert get(client, principal_a, "monitoring:ip-lookup").status_code == 403


def test_a_bad_address_is_refused_with_a_message(client: Client, tech_staff: Any) -> None:
    response = get(
        client, tech_staff, "monitoring:ip-lookup", ip="10.20.300.1", at="2026-11-20T10:00",
        reason="x",
    )  # fmt: skip
    assert response.status_code == 400
    assert "valid IPv4 or IPv6 address" in response.content.decode()
    assert not AuditEvent.objects.filter(action="monitoring.ip_looked_up").exists()
    client.force_login(tech_staff)
    api = client.get("/api/monitoring-ip-lookups/", {"ip": "nope", "at": "x"})
    assert api.status_code == 400
    assert set(api.json()) >= {"ip", "at", "reason"}


def test_the_timeline_api_is_audited_too(
    client: Client, decisions: Any, principal_a: Any, world: World
) -> None:
    client.force_login(principal_a)
    data = client.get("/api/monitoring-timelines/", {"person": world.student_a1.pk}).json()
    assert [e["host"] for e in data["events"]] == ["games.example"] * 3
    assert AuditEvent.objects.filter(action="student.viewed", person=world.student_a1).exists()


def test_list_pages_make_a_fixed_number_of_queries(
    client: Client,
    decisions: Any,
    district_admin: Any,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    from tests.directory.factories import StaffFactory

    for _ in range(5):
        CounselorDesignationFactory(
            person=StaffFactory(school=world.school_a), school=world.school_a
        )
    services.compute_monthly_counts(month=timezone.now().date())
    client.force_login(district_admin)
    client.get(reverse("monitoring:counselor-list"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("monitoring:counselor-list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("monitoring:monthly")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("monitoring:report")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/monitoring-monthly-counts/").status_code == 200


def test_the_schema_describes_the_monitoring_endpoints(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    report = paths["/api/monitoring-reports/"]["get"]
    assert {p["name"] for p in report["parameters"]} >= {"school", "days", "profile"}
    lookup = paths["/api/monitoring-ip-lookups/"]["get"]
    assert {p["name"] for p in lookup["parameters"]} >= {"ip", "at", "reason"}
    assert "/api/monitoring-timelines/" in paths
    assert "/api/monitoring-monthly-counts/{id}/" in paths
