"""Lockout for sign-ins over the web.

Axes counts failures per user name and client address, so it needs the request. Code that
checks a password without one (a management command, a test) has no address to lock out
and is not reachable from the network: it goes straight on to the next backend.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend

__all__ = ["LockoutBackend"]


class LockoutBackend(AxesStandaloneBackend):
    """Refuse sign-ins while the user name and address are locked out (web requests only)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
