"""Dashboards in a real browser: the dashboard, the staff report and the message log pass
axe-core and the Content Security Policy; "send a reminder now" works from the keyboard-
reachable form; the principal's numbers change when a family signs."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.policies import services
from openaup.policies.models import SigningCampaign
from openaup.policies.services import reminders
from tests.accounts.factories import UserFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.personas import World
from tests.policies.campaign_setup import make_versions, open_campaign

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign(transactional_db: None, district_admin: Any, world: World) -> SigningCampaign:
    campaign = open_campaign(district_admin, make_versions())
    services.sign_as_self(
        user=UserFactory(username="ava", person=world.student_a1),
        campaign=campaign,
        language="en",
        client_ip="198.51.100.4",
        user_agent="test",
    )
    reminders.send_reminders(campaign=campaign)
    return campaign


def figure(page: Any, name: str) -> str:
    return str(page.locator(f'[data-figure="{name}"]').inner_text())


def test_dashboard_pages_are_accessible_and_remind(
    page: Any, campaign: SigningCampaign, district_admin: Any, world: World
) -> None:
    sign_in(page, "admin")
    page.goto(f"/signing/campaigns/{campaign.pk}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("who has signed")
    expect(page.get_by_role("img", name="Students fully signed, cumulative")).to_have_count(0)
    assert_accessible(page, "the district dashboard")
    page.get_by_label("School", exact=True).select_option(label="School A")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Show every section").click()
    expect(page.get_by_role("table", name="By section")).to_be_visible()
    assert_accessible(page, "the dashboard of one school, every section")
    page.get_by_label("Where").select_option(label="School A")
    page.get_by_role("button", name="Send a reminder now").click()
    expect(page.get_by_text("Reminders are on their way")).to_be_visible()
    page.goto(f"/signing/campaigns/{campaign.pk}/staff/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("staff attestation")
    assert_accessible(page, "the staff attestation report")
    page.goto(f"/signing/campaigns/{campaign.pk}/messages/")
    expect(page.get_by_role("table", name="Messages")).to_be_visible()
    assert_accessible(page, "the message log")


def test_the_principal_sees_a_family_sign(
    page: Any, campaign: SigningCampaign, principal_a: Any, world: World
) -> None:
    sign_in(page, "principal.a")
    url = f"/signing/campaigns/{campaign.pk}/dashboard/"
    page.goto(url)
    partly_before = figure(page, "partly_signed")
    signed_before = figure(page, "signed")
    services.sign_for_children(
        guardian=world.guardian_person,
        campaign=campaign,
        children=[world.student_a1],
        went_over_with_child=True,
        language="en",
        client_ip=None,
        user_agent="test",
        user=UserFactory(username="gina", person=world.guardian_person),
    )
    page.goto(url)
    assert figure(page, "signed") != signed_before
    assert figure(page, "partly_signed") != partly_before
    expect(page.get_by_role("img", name="Students fully signed, cumulative")).to_be_visible()
    assert_accessible(page, "the principal's dashboard with a chart")
