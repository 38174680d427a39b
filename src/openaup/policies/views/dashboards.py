"""Pages: a campaign's dashboard (completion, who is missing, completion over time), its CSV
export, the staff attestation report for HR, the message log, and "send a reminder now".

The campaign is looked up among those the user may see (404 otherwise); a person who may see
the campaign but not its dashboard (a student, a guardian) gets a 403. Every number and row
comes from :mod:`openaup.policies.dashboards`, which reads through ``visible_to``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openaup.accounts.access import access_for
from openaup.audit import services as audit
from openaup.core.views import ScopedDetailView, ScopedListView, ScopedObjectActionView
from openaup.directory.choices import ClassType, Grade
from openaup.directory.models import GuardianLink, School, Section
from openaup.policies import dashboards
from openaup.policies.choices import SigningStatus
from openaup.policies.models import CampaignMember, ReminderMessage, SigningCampaign
from openaup.policies.services.reminders import ReminderError, request_reminders

__all__ = [
    "CampaignDashboardView",
    "CampaignMessagesView",
    "CampaignRemindView",
    "MissingExportView",
    "StaffExportView",
    "StaffReportView",
]

MISSING_PER_PAGE = 50


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def what_is_missing(member: CampaignMember) -> list[str]:
    """Whose signature a member still lacks: the student's own, their guardians'."""
    missing = []
    if member.person_signed_at is None:
        missing.append(_("student"))
    if member.needs_guardian and member.guardians_signed_at is None:
        missing.append(_("guardian"))
    return missing


def guardian_contacts(user: Any, members: list[CampaignMember]) -> dict[int, list[GuardianLink]]:
    """The guardians with educational rights of the members' students, as far as ``user``
    may see their links; one query."""
    links = (
        GuardianLink.objects.visible_to(user)
        .filter(
            student_id__in=[member.person_id for member in members],
            has_educational_rights=True,
            is_active=True,
        )
        .select_related("guardian")
        .order_by("student_id", "guardian__family_name", "guardian__given_name")
    )
    by_student: dict[int, list[GuardianLink]] = defaultdict(list)
    for link in links:
        by_student[link.student_id].append(link)
    return by_student


class MissingFilterForm(forms.Form):
    """The filters of the "who is missing" list; choices are what the user may see."""

    school = forms.ModelChoiceField(
        queryset=School.objects.none(), required=False, label=gettext_lazy("School")
    )
    grade = forms.ChoiceField(
        choices=[("", gettext_lazy("Any grade")), *Grade.choices],
        required=False,
        label=gettext_lazy("Grade"),
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.none(), required=False, label=gettext_lazy("Section")
    )
    status = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("Not or partly signed")),
            (SigningStatus.NOT_SIGNED, SigningStatus.NOT_SIGNED.label),
            (SigningStatus.PARTLY_SIGNED, SigningStatus.PARTLY_SIGNED.label),
        ],
        required=False,
        label=gettext_lazy("Status"),
    )

    def __init__(self, *args: Any, user: Any, school_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(pk__in=school_ids)  # type: ignore[attr-defined]
        # Homerooms and one's own classes: a school has hundreds of scheduled sections, the
        # district thousands (its staff choose within a school).
        access = access_for(user)
        sections = Section.objects.visible_to(user).filter(is_active=True)
        if not access.has("teacher"):
            sections = sections.filter(class_type=ClassType.HOMEROOM)
        if access.sees_whole_district:
            school = str(self.data.get("school", ""))
            chosen = int(school) if school.isdigit() and int(school) in school_ids else None
            sections = sections.filter(school_id=chosen)
        self.fields["section"].queryset = sections.order_by("title", "pk")  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "school": data["school"].pk if data.get("school") else None,
            "grade": data.get("grade") or "",
            "section": data["section"].pk if data.get("section") else None,
            "status": data.get("status") or "",
        }


class _CampaignPage(ScopedDetailView):
    """A page about one campaign the user may see, for those who may see its dashboard."""

    model = SigningCampaign
    context_object_name = "campaign"

    def allowed(self, user: Any) -> bool:
        return dashboards.may_see_dashboard(user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if not self.allowed(request.user):
            raise PermissionDenied(_("You may not see this campaign's dashboard."))
        return self.respond(request)

    def respond(self, request: HttpRequest) -> HttpResponse:
        return self.render_to_response(self.get_context_data(object=self.object))


def _missing_form(request: HttpRequest, school_ids: list[int]) -> MissingFilterForm:
    data = {key: request.GET.get(key, "") for key in ("school", "grade", "section", "status")}
    return MissingFilterForm(data, user=request.user, school_ids=school_ids)


class CampaignDashboardView(_CampaignPage):
    """Completion by school, grade, section and homeroom; who is missing what, with their
    guardians' contacts; completion over time; "send a reminder now"."""

    template_name = "policies/dashboards/dashboard.html"

    def respond(self, request: HttpRequest) -> HttpResponse:
        campaign = self.object
        user = request.user
        members = dashboards.pinned(dashboards.student_members(campaign, user), user)
        numbers = dashboards.breakdown(members)
        form = _missing_form(request, [row.key for row in numbers.schools if row.key])
        status = 200
        missing_page = None
        contacts: dict[int, list[GuardianLink]] = {}
        # The district has thousands of sections: the district's staff see those of one
        # school at a time (the school filter); principals and teachers see their own.
        sections_school: int | None = None
        show_sections = not access_for(user).sees_whole_district
        if form.is_valid():
            filters = form.filters()
            sections_school = filters["school"]
            show_sections = show_sections or sections_school is not None
            paginator = Paginator(dashboards.missing_members(members, **filters), MISSING_PER_PAGE)
            if not filters["section"]:
                # Known from the breakdown: no second count over the students.
                paginator.__dict__["count"] = numbers.missing(
                    school=filters["school"], grade=filters["grade"], status=filters["status"]
                )
            missing_page = paginator.get_page(request.GET.get("page"))
            contacts = guardian_contacts(user, list(missing_page.object_list))
        else:
            status = 400
        # A school has hundreds of scheduled classes: homerooms first, every section on
        # request; a teacher sees their own sections at once.
        access = access_for(user)
        every_section = request.GET.get("sections") == "all" or not (
            access.sees_whole_district or access.has("school_admin")
        )
        sections = (
            dashboards.by_section(
                members, user, school=sections_school, homerooms=not every_section
            )
            if show_sections
            else []
        )
        points = dashboards.completion_over_time(members)
        context = self.get_context_data(object=campaign)
        context.update(
            total=numbers.total,
            schools=numbers.schools,
            grades=numbers.grades,
            show_sections=show_sections,
            every_section=every_section,
            sections=sections if every_section else [],
            homerooms=[row for row in sections if row.homeroom],
            form=form,
            page_obj=missing_page,
            missing=[
                {
                    "member": member,
                    "missing": what_is_missing(member),
                    "guardians": contacts.get(member.person_id, []),
                }
                for member in (missing_page.object_list if missing_page else [])
            ],
            points=points,
            chart=dashboards.chart(points, numbers.total.expected),
            may_remind_district=dashboards.may_remind(user, None),
            remind_schools=[row for row in numbers.schools if dashboards.may_remind(user, row.key)],
            may_see_staff=dashboards.may_see_staff_report(user),
            may_see_messages=dashboards.may_see_staff_report(user),
        )
        if missing_page is not None and missing_page.paginator.num_pages > 1:
            context["paginator"] = missing_page.paginator
            context["page_range"] = missing_page.paginator.get_elided_page_range(
                missing_page.number, on_each_side=1, on_ends=1
            )
        return self.render_to_response(context, status=status)


