"""From the emailed link to the principal's dashboard, in Chromium on a 390 px phone: a
campaign opens, the invitation goes to a guardian of two children (written to files by
Django's file email backend), the guardian opens the link from the email, signs for both
children with the keyboard, sees the confirmation, opens a receipt, and the principal's
dashboard, open in another browser, shows the change."""

from __future__ import annotations

import email
import re
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from openaup.policies.services import reminders
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.browser.test_signing_pages import open_round, tab_to
from tests.personas import World

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def sent_messages(folder: Path) -> list[Message]:
    """Every message the file backend wrote (one file per connection, messages separated
    by a line of dashes)."""
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_text(encoding="utf-8").split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


def plain_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the message has no plain-text part")


def figure(page: Any, name: str) -> Any:
    return page.locator(f"#totals + dl [data-figure={name}]")


def test_a_guardian_signs_for_two_children_from_the_emailed_link(
    page: Any,
    browser: Any,
    live_server: Any,
    settings: Any,
    tmp_path: Path,
    world: World,
    district_admin: Any,
    principal_a: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    campaign = open_round(district_admin)
    result = reminders.send_invitations(campaign=campaign)
    assert result.sent >= 1

    # The principal watches the dashboard in a browser of their own.
    office = browser.new_context(base_url=live_server.url)
    principal = office.new_page()
    sign_in(principal, "principal.a")
    dashboard = f"/signing/campaigns/{campaign.pk}/dashboard/"
    principal.goto(dashboard)
    expect(figure(principal, "partly_signed")).to_have_text("0")
    expect(figure(principal, "not_signed")).to_have_text("3")

    # The invitation, as the guardian received it.
    guardian_email = world.guardian_person.email
    invitation = next(m for m in sent_messages(tmp_path) if guardian_email in m["To"])
    body = plain_text(invitation)
    assert world.student_a1.display_name in body
    assert world.student_b1.display_name in body
    match = re.search(r"https?://\S+?(/sign/[A-Za-z0-9_-]+/)", body)
    assert match, body

    page.set_viewport_size(PHONE)
    page.goto(match.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the Acceptable Use Policy")
    for child in (world.student_a1, world.student_b1):
        box = page.get_by_label(child.display_name)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    tab_to(page, page.get_by_label("I have gone over this policy with my child"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Your full name"))
    page.keyboard.type("Gina Guardian")
    tab_to(page, page.get_by_role("button", name="Sign"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "the confirmation")
    receipt = page.get_by_role("link", name=f"Receipt for {world.student_a1.display_name} (PDF)")
    pdf = page.request.get(receipt.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # School A's child now has her guardian's signature (her own is still to come).
    principal.reload()
    expect(figure(principal, "partly_signed")).to_have_text("1")
    expect(figure(principal, "not_signed")).to_have_text("2")
    office.close()
