"""Sign-in, sign-out and each role's home page.

The home page shows what the person's roles concern: district-wide roles see the district's
counts per school, a principal their school, a teacher their sections, a student themself, a
guardian their children. Every number and row comes from a scoped ``visible_to`` queryset;
the roles only choose which panels to show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from openaup.accounts.access import Access, access_for
from openaup.accounts.choices import Role
from openaup.core.views import PublicView, SignedInView
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Enrollment, GuardianLink, Person, School, Section

__all__ = [
    "DistrictCounts",
    "HomeView",
    "SchoolCounts",
    "SignInView",
    "SignOutView",
    "district_counts",
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
