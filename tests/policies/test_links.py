"""Guardians' personal signing links: single-use, expiring, bound, revocable."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from openaup.policies import services
from openaup.policies.models import Signature, SigningCampaign, SigningLink
from openaup.policies.services.links import LinkError, hash_token
from tests.personas import World
from tests.policies.campaign_setup import make_versions, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(district_admin: Any, world: World) -> SigningCampaign:
    return open_campaign(district_admin, make_versions(), link_valid_days=10)


def sign_with(link: SigningLink, world: World) -> list[Signature]:
    return services.sign_for_children(
        guardian=link.guardian,
        campaign=link.campaign,
        children=[world.student_a1],
        went_over_with_child=True,
        language="en",
        client_ip=None,
        user_agent="test",
        link=link,
    )


def test_a_link_resolves_to_its_guardian_and_campaign(
    campaign: SigningCampaign, world: World
) -> None:
    link, token = services.issue_link(
        campaign=campaign, guardian=world.guardian_person, sent_to="gina@example.org"
    )
    assert len(token) >= 43
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash
    assert not SigningLink.objects.filter(token_hash=token).exists()
    expected = timezone.now() + datetime.timedelta(days=10)
    assert abs((link.expires_at - expected).total_seconds()) < 60
    resolved = services.resolve_link(token)
    assert (resolved.pk, resolved.guardian, resolved.campaign) == (
        link.pk,
        world.guardian_person,
        campaign,
    )


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 5000])
def test_an_altered_or_made_up_token_is_unknown(
    campaign: SigningCampaign, world: World, token: str
) -> None:
    services.issue_link(campaign=campaign, guardian=world.guardian_person)
    with pytest.raises(LinkError) as error:
        services.resolve_link(token)
    assert error.value.reason == "unknown"


def test_one_altered_character_is_unknown(campaign: SigningCampaign, world: World) -> None:
    _link, token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkError) as error:
        services.resolve_link(altered)
    assert error.value.reason == "unknown"
    assert "not valid" in str(error.value)


def test_an_expired_link(campaign: SigningCampaign, world: World) -> None:
    link, token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    SigningLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(LinkError) as error:
        services.resolve_link(token)
    assert error.value.reason == "expired"
    link.refresh_from_db()
    with pytest.raises(LinkError):
        sign_with(link, world)
    assert not Signature.objects.exists()


def test_a_link_is_used_once(campaign: SigningCampaign, world: World) -> None:
    link, token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    sign_with(services.resolve_link(token), world)
    with pytest.raises(LinkError) as error:
        services.resolve_link(token)
    assert error.value.reason == "used"
    with pytest.raises(LinkError):
        sign_with(link, world)
    assert Signature.objects.count() == 1


def test_a_newer_link_revokes_the_older_unused_one(campaign: SigningCampaign, world: World) -> None:
    _old, old_token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    _new, new_token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    with pytest.raises(LinkError) as error:
        services.resolve_link(old_token)
    assert error.value.reason == "revoked"
    assert services.resolve_link(new_token).pk == _new.pk
    other, other_token = services.issue_link(
        campaign=campaign, guardian=world.other_guardian_person
    )
    assert services.resolve_link(new_token).pk == _new.pk  # another guardian's link: no effect
    assert services.resolve_link(other_token).pk == other.pk


def test_a_closed_campaigns_link(
    campaign: SigningCampaign, world: World, district_admin: Any
) -> None:
    _link, token = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    services.close_campaign(actor=district_admin, campaign=campaign)
    with pytest.raises(LinkError) as error:
        services.resolve_link(token)
    assert error.value.reason == "closed"


def test_a_link_is_bound_to_its_guardian(campaign: SigningCampaign, world: World) -> None:
    link, _token = services.issue_link(campaign=campaign, guardian=world.other_guardian_person)
    with pytest.raises(LinkError):
        services.sign_for_children(
            guardian=world.guardian_person,
            campaign=campaign,
            children=[world.student_a1],
            went_over_with_child=True,
            language="en",
            client_ip=None,
            user_agent="test",
            link=link,
        )
    assert not Signature.objects.exists()
