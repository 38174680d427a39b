"""The filter's profile and publishing pages in a real browser: each passes axe-core, and
tech staff change the middle-school profile, publish it, and see it live once the worker
has compiled it — after which a running Squid helper decides with the new rule."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from openaup.engine.decide import Engine
from openaup.engine.decision import FilterRequest
from openaup.engine.snapshot import Snapshot
from openaup.filtering import paths
from openaup.filtering.models import PolicyRevision
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.filtering import profile_setup

pytestmark = pytest.mark.browser

demo_filter = profile_setup.demo_filter
filter_dir = profile_setup.filter_dir

PAGES = [
    ("/filter/profiles/", "Filter profiles"),
    ("/filter/profiles/middle/", "Middle school students middle"),
    ("/filter/profiles/middle/edit/", "Edit Middle school students"),
    ("/filter/profiles/middle/rules/new/", "New rule"),
    ("/filter/profiles/middle/delete/", "Delete Middle school students middle"),
    ("/filter/profiles/new/", "New profile"),
    ("/filter/categories/", "Filter categories"),
    ("/filter/categories/games/", "Category games"),
    ("/filter/schedules/", "Filter schedules"),
    ("/filter/assignments/", "Who gets which profile"),
    ("/filter/publish/", "Publish the filter"),
    ("/filter/status/", "Filter status"),
]


def decide(url: str, profile: str) -> str:
    snap = Snapshot.open(paths.snapshot_path())
    try:
        return Engine(snap).decide(FilterRequest(url), profile).action
    finally:
        snap.close()


def start_helper() -> subprocess.Popen[bytes]:
    """``aup filter squid-acl`` as Squid runs it, for the middle school, on the live snapshot."""
    return subprocess.Popen(
        [sys.executable, "-m", "openaup.engine.cli", "squid-acl", "--snapshot",
         str(paths.snapshot_path()), "--profile", "middle", "--no-log"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )  # fmt: skip


def ask(helper: subprocess.Popen[bytes], url: str) -> bytes:
    assert helper.stdin is not None
    assert helper.stdout is not None
    helper.stdin.write(f"10.2.0.9 - {url}\n".encode())
    helper.stdin.flush()
    return helper.stdout.readline()


def test_every_filter_page_passes_axe(
    page: Any, tech_staff: Any, demo_filter: PolicyRevision
) -> None:
    sign_in(page, "tech")
    for url, heading in PAGES:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page, url)


def test_tech_staff_change_the_middle_profile_and_publish_it(
    page: Any, tech_staff: Any, demo_filter: PolicyRevision, request: Any
) -> None:
    assert decide("http://play.example/", "middle") == "block"
    helper = start_helper()
    request.addfinalizer(helper.kill)
    assert ask(helper, "http://play.example/").startswith(b"ERR")
    sign_in(page, "tech")
    page.goto("/filter/profiles/middle/")
    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Name", exact=True).fill("coding-club")
    page.get_by_label("State").select_option("locked_allow")
    page.get_by_label("Hosts").fill("play.example")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("cell", name="play.example")).to_be_visible()

    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.locator("#draft-state")).to_have_text("There are unpublished changes.")
    expect(page.locator("ins", has_text="play.example")).to_be_visible()
    assert_accessible(page, "the publish page with a diff")
    page.get_by_label("Note").fill("Coding club may use play.example")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Revision 2 is published")).to_be_visible()
    expect(page.get_by_text("Revision 2 is compiling")).to_be_visible()

    call_command("worker", "--batch", "--interval", "0")
    page.reload()
    expect(page.locator("#live-summary")).to_contain_text("Revision 2 is live since")
    expect(page.locator("#draft-state")).to_have_text(
        "No unpublished changes: the draft is what was last published."
    )
    assert decide("http://play.example/", "middle") == "allow"
    assert decide("http://games.example/", "middle") == "block"
    # The running helper picks the new snapshot up by itself (it checks every 0.25 s).
    deadline = time.monotonic() + 2
    while not ask(helper, "http://play.example/").startswith(b"OK"):
        assert time.monotonic() < deadline, "the helper still blocks after 2 s"
        time.sleep(0.05)
    assert ask(helper, "http://games.example/").startswith(b"ERR")
