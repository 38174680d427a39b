"""Changing the directory by hand: educational rights per guardian link, and departures."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.directory.models import GuardianLink, Person
from tests.personas import World

pytestmark = pytest.mark.django_db


def _link(world: World) -> GuardianLink:
    return GuardianLink.objects.get(student=world.student_a1, guardian=world.guardian_person)


def test_tech_staff_remove_educational_rights_with_a_reason(
    client: Client, tech_staff: Any, world: World
) -> None:
    link = _link(world)
    client.force_login(tech_staff)
    page = client.get(reverse("directory:person-detail", args=[world.student_a1.pk]))
    assert reverse("directory:guardian-link-rights", args=[link.pk]) in page.content.decode()

    response = client.post(
        reverse("directory:guardian-link-rights", args=[link.pk]),
        {"has_rights": "0", "reason": "Court order on file"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "directory:person-detail", args=[world.student_a1.pk]
    )
    assert "no longer has educational rights" in response.content.decode()
    link.refresh_from_db()
    assert (link.has_educational_rights, link.rights_set_locally) == (False, True)
    event = AuditEvent.objects.get(action="guardian_link.rights_set")
    assert event.reason == "Court order on file"
    assert event.person == world.student_a1
    assert event.actor == tech_staff


def test_a_reason_is_required_and_nothing_changes_without_it(
    client: Client, tech_staff: Any, world: World
) -> None:
    link = _link(world)
    client.force_login(tech_staff)
    response = client.post(
        reverse("directory:guardian-link-rights", args=[link.pk]),
        {"has_rights": "0", "reason": ""},
        follow=True,
    )
    assert "Reason: This field is required." in response.content.decode()
    link.refresh_from_db()
    assert link.has_educational_rights is True
    assert not AuditEvent.objects.filter(action="guardian_link.rights_set").exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("principal_a", 403), ("records_officer", 403), ("principal_b", 404), ("teacher", 403)],
)
def test_others_may_not_change_rights(
    client: Client, request: pytest.FixtureRequest, world: World, persona: str, status: int
) -> None:
    link = _link(world)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("directory:guardian-link-rights", args=[link.pk]),
        {"has_rights": "0", "reason": "because"},
    )
    assert response.status_code == status
    link.refresh_from_db()
    assert link.has_educational_rights is True


def test_rights_form_is_shown_only_to_those_who_may_change(
    client: Client, principal_a: Any, world: World
) -> None:
    client.force_login(principal_a)
    page = client.get(reverse("directory:person-detail", args=[world.student_a1.pk]))
    assert page.status_code == 200
    assert "guardian-links/" not in page.content.decode()
    assert "Mark as departed" not in page.content.decode()


def test_anonymous_posts_go_to_sign_in(client: Client, world: World) -> None:
    response = client.post(reverse("directory:person-depart", args=[world.student_a1.pk]), {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_tech_staff_mark_a_person_departed(client: Client, tech_staff: Any, world: World) -> None:
    client.force_login(tech_staff)
    day = timezone.localdate() - datetime.timedelta(days=3)
    response = client.post(
        reverse("directory:person-depart", args=[world.student_b1.pk]),
        {"departed_on": day.isoformat(), "reason": "Moved out of the district"},
        follow=True,
    )
    assert "is marked departed" in response.content.decode()
    person = Person.objects.get(pk=world.student_b1.pk)
    assert (person.status, person.departed_on) == ("departed", day)
    event = AuditEvent.objects.get(action="person.departed")
    assert (event.person, event.reason) == (person, "Moved out of the district")
    page = client.get(reverse("directory:person-detail", args=[person.pk])).content.decode()
    assert "Mark as departed" not in page


def test_a_bad_departure_date_changes_nothing(
    client: Client, tech_staff: Any, world: World
) -> None:
    client.force_login(tech_staff)
    response = client.post(
        reverse("directory:person-depart", args=[world.student_b1.pk]),
        {"departed_on": "2026-02-31", "reason": "x"},
        follow=True,
    )
    assert "Departed on: Enter a valid date." in response.content.decode()
    assert Person.objects.get(pk=world.student_b1.pk).status == "active"


def test_people_are_never_deleted(world: World) -> None:
    with pytest.raises(PermissionError, match="mark them departed"):
        world.student_a1.delete()
    with pytest.raises(PermissionError, match="mark them departed"):
        Person.objects.filter(pk=world.student_a2.pk).delete()
    assert Person.objects.filter(pk__in=[world.student_a1.pk, world.student_a2.pk]).count() == 2


def test_rights_can_be_changed_from_the_guardian_page_too(
    client: Client, district_admin: Any, world: World
) -> None:
    client.force_login(district_admin)
    student_page = client.get(reverse("directory:person-detail", args=[world.student_a1.pk]))
    assert student_page.content.decode().count("Change educational rights") == 1
    guardian_page = client.get(
        reverse("directory:person-detail", args=[world.guardian_person.pk])
    ).content.decode()
    assert guardian_page.count("Change educational rights") == 1
    for child in (world.student_a1, world.student_b1):
        link = GuardianLink.objects.get(student=child, guardian=world.guardian_person)
        assert reverse("directory:guardian-link-rights", args=[link.pk]) in guardian_page
