"""Who is acting, and in which request, for the audit trail.

A middleware sets the context for web requests; CLI commands and background jobs set it with
:func:`acting_as`, so no audit event is written by "unknown".
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["RequestContext", "acting_as", "bind_actor", "current", "new_request_id"]


@dataclass(frozen=True)
class RequestContext:
    """The actor and request an audit event belongs to."""

    request_id: str
    actor: Any = None
    actor_repr: str = ""
    client_ip: str | None = None
    channel: str = "web"


_current: ContextVar[RequestContext | None] = ContextVar("openaup_request_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext | None:
    return _current.get()


@contextlib.contextmanager
def acting_as(
    actor: Any = None,
    *,
    actor_repr: str = "",
    channel: str = "cli",
    client_ip: str | None = None,
    request_id: str | None = None,
) -> Iterator[RequestContext]:
    """Run a block with ``actor`` as the acting person (or a named system actor)."""
    base = _current.get()
    if base is None:
        ctx = RequestContext(
            request_id=request_id or new_request_id(),
            actor=actor,
            actor_repr=actor_repr or (str(actor) if actor is not None else ""),
            client_ip=client_ip,
            channel=channel,
        )
    else:
        ctx = replace(
            base,
            actor=actor if actor is not None else base.actor,
            actor_repr=actor_repr or (str(actor) if actor is not None else base.actor_repr),
        )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def bind_actor(actor: Any) -> None:
    """Name the actor of the current request once it is known (API authentication runs
    inside the view, after the middleware)."""
    base = _current.get()
    if base is None or base.actor is actor:
        return
    _current.set(replace(base, actor=actor, actor_repr=str(actor)))
