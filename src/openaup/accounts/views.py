"""Sign-in, sign-out, sign-in security (password, two-factor, sessions) and each role's home
page.

The home page shows what the person's roles concern: district-wide roles see the district's
counts per school, a principal their school, a teacher their sections, a student themself, a
guardian their children. Every number and row comes from a scoped ``visible_to`` queryset;
the roles only choose which panels to show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token

from openaup.accounts import services
from openaup.accounts.access import Access, access_for
from openaup.accounts.choices import Role
from openaup.accounts.forms import TwoFactorCodeForm, TwoFactorResetForm, uswds
from openaup.accounts.models import User
from openaup.accounts.passwords import password_rules
from openaup.accounts.twofactor import (
    backup_codes_left,
    confirmed_totp,
    is_verified,
    needs_two_factor,
)
from openaup.core.views import PublicView, SignedInView
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Enrollment, GuardianLink, Person, School, Section
from openaup.policies.views.signing import signing_summary

__all__ = [
    "AccountSecurityView",
    "BackupCodesView",
    "DistrictCounts",
    "HomeView",
    "PasswordChangePageView",
    "SchoolCounts",
    "SignInView",
    "SignOutEverywhereView",
    "SignOutView",
    "TwoFactorResetView",
    "TwoFactorSetupView",
    "TwoFactorVerifyView",
    "district_counts",
    "locked_out",
    "sections_of",
]

TEACHING_ROLES = ("teacher", "aide")


class SignInView(PublicView, auth_views.LoginView):
    """The sign-in form; a signed-in visitor goes straight to their home page."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(PublicView, auth_views.LogoutView):
    """Sign out (POST only) and return to the sign-in page with a confirmation."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, _("You have signed out."))
        return response


@dataclass
class SchoolCounts:
    """Active people and sections of one school, as far as the viewer may see them."""

    school: School
    students: int = 0
    staff: int = 0
    sections: int = 0


@dataclass
class DistrictCounts:
    """The viewer's district-wide totals and the per-school rows."""

    schools: list[SchoolCounts] = field(default_factory=list)
    students: int = 0
    staff: int = 0
    guardians: int = 0
    sections: int = 0
    departed: int = 0


def district_counts(user: Any, school_ids: frozenset[int] | None = None) -> DistrictCounts:
    """Counts per school of what ``user`` may see (all schools, or only ``school_ids``)."""
    people = Person.objects.visible_to(user)
    per_school: dict[int | None, dict[str, int]] = defaultdict(dict)
    active_people = (
        people.filter(status=PersonStatus.ACTIVE)
        .values("school_id", "kind")
        .annotate(n=Count("id"))
    )
    totals: dict[str, int] = defaultdict(int)
    for row in active_people:
        per_school[row["school_id"]][row["kind"]] = row["n"]
        totals[row["kind"]] += row["n"]
    sections = (
        Section.objects.visible_to(user)
        .filter(is_active=True)
        .values("school_id")
        .annotate(n=Count("id"))
    )
    section_counts = {row["school_id"]: row["n"] for row in sections}
    schools = School.objects.visible_to(user).filter(is_active=True).order_by("name")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    result = DistrictCounts(
        students=totals[PersonKind.STUDENT],
        staff=totals[PersonKind.STAFF],
        guardians=totals[PersonKind.GUARDIAN],
        sections=sum(section_counts.values()),
        departed=people.filter(status=PersonStatus.DEPARTED).count(),
    )
    for school in schools:
        counts = per_school.get(school.pk, {})
        result.schools.append(
            SchoolCounts(
                school=school,
                students=counts.get(PersonKind.STUDENT, 0),
                staff=counts.get(PersonKind.STAFF, 0),
                sections=section_counts.get(school.pk, 0),
            )
        )
    return result


def sections_of(user: Any, access: Access, roles: tuple[str, ...]) -> QuerySet[Section]:
    """The sections the user's own person is enrolled in with one of ``roles``, with the
    number of active students in each."""
    if access.person_id is None:
        return Section.objects.none()
    own = Enrollment.objects.filter(person_id=access.person_id, role__in=roles, is_active=True)
    students = (
        Enrollment.objects.filter(section=OuterRef("pk"), role="student", is_active=True)
        .values("section")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Section.objects.visible_to(user)
        .filter(pk__in=own.values("section_id"), is_active=True)
        .annotate(student_count=Coalesce(Subquery(students), 0))
        .select_related("school")
        .order_by("school__name", "title")
    )


