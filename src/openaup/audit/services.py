"""Writing the audit trail. Services call :func:`record` inside their own transaction, so an
event exists exactly when the change it describes does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.core import context

__all__ = ["record", "record_many"]


def _actor_fields(actor: Any) -> dict[str, Any]:
    ctx = context.current()
    if actor is None and ctx is not None:
        actor = ctx.actor
    if actor is not None and getattr(actor, "pk", None) is not None:
        actor_repr = str(actor)
        actor_obj = actor
    else:
        actor_obj = None
        actor_repr = (ctx.actor_repr if ctx is not None else "") or (
            str(actor) if actor is not None else "system"
        )
    return {
        "actor": actor_obj,
        "actor_repr": actor_repr[:300],
        "request_id": ctx.request_id if ctx is not None else "",
        "client_ip": ctx.client_ip if ctx is not None else None,
        "channel": ctx.channel if ctx is not None else "system",
    }


def _event(
    *,
    action: str,
    actor: Any,
    obj: models.Model | None,
    object_type: str,
    object_id: str,
    object_repr: str,
    person: Any,
    changes: Mapping[str, Any] | None,
    reason: str,
    role: str,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEvent(
        occurred_at=timezone.now(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        person=person,
        changes=dict(changes or {}),
        reason=reason,
        role=role,
        **_actor_fields(actor),
    )


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    person: Any = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    role: str = "",
) -> AuditEvent:
    """Append one event. ``actor`` defaults to the actor of the current request or job."""
    event = _event(
        action=action,
        actor=actor,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        person=person,
        changes=changes,
        reason=reason,
        role=role,
    )
    event.save()
    return event


def record_many(action: str, events: Iterable[Mapping[str, Any]], *, actor: Any = None) -> int:
    """Append many events of one action at once (a roster import's per-person changes).

    Each mapping takes the keyword arguments of :func:`record`.
    """
    rows = [
        _event(
            action=action,
            actor=actor,
            obj=item.get("obj"),
            object_type=item.get("object_type", ""),
            object_id=item.get("object_id", ""),
            object_repr=item.get("object_repr", ""),
            person=item.get("person"),
            changes=item.get("changes"),
            reason=item.get("reason", ""),
            role=item.get("role", ""),
        )
        for item in events
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
