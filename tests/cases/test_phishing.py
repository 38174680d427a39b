"""Reporting phishing: the link staff see, the form, the stored report and its audit event,
the confirmation, and the technology staff's list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.cases.models import PhishingReport
from tests.cases.factories import PhishingReportFactory
from tests.html_tables import links, table, text

pytestmark = pytest.mark.django_db

REPORT = {
    "arrived_by": "email",
    "sender": "Payroll <payroll@maple-valley-pay.example>",
    "received_at": "2026-11-27T08:15",
    "subject": "Action required: confirm your direct deposit",
    "content": "Received: from mail.example (203.0.113.5)\nSubject: Action required",
    "suspicious_link": "hxxps://maple-valley-pay.example/login",
    "interacted": "on",
}

STAFF = ["district_admin", "tech_staff", "records_officer", "principal_a", "teacher", "contractor"]


@pytest.mark.parametrize("persona", STAFF)
def test_staff_see_the_link_and_the_form(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    home = client.get(reverse("home")).content
    assert links(home)["Report phishing"] == reverse("cases:phishing-report")
    page = client.get(reverse("cases:phishing-report"))
    assert page.status_code == 200
    assert "Who was it from?" in text(page.content)


@pytest.mark.parametrize("persona", ["student", "guardian", "no_role_user"])
def test_students_and_families_have_no_phishing_report(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert "Report phishing" not in links(client.get(reverse("home")).content)
    assert client.get(reverse("cases:phishing-report")).status_code == 403
    assert client.post(reverse("cases:phishing-report"), REPORT).status_code == 403
    assert not PhishingReport.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: Any) -> None:
    response = client.get(reverse("cases:phishing-report"))
    assert response["Location"].startswith(reverse("login"))


def test_a_report_is_stored_recorded_and_confirmed(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    response = client.post(reverse("cases:phishing-report"), REPORT, follow=True)
    report = PhishingReport.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "cases:phishing-report-detail", args=[report.pk]
    )
    page = text(response.content)
    assert "Your report has gone to the technology staff" in page
    assert "change your password now" in page
    assert report.reported_by == teacher
    assert report.sender == REPORT["sender"]
    assert report.subject == REPORT["subject"]
    assert report.suspicious_link == REPORT["suspicious_link"]
    assert report.interacted
    assert timezone.localtime(report.received_at).hour == 8
    event = AuditEvent.objects.get(action="phishing_report.created")
    assert event.actor == teacher
    assert event.object_id == str(report.pk)
    assert "203.0.113.5" not in str(event.changes)


def test_a_report_without_a_sender_is_refused(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    response = client.post(reverse("cases:phishing-report"), {**REPORT, "sender": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response.content)
    assert not PhishingReport.objects.exists()
    assert not AuditEvent.objects.filter(action="phishing_report.created").exists()


@pytest.mark.parametrize("persona", ["tech_staff", "district_admin"])
def test_tech_staff_list_and_open_every_report(
    client: Client, persona: str, request: pytest.FixtureRequest, teacher: Any
) -> None:
    report = PhishingReportFactory(reported_by=teacher, subject="Gift cards for the principal")
    client.force_login(request.getfixturevalue(persona))
    rows = table(
        client.get(reverse("cases:phishing-report-list")).content, "Phishing reports, newest first"
    )
    assert [row[0] for row in rows] == ["Gift cards for the principal"]
    detail = client.get(reverse("cases:phishing-report-detail", args=[report.pk]))
    assert detail.status_code == 200
    assert "Gift cards for the principal" in text(detail.content)
    assert "Tess Teacher" in text(detail.content)


@pytest.mark.parametrize("persona", ["teacher", "principal_a", "records_officer"])
def test_other_staff_have_no_list(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("cases:phishing-report-list")).status_code == 403


def test_a_report_is_seen_by_its_reporter_and_tech_staff_only(
    client: Client, teacher: Any, principal_a: Any
) -> None:
    report = PhishingReportFactory(reported_by=teacher)
    url = reverse("cases:phishing-report-detail", args=[report.pk])
    client.force_login(teacher)
    assert client.get(url).status_code == 200
    client.force_login(principal_a)
    assert client.get(url).status_code == 404
