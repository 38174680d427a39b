"""Single sign-on with OpenID Connect, against a real provider (panva's oidc-provider, started
on loopback by ``tests/oidc/provider.py``): who gets in, who is refused and why, what the audit
trail says, and that a token the provider did not sign, or signed as another issuer, is
refused."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.test.utils import override_settings

from openaup.accounts import oidc
from openaup.accounts.models import User
from openaup.accounts.oidc_claims import ClaimsRefused, email_from_claims, provider_mfa
from openaup.audit.models import AuditEvent
from openaup.directory.choices import PersonStatus
from tests.accounts.factories import UserFactory
from tests.directory.factories import GuardianFactory, StaffFactory
from tests.oidc.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    LoopbackProvider,
    require_provider,
    running_provider,
    sign_in_at_provider,
)

ACCOUNTS = [
    {"sub": "tess", "email": "Tess.Teacher@District.Example", "email_verified": True,
     "amr": ["pwd", "mfa"]},
    {"sub": "gina", "email": "gina.guardian@district.example", "email_verified": True,
     "amr": ["pwd"]},
    {"sub": "ed", "email": "ed.entra@district.example"},
    {"sub": "stranger", "email": "stranger@elsewhere.example", "email_verified": True},
    {"sub": "unverified", "email": "una@district.example", "email_verified": False},
    {"sub": "dan", "email": "dan.departed@district.example", "email_verified": True},
    {"sub": "twin", "email": "twin@district.example", "email_verified": True},
]  # fmt: skip


@pytest.fixture(scope="module")
def provider() -> Iterator[LoopbackProvider]:
    require_provider()
    with running_provider(ACCOUNTS) as running:
        yield running


def sso_settings(provider: LoopbackProvider, **extra: Any) -> override_settings:
    values: dict[str, Any] = {
        "OPENAUP_OIDC_ISSUER": provider.issuer,
        "OPENAUP_OIDC_BUTTON_LABEL": "Sign in with Maple Valley",
        "OPENAUP_OIDC_ALLOWED_DOMAINS": [],
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        **extra,
    }
    return override_settings(**values)


@pytest.fixture
def sso(provider: LoopbackProvider) -> Iterator[LoopbackProvider]:
    with sso_settings(provider):
        yield provider


def sso_sign_in(client: Client, email: str) -> Any:
    """Press the single sign-on button, sign in at the provider as ``email``, and return
    OpenAUP's answer to the provider's redirect back."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302, start.content
    back = sign_in_at_provider(start["Location"], email)
    parts = urlsplit(back)
    assert parts.path == "/oidc/callback/"
    return client.get(f"{parts.path}?{parts.query}")


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def refusals(code: str) -> list[AuditEvent]:
    return [
        event
        for event in AuditEvent.objects.filter(action="account.sso_refused")
        if event.changes.get("code") == code
    ]


# --- against the provider ---------------------------------------------------------------


