"""Sign-in security in a real browser: the sign-in page, setting up and entering a second
factor, the lockout page, the account and password pages, and the phishing report form, each
checked with axe-core."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from openaup.cases.models import PhishingReport
from tests.accounts.two_factor import code_for
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def code_box(page: Any) -> Any:
    return page.get_by_role("textbox", name=re.compile(r"^Code"))


def test_sign_in_page_passes_axe(page: Any, teacher: Any) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page, "sign-in page")


def test_setting_up_and_entering_a_second_factor(page: Any, teacher: Any, settings: Any) -> None:
    settings.OPENAUP_REQUIRE_2FA = True
    sign_in(page, "teacher")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$"))
    assert_accessible(page, "two-factor set-up page")

    code_box(page).fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert")).to_contain_text("That code did not match")
    assert_accessible(page, "two-factor set-up page with an error")

    device = TOTPDevice.objects.get(user=teacher)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    code_box(page).fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Backup codes")
    codes = page.get_by_role("list", name="Your backup codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page, "backup codes page")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Tess Teacher")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "teacher")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    assert_accessible(page, "two-factor verification page")
    code_box(page).fill(code_for(device, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Tess Teacher")


def test_lockout_page(page: Any, teacher: Any) -> None:
    for _ in range(4):
        sign_in(page, "teacher", "not the password")
        expect(page.get_by_role("alert")).to_contain_text("did not match")
    sign_in(page, "teacher", "not the password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is locked for now")
    expect(page.get_by_role("alert")).to_contain_text("Try again after")
    assert_accessible(page, "lockout page")


def test_account_and_password_pages(page: Any, student: Any) -> None:
    sign_in(page, "student")
    page.get_by_role("link", name="Your sign-in").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your sign-in")
    assert_accessible(page, "sign-in settings page")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_text("At least 8 characters, at most 128.")).to_be_visible()
    page.get_by_label("Old password").fill("wrong")
    page.get_by_label("New password", exact=True).fill("password1")
    page.get_by_label("New password confirmation").fill("password1")
    page.get_by_role("button", name="Change password").click()
    assert_accessible(page, "password change page with errors")


def test_phishing_report_form(page: Any, teacher: Any) -> None:
    sign_in(page, "teacher")
    page.get_by_role("link", name="Report phishing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report phishing")
    assert_accessible(page, "phishing report form")

    page.get_by_role("button", name="Send the report").click()  # the browser asks for a sender
    assert PhishingReport.objects.count() == 0
    page.get_by_label("How did it arrive?").select_option(label="Text message")
    page.get_by_label("Who was it from?").fill("+1 555 0100 'Superintendent'")
    page.get_by_label("Subject (optional)").fill("Gift cards needed today")
    page.get_by_label("The suspicious link (optional)").fill("hxxp://gift-cards.example/buy")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("Your report has gone to the technology")
    assert_accessible(page, "phishing report confirmation")
    report = PhishingReport.objects.get()
    assert report.arrived_by == "text"
    assert report.reported_by == teacher
