"""Base classes for pages. Every page of OpenAUP derives from one of these, so no page can
forget sign-in or scoping (a test walks the URL patterns to prove it).

- :class:`PublicView`: no sign-in (the sign-in page itself, health checks).
- :class:`SignedInView`: any signed-in person; shows nothing that needs scoping.
- :class:`ScopedListView` / :class:`ScopedDetailView`: rows of a model whose queryset is a
  :class:`~openaup.core.querysets.ScopedQuerySet`, narrowed to the user's scope.
  Out-of-scope objects are a 404, as if they did not exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.generic import DetailView, ListView, TemplateView, View
from django.views.generic.detail import SingleObjectMixin

from openaup.core.querysets import Action, ScopedQuerySet

__all__ = [
    "HealthView",
    "PublicView",
    "ScopedDetailView",
    "ScopedListView",
    "ScopedObjectActionView",
    "ScopedObjectMixin",
    "SignedInView",
    "add_form_errors",
]


def add_form_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's :class:`ValidationError` on ``form``: each message at its field,
    or at the top of the form when it names no field of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PublicView(View):
    """A page anyone may open without signing in."""


class SignedInView(LoginRequiredMixin, TemplateView):
    """A page for any signed-in person that lists no scoped rows itself."""


class ScopedObjectMixin(LoginRequiredMixin):
    """Restrict the view's queryset to what the signed-in user may act on."""

    scope_action: Action = "view"
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        if not isinstance(queryset, ScopedQuerySet):
            raise ImproperlyConfigured(
                f"{type(self).__name__}: {queryset.model.__name__} has no ScopedQuerySet"
            )
        return queryset.visible_to(self.request.user, self.scope_action)


class ScopedListView(ScopedObjectMixin, ListView):  # type: ignore[type-arg]
    """A list of rows the user may see. When it runs to several pages, ``page_range`` (with
    ellipses) feeds ``includes/pagination.html``."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        page: Page[Any] | None = context.get("page_obj")
        if page is not None and page.paginator.num_pages > 1:
            paginator: Paginator[Any] = page.paginator
            context["page_range"] = paginator.get_elided_page_range(
                page.number, on_each_side=1, on_ends=1
            )
        return context


class ScopedDetailView(ScopedObjectMixin, DetailView):  # type: ignore[type-arg]
    """One row the user may see; anything else is a 404."""


class ScopedObjectActionView(ScopedObjectMixin, SingleObjectMixin, View):  # type: ignore[type-arg]
    """A form post that changes one object. The object is looked up among what the user may
    see (404 otherwise), then among what they may change (403 otherwise); only then does
    :meth:`perform` run."""

    http_method_names = ["post"]
    change_action: Action = "change"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = obj = self.get_object()
        changeable = self.model._default_manager.all()
        if not isinstance(changeable, ScopedQuerySet):
            raise ImproperlyConfigured(f"{type(self).__name__}: the model has no ScopedQuerySet")
        if not changeable.visible_to(request.user, self.change_action).filter(pk=obj.pk).exists():
            raise PermissionDenied("You may see this record but not change it.")
        return self.perform(obj)

    def perform(self, obj: Any) -> HttpResponse:
        raise NotImplementedError(f"{type(self).__name__} must define perform()")


class HealthView(PublicView):
    """``GET /healthz``: 200 when the database answers (for load balancers and monitors)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        return JsonResponse({"status": "ok"})
