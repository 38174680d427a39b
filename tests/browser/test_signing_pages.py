"""The signing pages in a real browser, on a phone 360 px wide: a guardian's personal link
in English and in Spanish, the confirmation, every error page, "Sign" for a student, a staff
member and a guardian, and "sign in class". axe-core on each; no sideways scrolling; the
forms work with the keyboard alone; the link page stays light."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openaup.directory.models import GuardianLink
from openaup.policies import services
from openaup.policies.choices import Audience
from openaup.policies.models import PolicyVersion, SigningCampaign, SigningLink
from tests.browser.axe import assert_accessible
from tests.browser.test_pages import sign_in
from tests.personas import World

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

POLICY_EN = """# Acceptable Use Policy for Technology

## Guiding Principles

Technology at school is for learning. Be kind, be safe, be honest.

## Network Usage, Filtering & Monitoring

The district filters internet access as the law requires, and may monitor its network.
"""

POLICY_ES = """# Política de Uso Aceptable de la Tecnología

## Principios

La tecnología en la escuela es para aprender. Sé amable, cuídate y sé honesto.

## Uso de la red, filtrado y supervisión

El distrito filtra el acceso a internet como lo exige la ley y puede supervisar su red.
"""


def publish(actor: Any, policy: Any, audience: str, low: str = "", high: str = "") -> Any:
    version = services.create_version(
        actor=actor,
        policy=policy,
        label="2026-27",
        audience=audience,
        grade_low=low,
        grade_high=high,
    )
    services.save_text(
        actor=actor, version=version, language="en", title="Acceptable Use Policy", body=POLICY_EN
    )
    services.save_text(
        actor=actor,
        version=version,
        language="es",
        title="Política de Uso Aceptable",
        body=POLICY_ES,
    )
    return services.publish_version(actor=actor, version=version)


def open_round(actor: Any) -> SigningCampaign:
    """An open 2026-27 campaign over the personas' world, through the services."""
    policy = services.create_policy(
        actor=actor, title="Acceptable Use Policy for Technology", slug="acceptable-use"
    )
    versions: list[PolicyVersion] = [
        publish(actor, policy, Audience.ALL),
        publish(actor, policy, Audience.STUDENTS, "PK", "02"),
        publish(actor, policy, Audience.STUDENTS, "03", "05"),
        publish(actor, policy, Audience.STAFF),
    ]
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=actor,
        name="2026-27 AUP",
        school_year=2027,
        opens_on=today - datetime.timedelta(days=3),
        due_on=today + datetime.timedelta(days=21),
        versions=versions,
    )
    return services.open_campaign(actor=actor, campaign=campaign, notify=False)


@pytest.fixture
def signing_round(world: World, district_admin: Any) -> SigningCampaign:
    return open_round(district_admin)


def fits_a_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width}px)"


def check(page: Any, what: str) -> None:
    fits_a_phone(page)
    assert_accessible(page, what)


def tick(page: Any, label: str) -> None:
    """Tick a USWDS checkbox the way a person does: by its label (the box itself is drawn by
    the label)."""
    page.locator("label", has_text=label).click()
    expect(page.get_by_label(label)).to_be_checked()


def tab_to(page: Any, target: Any, limit: int = 120) -> None:
    """Press Tab until ``target`` has the focus (it must be reachable by keyboard)."""
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {target} with the Tab key")


def test_the_link_page_in_english_signed_by_keyboard(
    page: Any, world: World, signing_round: SigningCampaign
) -> None:
    page.set_viewport_size(PHONE)
    _link, token = services.issue_link(campaign=signing_round, guardian=world.guardian_person)
    sizes: list[int] = []
    page.on("response", lambda response: sizes.append(len(response.body())))
    page.goto(f"/sign/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the Acceptable Use Policy")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check(page, "the signing page")
    # Light on a poor connection: the page and everything it loads, no extra scripts.
    assert page.locator("script[src]").count() == 3
    assert sum(sizes) < 1_000_000, f"the signing page weighs {sum(sizes)} bytes"

    # Reading a child's policy: the link goes to the text on the same page.
    page.get_by_role("link", name=f"Read the policy for {world.student_a1.display_name}").click()
    page.locator("details summary").first.click()
    expect(page.get_by_text("Technology at school is for learning.").first).to_be_visible()

    # The error summary, linked to the fields.
    page.get_by_role("button", name="Sign").click()
    summary = page.get_by_role("alert").filter(has_text="Please check the form")
    expect(summary).to_contain_text("Choose at least one child to sign for.")
    expect(summary).to_be_focused()
    check(page, "the signing page with errors")
    summary.get_by_role("link", name="Choose at least one child to sign for.").click()
    expect(page.get_by_label(world.student_a1.display_name)).to_be_focused()

    for child in (world.student_a1, world.student_b1):
        box = page.get_by_label(child.display_name)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    went_over = page.get_by_label("I have gone over this policy with my child")
    tab_to(page, went_over)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Your full name")).to_be_focused()
    page.keyboard.type("Gina Guardian")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    for child in (world.student_a1, world.student_b1):
        expect(
            page.get_by_role("link", name=f"Receipt for {child.display_name} (PDF)")
        ).to_be_visible()
    check(page, "the confirmation")


