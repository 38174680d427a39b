"""The filter from end to end in the demo district, in Chromium.

Technology staff blocks a site for the middle-school profile and publishes; the compiled
snapshot decides with the new rule; the blocked student's block page (its link signed with
the district's key, as the helpers sign it) explains the rule and its AUP clause; the
student asks for a review; their teacher approves it for one lesson; the engine allows the
site during the lesson and blocks it again when the lesson has ended; the principal sees the
school's report with its charts.

The background worker's jobs (compiling a publication, ingesting the decision log) are run
here directly, as ``aup worker`` would run them.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from openaup.core.context import acting_as
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import load_demo_district
from openaup.directory.models import Enrollment, Person
from openaup.engine.decide import Engine
from openaup.engine.decision import FilterRequest
from openaup.engine.log import DecisionLog
from openaup.engine.snapshot import Snapshot
from openaup.filtering.models import Override, PolicyRevision, UnblockRequest
from openaup.filtering.paths import block_key_path, decision_log_dir, snapshot_path
from openaup.filtering.services.requests import ensure_block_key, expire_overrides
from openaup.filtering.tasks import compile_policy
from tests.accounts.factories import UserFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

SITE = "quizgames.example"
STUDENT_IP = "10.20.7.31"


@pytest.fixture
def district(transactional_db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.OPENAUP_FILTER_DIR = tmp_path / "filter"
    settings.DATA_DIR = tmp_path
    settings.OPENAUP_MONITOR_DIR = tmp_path / "monitoring"
    with acting_as(actor_repr="demo", channel="cli"):
        load_demo_district(actor=None, district=generate(60, seed=7))
    # A middle-school student in a section, and that section's teacher with a sign-in.
    enrollment = (
        Enrollment.objects.filter(
            role="student",
            is_active=True,
            person__school__name="Maple Valley Middle",
            person__status="active",
            section__enrollments__role="teacher",
            section__enrollments__is_active=True,
        )
        .exclude(person__username="")
        .select_related("person", "section")
        .order_by("pk")
        .first()
    )
    assert enrollment is not None
    teacher = Person.objects.filter(
        enrollments__section=enrollment.section,
        enrollments__role="teacher",
        enrollments__is_active=True,
    ).first()
    UserFactory(username="teacher.ms", person=teacher)
    return {"student": enrollment.person, "section": enrollment.section}


def compile_latest() -> PolicyRevision:
    revision = PolicyRevision.objects.order_by("-number").first()
    assert revision is not None
    compile_policy.call(revision.pk)
    revision.refresh_from_db()
    assert revision.status == "live", revision.error
    return revision


def engine() -> Engine:
    return Engine(Snapshot.open(snapshot_path()))


def as_user(page: Any, username: str, password: str | None = None) -> None:
    page.context.clear_cookies()
    sign_in(page, username, password or settings.OPENAUP_DEMO_PASSWORD)


def test_done_when(page: Any, district: dict[str, Any]) -> None:
    student = district["student"]
    user_name = student.username.lower()
    request = FilterRequest(
        url=f"http://{SITE}/play/level1?sid=9", client_ip=STUDENT_IP, user=user_name
    )
    assert engine().decide(request).allowed  # before the change

    # 1. Technology staff blocks the site for the middle-school profile and publishes.
    as_user(page, "tech")
    page.goto("/filter/profiles/middle/rules/new/")
    page.get_by_label("Name").fill("quiz-games")
    page.get_by_label("State").select_option("block")
    page.get_by_label("Hosts").fill(SITE)
    page.get_by_label("AUP clause").select_option(label="Network Usage, Filtering & Monitoring")
    page.get_by_role("button", name="Save the draft").click()
    page.goto("/filter/publish/")
    page.get_by_label("Note").fill("Block the quiz games site for middle school")
    page.get_by_role("button", name="Publish").click()
    compile_latest()

    # 2. A helper decides with the new rule: Squid's ACL helper on the published snapshot,
    # signing the block page's link with the district's key.
    decision = engine().decide(request)
    assert not decision.allowed
    assert decision.profile.split("@")[0] == "middle"
    assert decision.rule == "block"
    assert decision.clause == "network-usage-filtering-monitoring"
    ensure_block_key()
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "openaup.engine.cli",
            "squid-acl",
            "--snapshot",
            str(snapshot_path()),
            "--block-key",
            str(block_key_path()),
            "--log-dir",
            str(decision_log_dir()),
        ],
        input=f"{STUDENT_IP} {user_name} {quote(request.url, safe=':/')} -\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert answer.startswith("ERR "), answer
    token = unquote(re.search(r"message=(\S+)", answer).group(1))  # type: ignore[union-attr]

    # 3. The blocked student's block page explains the rule and its clause.
    page.context.clear_cookies()
    page.goto("/blocked?t=" + token)
    expect(page.get_by_role("heading", level=1)).to_have_text("This site is blocked")
    expect(page.locator(".usa-intro")).to_contain_text("Blocked for Middle school students")
    expect(page.locator(".usa-intro")).to_contain_text("(rule: block)")
    expect(page.get_by_text("sid=9")).to_have_count(0)
    clause = page.get_by_role("link", name="Network Usage, Filtering & Monitoring")
    assert "#network-usage-filtering-monitoring" in (clause.get_attribute("href") or "")
    assert_accessible(page, "block page")

    # 4. The student asks for a review.
    page.get_by_label("Why do you need this site?").fill("Our math class uses it today")
    page.get_by_role("button", name="Request a review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request has been sent")
    unblock_request = UnblockRequest.objects.get()
    assert unblock_request.person == student

    # 5. Their teacher approves it for one lesson; the policy is published again.
    as_user(page, "teacher.ms", password="correct horse battery staple")
    page.goto("/filter/requests/")
    page.get_by_role("link", name=SITE).click()
    page.get_by_label("For how long").select_option("lesson")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the site is open")).to_be_visible()
    override = Override.objects.get()
    assert override.section == district["section"]
    lesson = override.ends_at - override.starts_at
    assert lesson == datetime.timedelta(minutes=settings.OPENAUP_LESSON_MINUTES)
    assert f'id = "ov-{override.pk}"' in compile_latest().toml

    # 6. The site is open during the lesson and blocked again when it has ended.
    during = engine().decide(request)
    assert during.allowed
    assert during.reason == "override"
    after = FilterRequest(
        url=request.url,
        client_ip=STUDENT_IP,
        user=user_name,
        time=timezone.localtime(override.ends_at + datetime.timedelta(seconds=1)),
    )
    assert not engine().decide(after).allowed
    # The worker's expiry marks it and publishes the policy without it.
    assert expire_overrides(now=override.ends_at) == 1

    # 7. The principal sees the school's report with charts.
    log = DecisionLog(decision_log_dir()).start()
    decide = Engine(Snapshot.open(snapshot_path()), log=log)
    for _ in range(3):
        decide.decide(after)
    log.close()
    from openaup.monitoring.services import ingest_decisions

    ingest_decisions()
    as_user(page, "principal.ms")
    page.goto("/monitoring/")
    expect(page.locator("main")).to_contain_text(SITE)
    expect(page.locator("main svg, main figure").first).to_be_visible()
    assert_accessible(page, "the school's report")
