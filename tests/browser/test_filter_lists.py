"""The filter's list pages in a real browser: each passes axe-core (with a failed source's
error shown, and a local list's bad lines reported), and tech staff fix a local list."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.filtering.models import LocalList
from openaup.filtering.services import lists
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.filtering import lists_support
from tests.filtering.lists_support import ut1_archive

pytestmark = pytest.mark.browser

list_server = lists_support.list_server
filter_dir = lists_support.filter_dir


@pytest.fixture
def sources(list_server: Any, filter_dir: Any) -> None:
    good = lists.create_source(
        actor=None, name="ut1", kind="ut1", url=list_server.serve("/bl.tar.gz", ut1_archive())
    )
    lists.update_source(actor=None, source=good)
    broken = lists.create_source(
        actor=None, name="broken", kind="ut1", url=list_server.serve("/broken.tar.gz", b"")
    )
    lists.update_source(actor=None, source=broken)
    lists.save_local_list(actor=None, category="district_deny", entries="deny.example")


def test_every_list_page_passes_axe(page: Any, tech_staff: Any, sources: None) -> None:
    sign_in(page, "tech")
    for url, heading in [
        ("/filter/lists/", "Filter lists"),
        ("/filter/lists/ut1/", "List source ut1"),
        ("/filter/lists/broken/", "List source broken"),
        ("/filter/lists/ut1/edit/", "Change list source ut1"),
        ("/filter/lists/new/", "Add a list source"),
        ("/filter/local-lists/new/", "New local list"),
        ("/filter/local-lists/district_deny/", "Local list district_deny"),
    ]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page, url)
    page.goto("/filter/lists/broken/")
    expect(page.get_by_role("alert")).to_contain_text("the download is empty (0 bytes)")


def test_tech_staff_fix_the_bad_lines_of_a_local_list(
    page: Any, tech_staff: Any, sources: None, filter_dir: Any
) -> None:
    sign_in(page, "tech")
    page.goto("/filter/local-lists/district_deny/")
    page.get_by_label("Entries").fill("deny.example\nnot a domain\nother.example")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("line 2: “not a domain” is not a domain")
    assert_accessible(page, "a local list with a bad line")
    assert LocalList.objects.get(category="district_deny").entries == "deny.example"

    page.get_by_label("Entries").fill("deny.example\nother.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The list is saved")).to_be_visible()
    text = (filter_dir / "lists/local/district_deny.txt").read_text()
    assert text.splitlines()[1:] == ["deny.example", "other.example"]