def test_the_authorization_request_uses_pkce_state_and_nonce(
    sso: LoopbackProvider, db: None
) -> None:
    response = Client().get("/oidc/authenticate/")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(f"{sso.issuer}/auth?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert len(query["state"][0]) >= 32
    assert len(query["nonce"][0]) >= 32


def test_a_staff_member_in_the_directory_signs_in_as_themself(
    sso: LoopbackProvider, db: None
) -> None:
    person = StaffFactory(email="tess.teacher@district.example", given_name="Tess")
    client = Client()

    response = sso_sign_in(client, "tess.teacher@district.example")

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = signed_in_user(client)
    assert user is not None
    assert user.person == person
    assert user.email == "tess.teacher@district.example"
    assert not user.has_usable_password()
    created = AuditEvent.objects.get(action="account.created_by_sso")
    assert created.person == person
    assert created.changes["issuer"] == sso.issuer
    signed_in = AuditEvent.objects.filter(action="account.signed_in", actor=user)
    assert signed_in.count() == 1
    # The provider's ID token says "mfa": the session carries the provider's second factor.
    assert client.session.get(oidc.SSO_MFA_SESSION_KEY) is True


def test_an_existing_account_is_found_by_email_ignoring_case(
    sso: LoopbackProvider, db: None
) -> None:
    guardian = GuardianFactory(email="someone.else@example.net")
    user = UserFactory(username="gina", email="Gina.Guardian@District.Example", person=guardian)
    client = Client()

    response = sso_sign_in(client, "gina.guardian@district.example")

    assert response.status_code == 302
    assert signed_in_user(client) == user
    assert User.objects.count() == 1
    # A password sign-in at the provider is no second factor.
    assert oidc.SSO_MFA_SESSION_KEY not in client.session


def test_disabling_the_account_ends_its_single_sign_on_sessions(
    sso: LoopbackProvider, db: None
) -> None:
    StaffFactory(email="tess.teacher@district.example")
    client = Client()
    sso_sign_in(client, "tess.teacher@district.example")
    user = signed_in_user(client)
    assert user is not None
    assert client.get("/").wsgi_request.user == user

    User.objects.filter(pk=user.pk).update(is_active=False)

    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_provider_without_email_verified_is_trusted_for_its_addresses(
    sso: LoopbackProvider, db: None
) -> None:
    person = StaffFactory(email="ed.entra@district.example")
    client = Client()

    sso_sign_in(client, "ed.entra@district.example")

    user = signed_in_user(client)
    assert user is not None
    assert user.person == person


def test_an_email_unknown_to_the_district_is_refused_with_a_page(
    sso: LoopbackProvider, db: None
) -> None:
    client = Client()

    response = sso_sign_in(client, "stranger@elsewhere.example")

    assert response.status_code == 403
    assert "There is no account for this email address at the district" in response.text
    assert "technology staff" in response.text
    assert signed_in_user(client) is None
    assert not User.objects.exists()
    (event,) = refusals("no_account")
    assert event.object_repr == "stranger@elsewhere.example"


def test_an_unverified_email_is_refused(sso: LoopbackProvider, db: None) -> None:
    StaffFactory(email="una@district.example")
    client = Client()

    response = sso_sign_in(client, "una@district.example")

    assert response.status_code == 403
    assert "has not verified your email address" in response.text
    assert not User.objects.exists()
    assert refusals("email_not_verified")


def test_a_departed_person_is_refused(sso: LoopbackProvider, db: None) -> None:
    StaffFactory(
        email="dan.departed@district.example",
        status=PersonStatus.DEPARTED,
        departed_on=datetime.date(2026, 6, 30),
    )
    client = Client()

    response = sso_sign_in(client, "dan.departed@district.example")

    assert response.status_code == 403
    assert "you have left the district" in response.text
    assert not User.objects.exists()
    assert refusals("departed")


def test_two_people_with_one_email_are_refused_and_logged(
    sso: LoopbackProvider, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    StaffFactory(email="twin@district.example")
    GuardianFactory(email="TWIN@district.example")
    client = Client()

    response = sso_sign_in(client, "twin@district.example")

    assert response.status_code == 403
    assert "More than one account or person" in response.text
    assert not User.objects.exists()
    assert refusals("ambiguous")
    assert "single sign-on refused (ambiguous)" in caplog.text


def test_only_the_allowed_domains_may_sign_in(provider: LoopbackProvider, db: None) -> None:
    StaffFactory(email="stranger@elsewhere.example")
    with sso_settings(provider, OPENAUP_OIDC_ALLOWED_DOMAINS=["district.example"]):
        response = sso_sign_in(Client(), "stranger@elsewhere.example")

    assert response.status_code == 403
    assert "Only the district&#x27;s own email addresses" in response.text
    assert refusals("domain_not_allowed")


def test_a_callback_cannot_be_replayed(sso: LoopbackProvider, db: None) -> None:
    StaffFactory(email="tess.teacher@district.example")
    client = Client()
    start = client.get("/oidc/authenticate/")
    back = urlsplit(sign_in_at_provider(start["Location"], "tess.teacher@district.example"))
    assert client.get(f"{back.path}?{back.query}").status_code == 302

    # The state was used up: the same answer again is refused.
    assert client.get(f"{back.path}?{back.query}").status_code == 400


def test_an_id_token_signed_by_another_key_is_refused(provider: LoopbackProvider, db: None) -> None:
    """A second provider has a key with the same key id: the ID token of the first does not
    verify with the second's key set."""
    StaffFactory(email="tess.teacher@district.example")
    with (
        running_provider(ACCOUNTS) as impostor,
        sso_settings(provider, OIDC_OP_JWKS_ENDPOINT=impostor.url("/jwks")),
    ):
        client = Client()
        response = sso_sign_in(client, "tess.teacher@district.example")

    assert response.status_code == 403
    assert "could not be verified" in response.text
    assert signed_in_user(client) is None
    assert not User.objects.exists()
    (event,) = refusals("token")
    assert "Signature verification failed" in event.reason


def test_an_id_token_from_another_issuer_is_refused(provider: LoopbackProvider, db: None) -> None:
    StaffFactory(email="tess.teacher@district.example")
    endpoints = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": provider.url("/auth"),
        "OIDC_OP_TOKEN_ENDPOINT": provider.url("/token"),
        "OIDC_OP_USER_ENDPOINT": provider.url("/me"),
        "OIDC_OP_JWKS_ENDPOINT": provider.url("/jwks"),
    }
    with sso_settings(provider, OPENAUP_OIDC_ISSUER="https://accounts.example", **endpoints):
        client = Client()
        response = sso_sign_in(client, "tess.teacher@district.example")

    assert response.status_code == 403
    assert signed_in_user(client) is None
    (event,) = refusals("token")
    assert "issuer" in event.reason.lower()


def test_the_sign_in_page_shows_the_button_when_configured(sso: LoopbackProvider, db: None) -> None:
    response = Client().get("/accounts/login/?next=/directory/people/")
    assert "Sign in with Maple Valley" in response.text
    assert 'href="/oidc/authenticate/?next=/directory/people/"' in response.text


# --- single sign-on off --------------------------------------------------------------------


@override_settings(OPENAUP_OIDC_ISSUER="")
def test_without_an_issuer_there_is_no_button_and_no_sso(db: None) -> None:
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "single-sign-on" not in page.text
    assert "/oidc/" not in page.text
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


# --- the claims rules (no provider needed) ------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "domains", "expected"),
    [
        ({"email": "A@District.Example", "email_verified": True}, [], "a@district.example"),
        ({"email": "a@district.example", "email_verified": "true"}, [], "a@district.example"),
        ({"email": "a@district.example"}, [], "a@district.example"),
        ({"email": "a@district.example"}, ["District.Example"], "a@district.example"),
        ({"email": "a@district.example", "email_verified": False}, [], "email_not_verified"),
        ({"email": "a@district.example", "email_verified": "false"}, [], "email_not_verified"),
        ({"email": "a@district.example", "email_verified": None}, [], "email_not_verified"),
        ({"email": "a@elsewhere.example"}, ["district.example"], "domain_not_allowed"),
        ({"email": "a@sub.district.example"}, ["district.example"], "domain_not_allowed"),
        ({}, [], "no_email"),
        ({"email": "not-an-address"}, [], "no_email"),
        ({"email": 42}, [], "no_email"),
    ],
)
def test_email_from_claims(claims: dict[str, Any], domains: list[str], expected: str) -> None:
    try:
        result = email_from_claims(claims, domains).address
    except ClaimsRefused as refusal:
        result = refusal.code
    assert result == expected


@pytest.mark.parametrize(
    ("amr", "expected"),
    [
        (["pwd", "mfa"], True),
        (["hwk"], True),
        (["pwd", "otp"], True),
        ("mfa", True),
        (["MFA"], True),
        (["pwd"], False),
        ([], False),
        (None, False),
        ({"mfa": True}, False),
    ],
)
def test_provider_mfa_reads_the_amr_claim(amr: Any, expected: bool) -> None:
    claims = {"sub": "x"} if amr is None else {"sub": "x", "amr": amr}
    assert provider_mfa(claims) is expected
