"""Pages: publishing the filter and its status.

- ``/filter/publish/``: whether the draft differs from what was last published, the diff
  (live policy -> draft), what is live, since when and who published it, the revisions
  with their compile results; managers publish (with a reason when a minors' profile would
  block nothing) and roll back to an earlier revision in one action.
- ``/filter/status/``: the snapshot file the helpers read (built, size, keys) and the live
  revision.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from openaup.core.views import ScopedObjectActionView, SignedInView, add_form_errors
from openaup.filtering.choices import RevisionStatus
from openaup.filtering.models import PolicyRevision
from openaup.filtering.querysets import manages_filter
from openaup.filtering.services import publishing
from openaup.filtering.views.profiles import require_manager, require_reader


class PublishForm(forms.Form):
    note = forms.CharField(
        max_length=500, required=False, help_text=_("What changed, for the record.")
    )
    confirm_reason = forms.CharField(
        max_length=500,
        required=False,
        label=_("Reason to publish a minors' profile that blocks nothing"),
        help_text=_("Only needed when the page asks for it; it is kept in the audit trail."),
    )


def _revisions(user: Any) -> Any:
    return PolicyRevision.objects.visible_to(user, "view").select_related(
        "published_by", "rollback_of"
    )


class PublishView(SignedInView):
    """``/filter/publish/``: the draft against the live policy, and publishing it."""

    template_name = "filtering/publish.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reader(request)
        if request.method == "POST":
            require_manager(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        revisions = list(_revisions(self.request.user)[:20])
        live = next((r for r in revisions if r.status == RevisionStatus.LIVE), None)
        if live is None:
            live = _revisions(self.request.user).live().first()
        latest = revisions[0] if revisions else None
        draft = publishing.build_policy()
        try:
            publishing.check_policy(draft)
            draft_error = ""
        except ValidationError as error:
            draft_error = " ".join(error.messages)
        context.update(
            revisions=revisions,
            live=live,
            latest=latest,
            draft_error=draft_error,
            unpublished=latest is None or latest.toml != draft,
            diff=publishing.diff_policies(live.toml if live else "", draft),
            may_manage=manages_filter(self.request.user),
        )
        context.setdefault("form", PublishForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                revision = publishing.publish_policy(
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    confirm_reason=form.cleaned_data["confirm_reason"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Revision %(n)s is published; it goes live once compiled.")
                    % {"n": revision.number},
                )
                return redirect("filtering:publish")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RollbackView(ScopedObjectActionView):
    """``POST /filter/revisions/<number>/rollback/``: publish an earlier revision again and
    bring the settings back to it."""

    model = PolicyRevision
    slug_field = "number"
    slug_url_kwarg = "number"

    def perform(self, obj: Any) -> HttpResponse:
        try:
            revision = publishing.rollback_to(actor=self.request.user, revision=obj)
        except ValidationError as error:
            for text in error.messages:
                messages.error(self.request, text)
        else:
            messages.success(
                self.request,
                _("Revision %(old)s is published again as revision %(n)s.")
                % {"old": obj.number, "n": revision.number},
            )
        return redirect("filtering:publish")


class FilterStatusView(SignedInView):
    """``/filter/status/``: the snapshot the helpers read and the live revision."""

    template_name = "filtering/publish_status.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_reader(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["status"] = publishing.filter_status()
        context["live"] = _revisions(self.request.user).live().first()
        return context


urlpatterns: list[URLPattern] = [
    path("filter/publish/", PublishView.as_view(), name="publish"),
    path("filter/revisions/<int:number>/rollback/", RollbackView.as_view(), name="rollback"),
    path("filter/status/", FilterStatusView.as_view(), name="filter-status"),
]
