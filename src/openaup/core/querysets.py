"""Scoping: which rows a person may see or change, decided in one place per model family.

Every model whose rows are not public gets a queryset class deriving from
:class:`ScopedQuerySet` and implements :meth:`ScopedQuerySet.scope`. Pages and API endpoints
never build their own filters for this: the base classes in :mod:`openaup.core.views` and
:mod:`openaup.core.api` call :meth:`ScopedQuerySet.visible_to` for every list, detail, export
and search.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from django.db import models

__all__ = ["Action", "ScopedQuerySet"]

Action = Literal["view", "change", "delete", "export"]


class ScopedQuerySet(models.QuerySet[Any]):
    """A queryset that can narrow itself to what one user may see or change."""

    def visible_to(self, user: Any, action: Action = "view") -> Self:
        """Rows ``user`` may act on; nothing at all for anonymous or inactive users."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if not getattr(user, "is_active", False):
            return self.none()
        return self.scope(user, action)

    def scope(self, user: Any, action: Action) -> Self:
        """Narrow to the rows ``user`` may act on; each model family says how."""
        raise NotImplementedError(f"{type(self).__name__} must define scope()")
