"""Pages of the directory: the people list and a person's page.

Both read through the scoped base views; related rows (guardian links, enrollments) go
through their own ``visible_to``. Each page runs the same number of queries however many rows
it shows.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from openaup.audit import services as audit
from openaup.core.views import ScopedDetailView, ScopedListView, ScopedObjectActionView
from openaup.directory import services
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.filters import PersonFilter
from openaup.directory.forms import DepartureForm, EducationalRightsForm
from openaup.directory.models import Enrollment, GuardianLink, Person, PersonRole, Section

__all__ = [
    "GuardianRightsView",
    "PersonDepartView",
    "PersonDetailView",
    "PersonExportView",
    "PersonListView",
]

TEACHING_ROLES = ("teacher", "aide")


class PersonListView(ScopedListView):
    """Everyone the signed-in user may see, with search and filters."""

    model = Person
    template_name = "directory/person_list.html"
    context_object_name = "people"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset().select_related("school")
        self.filterset = PersonFilter(
            self.request.GET or None, queryset=queryset, request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["is_filtered"] = self.filterset.is_bound and any(
            value for key, value in self.request.GET.items() if key != "page"
        )
        cleaned = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        section_id = cleaned.get("section")
        if section_id:
            context["section"] = (
                Section.objects.visible_to(self.request.user).filter(pk=section_id).first()
            )
        return context


class PersonExportView(ScopedListView):
    """The people list as CSV, with the list's search and filters, narrowed to what the user
    may export. The export and each student in it are recorded in the audit trail."""

    model = Person
    scope_action = "export"
    columns = (
        "id",
        "sourced_id",
        "kind",
        "family_name",
        "given_name",
        "identifier",
        "school",
        "grade",
        "email",
        "status",
        "departed_on",
    )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        queryset = (
            self.get_queryset().select_related("school").order_by("family_name", "given_name", "id")
        )
        filterset = PersonFilter(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound and not filterset.is_valid():
            return HttpResponse(
                "; ".join(
                    f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
                ),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        people = list(filterset.qs)
        audit.record_student_export(
            actor=request.user,
            students=[person for person in people if person.kind == PersonKind.STUDENT],
            total=len(people),
            filters={key: request.GET.getlist(key) for key in sorted(request.GET)},
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="people.csv"'
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for person in people:
            writer.writerow(
                [
                    person.pk,
                    _cell(person.sourced_id),
                    person.kind,
                    _cell(person.family_name),
                    _cell(person.given_name),
                    _cell(person.identifier),
                    _cell(person.school.name) if person.school else "",
                    person.grade,
                    _cell(person.email),
                    person.status,
                    person.departed_on.isoformat() if person.departed_on else "",
                ]
            )
        return response


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class PersonDetailView(ScopedDetailView):
    """One person: roles, sections with their teachers, guardians or children, status."""

    model = Person
    template_name = "directory/person_detail.html"
    context_object_name = "person"

    def get_queryset(self) -> QuerySet[Any]:
        user = self.request.user
        links = GuardianLink.objects.visible_to(user).filter(is_active=True)
        teachers = (
            Enrollment.objects.visible_to(user)
            .filter(role__in=TEACHING_ROLES, is_active=True)
            .select_related("person")
            .order_by("-is_primary", "person__family_name", "id")
        )
        enrollments = (
            Enrollment.objects.visible_to(user)
            .filter(is_active=True, section__is_active=True)
            .select_related("section", "section__school")
            .prefetch_related(
                Prefetch("section__enrollments", queryset=teachers, to_attr="teachers")
            )
            .order_by("section__school__name", "section__title", "id")
        )
        return (
            super()
            .get_queryset()
            .select_related("school")
            .prefetch_related(
                Prefetch(
                    "roles",
                    queryset=PersonRole.objects.select_related("school").order_by(
                        "-is_active", "-is_primary", "role"
                    ),
                ),
                Prefetch("enrollments", queryset=enrollments, to_attr="visible_enrollments"),
                Prefetch(
                    "guardian_links",
                    queryset=links.select_related("guardian").order_by(
                        "-has_educational_rights", "guardian__family_name", "id"
                    ),
                    to_attr="visible_guardian_links",
                ),
                Prefetch(
                    "child_links",
                    queryset=links.select_related("student", "student__school").order_by(
                        "student__family_name", "student__given_name", "id"
                    ),
                    to_attr="visible_child_links",
                ),
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        person: Person = context["person"]
        if person.kind == PersonKind.STUDENT:
            # Every look at a student's record is in their record of access, their own too.
            audit.record_student_view(actor=self.request.user, student=person)
        guardian_links: list[GuardianLink] = person.visible_guardian_links  # type: ignore[attr-defined]
        child_links: list[GuardianLink] = person.visible_child_links  # type: ignore[attr-defined]
        for link in (*guardian_links, *child_links):
            link.language_name = language_name(link.preferred_language)  # type: ignore[attr-defined]
        # Names of linked people are shown; their pages are linked only where the viewer may
        # open them.
        linked = [link.guardian_id for link in guardian_links]
        linked += [link.student_id for link in child_links]
        context["openable_ids"] = set(
            Person.objects.visible_to(self.request.user)
            .filter(pk__in=linked)
            .values_list("pk", flat=True)
        )
        user = self.request.user
        context["changeable_link_ids"] = set(
            GuardianLink.objects.visible_to(user, "change")
            .filter(pk__in=[link.pk for link in (*guardian_links, *child_links)])
            .values_list("pk", flat=True)
        )
        if (
            person.status == PersonStatus.ACTIVE
            and Person.objects.visible_to(user, "change").filter(pk=person.pk).exists()
        ):
            context["departure_form"] = DepartureForm()
        return context


def _report_errors(request: HttpRequest, form: forms.Form) -> None:
    """Show a form's errors as messages on the page the user returns to."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else field
        messages.error(request, f"{label}: {' '.join(str(error) for error in errors)}")


class GuardianRightsView(ScopedObjectActionView):
    """Give or take a guardian's educational rights for one child (technology staff and
    district administrators). Later roster imports keep the choice."""

    model = GuardianLink

    def perform(self, obj: Any) -> HttpResponse:
        form = EducationalRightsForm(self.request.POST)
        if not form.is_valid():
            _report_errors(self.request, form)
            return redirect("directory:person-detail", obj.student_id)
        services.set_educational_rights(
            actor=self.request.user,
            link=obj,
            has_rights=form.cleaned_data["has_rights"],
            reason=form.cleaned_data["reason"],
        )
        if form.cleaned_data["has_rights"]:
            text = _("%(guardian)s now has educational rights for %(student)s.")
        else:
            text = _("%(guardian)s no longer has educational rights for %(student)s.")
        messages.success(
            self.request,
            text % {"guardian": obj.guardian.display_name, "student": obj.student.display_name},
        )
        return redirect("directory:person-detail", obj.student_id)


class PersonDepartView(ScopedObjectActionView):
    """Mark a person departed on a date (technology staff and district administrators).
    A roster import does the same for people who leave the SIS."""

    model = Person

    def perform(self, obj: Any) -> HttpResponse:
        form = DepartureForm(self.request.POST)
        if not form.is_valid():
            _report_errors(self.request, form)
            return redirect("directory:person-detail", obj.pk)
        services.mark_departed(
            actor=self.request.user,
            person=obj,
            on=form.cleaned_data["departed_on"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            self.request,
            _("%(name)s is marked departed.") % {"name": obj.display_name},
        )
        return redirect("directory:person-detail", obj.pk)


def language_name(code: str) -> str:
    """``es`` -> ``Spanish`` (in the reader's language); unknown codes as they are."""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
