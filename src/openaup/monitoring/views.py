"""Monitoring pages: the school report (charts with their tables), a student's activity
timeline, "who used this address", counselor designations and the monthly evidence.

Who sees what is decided in :mod:`openaup.monitoring.querysets`; a page someone has no part
of is a 403, a student or school outside their part a 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.core.views import ScopedListView, ScopedObjectActionView, SignedInView
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Person, School
from openaup.monitoring import charts, reports, services
from openaup.monitoring.forms import DesignationForm, IpLookupForm, ReportForm, TimelineForm
from openaup.monitoring.models import CounselorDesignation, MonthlyCount
from openaup.monitoring.querysets import (
    investigates,
    report_school_ids,
    report_schools,
    timeline_schools,
    timeline_students,
)

__all__ = [
    "CounselorListView",
    "CounselorRevokeView",
    "IpLookupView",
    "MonthlyCountListView",
    "ReportView",
    "StudentSearchView",
    "TimelineView",
]


def last_days(days: int, now: datetime.datetime | None = None) -> reports.Period:
    """The last ``days`` whole local days up to the end of today."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now or timezone.now()).date()
    end = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), zone)
    start = datetime.datetime.combine(
        today - datetime.timedelta(days=days - 1), datetime.time(), zone
    )
    return reports.Period(start=start, end=end)


def school_report(*, user: Any, school: int | None, days: int, profile: str) -> dict[str, Any]:
    """The report's figures for ``user``: the district or one school they may see."""
    ids = report_school_ids(user)
    if school is not None:
        if ids is not None and school not in ids:
            raise Http404
        scope: list[int] | None = [school]
    else:
        scope = None if ids is None else sorted(ids)
    store = services.monitor_store()
    period = last_days(days)
    zone = timezone.get_current_timezone()
    hosts = reports.top_blocked_hosts(store, period, schools=scope, profile=profile)
    categories = reports.top_blocked_categories(store, period, schools=scope, profile=profile)
    trend = reports.trend(store, period, schools=scope, profile=profile, zone=zone)
    rows = reports.by_school_and_profile(store, period, schools=scope)
    names = dict(
        School.objects.filter(pk__in={r.school_id for r in rows}).values_list("pk", "name")
    )
    return {
        "period": period,
        "days": days,
        "hosts": hosts,
        "categories": categories,
        "trend": trend,
        "by_school_profile": [
            {"school": names.get(r.school_id, "") if r.school_id else "", "row": r} for r in rows
        ],
        "blocked_total": sum(d.blocked for d in trend),
        "decisions_total": sum(d.decisions for d in trend),
    }


class ReportView(SignedInView):
    """``/monitoring/``: top blocked sites and categories, blocks per day, decisions per
    school and profile, for the district or one school."""

    template_name = "monitoring/report.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ids = report_school_ids(request.user)
        if ids is not None and not ids:
            if timeline_schools(request.user):
                # a counselor: timelines, not reports
                return HttpResponseRedirect(reverse("monitoring:student-search"))
            raise PermissionDenied(_("You may not see the filter's reports."))
        schools = list(report_schools(request.user).values_list("pk", "name"))
        form = ReportForm(request.GET or None, schools=schools, district=ids is None)
        context = self.get_context_data(form=form, investigator=investigates(request.user))
        context["timelines"] = bool(timeline_schools(request.user))
        context["days"] = 7
        if request.GET and not form.is_valid():
            return self.render_to_response(context, status=400)
        data = form.cleaned_data if request.GET else {}
        school = data.get("school")
        if school is None and ids is not None:
            school = min(ids)
        days = data.get("days") or 7
        report = school_report(
            user=request.user, school=school, days=days, profile=data.get("profile") or ""
        )
        context.update(report)
        context["school_name"] = dict(schools).get(school, "") if school else ""
        context["host_chart"] = charts.bar_chart(report["hosts"])
        context["category_chart"] = charts.bar_chart(
            report["categories"], empty_label=_("(no category)")
        )
        context["trend_chart"] = charts.line_chart(report["trend"])
        return self.render_to_response(context)


class StudentSearchView(SignedInView):
    """``/monitoring/students/``: find a student whose timeline one may open."""

    template_name = "monitoring/student_search.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not timeline_schools(request.user):
            raise PermissionDenied(_("Only principals and designated counselors see timelines."))
        query = request.GET.get("q", "").strip()[:100]
        students = timeline_students(request.user).filter(status=PersonStatus.ACTIVE)
        found: list[Person] = []
        if query:
            for word in query.split():
                students = students.filter(
                    Q(given_name__icontains=word)
                    | Q(family_name__icontains=word)
                    | Q(username__iexact=word)
                )
            found = list(
                students.select_related("school").order_by("family_name", "given_name")[:50]
            )
        return self.render_to_response(self.get_context_data(query=query, found=found))


