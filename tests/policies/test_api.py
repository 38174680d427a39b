"""The campaigns and signatures API: counts per caller, scoping, recording a signature (for
oneself, on paper), errors as 400 with field messages, and query-count guards."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from openaup.directory.models import Person
from openaup.policies.choices import CampaignStatus, SignerRole
from openaup.policies.models import Signature
from openaup.policies.services.signatures import refresh_member
from tests.personas import World
from tests.policies.factories import (
    CampaignMemberFactory,
    PolicyTextFactory,
    PolicyVersionFactory,
    SignatureFactory,
    SigningCampaignFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(world: World) -> Any:
    """Every student is a member; Ava and her guardian signed, Dee only her guardian."""
    version = PolicyVersionFactory()
    PolicyTextFactory(version=version)
    campaign = SigningCampaignFactory(versions=[version])
    members = {
        person.given_name: CampaignMemberFactory(campaign=campaign, person=person, version=version)
        for person in Person.objects.filter(kind="student")
    }
    for name in ("Ava", "Dee"):
        member = members[name]
        if name == "Ava":
            SignatureFactory(member=member, version=version)
        SignatureFactory(
            member=member,
            version=version,
            signer=world.guardian_person,
            signer_role=SignerRole.GUARDIAN,
            went_over_with_child=True,
        )
        refresh_member(member)
    return campaign


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def counts(body: dict[str, Any]) -> tuple[int, int, int, int]:
    return (body["expected"], body["signed"], body["partly_signed"], body["not_signed"])


def test_counts_depend_on_who_asks(
    world: World,
    campaign: Any,
    district_admin: Any,
    principal_a: Any,
    principal_b: Any,
    teacher: Any,
) -> None:
    expected = {
        district_admin: (4, 1, 1, 2),
        principal_a: (3, 1, 0, 2),
        principal_b: (1, 0, 1, 0),
        teacher: (2, 1, 0, 1),
    }
    for user, numbers in expected.items():
        (row,) = client_for(user).get("/api/campaigns/").json()["results"]
        assert counts(row) == numbers, user
        detail = client_for(user).get(f"/api/campaigns/{campaign.pk}/").json()
        assert counts(detail) == numbers


def test_a_draft_campaign_is_not_found_for_a_principal(
    campaign: Any, principal_a: Any, district_admin: Any
) -> None:
    draft = SigningCampaignFactory(status=CampaignStatus.DRAFT, name="Next year")
    assert client_for(principal_a).get(f"/api/campaigns/{draft.pk}/").status_code == 404
    names = [c["name"] for c in client_for(district_admin).get("/api/campaigns/").json()["results"]]
    assert "Next year" in names


def test_campaign_list_queries_do_not_grow(campaign: Any, district_admin: Any) -> None:
    client = client_for(district_admin)

    def count() -> int:
        client.get("/api/campaigns/")  # the caller's roles are computed once, then cached
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/campaigns/").status_code == 200
        return len(queries)

    one = count()
    for year in range(2020, 2025):
        SigningCampaignFactory(name=f"{year} AUP", school_year=year)
    assert count() == one


def test_signatures_are_scoped_and_filtered(
    world: World, campaign: Any, principal_b: Any, guardian: Any, district_admin: Any
) -> None:
    mine = client_for(principal_b).get("/api/signatures/").json()["results"]
    assert {s["on_behalf_of"] for s in mine} == {world.student_b1.pk}
    gina = client_for(guardian).get("/api/signatures/").json()["results"]
    assert len(gina) == 3  # her own two and Ava's
    admin = client_for(district_admin)
    only_ava = admin.get("/api/signatures/", {"person": world.student_a1.pk}).json()["results"]
    assert {s["on_behalf_of_name"] for s in only_ava} == {world.student_a1.display_name}
    assert admin.get("/api/signatures/", {"campaign": 999999}).json()["results"] == []
    bad = admin.get("/api/signatures/", {"campaign": "x"})
    assert bad.status_code == 400
    assert "campaign" in bad.json()


def test_signature_list_queries_do_not_grow(campaign: Any, district_admin: Any) -> None:
    client = client_for(district_admin)

    def count() -> int:
        client.get("/api/signatures/")  # the caller's roles are computed once, then cached
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/signatures/").status_code == 200
        return len(queries)

    small = count()
    for member in campaign.members.filter(status="not_signed"):
        SignatureFactory(member=member, version=member.version)
    assert count() == small


def test_a_student_signs_for_themself(world: World, campaign: Any) -> None:
    from tests.accounts.factories import UserFactory

    ben = UserFactory(username="ben", person=world.student_a2)
    response = client_for(ben).post(
        "/api/signatures/", {"campaign": campaign.pk}, format="json", HTTP_USER_AGENT="Test/1"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["signer"], body["on_behalf_of"], body["method"]) == (
        world.student_a2.pk,
        world.student_a2.pk,
        "signed_in",
    )
    signature = Signature.objects.get(pk=body["id"])
    assert signature.user_agent == "Test/1"
    again = client_for(ben).post("/api/signatures/", {"campaign": campaign.pk}, format="json")
    assert again.json()["id"] == body["id"]  # idempotent: one record


def test_staff_record_a_paper_signature(world: World, campaign: Any, principal_a: Any) -> None:
    today = timezone.localdate()
    response = client_for(principal_a).post(
        "/api/signatures/",
        {
            "campaign": campaign.pk,
            "signer": world.student_a2.pk,
            "on_behalf_of": world.student_a2.pk,
            "signed_on": today.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["method"], body["paper_signed_on"]) == ("paper", today.isoformat())
    assert Signature.objects.get(pk=body["id"]).recorded_by == principal_a


def test_errors_are_400_with_field_messages_and_change_nothing(
    world: World, campaign: Any, principal_a: Any, principal_b: Any, guardian: Any
) -> None:
    before = Signature.objects.count()
    client = client_for(principal_a)
    partial = client.post(
        "/api/signatures/",
        {"campaign": campaign.pk, "signer": world.guardian_person.pk},
        format="json",
    )
    assert partial.status_code == 400
    assert set(partial.json()) == {"on_behalf_of", "signed_on"}
    unknown = client.post("/api/signatures/", {"campaign": 999999}, format="json")
    assert unknown.status_code == 400
    assert "campaign" in unknown.json()
    future = client.post(
        "/api/signatures/",
        {
            "campaign": campaign.pk,
            "signer": world.student_a2.pk,
            "on_behalf_of": world.student_a2.pk,
            "signed_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert future.status_code == 400
    assert "future" in future.json()["signed_on"][0]
    # Principal B cannot even name a student of A.
    other = client_for(principal_b).post(
        "/api/signatures/",
        {
            "campaign": campaign.pk,
            "signer": world.student_a2.pk,
            "on_behalf_of": world.student_a2.pk,
            "signed_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert other.status_code == 400
    assert "on_behalf_of" in other.json()
    # A guardian signs through their page or link, not as office staff.
    as_guardian = client_for(guardian).post(
        "/api/signatures/",
        {
            "campaign": campaign.pk,
            "signer": world.guardian_person.pk,
            "on_behalf_of": world.student_a1.pk,
            "signed_on": timezone.localdate().isoformat(),
            "went_over_with_child": True,
        },
        format="json",
    )
    assert as_guardian.status_code == 403
    campaign.status = CampaignStatus.CLOSED
    campaign.save()
    from tests.accounts.factories import UserFactory

    ben = UserFactory(username="ben", person=world.student_a2)
    closed = client_for(ben).post("/api/signatures/", {"campaign": campaign.pk}, format="json")
    assert closed.status_code == 400
    assert "not open" in closed.json()["campaign"][0]
    assert Signature.objects.count() == before


def test_anonymous_callers_are_refused(campaign: Any) -> None:
    assert APIClient().get("/api/campaigns/").status_code in (401, 403)
    assert APIClient().post("/api/signatures/", {}).status_code in (401, 403)
