"""Two-factor sign-in: who must use it, setting it up, verifying, backup codes, the API, and
resets by the technology staff."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from openaup.accounts.oidc import SSO_MFA_SESSION_KEY
from openaup.audit.models import AuditEvent
from tests.accounts.factories import PASSWORD
from tests.accounts.two_factor import code_for, sign_in_verified
from tests.html_tables import text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _require_2fa(settings: Any) -> None:
    settings.OPENAUP_REQUIRE_2FA = True


def sign_in(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, follow=True)


def setup_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def let_throttle_pass(device: Any) -> None:
    """After a wrong code, django-otp waits a moment before the next try: let it pass."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )


def actions(user: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_staff_without_an_app_are_sent_to_set_one_up(client: Client, teacher: Any) -> None:
    response = sign_in(client, "teacher", next_url=reverse("directory:person-list"))
    url, _ = response.redirect_chain[-1]
    assert url.startswith(reverse("two-factor-setup"))
    page = response.content.decode()
    assert "Set up two-factor sign-in" in text(response.content)
    assert "<svg" in page
    assert 'role="img"' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert secret is not None
    assert len(secret.group(1).replace(" ", "")) >= 32
    assert "<script>" not in page
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-setup"))


def test_setting_up_an_app_shows_backup_codes_once_and_lets_the_person_in(
    client: Client, teacher: Any
) -> None:
    people = reverse("directory:person-list")
    sign_in(client, "teacher", next_url=people)
    device = setup_device(teacher)

    wrong = client.post(reverse("two-factor-setup"), {"code": "000000", "next": people})
    assert "That code did not match" in text(wrong.content)
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    let_throttle_pass(device)

    response = client.post(
        reverse("two-factor-setup"), {"code": code_for(device), "next": people}, follow=True
    )
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(
        StaticDevice.objects.get(user=teacher).token_set.values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert "account.two_factor_set_up" in actions(teacher)

    again = client.get(reverse("two-factor-backup-codes"))
    assert not re.findall(r"<li>([a-z2-7]{8})</li>", again.content.decode())
    assert "10 unused backup codes" in text(again.content)
    assert client.get(people).status_code == 200


def test_staff_with_an_app_enter_a_code_after_the_password(client: Client, teacher: Any) -> None:
    device = TOTPDevice.objects.create(user=teacher, name="app", confirmed=True)
    people = reverse("directory:person-list")
    response = sign_in(client, "teacher", next_url=people)
    assert response.redirect_chain[-1][0].startswith(reverse("two-factor-verify"))
    assert client.get(people)["Location"].startswith(reverse("two-factor-verify"))

    wrong = client.post(reverse("two-factor-verify"), {"code": "123456", "next": people})
    assert "That code did not match" in text(wrong.content)
    assert client.get(people).status_code == 302
    immediately = client.post(reverse("two-factor-verify"), {"code": code_for(device)})
    assert immediately.status_code == 200, "a wrong code slows the next try down"

    let_throttle_pass(device)
    right = client.post(reverse("two-factor-verify"), {"code": code_for(device, 1), "next": people})
    assert right["Location"] == people
    assert client.get(people).status_code == 200
    assert actions(teacher)[-3:] == [
        "account.two_factor_failed",
        "account.two_factor_failed",
        "account.two_factor_verified",
    ]


def test_a_code_is_accepted_only_once(client: Client, teacher: Any) -> None:
    device = TOTPDevice.objects.create(user=teacher, name="app", confirmed=True)
    code = code_for(device)
    sign_in(client, "teacher")
    assert client.post(reverse("two-factor-verify"), {"code": code}).status_code == 302
    other = Client()
    sign_in(other, "teacher")
    replay = other.post(reverse("two-factor-verify"), {"code": code})
    assert replay.status_code == 200
    assert other.get(reverse("home")).status_code == 302


def test_a_backup_code_works_once(client: Client, teacher: Any) -> None:
    TOTPDevice.objects.create(user=teacher, name="app", confirmed=True)
    backup = StaticDevice.objects.create(user=teacher, name="Backup codes", confirmed=True)
    backup.token_set.create(token="abcd2345")
    sign_in(client, "teacher")
    assert client.post(reverse("two-factor-verify"), {"code": "ABCD 2345"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    other = Client()
    sign_in(other, "teacher")
    assert other.post(reverse("two-factor-verify"), {"code": "abcd2345"}).status_code == 200
    assert not backup.token_set.exists()


def test_only_the_password_cannot_replace_the_app(client: Client, teacher: Any) -> None:
    TOTPDevice.objects.create(user=teacher, name="app", confirmed=True)
    sign_in(client, "teacher")
    response = client.get(reverse("two-factor-setup"))
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert client.post(reverse("two-factor-setup"), {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=teacher).count() == 1


@pytest.mark.parametrize(
    "persona",
    ["district_admin", "tech_staff", "records_officer", "principal_a", "teacher", "contractor"],
)
def test_roles_that_see_other_families_need_the_second_factor(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-setup"))


@pytest.mark.parametrize("persona", ["student", "guardian", "no_role_user"])
def test_students_and_guardians_sign_in_with_a_password(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("home")).status_code == 200


def test_sign_out_works_before_the_second_factor(client: Client, teacher: Any) -> None:
    sign_in(client, "teacher")
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_api_refuses_a_session_without_the_second_factor(
    client: Client, district_admin: Any
) -> None:
    client.force_login(district_admin)
    response = client.get("/api/students/")
    assert response.status_code == 403
    assert b"results" not in response.content
    sign_in_verified(client, district_admin)
    assert client.get("/api/students/").status_code == 200


def test_api_basic_authentication_is_refused_to_accounts_with_a_second_factor(
    client: Client, district_admin: Any, guardian: Any
) -> None:
    admin = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    response = client.get("/api/students/", HTTP_AUTHORIZATION=f"Basic {admin}")
    assert response.status_code in (401, 403)
    assert b"results" not in response.content
    family = base64.b64encode(f"guardian:{PASSWORD}".encode()).decode()
    response = client.get("/api/students/", HTTP_AUTHORIZATION=f"Basic {family}")
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_tech_staff_reset_a_lost_phone(client: Client, tech_staff: Any, teacher: Any) -> None:
    teacher_client = Client()
    sign_in_verified(teacher_client, teacher)
    StaticDevice.objects.create(user=teacher, name="Backup codes", confirmed=True)
    sign_in_verified(client, tech_staff)

    assert client.get(reverse("two-factor-reset")).status_code == 200
    missing = client.post(reverse("two-factor-reset"), {"username": "nobody.here", "reason": "x"})
    assert "No account has this user name" in text(missing.content)
    response = client.post(
        reverse("two-factor-reset"),
        {"username": "teacher", "reason": "Lost phone, checked in person"},
        follow=True,
    )
    assert "was reset" in text(response.content)
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert not StaticDevice.objects.filter(user=teacher).exists()
    event = AuditEvent.objects.get(action="account.two_factor_reset")
    assert event.actor == tech_staff
    assert event.object_id == str(teacher.pk)
    assert event.reason == "Lost phone, checked in person"
    # The teacher's session ended; at the next sign-in they set up a new app.
    assert teacher_client.get(reverse("home"))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["teacher", "principal_a", "records_officer", "guardian"])
def test_only_tech_staff_and_admins_reset_two_factor(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    sign_in_verified(client, user)
    assert client.get(reverse("two-factor-reset")).status_code == 403
    data = {"username": "teacher", "reason": "x"}
    assert client.post(reverse("two-factor-reset"), data).status_code == 403


def test_new_backup_codes_replace_the_old_ones(client: Client, teacher: Any) -> None:
    sign_in_verified(client, teacher)
    old = StaticDevice.objects.create(user=teacher, name="Backup codes", confirmed=True)
    old.token_set.create(token="oldcode2")
    response = client.post(reverse("two-factor-backup-codes"), follow=True)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10
    tokens = set(StaticDevice.objects.get(user=teacher).token_set.values_list("token", flat=True))
    assert tokens == set(codes)
    assert "account.backup_codes_renewed" in actions(teacher)


def test_a_second_factor_at_the_identity_provider_counts(client: Client, teacher: Any) -> None:
    client.force_login(teacher)
    session = client.session
    session[SSO_MFA_SESSION_KEY] = True
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/students/").status_code == 200
