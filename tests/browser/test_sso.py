"""Single sign-on in a real browser: the button on the sign-in page, the provider's own sign-in
page, and the way back, signed in (or refused, on an accessible page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test.utils import override_settings
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.directory.factories import GuardianFactory
from tests.oidc.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    LoopbackProvider,
    require_provider,
    running_provider,
)

pytestmark = pytest.mark.browser

ACCOUNTS = [
    {"sub": "gina", "email": "gina.guardian@district.example", "email_verified": True},
    {"sub": "stranger", "email": "stranger@elsewhere.example", "email_verified": True},
]


@pytest.fixture
def provider(live_server: Any) -> Iterator[LoopbackProvider]:
    require_provider()
    with running_provider(ACCOUNTS, redirect_uri=f"{live_server.url}/oidc/callback/") as running:
        yield running


@pytest.fixture
def tab(
    browser: Any,
    live_server: Any,
    provider: LoopbackProvider,
    transactional_db: None,
) -> Iterator[Any]:
    """A browser tab that may talk to the live server and the provider, and nothing else."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    allowed = {urlsplit(live_server.url).netloc, urlsplit(provider.issuer).netloc}
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            urlsplit(request.url).netloc not in allowed
            and request.url.startswith("http")
            and elsewhere.append(request.url)
        ),
    )
    with override_settings(
        OPENAUP_OIDC_ISSUER=provider.issuer,
        OPENAUP_OIDC_BUTTON_LABEL="Sign in with Maple Valley",
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
    ):
        yield page
    context.close()
    assert not elsewhere, f"pages loaded from other hosts: {elsewhere}"


def sign_in_with_provider(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Maple Valley").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def test_a_guardian_signs_in_with_the_district_provider(tab: Any) -> None:
    GuardianFactory(
        email="gina.guardian@district.example", given_name="Gina", family_name="Guardian"
    )

    sign_in_with_provider(tab, "gina.guardian@district.example")

    expect(tab).to_have_url(re.compile(r"/$"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome, Gina Guardian")


def test_a_stranger_is_refused_on_an_accessible_page(tab: Any) -> None:
    sign_in_with_provider(tab, "stranger@elsewhere.example")

    expect(tab.get_by_role("heading", level=1)).to_have_text("Not signed in")
    expect(tab.get_by_role("alert")).to_contain_text("no account for this email address")
    assert_accessible(tab, "refusal page")
