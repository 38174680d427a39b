"""Pages and API of unblock requests and overrides, as the approvers use them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openaup.filtering.models import Override, UnblockRequest
from openaup.filtering.services.requests import create_unblock_request
from tests.directory.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def _ask(person: Any, host: str = "games.example", **changes: str) -> UnblockRequest:
    facts = {
        "host": host,
        "url": f"http://{host}/",
        "profile": "elementary",
        "category": "games",
        "rule": "block",
        "reason": "category",
        "client_ip": "",
        "user": person.username,
        "issued": str(int(timezone.now().timestamp())),
        **changes,
    }
    return create_unblock_request(actor=None, facts=facts, message="For class")


@pytest.fixture
def asked(world: Any, teacher: Any) -> UnblockRequest:
    world.student_a1.username = "ava.s"
    world.student_a1.save()
    return _ask(world.student_a1)


def test_the_teacher_approves_for_a_lesson_from_the_page(
    client: Client, asked: UnblockRequest, teacher: Any, world: Any
) -> None:
    client.force_login(teacher)
    queue = client.get(reverse("filtering:request-list"))
    assert "games.example" in queue.content.decode()
    page = client.get(reverse("filtering:request-detail", args=[asked.pk]))
    html = page.content.decode()
    assert "One lesson" in html
    assert 'name="ends_at"' not in html  # a teacher does not pick any end
    response = client.post(
        reverse("filtering:request-approve", args=[asked.pk]),
        {"duration": "lesson", "note": "OK for today"},
    )
    assert response.status_code == 302
    override = Override.objects.get()
    assert override.section == world.section_a
    assert round((override.ends_at - override.starts_at).total_seconds()) == 50 * 60
    after = client.get(reverse("filtering:request-detail", args=[asked.pk])).content.decode()
    assert "Approved" in after
    assert 'action="/filter/requests/' not in after  # decided: no more forms


def test_approving_without_a_duration_is_a_clear_error(
    client: Client, asked: UnblockRequest, teacher: Any
) -> None:
    client.force_login(teacher)
    response = client.post(reverse("filtering:request-approve", args=[asked.pk]), {})
    assert response.status_code == 400
    assert "usa-error-message" in response.content.decode()
    assert Override.objects.count() == 0


def test_a_principal_picks_an_end_and_a_bad_one_is_refused(
    client: Client, asked: UnblockRequest, principal_a: Any
) -> None:
    client.force_login(principal_a)
    page = client.get(reverse("filtering:request-detail", args=[asked.pk])).content.decode()
    assert 'name="ends_at"' in page
    past = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("filtering:request-approve", args=[asked.pk]), {"scope": "school", "ends_at": past}
    )
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert Override.objects.count() == 0


def test_a_locked_request_shows_it_cannot_be_overridden(
    client: Client, world: Any, tech_staff: Any
) -> None:
    world.student_a1.username = "ava.s"
    world.student_a1.save()
    # Made directly: the block page refuses a review of a locked block.
    unblock_request = UnblockRequest.objects.create(
        host="adult.example",
        rule="locked_block",
        category="adult",
        blocked_at=timezone.now(),
        scope="district",
    )
    client.force_login(tech_staff)
    page = client.get(reverse("filtering:request-detail", args=[unblock_request.pk]))
    assert "cannot be overridden" in page.content.decode()
    response = client.post(
        reverse("filtering:request-approve", args=[unblock_request.pk]), {"scope": "district"}
    )
    assert response.status_code == 400
    assert Override.objects.count() == 0


def test_deny_needs_a_note(client: Client, asked: UnblockRequest, principal_a: Any) -> None:
    client.force_login(principal_a)
    response = client.post(reverse("filtering:request-deny", args=[asked.pk]), {"note": ""})
    assert response.status_code == 400
    response = client.post(reverse("filtering:request-deny", args=[asked.pk]), {"note": "No."})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "denied"


def test_my_requests_shows_the_outcome_to_the_student(
    client: Client, asked: UnblockRequest, student: Any, teacher: Any
) -> None:
    from openaup.filtering.services.requests import deny_unblock_request

    deny_unblock_request(actor=teacher, unblock_request=asked, note="Try the library site.")
    client.force_login(student)
    html = client.get(reverse("filtering:my-requests")).content.decode()
    assert "games.example" in html
    assert "Not approved" in html
    assert "Try the library site." in html


def test_the_queue_and_overrides_list_cost_the_same_for_more_rows(
    client: Client, world: Any, tech_staff: Any
) -> None:
    def students(n: int) -> None:
        for i in range(n):
            person = StudentFactory(school=world.school_a, username=f"s{i}-{n}")
            EnrollmentFactory(section=world.section_a, person=person)
            request = _ask(person, host=f"site{i}-{n}.example")
            Override.objects.create(
                action="allow",
                host=request.host,
                scope="section",
                section=world.section_a,
                school=world.school_a,
                starts_at=timezone.now(),
                ends_at=timezone.now() + datetime.timedelta(hours=1),
                created_by=tech_staff,
            )

    client.force_login(tech_staff)
    counts = []
    for n in (2, 8):
        students(n)
        for name in ("filtering:request-list", "filtering:override-list", "filtering:my-requests"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name)).status_code == 200
            counts.append((name, len(queries)))
    assert counts[:3] == [(name, n) for (name, n) in counts[3:]], counts


def test_a_teacher_allows_a_site_for_their_class(client: Client, world: Any, teacher: Any) -> None:
    client.force_login(teacher)
    overrides = client.get(reverse("filtering:override-list")).content.decode()
    url = reverse("filtering:section-override", args=[world.section_a.pk])
    assert url in overrides
    bad = client.post(url, {"action": "allow", "host": "no site", "duration": "lesson"})
    assert bad.status_code == 400
    assert "Enter a site such as example.org" in bad.content.decode()
    response = client.post(
        url, {"action": "allow", "host": "https://maps.example/", "duration": "day"}
    )
    assert response.status_code == 302
    override = Override.objects.get()
    assert (override.host, override.scope, override.section) == (
        "maps.example",
        "section",
        world.section_a,
    )
    listing = client.get(reverse("filtering:override-list")).content.decode()
    assert "maps.example" in listing
    revoke = reverse("filtering:override-revoke", args=[override.pk])
    assert revoke in listing
    assert client.post(revoke).status_code == 302
    override.refresh_from_db()
    assert override.revoked_at is not None


def test_api_decides_and_refuses_an_end_before_the_start(
    client: Client, asked: UnblockRequest, tech_staff: Any, teacher: Any
) -> None:
    client.force_login(tech_staff)
    listing = client.get("/api/filter-requests/")
    assert listing.status_code == 200
    assert listing.json()["results"][0]["host"] == "games.example"
    start = timezone.now() + datetime.timedelta(days=1)
    response = client.post(
        "/api/filter-overrides/",
        {
            "action": "allow",
            "host": "maps.example",
            "scope": "district",
            "starts_at": start.isoformat(),
            "ends_at": (start - datetime.timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The end must be after the start."]}
    assert Override.objects.count() == 0
    approved = client.post(
        f"/api/filter-requests/{asked.pk}/approve/",
        {"scope": "district", "ends_at": start.isoformat()},
        content_type="application/json",
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    override = Override.objects.get()
    revoked = client.post(f"/api/filter-overrides/{override.pk}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    again = client.post(f"/api/filter-overrides/{override.pk}/revoke/")
    assert again.status_code == 400
    assert "already ended" in again.json()["non_field_errors"][0]


def test_the_schema_lists_the_endpoints(client: Client, tech_staff: Any) -> None:
    client.force_login(tech_staff)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for endpoint in (
        "/api/filter-requests/{id}/approve/",
        "/api/filter-requests/{id}/deny/",
        "/api/filter-overrides/",
        "/api/filter-overrides/{id}/revoke/",
    ):
        assert endpoint in schema
