"""Pages: unblock requests and overrides.

- ``filter/requests/``: the review queue of whoever decides (teachers see their students'
  requests, principals their school's, technology staff all), pending first;
- ``filter/requests/<pk>/``: one request, with approve and deny forms for those who may
  decide it (a teacher: one lesson or one day for their section; a principal: their school,
  until an end they choose; technology staff: any scope and end);
- ``filter/my-requests/``: the requests a signed-in student or staff member made, with the
  outcome;
- ``filter/overrides/``: current and recent overrides, with revoking;
- ``filter/sections/<pk>/override/``: a teacher allows or blocks a site for their section
  for one lesson or one day, without a request.

Thin: :mod:`openaup.filtering.services.requests` checks who may do what.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openaup.accounts.forms import uswds
from openaup.core.views import ScopedDetailView, ScopedListView, ScopedObjectActionView
from openaup.directory.models import Section
from openaup.filtering.choices import OverrideAction, OverrideScope, RequestStatus
from openaup.filtering.models import Override, UnblockRequest
from openaup.filtering.querysets import reads_filter
from openaup.filtering.services import requests as services
from openaup.filtering.views.blockpage import rule_words

__all__ = [
    "MyRequestListView",
    "OverrideListView",
    "OverrideRevokeView",
    "RequestDecideView",
    "RequestDetailView",
    "RequestListView",
    "SectionOverrideView",
    "urlpatterns",
]

DURATION_CHOICES = [
    ("lesson", gettext_lazy("One lesson")),
    ("day", gettext_lazy("The rest of the school day")),
]


class ApproveForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Unblock for"), choices=(), required=False)
    section = forms.ModelChoiceField(
        label=gettext_lazy("Section"), queryset=Section.objects.none(), required=False
    )
    duration = forms.ChoiceField(
        label=gettext_lazy("For how long"), choices=DURATION_CHOICES, required=False
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("Leave empty for the rest of the school day."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the person who asked (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, options: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(OverrideScope.choices)
        self.fields["scope"].choices = [(s, labels[s]) for s in options["scopes"]]  # type: ignore[attr-defined]
        self.fields["section"].queryset = options["sections"]  # type: ignore[attr-defined]
        if not options["sections"].exists():
            del self.fields["section"]
        if options["any_end"]:
            del self.fields["duration"]
        else:
            del self.fields["ends_at"]
            self.fields["duration"].required = True


class DenyForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why (the person who asked reads this)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SectionOverrideForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Allow or block"),
        choices=OverrideAction.choices,
        widget=forms.RadioSelect,
    )
    host = forms.CharField(
        label=gettext_lazy("Site"),
        max_length=1000,
        help_text=gettext_lazy("A site such as example.org, or a page such as example.org/page."),
    )
    duration = forms.ChoiceField(label=gettext_lazy("For how long"), choices=DURATION_CHOICES)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class RequestListView(ScopedListView):
    """The review queue: pending requests first, then the decided ones, newest first."""

    model = UnblockRequest
    template_name = "filtering/requests_list.html"
    context_object_name = "requests"
    paginate_by = 50

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not reads_filter(request.user):
            raise PermissionDenied("The review queue is for staff who decide requests.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related("person", "school")
        status = self.request.GET.get("status", "")
        if status in RequestStatus.values:
            queryset = queryset.filter(status=status)
        pending_first = Case(
            When(status=RequestStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return queryset.order_by(pending_first, "-created_at", "-pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["statuses"] = RequestStatus.choices
        context["status"] = self.request.GET.get("status", "")
        return context


class MyRequestListView(ScopedListView):
    """The requests the signed-in person made (or that were tied to them by the filter)."""

    model = UnblockRequest
    template_name = "filtering/requests_mine.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        user = self.request.user
        mine = Q(requested_by=user)
        if user.person_id:
            mine |= Q(person_id=user.person_id)
        return super().get_queryset().filter(mine).order_by("-created_at", "-pk")


class RequestDetailView(ScopedDetailView):
    """One request, its facts and outcome, and the decision forms for its approvers."""

    model = UnblockRequest
    template_name = "filtering/requests_detail.html"
    context_object_name = "unblock_request"

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("person", "school", "decided_by")
            .prefetch_related("overrides")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        unblock_request: UnblockRequest = self.object
        may_decide = (
            unblock_request.status == RequestStatus.PENDING
            and UnblockRequest.objects.visible_to(self.request.user, "change")
            .filter(pk=unblock_request.pk)
            .exists()
        )
        options = services.deciding_options(
            actor=self.request.user, unblock_request=unblock_request
        )
        context.update(
            may_decide=may_decide,
            locked=options["locked"],
            rule=rule_words(unblock_request.rule, unblock_request.reason),
            approve_form=kwargs.get("approve_form")
            or (uswds(ApproveForm(options=options)) if options["scopes"] else None),
            deny_form=kwargs.get("deny_form") or uswds(DenyForm()),
        )
        return context


class RequestDecideView(ScopedObjectActionView):
    """``POST``: approve or deny one request (``decision`` = ``approve`` or ``deny``)."""

    model = UnblockRequest

    def perform(self, obj: UnblockRequest) -> HttpResponse:
        user = self.request.user
        options = services.deciding_options(actor=user, unblock_request=obj)
        try:
            if self.kwargs["decision"] == "approve":
                if not options["scopes"]:
                    raise PermissionDenied("You may not approve this request.")
                form: forms.Form = ApproveForm(self.request.POST, options=options)
                if not form.is_valid():
                    return self._again(obj, approve_form=form)
                data = form.cleaned_data
                ends_at = data.get("ends_at")
                if ends_at is not None and timezone.is_naive(ends_at):
                    ends_at = timezone.make_aware(ends_at)
                services.approve_unblock_request(
                    actor=user,
                    unblock_request=obj,
                    scope=data["scope"],
                    section=data.get("section"),
                    duration=data.get("duration") or "",
                    ends_at=ends_at,
                    note=data["note"],
                )
                messages.success(
                    self.request, _("Approved: the site is open until the end you chose.")
                )
            else:
                form = DenyForm(self.request.POST)
                if not form.is_valid():
                    return self._again(obj, deny_form=form)
                services.deny_unblock_request(
                    actor=user, unblock_request=obj, note=form.cleaned_data["note"]
                )
                messages.success(self.request, _("Denied: the person who asked is told why."))
        except ValidationError as exc:
            _apply_errors(form, exc)
            name = "approve_form" if self.kwargs["decision"] == "approve" else "deny_form"
            return self._again(obj, **{name: form})
        return redirect("filtering:request-detail", pk=obj.pk)

    def _again(self, obj: UnblockRequest, **forms_: Any) -> HttpResponse:
        view = RequestDetailView()
        view.setup(self.request, pk=obj.pk)
        view.object = obj
        context = view.get_context_data(**{k: uswds(v) for k, v in forms_.items()})
        return render(self.request, RequestDetailView.template_name, context, status=400)


class OverrideListView(ScopedListView):
    """Overrides that are on now or start later, and those that ended in the last week."""

    model = Override
    template_name = "filtering/overrides_list.html"
    context_object_name = "overrides"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        since = timezone.now() - datetime.timedelta(days=7)
        return (
            super()
            .get_queryset()
            .filter(ends_at__gte=since)
            .select_related("section", "school", "person", "created_by")
            .order_by("-ends_at", "-pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["now"] = timezone.now()
        context["changeable"] = set(
            Override.objects.visible_to(user, "change").values_list("pk", flat=True)
        )
        context["my_sections"] = (
            Section.objects.filter(
                enrollments__person_id=user.person_id,
                enrollments__role__in=services.TEACHING_ROLES,
                enrollments__is_active=True,
                is_active=True,
            ).order_by("title")
            if user.person_id
            else Section.objects.none()
        )
        return context


class OverrideRevokeView(ScopedObjectActionView):
    """``POST``: end an override now."""

    model = Override

    def perform(self, obj: Override) -> HttpResponse:
        try:
            services.revoke_override(actor=self.request.user, override=obj)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
        else:
            messages.success(self.request, _("The override has ended."))
        return redirect("filtering:override-list")


class SectionOverrideView(ScopedDetailView):
    """A teacher allows or blocks a site for one of their sections, for a lesson or the
    rest of the school day."""

    model = Section
    template_name = "filtering/overrides_section.html"
    context_object_name = "section"

    def get_object(self, queryset: QuerySet[Any] | None = None) -> Any:
        section = super().get_object(queryset)
        if not services.may_override_section(self.request.user, section):
            raise PermissionDenied("Only the section's teachers change its filter.")
        return section

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["form"] = uswds(kwargs.get("form") or SectionOverrideForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = section = self.get_object()
        form = SectionOverrideForm(request.POST)
        if form.is_valid():
            try:
                services.create_override(
                    actor=request.user,
                    action=form.cleaned_data["action"],
                    host=form.cleaned_data["host"],
                    scope=OverrideScope.SECTION,
                    section=section,
                    duration=form.cleaned_data["duration"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Done: the change reaches the filter in a moment."))
                return redirect("filtering:override-list")
        context = self.get_context_data(form=form)
        return self.render_to_response(context, status=400)


urlpatterns: list[URLPattern] = [
    path("filter/requests/", RequestListView.as_view(), name="request-list"),
    path("filter/requests/<int:pk>/", RequestDetailView.as_view(), name="request-detail"),
    path(
        "filter/requests/<int:pk>/approve/",
        RequestDecideView.as_view(),
        {"decision": "approve"},
        name="request-approve",
    ),
    path(
        "filter/requests/<int:pk>/deny/",
        RequestDecideView.as_view(),
        {"decision": "deny"},
        name="request-deny",
    ),
    path("filter/my-requests/", MyRequestListView.as_view(), name="my-requests"),
    path("filter/overrides/", OverrideListView.as_view(), name="override-list"),
    path("filter/overrides/<int:pk>/revoke/", OverrideRevokeView.as_view(), name="override-revoke"),
    path(
        "filter/sections/<int:pk>/override/",
        SectionOverrideView.as_view(),
        name="section-override",
    ),
]
