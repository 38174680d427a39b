"""Brute force on sign-in: failures are counted per user name and address, the account is
locked for a while, the lockout page says until when, and technology staff can unlock it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from tests.accounts.factories import PASSWORD
from tests.html_tables import text

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, addr: str = "198.51.100.7") -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def lock_out(client: Client, username: str = "teacher") -> Any:
    for _ in range(4):
        assert attempt(client, username, "guess").status_code == 200
    return attempt(client, username, "guess")


def test_five_wrong_passwords_lock_the_account_out(client: Client, teacher: Any) -> None:
    response = lock_out(client)
    assert response.status_code == 429
    page = text(response.content)
    assert "Sign-in is locked for now" in page
    assert "Try again after" in page
    assert "technology staff" in page

    right = attempt(client, "teacher", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_failures_and_the_lockout_are_recorded(client: Client, teacher: Any) -> None:
    lock_out(client)
    failed = AuditEvent.objects.filter(action="account.sign_in_failed", object_repr="teacher")
    assert failed.count() == 5
    assert {event.client_ip for event in failed} == {"198.51.100.7"}
    locked = AuditEvent.objects.get(action="account.locked_out")
    assert locked.object_id == str(teacher.pk)
    assert "guess" not in str(locked.changes) + str([event.changes for event in failed])


def test_the_lockout_is_per_user_name_and_address(
    client: Client, teacher: Any, student: Any
) -> None:
    lock_out(client)
    assert attempt(client, "student", PASSWORD).status_code == 302
    other = Client()
    assert attempt(other, "teacher", PASSWORD, addr="203.0.113.9").status_code == 302


def test_the_lockout_ends_after_its_time(client: Client, teacher: Any) -> None:
    lock_out(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "teacher", PASSWORD).status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client: Client, teacher: Any) -> None:
    for _ in range(4):
        attempt(client, "teacher", "guess")
    assert attempt(client, "teacher", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert attempt(client, "teacher", "guess").status_code == 200


def test_tech_staff_unlock_with_the_aup_command(client: Client, teacher: Any) -> None:
    lock_out(client)
    call_command("axes_reset_username", "teacher", verbosity=0)
    assert attempt(client, "teacher", PASSWORD).status_code == 302


def test_limit_and_time_are_configurable(client: Client, teacher: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.OPENAUP_LOCKOUT_MINUTES = 30
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    attempt(client, "teacher", "guess")
    response = attempt(client, "teacher", "guess")
    assert response.status_code == 429
    assert "in 30 minutes" in text(response.content)


def test_a_failure_without_a_user_name_is_not_a_failed_password_sign_in() -> None:
    from django.contrib.auth.signals import user_login_failed

    # Single sign-on refusals reach Django's signal with no user name; they are recorded
    # as account.sso_refused instead.
    user_login_failed.send(sender=__name__, credentials={}, request=None)
    user_login_failed.send(sender=__name__, credentials={"username": "ghost"}, request=None)
    failed = AuditEvent.objects.filter(action="account.sign_in_failed")
    assert list(failed.values_list("object_repr", flat=True)) == ["ghost"]
