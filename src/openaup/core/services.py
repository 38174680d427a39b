"""Checks shared by every app's services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models

from openaup.core.querysets import Action, ScopedQuerySet

__all__ = ["ensure_in_scope"]


def ensure_in_scope(
    rows: models.Manager[Any] | models.QuerySet[Any],
    obj: models.Model,
    user: Any,
    action: Action = "change",
) -> None:
    """Refuse (``PermissionDenied``) unless ``obj`` is among the rows ``user`` may act on.

    Services call it inside their transaction, before a change to check the actor may make
    it, and after saving to check the object has not been moved out of the actor's reach
    (another school, say); the exception rolls the transaction back. A system actor (the
    CLI, a job: ``None``) is not restricted; an anonymous user may change nothing.
    """
    if user is None:
        return
    queryset = rows.all()
    if not isinstance(queryset, ScopedQuerySet):
        raise ImproperlyConfigured(f"{queryset.model.__name__} has no ScopedQuerySet")
    if not queryset.visible_to(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied("This is not within what you may change.")
