"""The record of access in a real browser: a principal opens a child's record, the child's
guardian then sees that in "Who has seen your records"; the audit trail and an event's page
for a district administrator; axe-core on each."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.personas import World

pytestmark = pytest.mark.browser


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_guardian_sees_who_viewed_their_childs_record(
    page: Any, world: World, principal_a: Any, guardian: Any
) -> None:
    ava = world.student_a1
    sign_in(page, "principal.a")
    page.goto(f"/directory/people/{ava.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ava.display_name)
    sign_out(page)

    sign_in(page, "guardian")
    page.get_by_role("link", name="Who has seen your records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has seen your records")
    record = page.get_by_role("table", name=f"Record of access for {ava.display_name}")
    viewed = record.locator("tbody tr").filter(has_text="Pat PrincipalA")
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("Principal / school administrator, School A")
    expect(viewed).to_contain_text("Viewed")
    # The other child's record is there too, and nobody else's.
    expect(page.get_by_role("heading", name=world.student_b1.display_name)).to_be_visible()
    expect(page.get_by_text(world.student_a2.display_name)).to_have_count(0)
    assert_accessible(page, "the record of access")


def test_a_district_admin_reads_the_trail_and_an_event(
    page: Any, world: World, principal_a: Any, district_admin: Any
) -> None:
    sign_in(page, "principal.a")
    page.goto(f"/directory/people/{world.student_a1.pk}/")
    sign_out(page)

    sign_in(page, "admin")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    events = page.get_by_role("table", name="Audit events").locator("tbody tr")
    viewed = events.filter(has_text="student.viewed")
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("Pat PrincipalA")
    assert_accessible(page, "the audit trail")

    page.get_by_label("Action").select_option("student.viewed")
    page.get_by_role("button", name="Search").click()
    expect(events).to_have_count(1)
    events.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("student.viewed")
    expect(page.get_by_text("Previous hash")).to_be_visible()
    assert_accessible(page, "an audit event")
