"""The pages in a real browser: signing in and out, each persona's home page, searching the
directory, a person's page, accessibility (axe-core) and a phone-sized screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_accessible
from tests.directory.factories import StudentFactory
from tests.personas import World

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/openaup-people-list.png"


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def people_rows(page: Any) -> Any:
    return page.get_by_role("table", name="People").locator("tbody tr")


@pytest.mark.parametrize(
    ("persona", "username", "heading", "panel"),
    [
        ("district_admin", "admin", "Welcome, admin", "The district"),
        ("principal_b", "principal.b", "Welcome, Pam PrincipalB", "Your school"),
        ("teacher", "teacher", "Welcome, Tess Teacher", "Your sections"),
        ("guardian", "guardian", "Welcome, Gina Guardian", "Your children"),
    ],
)
def test_each_persona_signs_in_to_their_home_page(
    page: Any,
    persona: str,
    username: str,
    heading: str,
    panel: str,
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue(persona)
    sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", name=panel, level=2)).to_be_visible()


def test_wrong_password_keeps_the_visitor_out(page: Any, teacher: Any) -> None:
    sign_in(page, "teacher", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_search_and_filters_narrow_the_people_table(page: Any, district_admin: Any) -> None:
    sign_in(page, "admin")
    page.get_by_role("link", name="People", exact=True).first.click()
    expect(people_rows(page)).to_have_count(7)

    page.get_by_label("Name, email or number").fill("ava")
    page.get_by_role("button", name="Search").click()
    expect(people_rows(page)).to_have_count(1)
    expect(people_rows(page).first).to_contain_text("Ava")

    page.get_by_role("link", name="Clear search and filters").click()
    page.get_by_label("Role").select_option(label="Parent / guardian")
    page.get_by_role("button", name="Search").click()
    expect(people_rows(page)).to_have_count(2)

    page.get_by_label("Role").select_option(label="Student")
    page.get_by_label("School").select_option(label="School A")
    page.get_by_label("Grade").select_option(label="Grade 4")
    page.get_by_role("button", name="Search").click()
    expect(people_rows(page)).to_have_count(1)
    expect(people_rows(page).first).to_contain_text("Cal")


def test_person_page_shows_guardians(page: Any, principal_a: Any, world: World) -> None:
    sign_in(page, "principal.a")
    page.goto("/directory/people/?q=Ava")
    page.get_by_role("link", name=re.compile("Ava")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.student_a1.display_name)
    guardians = page.get_by_role(
        "table", name=f"Parents and guardians of {world.student_a1.display_name}"
    )
    expect(guardians.locator("tbody tr")).to_have_count(2)
    expect(guardians).to_contain_text(world.guardian_person.display_name)
    expect(guardians).to_contain_text(world.guardian_person.email)
    sections = page.get_by_role("table", name=f"Sections of {world.student_a1.display_name}")
    expect(sections).to_contain_text("Tess Teacher")


def test_sign_out(page: Any, teacher: Any) -> None:
    sign_in(page, "teacher")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_pages_pass_axe(page: Any, district_admin: Any, world: World) -> None:
    StudentFactory.create_batch(120, school=world.school_b, grade="11")
    page.goto("/accounts/login/")
    assert_accessible(page, "sign-in page")
    sign_in(page, "admin", "wrong")
    assert_accessible(page, "sign-in page with an error")
    sign_in(page, "admin")
    assert_accessible(page, "home page")
    page.goto("/directory/people/?page=2")
    expect(people_rows(page)).to_have_count(50)
    expect(page.get_by_role("navigation", name="Pages of people")).to_be_visible()
    assert_accessible(page, "people list with pages")
    page.goto("/directory/people/?grade=99")
    assert_accessible(page, "people list with a bad filter")
    page.goto(f"/directory/people/{world.student_a1.pk}/")
    assert_accessible(page, "person page")
    page.goto(f"/directory/people/{world.guardian_person.pk}/")
    assert_accessible(page, "guardian's page")


def test_people_list_looks_right(page: Any, district_admin: Any) -> None:
    sign_in(page, "admin")
    page.goto("/directory/people/")
    # USWDS is loaded: its typeface, and its primary blue on buttons.
    font = page.locator("body").evaluate("e => getComputedStyle(e).fontFamily")
    assert "Source Sans Pro Web" in font
    search = page.get_by_role("button", name="Search")
    assert search.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 94, 162)"
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_pages_fit_a_phone(page: Any, guardian: Any, world: World) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "guardian")
    for url in ("/", "/directory/people/", f"/directory/people/{world.student_a1.pk}/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways ({width}px)"
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    menu.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page, "person page on a phone, menu open")


def test_skip_link_moves_focus_to_the_content(page: Any, teacher: Any) -> None:
    sign_in(page, "teacher")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_api_docs_render_from_our_own_files(page: Any, teacher: Any) -> None:
    page.goto("/api/docs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/api/docs/$"))
    sign_in(page, "teacher", PASSWORD)
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name=re.compile("OpenAUP API"))).to_be_visible()
    expect(page.get_by_text("/api/students/", exact=True)).to_be_visible()


def test_tech_staff_change_educational_rights_on_the_student_page(
    page: Any, tech_staff: Any, world: World
) -> None:
    sign_in(page, "tech")
    page.goto(f"/directory/people/{world.student_a1.pk}/")
    page.get_by_text("Remove the educational rights of Gina Guardian for Ava").click()
    assert_accessible(page, "student page with the rights form open")
    page.get_by_label("Reason").first.fill("Court order on file")
    page.get_by_role("button", name="Remove educational rights").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text("no longer has educational rights")).to_be_visible()
    expect(page.get_by_text("set by the district")).to_be_visible()


def test_roster_import_page_passes_axe(page: Any, tech_staff: Any) -> None:
    sign_in(page, "tech")
    page.get_by_role("link", name="Roster imports").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "roster imports page")


def test_access_grant_pages_pass_axe(page: Any, tech_staff: Any) -> None:
    sign_in(page, "tech")
    page.get_by_role("link", name="Access grants").click()
    page.wait_for_load_state()
    assert_accessible(page, "access grants list")
    page.goto("/access/grants/new/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "new access grant form")
