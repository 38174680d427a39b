"""Sessions end: after their lifetime, after idling, on sign-out and on "sign out
everywhere"; a copied session cookie is refused afterwards."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from openaup.accounts.middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY
from openaup.audit.models import AuditEvent
from tests.accounts.factories import PASSWORD
from tests.html_tables import text

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def copy_of(client: Client) -> Client:
    """Another browser holding the same session cookie (a stolen or replayed cookie)."""
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return thief


def age_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_signed_out_session_cookie_cannot_be_replayed(client: Client, student: Any) -> None:
    sign_in(client, "student")
    thief = copy_of(client)
    assert thief.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert thief.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_sign_out_everywhere_ends_every_session(client: Client, guardian: Any) -> None:
    sign_in(client, "guardian")
    phone = Client()
    sign_in(phone, "guardian")
    stolen = copy_of(phone)

    response = client.post(reverse("sign-out-everywhere"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "signed out on every device" in text(response.content)
    for other in (phone, stolen):
        assert other.get(reverse("home"))["Location"].startswith(reverse("login"))
    event = AuditEvent.objects.get(action="account.signed_out_everywhere")
    assert event.actor == guardian

    sign_in(phone, "guardian")
    assert phone.get(reverse("home")).status_code == 200


def test_sign_out_everywhere_needs_a_post(client: Client, student: Any) -> None:
    client.force_login(student)
    assert client.get(reverse("sign-out-everywhere")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_an_idle_session_ends(client: Client, student: Any) -> None:
    sign_in(client, "student")
    idle = settings.OPENAUP_SESSION_IDLE.total_seconds()
    age_session(client, **{LAST_SEEN_KEY: idle - 60})
    assert client.get(reverse("home")).status_code == 200
    age_session(client, **{LAST_SEEN_KEY: idle + 60})
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "minutes without activity" in text(response.content)


def test_a_session_ends_after_its_lifetime_even_when_busy(client: Client, student: Any) -> None:
    sign_in(client, "student")
    lifetime = settings.OPENAUP_SESSION_LIFETIME.total_seconds()
    age_session(client, **{SIGNED_IN_AT_KEY: lifetime + 60, LAST_SEEN_KEY: 10})
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "Your session has ended after 12 hours" in text(response.content)


def test_the_session_cookie_lasts_no_longer_than_the_session(client: Client, student: Any) -> None:
    sign_in(client, "student")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.OPENAUP_SESSION_HOURS * 3600
    assert cookie["httponly"]


def test_sign_ins_are_recorded(client: Client, student: Any) -> None:
    sign_in(client, "student")
    event = AuditEvent.objects.get(action="account.signed_in")
    assert event.actor == student
    assert event.person == student.person
