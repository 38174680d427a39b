"""Base class for API viewsets: the API counterpart of :mod:`openaup.core.views`.

Reads are narrowed with ``visible_to(user, "view")``. A write looks the object up among what
the user may see (404 otherwise) and then among what they may change (403 otherwise).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request

from openaup.core.context import bind_actor
from openaup.core.querysets import Action, ScopedQuerySet

__all__ = ["ScopedReadOnlyViewSet", "ScopedViewSetMixin", "call_service", "field_errors"]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's :class:`django.core.exceptions.ValidationError` as DRF reports errors:
    messages by field, ``non_field_errors`` for the rest."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def call_service(function: Any, **kwargs: Any) -> Any:
    """Call a service for an API view: its ``PermissionDenied`` becomes a 403 and its
    ``ValidationError`` a 400 naming the fields."""
    try:
        return function(**kwargs)
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    except DjangoValidationError as exc:
        raise ValidationError(field_errors(exc)) from exc


class ScopedViewSetMixin:
    """Applies the model's scoping to every list, retrieve and write."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if request.user.is_authenticated:
            bind_actor(request.user)

    def _base_queryset(self) -> ScopedQuerySet:
        queryset = super().get_queryset()  # type: ignore[misc]
        if not isinstance(queryset, ScopedQuerySet):
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {queryset.model.__name__} has no ScopedQuerySet"
            )
        return queryset

    def _request(self) -> Request:
        return cast(Request, self.request)  # type: ignore[attr-defined]

    def get_queryset(self) -> QuerySet[Any]:
        return self._base_queryset().visible_to(self._request().user, "view")

    def get_object(self) -> Model:
        obj: Model = super().get_object()  # type: ignore[misc]
        request = self._request()
        if request.method not in _READ_METHODS:
            action: Action = "delete" if request.method == "DELETE" else "change"
            allowed = self._base_queryset().visible_to(request.user, action)
            if not allowed.filter(pk=obj.pk).exists():
                raise PermissionDenied("You may see this record but not change it.")
        return obj


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """A read-only API over rows the caller may see."""
