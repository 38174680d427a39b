"""HTTP Basic authentication for the API, for accounts that sign in with a password alone.

A password cannot carry a second factor, so accounts whose roles require one
(:func:`~openaup.accounts.twofactor.needs_two_factor`) are refused here: they use the API from
a browser session that has passed the second factor. Students, guardians and accounts without
roles (scripts) may still use Basic over HTTPS.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed

from openaup.accounts.twofactor import needs_two_factor

__all__ = ["BasicAuthenticationWithoutTwoFactor", "BasicWithoutTwoFactorScheme"]


class BasicAuthenticationWithoutTwoFactor(BasicAuthentication):
    """Basic authentication that refuses accounts that need a second factor."""

    def authenticate_credentials(
        self, userid: str, password: str, request: Any = None
    ) -> tuple[Any, None]:
        user, auth = super().authenticate_credentials(userid, password, request)
        if needs_two_factor(user):
            raise AuthenticationFailed(
                _("This account signs in with a second factor: use the API from a browser.")
            )
        return user, auth


class BasicWithoutTwoFactorScheme(OpenApiAuthenticationExtension):
    """Describes :class:`BasicAuthenticationWithoutTwoFactor` in the OpenAPI schema."""

    target_class = BasicAuthenticationWithoutTwoFactor
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "basic"}