def test_the_link_page_in_spanish_and_back(
    page: Any, world: World, signing_round: SigningCampaign
) -> None:
    GuardianLink.objects.filter(guardian=world.guardian_person).update(preferred_language="es")
    page.set_viewport_size(PHONE)
    _link, token = services.issue_link(campaign=signing_round, guardian=world.guardian_person)
    page.goto(f"/sign/{token}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Firmar la Política de Uso Aceptable")
    expect(page.get_by_role("button", name="Firmar")).to_be_visible()
    check(page, "the signing page in Spanish")
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the Acceptable Use Policy")


@pytest.mark.parametrize(
    ("spoil", "title"),
    [
        ("unknown", "This signing link does not work"),
        ("expired", "This signing link has expired"),
        ("used", "This signing link has already been used"),
        ("revoked", "This signing link has been replaced"),
        ("closed", "Signing for this school year has closed"),
    ],
)
def test_each_error_page(
    page: Any, world: World, signing_round: SigningCampaign, spoil: str, title: str
) -> None:
    page.set_viewport_size(PHONE)
    link, token = services.issue_link(campaign=signing_round, guardian=world.guardian_person)
    links = SigningLink.objects.filter(pk=link.pk)
    if spoil == "unknown":
        token = token[:-4] + "AAAA"
    elif spoil == "expired":
        links.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    elif spoil == "used":
        links.update(used_at=timezone.now())
    elif spoil == "revoked":
        services.issue_link(campaign=signing_round, guardian=world.guardian_person)
    else:
        SigningCampaign.objects.filter(pk=signing_round.pk).update(status="closed")
    response = page.goto(f"/sign/{token}/")
    assert response.status == (404 if spoil == "unknown" else 410)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    check(page, f"the {spoil} link page")


def test_a_student_signs_their_own(
    page: Any, world: World, signing_round: SigningCampaign, student: Any
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "student")
    expect(page.get_by_role("heading", name="You have 1 to sign")).to_be_visible()
    check(page, "a student's home page with something to sign")
    page.get_by_role("link", name="Read and sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the Acceptable Use Policy")
    check(page, "a student's signing page")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tick the box")
    check(page, "a student's signing page with an error")
    tick(page, "I have read the policy and I agree to follow it")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()
    expect(page.get_by_role("link", name="Receipt (PDF)")).to_be_visible()
    check(page, "a student's signing page, signed")


def test_a_staff_member_signs_the_attestation(
    page: Any, world: World, signing_round: SigningCampaign, teacher: Any
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "teacher")
    page.goto("/sign/")
    expect(page.get_by_role("heading", name="Staff attestation: 2026-27 AUP")).to_be_visible()
    check(page, "the staff attestation")
    tick(page, "I have read and agree to abide by the policy")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()


def test_a_signed_in_guardian_signs_for_a_child(
    page: Any, world: World, signing_round: SigningCampaign, guardian: Any
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "guardian")
    page.goto("/sign/")
    expect(page.get_by_role("heading", name="Your children: 2026-27 AUP")).to_be_visible()
    check(page, "a guardian's signing page, signed in")
    tick(page, world.student_b1.display_name)
    tick(page, "I have gone over this policy with my child")
    page.get_by_label("Your full name").fill("Gina Guardian")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("Thank you: your signatures are recorded.")).to_be_visible()
    check(page, "a guardian's signing page after signing")


def test_a_teacher_opens_sign_in_class(
    page: Any, world: World, signing_round: SigningCampaign, teacher: Any
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, "teacher")
    check(page, "a teacher's home page with sign in class")
    page.get_by_role("link", name=f"Sign in class: {world.section_a.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Sign in class: {world.section_a.title}"
    )
    check(page, "sign in class")
    page.get_by_role("link", name=f"Sign now: {world.student_a1.display_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ava!")
    check(page, "a student reading in class")
    page.get_by_role("button", name="I agree (Ava)").click()
    expect(
        page.get_by_text(f"{world.student_a1.display_name} has signed. Who is next?")
    ).to_be_visible()
    expect(
        page.get_by_role("link", name=f"Sign now: {world.student_a1.display_name}")
    ).to_have_count(0)
