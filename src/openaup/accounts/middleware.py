"""Sessions that end, and the second factor that staff sessions must pass.

:class:`SessionLifetimeMiddleware` ends a session ``OPENAUP_SESSION_HOURS`` after sign-in,
after ``OPENAUP_SESSION_IDLE_MINUTES`` without a request, and when the person chose "sign out
everywhere" after it began. :class:`TwoFactorRequiredMiddleware` keeps a person whose roles
need a second factor on the two-factor pages until they have passed it (in OpenAUP, or at the
district's identity provider: see :mod:`openaup.accounts.oidc`): pages redirect there, API
calls answer 403.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from openaup.accounts.oidc import session_has_provider_mfa
from openaup.accounts.twofactor import confirmed_totp, is_verified, needs_two_factor

__all__ = [
    "EPOCH_KEY",
    "LAST_SEEN_KEY",
    "SIGNED_IN_AT_KEY",
    "SessionLifetimeMiddleware",
    "TwoFactorRequiredMiddleware",
    "start_session",
]

SIGNED_IN_AT_KEY = "openaup_signed_in_at"
LAST_SEEN_KEY = "openaup_last_seen"
EPOCH_KEY = "openaup_session_epoch"

#: Seconds between two writes of "last seen" to the session (not one write per request).
LAST_SEEN_GRANULARITY = 30

#: Pages an unverified person may open: the two-factor pages themselves and signing out.
TWO_FACTOR_EXEMPT = frozenset(
    {"login", "logout", "health", "two-factor-setup", "two-factor-verify"}
)


def start_session(request: HttpRequest, user: Any) -> None:
    """Stamp a new session with its start, and the user's current session epoch."""
    now = time.time()
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    request.session[EPOCH_KEY] = user.session_epoch


class SessionLifetimeMiddleware:
    """End sessions that are too old, idle too long, or signed out everywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            ended = self._ended(request, user)
            if ended:
                logout(request)
                messages.info(request, ended)
            else:
                now = time.time()
                if now - float(request.session.get(LAST_SEEN_KEY, 0)) > LAST_SEEN_GRANULARITY:
                    request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, user: Any) -> str:
        session = request.session
        if session.get(EPOCH_KEY) != user.session_epoch:
            return _("You were signed out. Please sign in again.")
        now = time.time()
        lifetime = settings.OPENAUP_SESSION_LIFETIME.total_seconds()
        if now - float(session.get(SIGNED_IN_AT_KEY, 0)) > lifetime:
            return _("Your session has ended after %(hours)d hours. Please sign in again.") % {
                "hours": settings.OPENAUP_SESSION_HOURS
            }
        idle = settings.OPENAUP_SESSION_IDLE.total_seconds()
        if now - float(session.get(LAST_SEEN_KEY, 0)) > idle:
            return _(
                "You were signed out after %(minutes)d minutes without activity. "
                "Please sign in again."
            ) % {"minutes": settings.OPENAUP_SESSION_IDLE_MINUTES}
        return ""


class TwoFactorRequiredMiddleware:
    """Keep sessions that still owe a second factor on the two-factor pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            needs_two_factor(user)
            and not is_verified(user)
            and not session_has_provider_mfa(request)
        ):
            try:
                # The namespaced name, so that no app's own "login" page is let through.
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = None
            if name not in TWO_FACTOR_EXEMPT:
                return self._refuse(request, user)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, user: Any) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Verify your second factor in the browser first.")}, status=403
            )
        target = "two-factor-verify" if confirmed_totp(user) else "two-factor-setup"
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")
