"""Single sign-on with OpenID Connect (Google Workspace, Microsoft Entra ID or any provider
that publishes a discovery document), built on mozilla-django-oidc.

On only when ``OPENAUP_OIDC_ISSUER`` is set; otherwise the sign-in page shows no button and
``/oidc/authenticate/`` and ``/oidc/callback/`` answer 404. The provider's endpoints come from
``<issuer>/.well-known/openid-configuration``, read on first use and kept for the life of the
process; explicitly configured endpoints win over discovered ones.

The flow is the authorization-code flow with PKCE (S256), a ``state`` kept in the session and
a ``nonce`` in the ID token, both checked by the library. The ID token must be signed with
RS256 by a key of the provider's JWKS, name the configured issuer and this client as its
audience, and not have expired. The person is then matched by email
(:mod:`openaup.accounts.oidc_claims`, :mod:`openaup.accounts.oidc_services`); a refusal shows
a page that says why and is recorded in the audit trail.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from openaup.accounts.oidc_claims import ClaimsRefused, email_from_claims, provider_mfa
from openaup.accounts.oidc_services import account_for_email, record_sso_refusal
from openaup.core.views import PublicView

__all__ = [
    "REFUSALS",
    "SSO_MFA_SESSION_KEY",
    "DistrictOIDCBackend",
    "ProviderEndpoints",
    "SSOCallbackView",
    "SSOStartView",
    "provider_endpoints",
    "session_has_provider_mfa",
    "sso_button_label",
    "sso_enabled",
]

logger = logging.getLogger(__name__)

#: Set in the session when the provider's ID token shows a second factor (``amr``).
SSO_MFA_SESSION_KEY = "openaup_sso_mfa"

#: What the refusal page says for each refusal code.
REFUSALS: dict[str, Any] = {
    "no_account": _(
        "There is no account for this email address at the district. If you think there "
        "should be, ask the district's technology staff."
    ),
    "departed": _(
        "The district's directory shows that you have left the district, so you can no longer "
        "sign in. If this is wrong, ask the district's technology staff."
    ),
    "disabled": _("This account is disabled. Ask the district's technology staff."),
    "ambiguous": _(
        "More than one account or person in the district's directory has this email address, "
        "so we cannot tell who you are. The technology staff have been told; please ask them."
    ),
    "no_email": _("The identity provider did not tell us your email address."),
    "email_not_verified": _(
        "The identity provider has not verified your email address, so it cannot be used to "
        "sign in here."
    ),
    "domain_not_allowed": _(
        "Only the district's own email addresses can sign in here. Sign in to the identity "
        "provider with your district account."
    ),
    "token": _(
        "The answer from the identity provider could not be verified, so you were not signed "
        "in. Please try again; if it happens again, tell the district's technology staff."
    ),
    "unavailable": _(
        "The district's identity provider cannot be reached right now. Please try again "
        "later, or sign in with a user name and password."
    ),
}
GENERIC_REFUSAL = _("The sign-in with the identity provider did not complete. Please try again.")


def sso_enabled() -> bool:
    return bool(getattr(settings, "OPENAUP_OIDC_ISSUER", ""))


def sso_button_label() -> str:
    return str(getattr(settings, "OPENAUP_OIDC_BUTTON_LABEL", ""))


def session_has_provider_mfa(request: HttpRequest) -> bool:
    """This session was signed in by the provider with a second factor (see
    :func:`openaup.accounts.oidc_claims.provider_mfa`)."""
    return bool(request.session.get(SSO_MFA_SESSION_KEY, False))


@dataclass(frozen=True)
class ProviderEndpoints:
    """Where the provider's authorization, token, userinfo and key set endpoints are."""

    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks: str


