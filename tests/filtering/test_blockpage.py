"""The block page: what a valid link shows, what a forged one does not, and review requests."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from openaup.engine.blocktoken import sign
from openaup.filtering.models import Category, FilterProfile, UnblockRequest
from openaup.filtering.services.requests import ensure_block_key
from openaup.policies.demo import load_demo_policies

pytestmark = pytest.mark.django_db

URL = "/blocked"
FACTS = {
    "host": "games.example",
    "url": "http://games.example/play",
    "profile": "middle",
    "category": "games",
    "list": "ut1/games",
    "rule": "block",
    "reason": "category",
    "clause": "Network Usage, Filtering & Monitoring",
    "client_ip": "10.30.1.2",
    "user": "ava.s",
}


def token(**changes: str) -> str:
    issued = int(changes.pop("issued", 0) or time.time())
    return sign({**FACTS, **changes}, ensure_block_key(), issued)


@pytest.fixture
def setting_up(db: None) -> None:
    FilterProfile.objects.create(name="middle", title="Middle school students")
    Category.objects.create(name="games", title="Games")


def test_the_url_is_public_and_named() -> None:
    assert reverse("filtering:blocked") == URL


def test_a_valid_link_explains_the_block_and_offers_a_review(
    client: Client, setting_up: None
) -> None:
    load_demo_policies()
    response = client.get(URL, {"t": token()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "games.example" in html
    assert "http://games.example/play" in html
    assert (
        "Blocked for Middle school students by the district's filter: category Games"
        " (rule: block)." in html
    )
    assert "Games" in html
    assert "Request a review" in html
    # The clause links to its section of the published policy.
    assert "#network-usage-filtering-monitoring" in html
    assert 'href="/policies/acceptable-use/' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_page_speaks_spanish_from_the_browser_or_the_switch(
    client: Client, setting_up: None
) -> None:
    response = client.get(URL, {"t": token()}, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert '<html lang="es">' in response.content.decode()
    assert "Este sitio está bloqueado" in response.content.decode()
    english = client.get(URL, {"t": token(), "lang": "en"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "This site is blocked" in english.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "forged.token",
        # a token signed with another key, carrying a made-up host
        sign({**FACTS, "host": "forged-host.example"}, b"k" * 32, int(time.time())),
    ],
)
def test_a_forged_or_missing_link_shows_nothing_from_it(
    client: Client, setting_up: None, bad: str
) -> None:
    response = client.get(URL, {"t": bad} if bad else {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This link cannot be verified" in html
    assert "forged-host.example" not in html
    assert "games" not in html.lower()
    assert "Request a review" not in html


def test_an_altered_link_shows_nothing_from_it(client: Client, setting_up: None) -> None:
    good = token()
    payload, mac = good.split(".")
    altered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac
    response = client.get(URL, {"t": altered})
    assert response.status_code == 400


@override_settings(OPENAUP_BLOCK_LINK_HOURS=1)
def test_an_expired_link_is_refused(client: Client, setting_up: None) -> None:
    old = token(issued=str(int(time.time()) - 3700))
    assert client.get(URL, {"t": old}).status_code == 400


def test_a_locked_block_cannot_be_reviewed(client: Client, setting_up: None) -> None:
    response = client.get(URL, {"t": token(rule="locked_block", category="adult")})
    html = response.content.decode()
    assert "This block cannot be reviewed" in html
    assert 'name="message"' not in html
    response = client.post(URL, {"t": token(rule="locked_block"), "message": "Please"})
    assert UnblockRequest.objects.count() == 0
    assert "cannot be overridden" in response.content.decode()


def test_a_review_request_without_signing_in(client: Client, setting_up: None) -> None:
    response = client.post(
        URL, {"t": token(), "lang": "es", "message": "Para la clase de mate", "contact": ""}
    )
    assert response.status_code == 200
    assert "Su solicitud" in response.content.decode() or "solicitud" in response.content.decode()
    unblock_request = UnblockRequest.objects.get()
    assert unblock_request.host == "games.example"
    assert unblock_request.proxy_user == "ava.s"
    assert str(unblock_request.client_ip) == "10.30.1.2"
    assert unblock_request.language == "es"
    assert unblock_request.message == "Para la clase de mate"


def test_a_review_request_with_bad_input_changes_nothing(client: Client, setting_up: None) -> None:
    response = client.post(URL, {"t": token(), "message": "", "contact": "not-an-email"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "usa-error-message" in html
    assert UnblockRequest.objects.count() == 0
    forged = client.post(URL, {"t": "forged.token", "message": "Let me in"})
    assert forged.status_code == 400
    assert UnblockRequest.objects.count() == 0


@override_settings(OPENAUP_UNBLOCK_REQUESTS_PER_HOUR=2)
def test_review_requests_are_rate_limited(client: Client, setting_up: None) -> None:
    for _ in range(2):
        assert client.post(URL, {"t": token(), "message": "Needed"}).status_code == 200
    response = client.post(URL, {"t": token(), "message": "Needed"})
    assert response.status_code == 429
    assert "Too many review requests" in response.content.decode()
    assert UnblockRequest.objects.count() == 2


def test_the_page_fits_a_phone_without_inline_script_or_style(
    client: Client, setting_up: None
) -> None:
    html = client.get(URL, {"t": token()}).content.decode()
    assert 'name="viewport"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_signed_in_requests_are_tied_to_the_user(client: Client, student: Any) -> None:
    FilterProfile.objects.create(name="middle")
    client.force_login(student)
    client.post(URL, {"t": token(user=""), "message": "Homework"})
    unblock_request = UnblockRequest.objects.get()
    assert unblock_request.requested_by == student
    assert unblock_request.person == student.person
    mine = client.get(reverse("filtering:my-requests"))
    assert "games.example" in mine.content.decode()


def test_a_schools_variant_of_a_profile_reads_as_the_profile(
    client: Client, setting_up: None
) -> None:
    html = client.get(URL, {"t": token(profile="middle@maple-valley-middle")}).content.decode()
    assert "Blocked for Middle school students" in html
