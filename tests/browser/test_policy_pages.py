"""Policy pages in a real browser: the public version page (English and Spanish, on a phone
too), the list and the diff pass axe-core; the table of contents jumps to its section."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.policies.demo import load_demo_policies
from openaup.policies.models import PolicyVersion
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def current(transactional_db: None) -> PolicyVersion:
    load_demo_policies()
    return PolicyVersion.objects.get(label="2026-27", audience="all")


def test_the_public_version_page(page: Any, current: PolicyVersion) -> None:
    page.goto(f"/policies/acceptable-use/{current.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acceptable Use Policy for Technology: All Users"
    )
    expect(page.get_by_text(current.sha256)).to_be_visible()
    assert_accessible(page, "the version page")
    contents = page.get_by_role("navigation", name="Contents")
    contents.get_by_role("link", name="Network Usage, Filtering & Monitoring").click()
    assert page.url.endswith("#network-usage-filtering-monitoring")
    expect(page.locator("#network-usage-filtering-monitoring")).to_be_in_viewport()
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Política de uso aceptable de la tecnología: todos los usuarios"
    )
    expect(page.locator("article[lang=es]")).to_be_visible()
    assert_accessible(page, "the Spanish version page")


def test_the_version_page_on_a_phone(page: Any, current: PolicyVersion) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/policies/acceptable-use/{current.pk}/?lang=es")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert_accessible(page, "the version page at 360 px")


def test_the_list_and_the_diff(page: Any, current: PolicyVersion) -> None:
    page.goto("/policies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Policies")
    expect(page.get_by_text("Retired: no longer signed")).to_be_visible()
    assert_accessible(page, "the policy list")
    old = PolicyVersion.objects.get(label="2025-26")
    page.goto(f"/policies/acceptable-use/diff/?from={old.pk}&to={current.pk}&lang=en")
    expect(page.get_by_text("sections changed", exact=False)).to_be_visible()
    expect(page.locator("ins").first).to_contain_text("added:")
    assert_accessible(page, "the diff page")


def test_writing_a_draft(page: Any, current: PolicyVersion, tech_staff: Any) -> None:
    from tests.browser.test_pages import sign_in

    sign_in(page, "tech")
    page.goto(f"/policies/acceptable-use/{current.pk}/")
    page.get_by_role("link", name="New version from this one").click()
    page.get_by_label("Label").fill("2027-28")
    assert_accessible(page, "the new version form")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_text("Draft.", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Edit the English text").click()
    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value() + "\n\n## New Rule\n\nBe <b>kind</b>.\n")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview (not saved)")).to_be_visible()
    expect(page.locator("#new-rule")).to_have_text("New Rule")
    assert_accessible(page, "the text editor with a preview")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("button", name="Publish and freeze")).to_be_visible()
    assert_accessible(page, "the publish confirmation")
    page.get_by_role("button", name="Publish and freeze").click()
    expect(page.get_by_text("The version is published.")).to_be_visible()
    draft = PolicyVersion.objects.get(label="2027-28")
    assert draft.status == "published"
    expect(page.get_by_text(draft.sha256)).to_be_visible()
