"""Monitoring in a real browser: the principal sees the school's report with its charts and
opens a student's timeline; the address lookup, counselors and monthly counts pages; every
page passes axe-core under the strict Content Security Policy."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openaup.monitoring import services
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.monitoring.factories import line, write_day
from tests.personas import World

pytestmark = pytest.mark.browser


@pytest.fixture
def decisions(transactional_db: None, world: World, settings: Any, tmp_path: Path) -> Any:
    settings.OPENAUP_MONITOR_DIR = tmp_path / "monitoring"
    settings.DATA_DIR = tmp_path
    world.student_a1.username = "ava.a"
    world.student_a1.save()
    # today in district time, even just after midnight (the timeline shows today)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=1, microsecond=0)
    now = max(timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10), midnight)
    lines = [line(now, user="ava.a", ip="10.10.0.7", profile="elementary", host="www.roblox.com",
                  action="block", category="games")] * 4  # fmt: skip
    lines += [line(now, user="ava.a", ip="10.10.0.7", profile="elementary",
                   host="www.tiktok.com", action="block", category="social_networks")]  # fmt: skip
    lines += [line(now, user="ava.a", ip="10.10.0.7", host="www.khanacademy.org")] * 3
    write_day(tmp_path / "filter-log", now.astimezone(datetime.UTC).date(), lines)
    services.ingest_decisions()
    return now


def test_the_principal_sees_the_schools_report_with_charts_and_a_timeline(
    page: Any, decisions: Any, principal_a: Any
) -> None:
    sign_in(page, "principal.a")
    page.goto("/monitoring/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Filter report: School A")
    expect(page.get_by_role("img", name="Top blocked sites")).to_be_visible()
    expect(page.get_by_role("img", name="Blocked requests per day")).to_be_visible()
    sites = page.get_by_role("table", name="Most blocked sites")
    expect(sites.locator("tbody tr").first).to_contain_text("www.roblox.com")
    expect(sites.locator("tbody tr").first).to_contain_text("4")
    expect(page.locator('[data-figure="blocked"]')).to_have_text("5")
    assert_accessible(page, "the school's filter report")

    page.get_by_role("link", name="A student's activity").click()
    assert_accessible(page, "finding a student")
    page.get_by_label("Student's name or user name").fill("Ava")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Ava").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("internet activity")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator('[data-figure="summary"]')).to_contain_text("5 blocked")
    assert_accessible(page, "a student's timeline")


def test_the_investigation_and_evidence_pages_are_accessible(
    page: Any, decisions: datetime.datetime, district_admin: Any
) -> None:
    sign_in(page, "admin")
    page.goto("/monitoring/ip/")
    assert_accessible(page, "the address lookup form")
    page.get_by_label("Client address").fill("10.10.0.7")
    at = timezone.localtime(decisions).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Date and time (district time)").fill(at)
    page.get_by_label("Reason (case or ticket)").fill("Ticket 4411")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("table").locator("tbody tr").first).to_contain_text("ava.a")
    assert_accessible(page, "the address lookup's answer")
    page.goto("/monitoring/counselors/")
    assert_accessible(page, "counselor designations")
    services.compute_monthly_counts(month=timezone.now().date())
    page.goto("/monitoring/monthly/")
    expect(page.get_by_role("table", name="Monthly counts")).to_contain_text("social_networks")
    assert_accessible(page, "monthly counts")
