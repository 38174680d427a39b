"""What OpenAUP takes from an identity provider's claims: the email address it may match people
by, and whether the provider's own sign-in counted as multi-factor.

Plain Python (no Django), so the rules can be read and tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MFA_METHODS",
    "ClaimsRefused",
    "EmailClaim",
    "email_from_claims",
    "provider_mfa",
]

#: Authentication method references (RFC 8176) that show a second factor, or several at once:
#: ``mfa`` (multiple factors), ``mca`` (multiple channels), ``otp`` (a one-time code),
#: ``hwk`` (a hardware key, such as a FIDO security key), ``sc`` (a smart card).
MFA_METHODS = frozenset({"mfa", "mca", "otp", "hwk", "sc"})


class ClaimsRefused(Exception):
    """The claims do not allow a sign-in; ``code`` says why (see ``REFUSALS`` in oidc.py)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class EmailClaim:
    """The email address a sign-in is matched by, normalised for comparison."""

    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def _is_true(value: Any) -> bool:
    # Some providers send the boolean as a string.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def email_from_claims(claims: Mapping[str, Any], allowed_domains: Iterable[str]) -> EmailClaim:
    """The email address the person may be matched by.

    Refused (:class:`ClaimsRefused`) when there is no address (``no_email``), when the provider
    says it is not verified (``email_not_verified``: an ``email_verified`` claim that is not
    true; a provider that sends no such claim at all, as Microsoft Entra ID does, is trusted for
    its own directory's addresses), or when ``allowed_domains`` is not empty and the address is
    in none of them (``domain_not_allowed``).
    """
    raw = claims.get("email")
    address = raw.strip().lower() if isinstance(raw, str) else ""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ClaimsRefused("no_email", "the identity provider sent no email address")
    if "email_verified" in claims and not _is_true(claims["email_verified"]):
        raise ClaimsRefused("email_not_verified", f"{address} is not verified at the provider")
    allowed = {d.strip().lower().lstrip("@") for d in allowed_domains if d.strip()}
    if allowed and domain not in allowed:
        raise ClaimsRefused("domain_not_allowed", f"{domain} is not a district email domain")
    return EmailClaim(address)


def provider_mfa(id_token_claims: Mapping[str, Any]) -> bool:
    """True when the ID token's ``amr`` claim shows that the provider's sign-in used more than
    a password (see :data:`MFA_METHODS`). No ``amr`` claim means no: a provider that does not
    say how the person signed in gives no proof of a second factor."""
    amr = id_token_claims.get("amr")
    if isinstance(amr, str):
        amr = [amr]
    if not isinstance(amr, list | tuple):
        return False
    return any(isinstance(method, str) and method.lower() in MFA_METHODS for method in amr)
