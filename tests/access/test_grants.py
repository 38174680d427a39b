"""Contractors' access grants: who may give, extend and revoke them, what a live grant lets a
contractor see, and that nothing shows once it has ended or been revoked."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.access.models import AccessGrant
from openaup.access.services import extend_access, grant_access, revoke_access
from openaup.audit.models import AuditEvent
from openaup.directory.models import GuardianLink, Person, Section
from tests.access.factories import AccessGrantFactory
from tests.accounts.factories import RoleAssignmentFactory
from tests.directory.factories import StaffFactory
from tests.personas import World

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def visible_names(user: Any, queryset: Any = None) -> set[str]:
    queryset = queryset if queryset is not None else Person.objects.all()
    return {p.given_name for p in queryset.visible_to(user)}


@pytest.fixture
def sponsor(world: World) -> Person:
    return StaffFactory(school=world.school_a, given_name="Sam", family_name="Sponsor")


def give(actor: Any, contractor: Any, sponsor: Person, **overrides: Any) -> AccessGrant:
    terms: dict[str, Any] = {
        "school": None,
        "categories": ["directory"],
        "purpose": "Library system set-up.",
        "starts_on": TODAY(),
        "ends_on": days(30),
    }
    terms.update(overrides)
    return grant_access(actor=actor, contractor=contractor.person, sponsor=sponsor, **terms)


# -- giving, extending, revoking ------------------------------------------------------------


def test_tech_staff_give_access_and_the_trail_records_it(
    world: World, tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    grant = give(tech_staff, contractor, sponsor, school=world.school_b)
    assert grant.state == "live"
    assert grant.created_by == tech_staff
    event = AuditEvent.objects.get(action="access_grant.created")
    assert event.actor == tech_staff
    assert event.person_id == contractor.person.pk
    assert event.changes["school"] == world.school_b.pk
    assert event.changes["categories"] == ["directory"]
    assert event.reason == "Library system set-up."


@pytest.mark.parametrize(
    "persona", ["principal_a", "teacher", "records_officer", "guardian", "contractor"]
)
def test_only_tech_staff_and_admins_give_access(
    request: pytest.FixtureRequest, persona: str, contractor: Any, sponsor: Person
) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        give(actor, contractor, sponsor)
    assert not AccessGrant.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access_grant").exists()


def test_district_admins_give_access(district_admin: Any, contractor: Any, sponsor: Person) -> None:
    assert give(district_admin, contractor, sponsor).state == "live"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": days(366)}, "ends_on"),
        ({"ends_on": days(-1), "starts_on": days(-10)}, "ends_on"),
        ({"starts_on": days(5), "ends_on": days(4)}, "ends_on"),
        ({"starts_on": days(-3)}, "starts_on"),
        ({"categories": []}, "categories"),
        ({"categories": ["guardian_contacts"]}, "categories"),
        ({"categories": ["directory", "grades"]}, "categories"),
        ({"purpose": "  "}, "purpose"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_written(
    tech_staff: Any, contractor: Any, sponsor: Person, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        give(tech_staff, contractor, sponsor, **overrides)
    assert field in caught.value.message_dict
    assert not AccessGrant.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access_grant").exists()


def test_a_year_is_the_longest_term(tech_staff: Any, contractor: Any, sponsor: Person) -> None:
    assert give(tech_staff, contractor, sponsor, ends_on=days(365)).ends_on == days(365)


def test_the_sponsor_is_an_active_district_employee(
    world: World, tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    with pytest.raises(ValidationError, match="active district employee"):
        give(tech_staff, contractor, world.guardian_person)
    sponsor.status, sponsor.departed_on = "departed", days(-1)
    sponsor.save()
    with pytest.raises(ValidationError, match="active district employee"):
        give(tech_staff, contractor, sponsor)
    assert not AccessGrant.objects.exists()


def test_access_is_given_to_contractors_only(
    world: World, tech_staff: Any, sponsor: Person, guardian: Any
) -> None:
    with pytest.raises(ValidationError, match="contractors"):
        give(tech_staff, guardian, sponsor)


def test_extending_moves_the_end_date_and_records_both(
    tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    grant = give(tech_staff, contractor, sponsor)
    extend_access(actor=tech_staff, grant=grant, ends_on=days(90), reason="Project runs longer.")
    grant.refresh_from_db()
    assert grant.ends_on == days(90)
    event = AuditEvent.objects.get(action="access_grant.extended")
    assert event.changes == {"ends_on": [days(30).isoformat(), days(90).isoformat()]}
    assert event.reason == "Project runs longer."


def test_extensions_stay_within_a_year_and_later_than_before(
    tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    grant = give(tech_staff, contractor, sponsor)
    for ends_on in (days(400), days(10)):
        with pytest.raises(ValidationError):
            extend_access(actor=tech_staff, grant=grant, ends_on=ends_on, reason="More time.")
    grant.refresh_from_db()
    assert grant.ends_on == days(30)


def test_revoking_ends_access_now_and_cannot_be_extended(
    tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    grant = give(tech_staff, contractor, sponsor)
    revoke_access(actor=tech_staff, grant=grant, reason="Contract ended early.")
    grant.refresh_from_db()
    assert grant.state == "revoked"
    assert grant.revoked_by == tech_staff
    assert AuditEvent.objects.get(action="access_grant.revoked").reason == "Contract ended early."
    with pytest.raises(ValidationError, match="revoked"):
        extend_access(actor=tech_staff, grant=grant, ends_on=days(60), reason="Oops.")


def test_others_cannot_extend_or_revoke(
    principal_a: Any, records_officer: Any, contractor: Any
) -> None:
    grant = AccessGrantFactory(contractor=contractor.person)
    for actor in (principal_a, records_officer, contractor):
        with pytest.raises(PermissionDenied):
            revoke_access(actor=actor, grant=grant, reason="No.")
        with pytest.raises(PermissionDenied):
            extend_access(actor=actor, grant=grant, ends_on=days(60), reason="No.")
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert grant.ends_on == days(30)


# -- what a contractor sees -----------------------------------------------------------------


def test_without_a_grant_a_contractor_sees_only_themself(world: World, contractor: Any) -> None:
    assert visible_names(contractor) == {"Cory"}
    assert not GuardianLink.objects.visible_to(contractor).exists()


def test_a_school_grant_shows_that_schools_students_only(world: World, contractor: Any) -> None:
    AccessGrantFactory(contractor=contractor.person, school=world.school_a)
    assert visible_names(contractor) == {"Cory", "Ava", "Ben", "Cal"}
    # Directory only: no guardians, no contact details, no class lists.
    assert not GuardianLink.objects.visible_to(contractor).exists()
    assert not Section.objects.visible_to(contractor).exists()


def test_guardian_contacts_need_their_category(world: World, contractor: Any) -> None:
    AccessGrantFactory(
        contractor=contractor.person, school=world.school_b, includes_guardian_contacts=True
    )
    assert visible_names(contractor) == {"Cory", "Dee", "Gina"}
    links = GuardianLink.objects.visible_to(contractor)
    assert {(link.student.given_name, link.guardian.given_name) for link in links} == {
        ("Dee", "Gina")
    }


def test_a_district_grant_shows_every_student(world: World, contractor: Any) -> None:
    AccessGrantFactory(contractor=contractor.person, school=None)
    assert visible_names(contractor) == {"Cory", "Ava", "Ben", "Cal", "Dee"}


@pytest.mark.parametrize(
    "terms",
    [
        {"starts_on": days(-40), "ends_on": days(-1)},
        {"starts_on": days(1), "ends_on": days(10)},
        {"revoked_at": timezone.now()},
    ],
    ids=["expired", "not started", "revoked"],
)
def test_a_grant_that_is_not_live_shows_nothing(
    world: World, contractor: Any, terms: dict[str, Any]
) -> None:
    AccessGrantFactory(
        contractor=contractor.person, includes_guardian_contacts=True, school=None, **terms
    )
    assert visible_names(contractor) == {"Cory"}
    assert not GuardianLink.objects.visible_to(contractor).exists()


def test_the_last_day_is_included(world: World, contractor: Any) -> None:
    AccessGrantFactory(contractor=contractor.person, starts_on=days(-30), ends_on=TODAY())
    assert "Dee" in visible_names(contractor)


def test_a_contractor_cannot_change_what_they_see(world: World, contractor: Any) -> None:
    AccessGrantFactory(contractor=contractor.person)
    assert not Person.objects.visible_to(contractor, "change").exists()


# -- pages ----------------------------------------------------------------------------------


def test_the_list_shows_grants_by_state(client: Client, tech_staff: Any, contractor: Any) -> None:
    AccessGrantFactory(contractor=contractor.person, purpose="Live one")
    AccessGrantFactory(
        contractor=contractor.person, starts_on=days(-40), ends_on=days(-1), purpose="Old"
    )
    AccessGrantFactory(contractor=contractor.person, revoked_at=timezone.now())
    client.force_login(tech_staff)
    url = reverse("access:grant-list")
    assert len(client.get(url).context["grants"]) == 3
    for state, states in (("live", ["live"]), ("expired", ["expired"]), ("revoked", ["revoked"])):
        grants = client.get(url, {"state": state}).context["grants"]
        assert [grant.state for grant in grants] == states


def test_a_contractor_sees_their_own_grants_only(
    client: Client, world: World, contractor: Any
) -> None:
    own = AccessGrantFactory(contractor=contractor.person)
    other = AccessGrantFactory()
    client.force_login(contractor)
    assert list(client.get(reverse("access:grant-list")).context["grants"]) == [own]
    assert client.get(reverse("access:grant-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("access:grant-detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("access:grant-revoke", args=[own.pk]), {"reason": "Mine"})
    assert response.status_code == 403


def test_tech_staff_give_extend_and_revoke_on_the_pages(
    client: Client, world: World, tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    client.force_login(tech_staff)
    assert client.get(reverse("access:grant-create")).status_code == 200
    response = client.post(
        reverse("access:grant-create"),
        {
            "contractor": contractor.person.pk,
            "sponsor": sponsor.pk,
            "school": world.school_a.pk,
            "categories": ["directory", "guardian_contacts"],
            "purpose": "Messaging system set-up.",
            "starts_on": TODAY().isoformat(),
            "ends_on": days(60).isoformat(),
        },
    )
    grant = AccessGrant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("access:grant-detail", args=[grant.pk])
    assert grant.school == world.school_a
    assert grant.categories == ["directory", "guardian_contacts"]
    client.post(
        reverse("access:grant-extend", args=[grant.pk]),
        {"ends_on": days(90).isoformat(), "reason": "Longer project."},
    )
    client.post(reverse("access:grant-revoke", args=[grant.pk]), {"reason": "Done early."})
    grant.refresh_from_db()
    assert (grant.ends_on, grant.state) == (days(90), "revoked")
    page = client.get(reverse("access:grant-detail", args=[grant.pk])).content.decode()
    assert "Done early." in page


def test_the_form_says_what_is_wrong_and_writes_nothing(
    client: Client, tech_staff: Any, contractor: Any, sponsor: Person
) -> None:
    client.force_login(tech_staff)
    response = client.post(
        reverse("access:grant-create"),
        {
            "contractor": contractor.person.pk,
            "sponsor": sponsor.pk,
            "categories": ["directory"],
            "purpose": "Too long.",
            "starts_on": TODAY().isoformat(),
            "ends_on": days(500).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "at most 365 days" in response.content.decode()
    assert not AccessGrant.objects.exists()


# -- a school's technology staff (the school-bearing form) -----------------------------------


@pytest.fixture
def school_tech(world: World) -> Any:
    """Technology staff assigned to school A only."""
    return RoleAssignmentFactory(
        user__username="tech.a", role="tech_staff", school=world.school_a
    ).user


def test_school_tech_staff_give_access_to_their_school_only(
    world: World, school_tech: Any, contractor: Any, sponsor: Person
) -> None:
    grant = give(school_tech, contractor, sponsor, school=world.school_a)
    assert grant.school == world.school_a
    for school in (world.school_b, None):
        with pytest.raises(PermissionDenied):
            give(school_tech, contractor, sponsor, school=school)
    assert list(AccessGrant.objects.all()) == [grant]
    assert AuditEvent.objects.filter(action="access_grant.created").count() == 1


def test_school_tech_staff_manage_their_schools_grants_only(
    world: World, school_tech: Any, contractor: Any
) -> None:
    own = AccessGrantFactory(contractor=contractor.person, school=world.school_a)
    other = AccessGrantFactory(contractor=contractor.person, school=world.school_b)
    district = AccessGrantFactory(contractor=contractor.person, school=None)
    assert list(AccessGrant.objects.visible_to(school_tech)) == [own]
    revoke_access(actor=school_tech, grant=own, reason="Ended.")
    for grant in (other, district):
        with pytest.raises(PermissionDenied):
            revoke_access(actor=school_tech, grant=grant, reason="Ended.")


def test_the_list_costs_the_same_few_queries_for_many_grants(
    client: Client, tech_staff: Any, django_assert_max_num_queries: Any
) -> None:
    AccessGrantFactory.create_batch(3)
    client.force_login(tech_staff)
    url = reverse("access:grant-list")
    client.get(url)
    AccessGrantFactory.create_batch(20)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["grants"]) == 23


def test_the_grant_list_runs_to_a_second_page(client: Client, tech_staff: Any) -> None:
    AccessGrantFactory.create_batch(51)
    client.force_login(tech_staff)
    first = client.get("/access/grants/").content.decode()
    assert 'aria-label="Pages of access grants"' in first
    assert 'href="?page=2"' in first
    second = client.get("/access/grants/?page=2")
    assert second.status_code == 200
    assert second.content.decode().count('data-label="State"') == 1