_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The discovery document could not be read or does not describe the issuer."""


def _discover(issuer: str) -> dict[str, Any]:
    with _discovery_lock:
        if issuer in _discovered:
            return _discovered[issuer]
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc}") from exc
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer.
            raise ProviderUnavailable(f"{url} does not describe the issuer {issuer}")
        _discovered[issuer] = document
        return document


def provider_endpoints() -> ProviderEndpoints:
    """The configured endpoints, completed from the discovery document when any is missing."""
    issuer = settings.OPENAUP_OIDC_ISSUER
    explicit = {
        "authorization": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo": settings.OIDC_OP_USER_ENDPOINT,
        "jwks": settings.OIDC_OP_JWKS_ENDPOINT,
    }
    if not all(explicit.values()):
        document = _discover(issuer)
        keys = {
            "authorization": "authorization_endpoint",
            "token": "token_endpoint",
            "userinfo": "userinfo_endpoint",
            "jwks": "jwks_uri",
        }
        for name, key in keys.items():
            explicit[name] = explicit[name] or str(document.get(key) or "")
        if not all(explicit.values()):
            raise ProviderUnavailable(f"the discovery document of {issuer} lacks an endpoint")
    return ProviderEndpoints(issuer=issuer, **explicit)


def _refuse(request: HttpRequest, code: str, detail: str, email: str = "") -> None:
    request.openaup_sso_refusal = code  # type: ignore[attr-defined]
    record_sso_refusal(code=code, detail=detail, email=email, issuer=settings.OPENAUP_OIDC_ISSUER)


class DistrictOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of the provider: exchanges the code (with the PKCE
    verifier), verifies the ID token and finds the district account by email. Any other
    sign-in (a password) passes through untouched."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads its settings here; they are read per sign-in instead, so the
        # backend can stay listed while single sign-on is off.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def _configure(self, endpoints: ProviderEndpoints) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce; a password sign-in never reaches the provider.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        try:
            self._configure(provider_endpoints())
        except ProviderUnavailable as exc:
            _refuse(request, "unavailable", str(exc))
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            _refuse(request, "token", str(exc))
        except requests.RequestException as exc:
            _refuse(request, "unavailable", str(exc))
        return None

    def get_user(self, user_id: Any) -> Any:
        # The library's version skips Django's check that the account is still active, which
        # would keep a disabled account's single sign-on sessions alive.
        return ModelBackend.get_user(self, user_id)

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OPENAUP_OIDC_ISSUER,
                leeway=60,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token rejected: {exc}") from exc
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without our azp")
        return claims

    def get_userinfo(self, access_token: Any, id_token: Any, payload: Any) -> dict[str, Any]:
        """The ID token's claims, completed from the userinfo endpoint when the ID token
        carries no email (the signed ID token wins where both say something)."""
        claims = dict(payload)
        if "email" not in claims:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != claims.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject than the ID token")
            claims = {**userinfo, **claims}
        return claims

    def get_or_create_user(self, access_token: Any, id_token: Any, payload: Any) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        email = ""
        try:
            email = email_from_claims(claims, settings.OPENAUP_OIDC_ALLOWED_DOMAINS).address
            user = account_for_email(email=email, issuer=settings.OPENAUP_OIDC_ISSUER)
        except ClaimsRefused as refusal:
            _refuse(self.request, refusal.code, refusal.detail, email)
            return None
        # Only the signed ID token says how the person signed in.
        self.request.openaup_sso_mfa = provider_mfa(payload)
        return user


class SSOStartView(PublicView, OIDCAuthenticationRequestView):
    """``GET /oidc/authenticate/``: send the visitor to the provider (404 when single sign-on
    is off)."""

    def __init__(self, **kwargs: Any) -> None:
        PublicView.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            endpoints = provider_endpoints()
        except ProviderUnavailable as exc:
            logger.warning("single sign-on unavailable: %s", exc)
            return refusal_page(request, "unavailable", status=503)
        self.OIDC_OP_AUTH_ENDPOINT = endpoints.authorization
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class SSOCallbackView(PublicView, OIDCAuthenticationCallbackView):
    """``GET /oidc/callback/``: where the provider sends the visitor back. Signs them in, or
    shows why not (403). 404 when single sign-on is off."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        response: HttpResponse = super().get(request)
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        if getattr(self.request, "openaup_sso_mfa", False):
            self.request.session[SSO_MFA_SESSION_KEY] = True
        return response

    def login_failure(self) -> HttpResponse:
        code = getattr(self.request, "openaup_sso_refusal", "")
        return refusal_page(self.request, code, status=403)


def refusal_page(request: HttpRequest, code: str, *, status: int) -> HttpResponse:
    """The page that tells a visitor why single sign-on did not sign them in."""
    response = TemplateResponse(
        request,
        "accounts/oidc_refused.html",
        {"message": REFUSALS.get(code, GENERIC_REFUSAL), "code": code},
        status=status,
    )
    return response.render()
