"""The signing pages through Django's test client: a guardian's personal link (its page, its
error pages with their status codes, language, CSRF, the confirmation and the receipts it
serves), signed-in signing for students, staff and guardians, and "sign in class"."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openaup.directory.models import GuardianLink
from openaup.policies import services
from openaup.policies.choices import Audience, SignatureMethod, SignerRole
from openaup.policies.models import PolicyVersion, Signature, SigningCampaign, SigningLink
from tests.accounts.factories import UserFactory
from tests.directory.factories import EnrollmentFactory, GuardianLinkFactory, StudentFactory
from tests.personas import World
from tests.policies.factories import PolicyTextFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 14) Mobile"


@dataclass
class Round:
    """An open campaign over the personas' world, with a student version for grades 3-5, one
    for everyone and one for staff, each in English and Spanish."""

    campaign: SigningCampaign
    everyone: PolicyVersion
    grades_3_5: PolicyVersion
    staff: PolicyVersion


def _version(audience: str, low: str = "", high: str = "", *, words: str) -> PolicyVersion:
    version: Any = PolicyVersionFactory(
        label="2026-27", audience=audience, grade_low=low, grade_high=high
    )
    PolicyTextFactory(
        version=version,
        language="en",
        title=f"Acceptable Use Policy ({words})",
        body_html=f'<h2 id="rules">Rules</h2><p>The {words} rules in English.</p>',
        sha256=version.sha256,
    )
    PolicyTextFactory(
        version=version,
        language="es",
        title=f"Política de uso aceptable ({words})",
        body_html=f'<h2 id="reglas">Reglas</h2><p>Las reglas ({words}) en español.</p>',
    )
    return version


@pytest.fixture
def signing_round(world: World, district_admin: Any) -> Round:
    everyone = _version(Audience.ALL, words="everyone")
    grades_3_5 = _version(Audience.STUDENTS, "03", "05", words="grades 3-5")
    staff = _version(Audience.STAFF, words="staff")
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=district_admin,
        name="2026-27 AUP",
        school_year=2027,
        opens_on=today - datetime.timedelta(days=3),
        due_on=today + datetime.timedelta(days=21),
        versions=[everyone, grades_3_5, staff],
    )
    campaign = services.open_campaign(actor=district_admin, campaign=campaign, notify=False)
    return Round(campaign=campaign, everyone=everyone, grades_3_5=grades_3_5, staff=staff)


def issue(signing_round: Round, guardian: Any) -> tuple[SigningLink, str]:
    return services.issue_link(campaign=signing_round.campaign, guardian=guardian)


def link_url(token: str, name: str = "policies:sign-link", **kwargs: Any) -> str:
    return reverse(name, kwargs={"token": token, **kwargs})


def sign_data(world: World, *children: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "children": [child.pk for child in children],
        "went_over": "on",
        "full_name": "Gina Guardian",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def text_of(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- the personal link -----------------------------------------------------------------------


def test_one_page_for_all_of_a_guardians_children(
    client: Client, world: World, signing_round: Round
) -> None:
    _link, token = issue(signing_round, world.guardian_person)
    response = client.get(link_url(token))
    assert response.status_code == 200
    # A family computer or a proxy keeps no copy of the children's page.
    assert "no-store" in response["Cache-Control"]
    text = text_of(response)
    assert "Hello Gina Guardian" in text
    for child, school, grade in (
        (world.student_a1, "School A", "Grade 3"),
        (world.student_b1, "School B", "Grade 10"),
    ):
        assert child.display_name in text
        assert school in text
        assert grade in text
        assert f'name="children" value="{child.pk}"' in response.content.decode()
    assert world.student_a2.display_name not in text
    # Each child's version, readable on the page: the student one and the all-users one.
    assert "The grades 3-5 rules in English." in text
    assert "The everyone rules in English." in text
    assert "(for students: Grade 3 to Grade 5)" in text
    assert f'href="#policy-{signing_round.campaign.pk}-{signing_round.grades_3_5.pk}"' in (
        response.content.decode()
    )
    assert "I have gone over this policy with my child" in text
    assert "Your full name" in text
    # The policy's headings sit under the page's own ("The policy to read", h2; its title, h3).
    assert '<h5 id="rules">Rules</h5>' in response.content.decode()


def test_signing_for_two_children_records_two_signatures_then_confirms(
    client: Client, world: World, signing_round: Round
) -> None:
    link, token = issue(signing_round, world.guardian_person)
    response = client.post(
        link_url(token),
        sign_data(world, world.student_a1, world.student_b1),
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"] == link_url(token, "policies:sign-link-done")
    signatures = Signature.objects.filter(signer=world.guardian_person).order_by("pk")
    assert [s.on_behalf_of for s in signatures] == [world.student_a1, world.student_b1]
    for signature in signatures:
        assert signature.method == SignatureMethod.LINK
        assert signature.signer_role == SignerRole.GUARDIAN
        assert signature.link == link
        assert signature.went_over_with_child
        assert signature.client_ip == "203.0.113.9"
        assert signature.user_agent == BROWSER
    assert signatures[0].version == signing_round.grades_3_5
    assert signatures[1].version == signing_round.everyone
    link.refresh_from_db()
    assert link.used_at is not None

    done = client.get(response["Location"])
    assert done.status_code == 200
    text = text_of(done)
    assert "Thank you for signing" in text
    for signature in signatures:
        receipt = link_url(token, "policies:sign-link-receipt", pk=signature.pk)
        assert f'href="{receipt}"' in done.content.decode()
        assert f"Receipt for {signature.on_behalf_of.display_name} (PDF)" in text

    # The link is used up: opening it again says so, signs nothing more, and leads back to
    # the receipts.
    again = client.get(link_url(token))
    assert again.status_code == 410
    assert "already been used" in text_of(again)
    assert f'href="{response["Location"]}"' in again.content.decode()
    again = client.post(link_url(token), sign_data(world, world.student_a1))
    assert again.status_code == 410
    assert Signature.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"children": None}, "Choose at least one child to sign for."),
        ({"went_over": None}, "Confirm that you have gone over the policy with your child."),
        ({"full_name": "  "}, "Type your full name to sign."),
        ({"full_name": "Somebody Else"}, "Type your own full name, as the school knows it"),
    ],
    ids=["no child", "not gone over", "no name", "someone else's name"],
)
def test_an_incomplete_form_says_what_is_missing_and_changes_nothing(
    client: Client, world: World, signing_round: Round, overrides: dict[str, Any], message: str
) -> None:
    link, token = issue(signing_round, world.guardian_person)
    response = client.post(link_url(token), sign_data(world, world.student_a1, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in text_of(response)
    # The error summary links to the field.
    assert re.search(r'<a href="#(children-first|went_over|full_name)">', html)
    assert not Signature.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_a_child_who_is_not_on_the_page_cannot_be_signed_for(
    client: Client, world: World, signing_round: Round
) -> None:
    _link, token = issue(signing_round, world.guardian_person)
    response = client.post(link_url(token), sign_data(world, world.student_a1, world.student_a2))
    assert response.status_code == 400
    assert "A child you chose is not one you can sign for on this page." in text_of(response)
    assert not Signature.objects.exists()


def test_a_guardian_without_educational_rights_has_nobody_to_sign_for(
    client: Client, world: World, signing_round: Round
) -> None:
    _link, token = issue(signing_round, world.other_guardian_person)
    page = client.get(link_url(token))
    assert page.status_code == 200
    assert world.student_a1.display_name not in text_of(page)
    assert "There is no child for you to sign for with this link." in text_of(page)
    response = client.post(
        link_url(token), sign_data(world, world.student_a1, full_name="Otto Guardian")
    )
    assert response.status_code == 400
    assert not Signature.objects.exists()


def _expire(link: SigningLink) -> None:
    SigningLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )


def _use(link: SigningLink) -> None:
    SigningLink.objects.filter(pk=link.pk).update(used_at=timezone.now())


def _close(link: SigningLink) -> None:
    SigningCampaign.objects.filter(pk=link.campaign_id).update(status="closed")


@pytest.mark.parametrize(
    ("spoil", "status", "title"),
    [
        (_expire, 410, "This signing link has expired"),
        (_use, 410, "This signing link has already been used"),
        (_close, 410, "Signing for this school year has closed"),
    ],
    ids=["expired", "used", "closed"],
)
def test_a_link_that_no_longer_works_says_why_and_changes_nothing(
    client: Client, world: World, signing_round: Round, spoil: Any, status: int, title: str
) -> None:
    link, token = issue(signing_round, world.guardian_person)
    spoil(link)
    page = client.get(link_url(token))
    assert page.status_code == status
    assert title in text_of(page)
    assert "school office" in text_of(page)
    posted = client.post(link_url(token), sign_data(world, world.student_a1))
    assert posted.status_code == status
    assert not Signature.objects.exists()


def test_a_replaced_link_points_to_the_newest_one(
    client: Client, world: World, signing_round: Round
) -> None:
    _old, old_token = issue(signing_round, world.guardian_person)
    _new, new_token = issue(signing_round, world.guardian_person)
    response = client.get(link_url(old_token))
    assert response.status_code == 410
    assert "This signing link has been replaced" in text_of(response)
    assert client.get(link_url(new_token)).status_code == 200


@pytest.mark.parametrize("token", ["never-issued", "x" * 300], ids=["unknown", "too long"])
def test_an_unknown_or_altered_link_is_a_404(
    client: Client, world: World, signing_round: Round, token: str
) -> None:
    _link, real = issue(signing_round, world.guardian_person)
    for url in (link_url(token), link_url(real[:-1] + ("A" if real[-1] != "A" else "B"))):
        response = client.get(url)
        assert response.status_code == 404
        assert "This signing link does not work" in text_of(response)
        assert client.post(url, sign_data(world, world.student_a1)).status_code == 404
    assert not Signature.objects.exists()


# -- language --------------------------------------------------------------------------------


def _prefers_spanish(world: World) -> None:
    GuardianLink.objects.filter(guardian=world.guardian_person).update(preferred_language="es")


def test_the_page_speaks_the_guardians_language_first_and_switches(
    client: Client, world: World, signing_round: Round
) -> None:
    _prefers_spanish(world)
    _link, token = issue(signing_round, world.guardian_person)
    page = client.get(link_url(token))
    html = page.content.decode()
    assert '<html lang="es">' in html
    assert "Firmar la Política de Uso Aceptable" in text_of(page)
    assert "Las reglas (grades 3-5) en español." in text_of(page)
    assert f'href="{link_url(token)}?lang=en"' in html

    english = client.get(link_url(token), {"lang": "en"})
    assert '<html lang="en">' in english.content.decode()
    assert "Sign the Acceptable Use Policy" in text_of(english)
    # The choice is remembered for the rest of the flow.
    assert '<html lang="en">' in client.get(link_url(token)).content.decode()
    client.post(link_url(token), sign_data(world, world.student_a1))
    assert Signature.objects.get().language == "en"


def test_signing_in_spanish_records_the_spanish_text(
    client: Client, world: World, signing_round: Round
) -> None:
    _prefers_spanish(world)
    _link, token = issue(signing_round, world.guardian_person)
    response = client.post(link_url(token), sign_data(world, world.student_b1))
    assert response.status_code == 302
    assert Signature.objects.get().language == "es"
    done = client.get(response["Location"])
    assert "Gracias por firmar" in text_of(done)


def test_an_error_page_is_in_the_guardians_language(
    client: Client, world: World, signing_round: Round
) -> None:
    _prefers_spanish(world)
    link, token = issue(signing_round, world.guardian_person)
    _expire(link)
    page = client.get(link_url(token))
    assert page.status_code == 410
    assert '<html lang="es">' in page.content.decode()
    assert "Este enlace para firmar ha caducado" in text_of(page)


# -- CSRF ------------------------------------------------------------------------------------


def test_the_signing_form_is_protected_against_cross_site_posts(
    world: World, signing_round: Round
) -> None:
    browser = Client(enforce_csrf_checks=True)
    _link, token = issue(signing_round, world.guardian_person)
    forged = browser.post(link_url(token), sign_data(world, world.student_a1))
    assert forged.status_code == 403
    assert not Signature.objects.exists()

    page = browser.get(link_url(token))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf is not None
    data = sign_data(world, world.student_a1, csrfmiddlewaretoken=csrf.group(1))
    assert browser.post(link_url(token), data).status_code == 302
    assert Signature.objects.count() == 1


# -- receipts by link ------------------------------------------------------------------------


def test_receipts_by_link_serve_only_its_own_signatures_for_a_day(
    client: Client, world: World, signing_round: Round, student: Any
) -> None:
    link, token = issue(signing_round, world.guardian_person)
    client.post(link_url(token), sign_data(world, world.student_a1))
    mine = Signature.objects.get(signer=world.guardian_person)
    receipt = client.get(link_url(token, "policies:sign-link-receipt", pk=mine.pk))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt).startswith(b"%PDF")

    # A signature made otherwise (the student's own) is not this link's to serve.
    own = services.sign_as_self(
        user=student, campaign=signing_round.campaign, language="en", client_ip=None, user_agent=""
    )
    assert client.get(link_url(token, "policies:sign-link-receipt", pk=own.pk)).status_code == 404
    # Nor under another link of the guardian's.
    _other, other_token = issue(signing_round, world.guardian_person)
    url = link_url(other_token, "policies:sign-link-receipt", pk=mine.pk)
    assert client.get(url).status_code == 404

    # A day after the link was used, its receipts and confirmation are gone.
    SigningLink.objects.filter(pk=link.pk).update(
        used_at=timezone.now() - datetime.timedelta(hours=25)
    )
    late = client.get(link_url(token, "policies:sign-link-receipt", pk=mine.pk))
    assert late.status_code == 404
    done = client.get(link_url(token, "policies:sign-link-done"))
    assert done.status_code == 302
    assert done["Location"] == link_url(token)


def test_the_confirmation_of_an_unused_link_goes_back_to_the_signing_page(
    client: Client, world: World, signing_round: Round
) -> None:
    _link, token = issue(signing_round, world.guardian_person)
    response = client.get(link_url(token, "policies:sign-link-done"))
    assert response.status_code == 302
    assert response["Location"] == link_url(token)


# -- signed in -------------------------------------------------------------------------------

MY_SIGNING = "/sign/"


def test_a_student_reads_and_signs_their_own(
    client: Client, world: World, signing_round: Round, student: Any
) -> None:
    client.force_login(student)
    page = client.get(MY_SIGNING)
    assert page.status_code == 200
    text = text_of(page)
    assert "Your signature: 2026-27 AUP" in text
    assert "The grades 3-5 rules in English." in text
    assert "I have read the policy and I agree to follow it" in text

    refused = client.post(MY_SIGNING, {"form": "self", "campaign": signing_round.campaign.pk})
    assert refused.status_code == 400
    assert "Tick the box to say that you have read and agree." in text_of(refused)
    assert not Signature.objects.exists()

    signed = client.post(
        MY_SIGNING,
        {"form": "self", "campaign": signing_round.campaign.pk, "agree": "on"},
        HTTP_USER_AGENT=BROWSER,
    )
    assert signed.status_code == 302
    signature = Signature.objects.get()
    assert (signature.signer, signature.on_behalf_of) == (world.student_a1, world.student_a1)
    assert signature.method == SignatureMethod.SIGNED_IN
    assert signature.version == signing_round.grades_3_5
    after = client.get(MY_SIGNING)
    assert "You signed on" in text_of(after)
    assert reverse("policies:signature-receipt", args=[signature.pk]) in after.content.decode()


def test_a_staff_member_signs_the_staff_attestation(
    client: Client, world: World, signing_round: Round, teacher: Any
) -> None:
    client.force_login(teacher)
    text = text_of(client.get(MY_SIGNING))
    assert "Staff attestation: 2026-27 AUP" in text
    assert "The staff rules in English." in text
    assert "I have read and agree to abide by the policy" in text
    response = client.post(
        MY_SIGNING, {"form": "self", "campaign": signing_round.campaign.pk, "agree": "on"}
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.signer == world.teacher_person
    assert signature.signer_role == SignerRole.STAFF
    assert signature.version == signing_round.staff


def test_a_signed_in_guardian_signs_on_the_same_children_page(
    client: Client, world: World, signing_round: Round, guardian: Any
) -> None:
    client.force_login(guardian)
    page = client.get(MY_SIGNING)
    text = text_of(page)
    assert "Your children: 2026-27 AUP" in text
    assert world.student_a1.display_name in text
    assert world.student_b1.display_name in text
    data = {"form": "children", "campaign": signing_round.campaign.pk}
    missing = client.post(
        MY_SIGNING, {**data, **sign_data(world, world.student_a1, went_over=None)}
    )
    assert missing.status_code == 400
    assert f'href="#c{signing_round.campaign.pk}-went_over"' in missing.content.decode()
    assert not Signature.objects.exists()

    response = client.post(MY_SIGNING, {**data, **sign_data(world, world.student_a1)})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.method == SignatureMethod.SIGNED_IN
    assert (signature.signer, signature.on_behalf_of) == (world.guardian_person, world.student_a1)
    assert "You signed on" in text_of(client.get(MY_SIGNING))


def test_signing_in_a_round_that_is_not_open_signs_nothing(
    client: Client, world: World, signing_round: Round, student: Any
) -> None:
    client.force_login(student)
    SigningCampaign.objects.filter(pk=signing_round.campaign.pk).update(status="closed")
    for campaign in (signing_round.campaign.pk, 999_999, "x"):
        response = client.post(MY_SIGNING, {"form": "self", "campaign": campaign, "agree": "on"})
        assert response.status_code == 302
        assert "That signing round is not open." in text_of(client.get(MY_SIGNING))
    assert not Signature.objects.exists()


def test_nothing_to_sign_says_so(client: Client, signing_round: Round, no_role_user: Any) -> None:
    client.force_login(no_role_user)
    assert "You have nothing to sign right now." in text_of(client.get(MY_SIGNING))


def test_the_home_page_says_how_many_are_left_to_sign(
    client: Client, world: World, signing_round: Round, guardian: Any, teacher: Any
) -> None:
    client.force_login(guardian)
    assert "You have 2 to sign" in text_of(client.get("/"))
    _link, token = issue(signing_round, world.guardian_person)
    Client().post(link_url(token), sign_data(world, world.student_a1))
    assert "You have 1 to sign" in text_of(client.get("/"))

    client.force_login(teacher)
    home = client.get("/")
    assert "You have 1 to sign" in text_of(home)
    url = reverse("policies:sign-in-class", args=[world.section_a.pk])
    assert f'href="{url}"' in home.content.decode()


# -- sign in class ---------------------------------------------------------------------------


def in_class(world: World, **query: Any) -> str:
    url = reverse("policies:sign-in-class", args=[world.section_a.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_teacher_lets_a_student_sign_in_class(
    client: Client, world: World, signing_round: Round, teacher: Any
) -> None:
    client.force_login(teacher)
    page = client.get(in_class(world))
    assert page.status_code == 200
    text = text_of(page)
    assert "0 of 2 students have signed" in text
    assert f"Sign now: {world.student_a1.display_name}" in text
    assert f"Sign now: {world.student_a2.display_name}" in text

    reading = client.get(in_class(world, student=world.student_a1.pk))
    assert reading.status_code == 200
    assert "The grades 3-5 rules in English." in text_of(reading)
    assert "I agree (Ava)" in text_of(reading)
    assert '<h4 id="rules">Rules</h4>' in reading.content.decode()

    response = client.post(in_class(world), {"student": world.student_a1.pk})
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert (signature.signer, signature.on_behalf_of) == (world.student_a1, world.student_a1)
    assert signature.method == SignatureMethod.IN_CLASS
    assert signature.recorded_by == teacher
    after = client.get(response["Location"])
    assert "1 of 2 students have signed" in text_of(after)
    assert "has signed. Who is next?" in text_of(after)
    assert f"Sign now: {world.student_a1.display_name}" not in text_of(after)


def test_young_students_read_in_larger_type(
    client: Client, world: World, signing_round: Round, teacher: Any
) -> None:
    young: Any = StudentFactory(school=world.school_a, grade="01", given_name="Yuri")
    EnrollmentFactory(section=world.section_a, person=young, role="student")
    services.sync_members(campaign=signing_round.campaign)
    client.force_login(teacher)
    html = client.get(in_class(world, student=young.pk)).content.decode()
    assert "font-sans-xl" in html
    assert (
        "font-sans-xl"
        not in client.get(in_class(world, student=world.student_a1.pk)).content.decode()
    )


def test_only_a_student_of_the_section_can_be_chosen(
    client: Client, world: World, signing_round: Round, teacher: Any
) -> None:
    client.force_login(teacher)
    # Not a number: the class list, as if no student were chosen.
    assert "Sign now:" in text_of(client.get(in_class(world, student="x")))
    assert client.get(in_class(world, student=world.student_b1.pk)).status_code == 404
    assert client.post(in_class(world), {"student": world.student_b1.pk}).status_code == 404
    missing = client.post(in_class(world), {})
    assert missing.status_code == 400
    assert "Choose a student" in text_of(missing)
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("principal_a", 403), ("principal_b", 404), ("student", 403), ("guardian", 403)],
)
def test_sign_in_class_is_for_the_sections_teacher_only(
    client: Client,
    world: World,
    signing_round: Round,
    persona: str,
    status: int,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(in_class(world)).status_code == status
    assert client.post(in_class(world), {"student": world.student_a1.pk}).status_code == status
    assert not Signature.objects.exists()


def test_sign_in_class_without_an_open_round_says_so(
    client: Client, world: World, teacher: Any
) -> None:
    client.force_login(teacher)
    page = client.get(in_class(world))
    assert page.status_code == 200
    assert "No signing round is open for the students of this section." in text_of(page)
    assert client.post(in_class(world), {"student": world.student_a1.pk}).status_code == 404


def test_a_signed_in_person_can_read_and_sign_in_spanish(
    client: Client, world: World, signing_round: Round, student: Any
) -> None:
    client.force_login(student)
    page = client.get(MY_SIGNING, {"lang": "es"})
    assert '<html lang="es">' in page.content.decode()
    assert "Las reglas (grades 3-5) en español." in text_of(page)
    client.post(MY_SIGNING, {"form": "self", "campaign": signing_round.campaign.pk, "agree": "on"})
    assert Signature.objects.get().language == "es"
    assert "Gracias: su firma quedó registrada." in text_of(client.get(MY_SIGNING))


def test_signing_twice_keeps_one_signature(
    client: Client, world: World, signing_round: Round, student: Any
) -> None:
    client.force_login(student)
    data = {"form": "self", "campaign": signing_round.campaign.pk, "agree": "on"}
    assert client.post(MY_SIGNING, data).status_code == 302
    assert client.post(MY_SIGNING, data).status_code == 302
    assert Signature.objects.count() == 1


def test_a_retired_version_cannot_be_signed(
    client: Client, world: World, signing_round: Round
) -> None:
    PolicyVersion.objects.filter(pk=signing_round.grades_3_5.pk).update(status="retired")
    link, token = issue(signing_round, world.guardian_person)
    response = client.post(link_url(token), sign_data(world, world.student_a1, world.student_b1))
    assert response.status_code == 400
    assert "can no longer be signed" in text_of(response)
    assert not Signature.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_an_adult_student_signs_alone(client: Client, world: World, signing_round: Round) -> None:
    adult: Any = StudentFactory(
        school=world.school_b, grade="12", given_name="Ada", birth_date=datetime.date(2000, 1, 1)
    )
    GuardianLinkFactory(student=adult, guardian=world.guardian_person)
    services.sync_members(campaign=signing_round.campaign)
    _link, token = issue(signing_round, world.guardian_person)
    assert "Ada" not in text_of(client.get(link_url(token)))
    client.force_login(UserFactory(username="ada", person=adult))
    page = client.get(MY_SIGNING)
    assert "Your signature: 2026-27 AUP" in text_of(page)
    client.post(MY_SIGNING, {"form": "self", "campaign": signing_round.campaign.pk, "agree": "on"})
    signature = Signature.objects.get()
    assert (signature.signer, signature.on_behalf_of) == (adult, adult)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_class_list_costs_the_same_for_a_larger_class(
    client: Client, world: World, signing_round: Round, teacher: Any
) -> None:
    client.force_login(teacher)
    _queries(client, in_class(world))
    before = _queries(client, in_class(world))
    for n in range(6):
        newcomer: Any = StudentFactory(school=world.school_a, grade="03", given_name=f"New{n}")
        EnrollmentFactory(section=world.section_a, person=newcomer, role="student")
    services.sync_members(campaign=signing_round.campaign)
    assert "0 of 8 students have signed" in text_of(client.get(in_class(world)))
    assert _queries(client, in_class(world)) == before


def test_the_link_page_costs_the_same_for_more_children(
    client: Client, world: World, signing_round: Round
) -> None:
    _link, token = issue(signing_round, world.guardian_person)
    _queries(client, link_url(token))
    before = _queries(client, link_url(token))
    for n in range(3):
        child: Any = StudentFactory(school=world.school_a, grade="04", given_name=f"Kid{n}")
        GuardianLinkFactory(student=child, guardian=world.guardian_person)
    services.sync_members(campaign=signing_round.campaign)
    assert "Kid2" in text_of(client.get(link_url(token)))
    assert _queries(client, link_url(token)) == before


def test_signing_for_children_signed_in_needs_children_of_ones_own(
    client: Client, world: World, signing_round: Round, student: Any, guardian: Any
) -> None:
    data = {"form": "children", "campaign": signing_round.campaign.pk}
    client.force_login(student)
    response = client.post(MY_SIGNING, {**data, **sign_data(world, world.student_a1)})
    assert response.status_code == 403
    client.force_login(guardian)
    response = client.post(MY_SIGNING, {**data, **sign_data(world, world.student_a2)})
    assert response.status_code == 400
    assert "A child you chose is not one you can sign for on this page." in text_of(response)
    assert not Signature.objects.exists()
