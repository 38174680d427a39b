"""Pages for contractors' access grants (technology staff give, extend and revoke them; a
contractor and a sponsor see theirs) and for an adult student's consent to their guardians'
access. Thin: the services decide and record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import View
from django.views.generic.detail import SingleObjectMixin

from openaup.access import services
from openaup.access.choices import GrantState
from openaup.access.forms import AccessGrantForm, ExtendForm, RevokeForm
from openaup.access.models import AccessGrant, GuardianAccessGrant
from openaup.accounts.access import access_for
from openaup.core.views import (
    ScopedDetailView,
    ScopedListView,
    ScopedObjectActionView,
    ScopedObjectMixin,
    SignedInView,
    add_form_errors,
)
from openaup.directory.models import GuardianLink

STATES = {
    "live": "Live",
    "upcoming": "Not started",
    "expired": "Expired",
    "revoked": "Revoked",
}


def _messages_from(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


class AccessGrantListView(ScopedListView):
    """Grants the user may see, by state: live, not started, expired, revoked."""

    model = AccessGrant
    template_name = "access/grant_list.html"
    context_object_name = "grants"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        queryset: Any = super().get_queryset().select_related("contractor", "sponsor", "school")
        today = timezone.localdate()
        state = self.request.GET.get("state", "")
        if state == GrantState.LIVE:
            queryset = queryset.live(today)
        elif state == GrantState.UPCOMING:
            queryset = queryset.filter(revoked_at__isnull=True, starts_on__gt=today)
        elif state == GrantState.EXPIRED:
            queryset = queryset.filter(revoked_at__isnull=True, ends_on__lt=today)
        elif state == GrantState.REVOKED:
            queryset = queryset.filter(revoked_at__isnull=False)
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["states"] = STATES
        context["state"] = self.request.GET.get("state", "")
        context["may_grant"] = services.may_grant(self.request.user)
        return context


class AccessGrantCreateView(SignedInView):
    """Give a contractor access (technology staff and district administrators)."""

    template_name = "access/grant_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not services.may_grant(request.user):
            raise PermissionDenied("Only technology staff can give access.")
        return super().dispatch(request, *args, **kwargs)

    def form(self, data: Any = None) -> AccessGrantForm:
        whole, schools = services.grantable_schools(self.request.user)
        return AccessGrantForm(data, whole_district=whole, schools=schools)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                grant = services.grant_access(
                    actor=request.user,
                    contractor=data["contractor"],
                    sponsor=data["sponsor"],
                    school=data["school"],
                    categories=list(data["categories"]),
                    purpose=data["purpose"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except ValidationError as error:
                add_form_errors(form, error)
            else:
                messages.success(request, "Access given.")
                return redirect("access:grant-detail", grant.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AccessGrantDetailView(ScopedDetailView):
    """One grant: its terms and history; extend and revoke for those who may change it."""

    model = AccessGrant
    template_name = "access/grant_detail.html"
    context_object_name = "grant"

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("contractor", "sponsor", "school", "created_by", "revoked_by")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        grant = self.object
        may_change = (
            AccessGrant.objects.visible_to(self.request.user, "change").filter(pk=grant.pk).exists()
        )
        context["may_change"] = may_change and grant.revoked_at is None
        context["extend_form"] = ExtendForm()
        context["revoke_form"] = RevokeForm()
        return context


class AccessGrantExtendView(ScopedObjectActionView):
    """Move a grant's end date later (POST)."""

    model = AccessGrant

    def perform(self, obj: Any) -> HttpResponse:
        form = ExtendForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Give a new end date and a reason.")
            return redirect("access:grant-detail", obj.pk)
        try:
            services.extend_access(
                actor=self.request.user,
                grant=obj,
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _messages_from(self.request, error)
        else:
            messages.success(self.request, "The access is extended.")
        return redirect("access:grant-detail", obj.pk)


class AccessGrantRevokeView(ScopedObjectActionView):
    """End a grant now (POST)."""

    model = AccessGrant

    def perform(self, obj: Any) -> HttpResponse:
        form = RevokeForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, "Say why the access is revoked.")
            return redirect("access:grant-detail", obj.pk)
        services.revoke_access(
            actor=self.request.user, grant=obj, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, "The access is revoked.")
        return redirect("access:grant-detail", obj.pk)


class MyGuardiansView(SignedInView):
    """A student's own page: their guardians, and (from 18) whether each may see their
    records."""

    template_name = "access/my_guardians.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not access_for(request.user).has("student"):
            raise PermissionDenied("This page is for students.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        person: Any = getattr(user, "person", None)
        links = (
            GuardianLink.objects.visible_to(user)
            .filter(student=person, is_active=True)
            .select_related("guardian")
            .order_by("guardian__family_name", "guardian__given_name")
        )
        live = set(
            GuardianAccessGrant.objects.visible_to(user)
            .live()
            .filter(link__student=person)
            .values_list("link_id", flat=True)
        )
        context["student"] = person
        context["is_adult"] = person.is_adult
        context["links"] = [(link, link.pk in live) for link in links]
        return context


class GuardianConsentView(ScopedObjectMixin, SingleObjectMixin, View):
    """An adult student gives or withdraws one guardian's access (POST). Only the student's
    own links can be found here; any other id is a 404."""

    model = GuardianLink
    http_method_names = ["post"]
    give = True

    def get_queryset(self) -> QuerySet[Any]:
        person_id = access_for(self.request.user).person_id
        return super().get_queryset().filter(student_id=person_id, is_active=True)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        link = self.get_object()
        action = services.give_guardian_access if self.give else services.withdraw_guardian_access
        try:
            action(actor=request.user, link=link)
        except ValidationError as error:
            _messages_from(request, error)
        else:
            if self.give:
                text = "%(name)s can see your records again."
            else:
                text = "%(name)s can no longer see your records."
            messages.success(request, text % {"name": link.guardian.display_name})
        return redirect("access:my-guardians")