class HomeView(SignedInView):
    """The first page after sign-in: what this person's roles let them see."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        access = access_for(user)
        roles = access.all_roles
        person = Person.objects.visible_to(user).filter(pk=access.person_id).first()
        context.update(
            access=access,
            person=person,
            role_labels=[label for value, label in Role.choices if value in roles],
            sees_district=access.sees_whole_district,
            is_records_officer=access.district_has(Role.RECORDS_OFFICER),
            is_contractor=Role.CONTRACTOR in roles,
            has_no_role=not roles,
            signing=signing_summary(user),
        )
        if access.sees_whole_district:
            context["counts"] = district_counts(user)
        elif led := access.schools_with(Role.SCHOOL_ADMIN):
            context["counts"] = district_counts(user, led)
        if access.has(Role.TEACHER):
            context["teaching"] = sections_of(user, access, TEACHING_ROLES)
        if access.has(Role.STUDENT):
            context["classes"] = sections_of(user, access, ("student",))
        if access.has(Role.GUARDIAN):
            links = (
                GuardianLink.objects.visible_to(user)
                .filter(guardian_id=access.person_id, is_active=True)
                .select_related("student", "student__school")
                .order_by("student__family_name", "student__given_name", "id")
            )
            children = list(links)
            openable = set(
                Person.objects.visible_to(user)
                .filter(pk__in=[link.student_id for link in children])
                .values_list("pk", flat=True)
            )
            context["children"] = [(link, link.student_id in openable) for link in children]
            context["children_without_rights"] = any(
                not link.has_educational_rights for link in children
            )
        return context


# --- sign-in security ---------------------------------------------------------------------

BACKUP_CODES_SESSION_KEY = "openaup_new_backup_codes"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """The page to go on to: ``next`` when it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def locked_out(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """The page shown instead of signing in while too many failures lock the account out (the
    response Axes sends; status 429)."""
    minutes = settings.OPENAUP_LOCKOUT_MINUTES
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    context = {"until": until, "minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordChangePageView(SignedInView, auth_views.PasswordChangeView):
    """Change one's own password, with the rules that apply to this account shown."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account-security")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rules"] = password_rules(self.request.user)
        context["form"] = uswds(context["form"])
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        user = self.request.user
        assert isinstance(user, User)
        services.change_password(actor=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


class AccountSecurityView(SignedInView):
    """One's own sign-in security: password, two-factor, backup codes, signing out
    everywhere."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            has_app=confirmed_totp(user) is not None,
            backup_codes_left=backup_codes_left(user),
            two_factor_required=needs_two_factor(user),
            may_reset_two_factor=access_for(user).district_has(
                Role.DISTRICT_ADMIN, Role.TECH_STAFF
            ),
        )
        return context


class SignOutEverywhereView(SignedInView):
    """End every session of the signed-in person, this one included (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        services.sign_out_everywhere(actor=user)
        logout(request)
        messages.success(request, _("You have been signed out on every device."))
        return redirect("login")


class TwoFactorSetupView(SignedInView):
    """Set up an authenticator app: a QR code (inline SVG) and the secret as text, then a
    code from the app to prove it works."""

    template_name = "accounts/two_factor_setup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        # Someone who only knows the password must not replace the app that protects it.
        if user.is_authenticated and confirmed_totp(user) and not is_verified(user):
            return redirect(_with_next("two-factor-verify", reverse("two-factor-setup")))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        assert isinstance(user, User)
        setup = services.start_two_factor(actor=user)
        qr = segno.make(setup.config_url, error="m")
        context.update(
            setup=setup,
            qr_svg=qr.svg_inline(scale=5, border=2, omitsize=False),
            form=uswds(kwargs.get("form") or TwoFactorCodeForm()),
            next=_next_url(self.request),
            required=needs_two_factor(user),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            setup = services.start_two_factor(actor=user)
            codes = services.confirm_two_factor(
                actor=user, device=setup.device, token=form.cleaned_data["code"]
            )
            if codes is not None:
                otp_login(request, setup.device)
                request.session[BACKUP_CODES_SESSION_KEY] = codes
                messages.success(request, _("Two-factor sign-in is set up."))
                next_url = _next_url(request)
                return redirect(_with_next("two-factor-backup-codes", next_url))
            form.add_error("code", _("That code did not match. Enter the code the app shows now."))
        return self.render_to_response(self.get_context_data(form=form), status=200)


class TwoFactorVerifyView(SignedInView):
    """Enter a code from the authenticator app (or a backup code) after the password."""

    template_name = "accounts/two_factor_verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and confirmed_totp(user) is None:
            return redirect(_with_next("two-factor-setup", _next_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            form=uswds(kwargs.get("form") or TwoFactorCodeForm()), next=_next_url(self.request)
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            token = form.cleaned_data["code"]
            for device in list(devices_for_user(user)):
                verified = otp_verify_token(user, device.persistent_id, token)
                if verified is not None:
                    otp_login(request, verified)
                    services.record_two_factor_verified(actor=user, device=verified)
                    return redirect(_next_url(request))
            services.record_two_factor_failure(actor=user)
            form.add_error(
                "code",
                _(
                    "That code did not match. Enter the code the app shows now; after several "
                    "wrong codes, wait a little before the next try."
                ),
            )
        return self.render_to_response(self.get_context_data(form=form), status=200)


class BackupCodesView(SignedInView):
    """New backup codes, shown once; a button makes a fresh set (the old ones stop
    working)."""

    template_name = "accounts/backup_codes.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            codes=self.request.session.pop(BACKUP_CODES_SESSION_KEY, None),
            codes_left=backup_codes_left(self.request.user),
            next=_next_url(self.request, "account-security"),
            has_app=confirmed_totp(self.request.user) is not None,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        assert isinstance(user, User)
        if confirmed_totp(user) is None:
            raise PermissionDenied("Set up an authenticator app first.")
        request.session[BACKUP_CODES_SESSION_KEY] = services.new_backup_codes(actor=user)
        return redirect("two-factor-backup-codes")


class TwoFactorResetView(SignedInView):
    """Technology staff and district administrators remove a person's two-factor devices (a
    lost phone), with a reason for the audit trail."""

    template_name = "accounts/two_factor_reset.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not access_for(request.user).district_has(
            Role.DISTRICT_ADMIN, Role.TECH_STAFF
        ):
            raise PermissionDenied("Only technology staff reset two-factor sign-in.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["form"] = uswds(kwargs.get("form") or TwoFactorResetForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = request.user
        assert isinstance(actor, User)
        form = TwoFactorResetForm(request.POST)
        if form.is_valid():
            target = User.objects.filter(username=form.cleaned_data["username"]).first()
            if target is None:
                form.add_error("username", _("No account has this user name."))
            else:
                services.reset_two_factor(
                    actor=actor, user=target, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _(
                        "Two-factor sign-in of %(username)s was reset: they set up a new app at "
                        "their next sign-in."
                    )
                    % {"username": target.username},
                )
                return redirect("two-factor-reset")
        return self.render_to_response(self.get_context_data(form=form), status=200)
