"""Pages: list sources and local lists.

Staff who may read the filter see every source (its status, last success, last error,
entries and size) and every local list; district administrators and technology staff add
and change them, ask for an update now, and edit local lists. Thin: the services in
:mod:`openaup.filtering.services.lists` check and record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from openaup.core.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedObjectActionView,
    SignedInView,
    add_form_errors,
)
from openaup.filtering.choices import ListKind
from openaup.filtering.models import ListSource, LocalList
from openaup.filtering.querysets import manages_filter
from openaup.filtering.services import lists as services
from openaup.filtering.views.profiles import require_manager, require_reader

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SourceForm(forms.Form):
    name = forms.SlugField(
        max_length=64,
        help_text=_("Lowercase letters, digits, - and _; the lists' folder has this name."),
    )
    kind = forms.ChoiceField(choices=ListKind.choices)
    url = forms.CharField(
        max_length=1000,
        required=False,
        label=_("Download from (URL)"),
        help_text=_("An http:// or https:// address, e.g. of blacklists.tar.gz."),
    )
    path = forms.CharField(
        max_length=1000,
        required=False,
        label=_("Or a local path"),
        help_text=_("An archive, a list file or a folder on this server."),
    )
    category = forms.CharField(
        max_length=100,
        required=False,
        help_text=_("The category of a plain or hosts list (a UT1 archive brings its own)."),
    )
    allow_list = forms.BooleanField(
        required=False, label=_("Allow-list"), help_text=_("Its sites are allowed, not blocked.")
    )
    enabled = forms.BooleanField(required=False, label=_("Updated on schedule"))
    update_hours = forms.IntegerField(
        min_value=0,
        max_value=2160,
        label=_("Hours between updates"),
        help_text=_("0: only when asked."),
    )


def _lines_field(label: StrOrPromise, help_text: StrOrPromise) -> forms.CharField:
    """A text area of lines, kept as typed (the service reports bad lines by number)."""
    return forms.CharField(
        required=False, strip=False, widget=forms.Textarea, label=label, help_text=help_text
    )


class LocalListForm(forms.Form):
    category = forms.CharField(
        max_length=100, help_text=_("The category the profiles' rules name, e.g. district_deny.")
    )
    description = forms.CharField(required=False, widget=forms.Textarea)
    allow_list = forms.BooleanField(
        required=False, label=_("Allow-list"), help_text=_("Its sites are allowed, not blocked.")
    )
    entries = _lines_field(
        _("Entries"),
        _(
            "One per line: a domain (covers its sub-domains), a URL prefix (host/path) or a "
            "hosts-file line. Lines starting with # are comments."
        ),
    )
    expressions = _lines_field(
        _("Regular expressions"),
        _(
            "One per line, matched without regard to case against host/path?query (as in a "
            "squidGuard expression list). Each must compile; lines starting with # are comments."
        ),
    )


class ListSourceListView(ScopedListView):
    """``/filter/lists/``: every list source with its status, and the local lists."""

    model = ListSource
    template_name = "filtering/lists_list.html"
    context_object_name = "sources"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reader(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["local_lists"] = LocalList.objects.visible_to(self.request.user, "view")
        context["may_manage"] = manages_filter(self.request.user)
        return context


class ListSourceDetailView(ScopedDetailView):
    """``/filter/lists/<name>/``: one source, its last update and the bad lines it had."""

    model = ListSource
    slug_field = "name"
    slug_url_kwarg = "name"
    template_name = "filtering/lists_detail.html"
    context_object_name = "source"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["may_manage"] = manages_filter(self.request.user)
        context["folder"] = services.source_folder(self.object)
        return context


class ListSourceCreateView(SignedInView):
    """``/filter/lists/new/``: a new source (fetched by the next update, or "update now")."""

    template_name = "filtering/lists_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_manager(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self.empty_form())

    def empty_form(self) -> forms.Form:
        return SourceForm(initial={"kind": ListKind.UT1, "enabled": True, "update_hours": 24})

    def _render(self, form: forms.Form, status: int = 200) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                source = services.create_source(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(
                    request, _("The list source is added: update it now to fetch its lists.")
                )
                return redirect("filtering:list-source-detail", name=source.name)
        return self._render(form, status=400)


class _ManagedSourceMixin(ScopedDetailView):
    model = ListSource
    slug_field = "name"
    slug_url_kwarg = "name"
    context_object_name = "source"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        obj = super().get_object(queryset)
        if not ListSource.objects.visible_to(self.request.user, "change").filter(pk=obj.pk):
            raise PermissionDenied(
                "Only district administrators and technology staff change the filter's lists."
            )
        return obj


class ListSourceEditView(_ManagedSourceMixin):
    """``/filter/lists/<name>/edit/``: where a source's lists come from, and its schedule."""

    template_name = "filtering/lists_form.html"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        source = self.object
        if "form" not in context:
            context["form"] = self._form(
                initial={f: getattr(source, f) for f in ("name", *services.SOURCE_FIELDS)}
            )
        return context

    def _form(self, *args: Any, **kwargs: Any) -> SourceForm:
        form = SourceForm(*args, **kwargs)
        form.fields["name"].required = False
        form.fields["name"].disabled = True
        return form

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = source = self.get_object()
        form = self._form(request.POST, initial={"name": source.name})
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "name"}
            try:
                services.change_source(actor=request.user, source=source, **data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The list source is saved."))
                return redirect("filtering:list-source-detail", name=source.name)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ListSourceUpdateView(ScopedObjectActionView):
    """``POST /filter/lists/<name>/update/``: update the source now, in the background."""

    model = ListSource
    slug_field = "name"
    slug_url_kwarg = "name"

    def perform(self, obj: Any) -> HttpResponse:
        services.request_update(actor=self.request.user, source=obj, force=True)
        messages.success(
            self.request,
            _("The update has started: reload this page in a minute to see how it went."),
        )
        return redirect("filtering:list-source-detail", name=obj.name)


class ListSourceEnableView(ScopedObjectActionView):
    """``POST /filter/lists/<name>/enabled/``: switch scheduled updates on or off."""

    model = ListSource
    slug_field = "name"
    slug_url_kwarg = "name"

    def perform(self, obj: Any) -> HttpResponse:
        enabled = self.request.POST.get("enabled") == "on"
        services.set_source_enabled(actor=self.request.user, source=obj, enabled=enabled)
        if enabled:
            messages.success(self.request, _("Scheduled updates are on."))
        else:
            messages.success(self.request, _("Scheduled updates are off; the lists stay."))
        return redirect("filtering:list-source-detail", name=obj.name)


class LocalListCreateView(ListSourceCreateView):
    """``/filter/local-lists/new/``: a new list edited here."""

    template_name = "filtering/lists_local_form.html"

    def empty_form(self) -> forms.Form:
        return LocalListForm()

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LocalListForm(request.POST)
        if form.is_valid():
            try:
                row = services.save_local_list(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The list is saved: publish to put it to use."))
                return redirect("filtering:local-list-edit", category=row.category)
        return self._render(form, status=400)


class LocalListEditView(ScopedDetailView):
    """``/filter/local-lists/<category>/``: a local list, each bad line reported with its
    number and why (nothing is saved until every line is usable)."""

    model = LocalList
    slug_field = "category"
    slug_url_kwarg = "category"
    template_name = "filtering/lists_local_form.html"
    context_object_name = "local_list"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        row = self.object
        context["may_manage"] = manages_filter(self.request.user)
        if "form" not in context:
            context["form"] = LocalListForm(
                initial={
                    "category": row.category,
                    "description": row.description,
                    "allow_list": row.allow_list,
                    "entries": row.entries,
                    "expressions": row.expressions,
                }
            )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = row = self.get_object()
        if not LocalList.objects.visible_to(request.user, "change").filter(pk=row.pk):
            raise PermissionDenied(
                "Only district administrators and technology staff change the filter's lists."
            )
        form = LocalListForm(request.POST)
        if form.is_valid():
            try:
                row = services.save_local_list(
                    actor=request.user, local_list=row, **form.cleaned_data
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, _("The list is saved: publish to put it to use."))
                return redirect("filtering:local-list-edit", category=row.category)
        return self.render_to_response(self.get_context_data(form=form), status=400)


urlpatterns: list[URLPattern] = [
    path("filter/lists/", ListSourceListView.as_view(), name="list-source-list"),
    path("filter/lists/new/", ListSourceCreateView.as_view(), name="list-source-create"),
    path("filter/lists/<slug:name>/", ListSourceDetailView.as_view(), name="list-source-detail"),
    path("filter/lists/<slug:name>/edit/", ListSourceEditView.as_view(), name="list-source-edit"),
    path(
        "filter/lists/<slug:name>/update/",
        ListSourceUpdateView.as_view(),
        name="list-source-update",
    ),
    path(
        "filter/lists/<slug:name>/enabled/",
        ListSourceEnableView.as_view(),
        name="list-source-enable",
    ),
    path("filter/local-lists/new/", LocalListCreateView.as_view(), name="local-list-create"),
    path("filter/local-lists/<str:category>/", LocalListEditView.as_view(), name="local-list-edit"),
]