def _bad_filters(form: forms.Form) -> HttpResponse:
    return HttpResponse(
        "; ".join(
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        ),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


class MissingExportView(_CampaignPage):
    """Who is missing, with what and their guardians' contacts (rights holders only), as CSV.
    The export and each student in it are recorded in the audit trail."""

    columns = (
        "school",
        "grade",
        "family_name",
        "given_name",
        "identifier",
        "status",
        "missing",
        "guardians",
    )

    def respond(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        members = dashboards.student_members(self.object, user, "export")
        school_ids = list(members.order_by().values_list("person__school_id", flat=True).distinct())
        form = _missing_form(request, [pk for pk in school_ids if pk])
        if not form.is_valid():
            return _bad_filters(form)
        rows = list(dashboards.missing_members(members, **form.filters()))
        contacts = guardian_contacts(user, rows)
        audit.record_student_export(
            actor=user,
            students=[member.person for member in rows],
            total=len(rows),
            filters={
                "campaign": self.object.pk,
                **{key: request.GET.getlist(key) for key in sorted(request.GET)},
            },
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="not-signed.csv"'
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for member in rows:
            person = member.person
            guardians = "; ".join(
                " ".join(
                    part
                    for part in (
                        link.guardian.display_name,
                        link.contact_email or link.guardian.email,
                        link.contact_phone or link.guardian.phone,
                    )
                    if part
                )
                for link in contacts.get(member.person_id, [])
            )
            writer.writerow(
                [
                    _cell(person.school.name) if person.school else "",
                    person.grade,
                    _cell(person.family_name),
                    _cell(person.given_name),
                    _cell(person.identifier),
                    member.status,
                    " ".join(what_is_missing(member)),
                    _cell(guardians),
                ]
            )
        return response


class StaffReportView(_CampaignPage):
    """The staff attestation report for HR: who has not confirmed, by school and title."""

    template_name = "policies/dashboards/staff.html"

    def allowed(self, user: Any) -> bool:
        return dashboards.may_see_staff_report(user)

    def respond(self, request: HttpRequest) -> HttpResponse:
        missing = dashboards.staff_missing(self.object, request.user)
        paginator = Paginator(missing, MISSING_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        context = self.get_context_data(object=self.object)
        context.update(
            groups=dashboards.staff_missing_by_school_and_title(self.object, request.user),
            total=dashboards.totals(dashboards.staff_members(self.object, request.user)),
            page_obj=page,
            staff=page.object_list,
        )
        if paginator.num_pages > 1:
            context["paginator"] = paginator
            context["page_range"] = paginator.get_elided_page_range(
                page.number, on_each_side=1, on_ends=1
            )
        return self.render_to_response(context)


class StaffExportView(_CampaignPage):
    """The staff who have not confirmed, as CSV (audited as an export)."""

    columns = ("school", "title", "family_name", "given_name", "identifier", "email", "status")

    def allowed(self, user: Any) -> bool:
        return dashboards.may_see_staff_report(user)

    def respond(self, request: HttpRequest) -> HttpResponse:
        rows = list(dashboards.staff_missing(self.object, request.user, "export"))
        audit.record(
            audit.STUDENTS_EXPORTED,
            actor=request.user,
            obj=self.object,
            object_repr=f"{len(rows)} staff who have not confirmed {self.object}",
            changes={"rows": len(rows), "students": 0, "filter": {"campaign": self.object.pk}},
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="staff-not-confirmed.csv"'
        writer = csv.writer(response)
        writer.writerow(self.columns)
        for member in rows:
            person = member.person
            writer.writerow(
                [
                    _cell(person.school.name) if person.school else "",
                    _cell(person.title),
                    _cell(person.family_name),
                    _cell(person.given_name),
                    _cell(person.identifier),
                    _cell(person.email),
                    member.status,
                ]
            )
        return response


class CampaignMessagesView(ScopedListView):
    """The log of a campaign's invitations and reminders: to whom, in which language, sent,
    failed or not sent and why."""

    model = ReminderMessage
    template_name = "policies/dashboards/messages.html"
    context_object_name = "log"
    paginate_by = 50

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        campaigns = SigningCampaign.objects.visible_to(request.user)
        self.campaign = campaigns.filter(pk=kwargs["pk"]).first()
        if self.campaign is None:
            raise Http404
        if not dashboards.may_see_staff_report(request.user):
            raise PermissionDenied(_("You may not see this campaign's messages."))
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .filter(campaign=self.campaign)
            .select_related("recipient", "requested_by")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["campaign"] = self.campaign
        return context


class CampaignRemindView(ScopedObjectActionView):
    """ "Send a reminder now", for the district or one school; the reminders go out in the
    background."""

    model = SigningCampaign
    change_action = "view"

    def perform(self, obj: Any) -> HttpResponse:
        school = None
        school_id = self.request.POST.get("school", "")
        if school_id:
            school = School.objects.filter(pk=school_id).first() if school_id.isdigit() else None
            if school is None:
                messages.error(self.request, _("School: choose a school from the list."))
                return redirect("policies:campaign-dashboard", pk=obj.pk)
        if not dashboards.may_remind(self.request.user, school.pk if school else None):
            raise PermissionDenied(_("You may not send reminders for this campaign."))
        try:
            request_reminders(actor=self.request.user, campaign=obj, school=school)
        except ReminderError as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(
                self.request,
                _("Reminders are on their way to those who have not signed at %(where)s.")
                % {"where": school.name if school else _("every school")},
            )
        return redirect("policies:campaign-dashboard", pk=obj.pk)


urlpatterns: list[URLPattern] = [
    path(
        "signing/campaigns/<int:pk>/dashboard/",
        CampaignDashboardView.as_view(),
        name="campaign-dashboard",
    ),
    path(
        "signing/campaigns/<int:pk>/dashboard/not-signed.csv",
        MissingExportView.as_view(),
        name="campaign-missing-export",
    ),
    path(
        "signing/campaigns/<int:pk>/staff/",
        StaffReportView.as_view(),
        name="campaign-staff-report",
    ),
    path(
        "signing/campaigns/<int:pk>/staff/not-confirmed.csv",
        StaffExportView.as_view(),
        name="campaign-staff-export",
    ),
    path(
        "signing/campaigns/<int:pk>/messages/",
        CampaignMessagesView.as_view(),
        name="campaign-messages",
    ),
    path(
        "signing/campaigns/<int:pk>/remind/",
        CampaignRemindView.as_view(),
        name="campaign-remind",
    ),
]
