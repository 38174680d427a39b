"""The block page in a real browser on a phone 360 px wide, in English and Spanish, a review
request sent from it, and the approver's pages: axe-core on each, no sideways scrolling."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.engine.blocktoken import sign
from openaup.filtering.models import Category, FilterProfile, UnblockRequest
from openaup.filtering.services.requests import ensure_block_key
from openaup.policies.demo import load_demo_policies
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
FACTS = {
    "host": "games.example",
    "url": "http://games.example/a/very/long/path/that/must/wrap/on/a/small/phone/screen.html",
    "profile": "elementary",
    "category": "games",
    "list": "ut1/games",
    "rule": "block",
    "reason": "category",
    "clause": "Network Usage, Filtering & Monitoring",
    "client_ip": "10.20.3.4",
    "user": "ava.s",
}


def block_link(**changes: str) -> str:
    return "/blocked?t=" + sign({**FACTS, **changes}, ensure_block_key(), int(time.time()))


def on_phone(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width}px)"
    assert_accessible(page, what)


@pytest.fixture
def district(world: Any) -> Any:
    load_demo_policies()
    FilterProfile.objects.create(name="elementary", title="Elementary students")
    Category.objects.create(name="games", title="Games")
    world.student_a1.username = "ava.s"
    world.student_a1.save()
    return world


def test_the_block_page_on_a_phone_in_english_and_spanish(page: Any, district: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(block_link())
    expect(page.get_by_role("heading", level=1)).to_have_text("This site is blocked")
    expect(page.locator(".usa-intro")).to_contain_text(
        "Blocked for Elementary students by the district's filter: category Games (rule: block)."
    )
    clause = page.get_by_role("link", name="Network Usage, Filtering & Monitoring")
    assert "#network-usage-filtering-monitoring" in (clause.get_attribute("href") or "")
    on_phone(page, "block page")

    page.get_by_role("link", name="Español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Este sitio está bloqueado")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    on_phone(page, "block page in Spanish")

    clause_es = page.locator("dd a").first
    clause_es.click()
    expect(page).to_have_url(re.compile(r"/policies/acceptable-use/\d+/\?lang=es#"))


def test_a_review_request_from_the_block_page(page: Any, district: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(block_link())
    page.get_by_label("Why do you need this site?").fill("Fractions practice in class")
    page.get_by_role("button", name="Request a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request has been sent")
    on_phone(page, "review request sent")
    unblock_request = UnblockRequest.objects.get()
    assert unblock_request.person == district.student_a1


def test_a_forged_link_and_a_locked_block(page: Any, district: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/blocked?t=made-up.link")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be verified")
    on_phone(page, "block page with a forged link")
    page.goto(block_link(rule="locked_block", category="adult"))
    expect(page.get_by_text("This block cannot be reviewed")).to_be_visible()
    expect(page.get_by_role("button", name="Request a review")).to_have_count(0)
    on_phone(page, "block page of a locked block")


def test_the_teacher_approves_from_the_queue(page: Any, district: Any, teacher: Any) -> None:
    page.goto(block_link())
    page.get_by_label("Why do you need this site?").fill("Fractions game")
    page.get_by_role("button", name="Request a review").click()
    sign_in(page, "teacher")
    page.goto("/filter/requests/")
    assert_accessible(page, "review queue")
    page.get_by_role("link", name="games.example").click()
    expect(page).to_have_url(re.compile(r"/filter/requests/\d+/$"))
    assert_accessible(page, "request page")
    page.get_by_label("For how long").select_option("lesson")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the site is open")).to_be_visible()
    page.goto("/filter/overrides/")
    expect(page.get_by_role("button", name="End games.example now")).to_be_visible()
    assert_accessible(page, "overrides")
    page.get_by_role("link", name=district.section_a.title).click()
    assert_accessible(page, "section override form")


def test_my_requests_for_a_student(page: Any, district: Any, student: Any) -> None:
    page.goto(block_link())
    page.get_by_label("Why do you need this site?").fill("Homework")
    page.get_by_role("button", name="Request a review").click()
    page.set_viewport_size(PHONE)
    sign_in(page, "student")
    page.goto("/filter/my-requests/")
    expect(page.get_by_role("table")).to_contain_text("games.example")
    on_phone(page, "my requests")