class TimelineView(SignedInView):
    """``/monitoring/students/<pk>/``: one student's decisions on one day. Each opening is
    recorded as a read of the student's data."""

    template_name = "monitoring/timeline.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not timeline_schools(request.user):
            raise PermissionDenied(_("Only principals and designated counselors see timelines."))
        student = timeline_students(request.user).filter(pk=kwargs["pk"]).first()
        if student is None:
            raise Http404
        form = TimelineForm(request.GET or None)
        if request.GET and not form.is_valid():
            context = self.get_context_data(student=student, form=form, events=None)
            return self.render_to_response(context, status=400)
        day = form.cleaned_data["day"] if request.GET else timezone.localdate()
        events = services.read_timeline(actor=request.user, student=student, day=day)
        zone = timezone.get_current_timezone()
        rows = [(event.time.astimezone(zone), event) for event in events]
        blocked = sum(1 for e in events if e.action == "block")
        context = self.get_context_data(
            student=student, form=form, day=day, events=rows, blocked=blocked,
            truncated=len(events) >= reports.TIMELINE_LIMIT,
            previous=day - datetime.timedelta(days=1),
            next=day + datetime.timedelta(days=1) if day < timezone.localdate() else None,
        )  # fmt: skip
        return self.render_to_response(context)


class IpLookupView(SignedInView):
    """``/monitoring/ip/``: who used an address around a time (district administrators and
    technology staff; every lookup recorded, with its reason)."""

    template_name = "monitoring/ip_lookup.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not investigates(request.user):
            raise PermissionDenied(_("Only the district and technology staff look up addresses."))
        form = IpLookupForm(request.GET or None, initial={"minutes": 15})
        context = self.get_context_data(form=form, uses=None)
        if not request.GET:
            return self.render_to_response(context)
        if not form.is_valid():
            return self.render_to_response(context, status=400)
        data = form.cleaned_data
        at = data["at"]
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        uses = reports.who_used_ip(
            services.monitor_store(), ip=data["ip"], at=at, minutes=data.get("minutes") or 15
        )
        ids = {use.person_id for use in uses if use.person_id}
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("school")}
        services.record_ip_lookup(
            actor=request.user,
            ip=data["ip"],
            at=at,
            reason=data["reason"],
            people=[p for p in people.values() if p.kind == PersonKind.STUDENT],
        )
        zone = timezone.get_current_timezone()
        context["uses"] = [
            {
                "use": use,
                "person": people.get(use.person_id) if use.person_id else None,
                "first": use.first_seen.astimezone(zone),
                "last": use.last_seen.astimezone(zone),
            }
            for use in uses
        ]
        context["at"] = at
        return self.render_to_response(context)


class CounselorListView(ScopedListView):
    """``/monitoring/counselors/``: designations one may see; district administrators and
    principals designate counselors for their schools here."""

    model = CounselorDesignation
    template_name = "monitoring/counselor_list.html"
    context_object_name = "designations"
    paginate_by = 50

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not self._may_open(request.user):
            raise PermissionDenied(_("You may not see counselor designations."))
        return super().dispatch(request, *args, **kwargs)

    def _may_open(self, user: Any) -> bool:
        access = access_for(user)
        return bool(
            access.sees_whole_district
            or access.schools_with(Role.SCHOOL_ADMIN)
            or timeline_schools(user)
        )

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("person", "school", "designated_by")

    def _form_parts(self) -> tuple[Any, Any] | None:
        access = access_for(self.request.user)
        if access.is_district_admin:
            schools = School.objects.all()
        else:
            schools = School.objects.filter(pk__in=access.schools_with(Role.SCHOOL_ADMIN))
        if not schools.exists():
            return None
        people = Person.objects.filter(
            kind=PersonKind.STAFF, status=PersonStatus.ACTIVE, school__in=schools
        ).order_by("family_name", "given_name")
        return people, schools

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        parts = self._form_parts()
        if parts is not None and "form" not in context:
            context["form"] = DesignationForm(people=parts[0], schools=parts[1])
        changeable = CounselorDesignation.objects.visible_to(self.request.user, "change")
        context["changeable"] = set(changeable.values_list("pk", flat=True))
        context["today"] = timezone.localdate()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        parts = self._form_parts()
        if parts is None:
            raise PermissionDenied(_("Only the district or a principal designates counselors."))
        form = DesignationForm(request.POST, people=parts[0], schools=parts[1])
        if form.is_valid():
            try:
                services.designate_counselor(
                    actor=request.user,
                    person=form.cleaned_data["person"],
                    school=form.cleaned_data["school"],
                    reason=form.cleaned_data["reason"],
                    ends_on=form.cleaned_data["ends_on"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("The counselor was designated."))
                return HttpResponseRedirect(reverse("monitoring:counselor-list"))
        self.object_list = self.get_queryset()
        context = self.get_context_data(form=form)
        return self.render_to_response(context, status=400)


class CounselorRevokeView(ScopedObjectActionView):
    """``POST /monitoring/counselors/<pk>/revoke/``."""

    model = CounselorDesignation

    def perform(self, obj: Any) -> HttpResponse:
        try:
            services.revoke_designation(actor=self.request.user, designation=obj)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
        else:
            messages.success(self.request, _("The designation was revoked."))
        return HttpResponseRedirect(reverse("monitoring:counselor-list"))


class MonthlyCountListView(ScopedListView):
    """``/monitoring/monthly/``: the monthly counts kept as CIPA evidence."""

    model = MonthlyCount
    template_name = "monitoring/monthly.html"
    context_object_name = "counts"
    paginate_by = 100

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            ids = report_school_ids(request.user)
            if ids is not None and not ids:
                raise PermissionDenied(_("You may not see the filter's reports."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("school")
