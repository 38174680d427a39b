"""Campaign pages in a real browser: every page passes axe-core, and a paper signature is
recorded and withdrawn with the keyboard-reachable forms."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.policies import services
from openaup.policies.choices import SigningStatus
from openaup.policies.models import CampaignMember, SigningCampaign
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.personas import World
from tests.policies.campaign_setup import make_versions, open_campaign

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign(transactional_db: None, district_admin: Any, world: World) -> SigningCampaign:
    campaign = open_campaign(district_admin, make_versions())
    services.sign_as_self(
        user=district_admin.__class__.objects.create(username="ava", person=world.student_a1),
        campaign=campaign,
        language="en",
        client_ip="198.51.100.4",
        user_agent="test",
    )
    return campaign


def test_every_campaign_page_is_accessible(
    page: Any, campaign: SigningCampaign, district_admin: Any, world: World
) -> None:
    sign_in(page, "admin")
    page.goto("/signing/campaigns/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing campaigns")
    assert_accessible(page, "the campaign list")
    page.get_by_role("link", name="2026-27 AUP", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026-27 AUP")
    assert_accessible(page, "the campaign page")
    page.get_by_role("link", name="Change settings").click()
    expect(page.get_by_label("Due on")).to_be_visible()
    assert_accessible(page, "the settings form of an open campaign")
    page.goto("/signing/campaigns/new/")
    page.get_by_label("Due on").fill("2020-01-01")
    page.get_by_role("button", name="Create the campaign").click()
    expect(page.get_by_text("is before the opening date")).to_be_visible()
    assert_accessible(page, "the new campaign form with errors")
    page.goto(f"/signing/campaigns/{campaign.pk}/members/")
    assert_accessible(page, "the member list")
    page.get_by_label("Name or student number").fill(world.student_a1.given_name)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=world.student_a1.sort_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.student_a1.display_name)
    assert_accessible(page, "a member's page")


def test_a_paper_signature_and_its_withdrawal(
    page: Any, campaign: SigningCampaign, district_admin: Any, world: World
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    member = CampaignMember.objects.get(campaign=campaign, person=world.student_a1)
    sign_in(page, "admin")
    page.goto(f"/signing/members/{member.pk}/")
    page.get_by_label("Signed by").select_option(
        label=f"{world.guardian_person.display_name} (Parent)"
    )
    page.get_by_label("went over the policy", exact=False).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Record the paper signature").click()
    expect(page.get_by_text("The paper signature of")).to_be_visible()
    member.refresh_from_db()
    assert member.status == SigningStatus.SIGNED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "a member's page with signatures, at 390 px")
    field = page.get_by_label(
        f"Why withdraw the signature of {world.guardian_person.display_name}", exact=False
    )
    field.fill("Recorded for the wrong child.")
    field.press("Enter")
    expect(page.get_by_text("Withdrawn: Recorded for the wrong child.")).to_be_visible()
    member.refresh_from_db()
    assert member.status == SigningStatus.PARTLY_SIGNED
