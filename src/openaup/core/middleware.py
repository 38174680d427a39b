"""Request-wide context: a request id, the signed-in actor and the client address."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from openaup.core.context import RequestContext, _current, new_request_id

__all__ = ["RequestContextMiddleware", "client_ip"]


def client_ip(request: HttpRequest) -> str | None:
    """The client address; behind a trusted reverse proxy, the first X-Forwarded-For hop."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded.split(",")[0].strip()) or None
    addr = request.META.get("REMOTE_ADDR")
    return str(addr) if addr else None


def user_agent(request: HttpRequest) -> str:
    """The browser's User-Agent header, cut to the 500 characters records keep."""
    return str(request.headers.get("User-Agent", ""))[:500]


class RequestContextMiddleware:
    """Put the request id and the actor in a context variable for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or new_request_id()
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        ctx = RequestContext(
            request_id=request_id,
            actor=actor,
            actor_repr=str(actor) if actor is not None else "",
            client_ip=client_ip(request),
            channel="web",
        )
        token = _current.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response
