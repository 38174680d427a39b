"""REST API of monitoring (read-only). ``ROUTES`` lists ``(prefix, viewset, basename)``.

- ``monitoring-reports``: ``GET ?school=&days=&profile=``: top blocked sites and
  categories, blocks per day, decisions per school and profile (the district's staff; a
  principal their school);
- ``monitoring-timelines``: ``GET ?person=&day=``: one student's decisions on one day
  (principals and designated counselors; each call recorded as a read of the student);
- ``monitoring-ip-lookups``: ``GET ?ip=&at=&minutes=&reason=``: who used an address
  (district administrators and technology staff; recorded);
- ``monitoring-files``: the decision files ingested, with their bad lines;
- ``monitoring-monthly-counts``: the monthly counts kept as CIPA evidence;
- ``monitoring-counselors``: counselor designations.

Bad parameters are a 400 naming the parameter.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from openaup.core.api import ScopedReadOnlyViewSet, ScopedViewSetMixin
from openaup.monitoring import reports, services
from openaup.monitoring.models import CounselorDesignation, DecisionFile, MonthlyCount
from openaup.monitoring.querysets import (
    investigates,
    report_school_ids,
    timeline_schools,
    timeline_students,
)
from openaup.monitoring.views import last_days

__all__ = ["ROUTES"]


class DecisionFileSerializer(serializers.ModelSerializer[DecisionFile]):
    class Meta:
        model = DecisionFile
        fields = [
            "id", "source", "folder", "name", "day", "sha256", "bytes_read", "lines_read",
            "rows", "bad_lines", "problems", "first_ingested_at", "last_ingested_at",
        ]  # fmt: skip


class MonthlyCountSerializer(serializers.ModelSerializer[MonthlyCount]):
    class Meta:
        model = MonthlyCount
        fields = ["id", "month", "school", "profile", "category", "action", "decisions"]


class CounselorSerializer(serializers.ModelSerializer[CounselorDesignation]):
    class Meta:
        model = CounselorDesignation
        fields = ["id", "person", "school", "reason", "ends_on", "revoked_at", "created_at"]


class DecisionFileViewSet(ScopedReadOnlyViewSet):
    queryset = DecisionFile.objects.all()
    serializer_class = DecisionFileSerializer


class MonthlyCountViewSet(ScopedReadOnlyViewSet):
    queryset = MonthlyCount.objects.all()
    serializer_class = MonthlyCountSerializer


class CounselorViewSet(ScopedReadOnlyViewSet):
    queryset = CounselorDesignation.objects.all()
    serializer_class = CounselorSerializer


class ReportQuery(serializers.Serializer[Any]):
    school = serializers.IntegerField(required=False, min_value=1)
    days = serializers.ChoiceField(choices=[7, 30, 90], required=False, default=7)
    profile = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


def _counts(name: str) -> Any:
    return inline_serializer(
        name, {"key": serializers.CharField(), "count": serializers.IntegerField()}, many=True
    )


def _count(item: reports.Count) -> dict[str, Any]:
    return {"key": item.key, "count": item.count}


class ReportViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """The filter report of the district or one school."""

    queryset = MonthlyCount.objects.all()

    @extend_schema(
        parameters=[ReportQuery],
        responses=inline_serializer(
            "MonitoringReport",
            {
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "school": serializers.IntegerField(allow_null=True),
                "top_sites": _counts("MonitoringSiteCount"),
                "top_categories": _counts("MonitoringCategoryCount"),
                "per_day": inline_serializer(
                    "MonitoringDay",
                    {
                        "day": serializers.DateField(),
                        "decisions": serializers.IntegerField(),
                        "blocked": serializers.IntegerField(),
                    },
                    many=True,
                ),
                "by_school_and_profile": inline_serializer(
                    "MonitoringSchoolProfile",
                    {
                        "school": serializers.IntegerField(allow_null=True),
                        "profile": serializers.CharField(),
                        "decisions": serializers.IntegerField(),
                        "blocked": serializers.IntegerField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ids = report_school_ids(request.user)
        if ids is not None and not ids:
            raise PermissionDenied("You may not see the filter's reports.")
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        school = query.validated_data.get("school")
        if school is not None and ids is not None and school not in ids:
            raise Http404
        scope: list[int] | None = [school] if school is not None else (
            None if ids is None else sorted(ids)
        )  # fmt: skip
        profile = query.validated_data["profile"]
        store = services.monitor_store()
        period = last_days(int(query.validated_data["days"]))
        zone = timezone.get_current_timezone()
        return Response(
            {
                "start": period.start,
                "end": period.end,
                "school": school,
                "top_sites": [
                    _count(c)
                    for c in reports.top_blocked_hosts(
                        store, period, schools=scope, profile=profile
                    )
                ],
                "top_categories": [
                    _count(c)
                    for c in reports.top_blocked_categories(
                        store, period, schools=scope, profile=profile
                    )
                ],
                "per_day": [
                    {"day": d.day, "decisions": d.decisions, "blocked": d.blocked}
                    for d in reports.trend(store, period, schools=scope, profile=profile, zone=zone)
                ],
                "by_school_and_profile": [
                    {
                        "school": r.school_id,
                        "profile": r.profile,
                        "decisions": r.decisions,
                        "blocked": r.blocked,
                    }
                    for r in reports.by_school_and_profile(store, period, schools=scope)
                ],
            }
        )


class TimelineQuery(serializers.Serializer[Any]):
    person = serializers.IntegerField(min_value=1)
    day = serializers.DateField(required=False)

    def validate_day(self, value: datetime.date) -> datetime.date:
        if value > timezone.localdate():
            raise serializers.ValidationError("The day is in the future.")
        return value


_EVENT = inline_serializer(
    "MonitoringEvent",
    {
        "time": serializers.DateTimeField(),
        "host": serializers.CharField(),
        "url": serializers.CharField(),
        "action": serializers.CharField(),
        "category": serializers.CharField(),
        "profile": serializers.CharField(),
        "reason": serializers.CharField(),
        "client_ip": serializers.CharField(),
        "source": serializers.CharField(),
    },
    many=True,
)


class TimelineViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """A student's activity on one day (recorded as a read of the student's data)."""

    queryset = CounselorDesignation.objects.all()

    @extend_schema(
        parameters=[TimelineQuery],
        responses=inline_serializer(
            "MonitoringTimeline",
            {
                "person": serializers.IntegerField(),
                "day": serializers.DateField(),
                "events": _EVENT,
            },
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not timeline_schools(request.user):
            raise PermissionDenied("Only principals and designated counselors see timelines.")
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        student = timeline_students(request.user).filter(pk=query.validated_data["person"]).first()
        if student is None:
            raise Http404
        day = query.validated_data.get("day") or timezone.localdate()
        events = services.read_timeline(actor=request.user, student=student, day=day)
        return Response({"person": student.pk, "day": day, "events": [e.__dict__ for e in events]})


class IpLookupQuery(serializers.Serializer[Any]):
    ip = serializers.IPAddressField()
    at = serializers.DateTimeField()
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=240, default=15)
    reason = serializers.CharField(max_length=300)


class IpLookupViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Who used an address around a time (recorded, with its reason)."""

    queryset = DecisionFile.objects.all()

    @extend_schema(
        parameters=[IpLookupQuery],
        responses=inline_serializer(
            "MonitoringIpUse",
            {
                "user": serializers.CharField(),
                "person": serializers.IntegerField(allow_null=True),
                "school": serializers.IntegerField(allow_null=True),
                "profile": serializers.CharField(),
                "first_seen": serializers.DateTimeField(),
                "last_seen": serializers.DateTimeField(),
                "decisions": serializers.IntegerField(),
            },
            many=True,
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not investigates(request.user):
            raise PermissionDenied("Only the district and technology staff look up addresses.")
        query = IpLookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        at = data["at"]
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        uses = reports.who_used_ip(
            services.monitor_store(), ip=data["ip"], at=at, minutes=data["minutes"]
        )
        from openaup.directory.models import Person

        ids = {u.person_id for u in uses if u.person_id}
        students = list(Person.objects.filter(pk__in=ids, kind="student"))
        services.record_ip_lookup(
            actor=request.user, ip=data["ip"], at=at, reason=data["reason"], people=students
        )
        return Response(
            [
                {
                    "user": u.user,
                    "person": u.person_id,
                    "school": u.school_id,
                    "profile": u.profile,
                    "first_seen": u.first_seen,
                    "last_seen": u.last_seen,
                    "decisions": u.decisions,
                }
                for u in uses
            ]
        )


ROUTES: list[tuple[str, Any, str]] = [
    ("monitoring-reports", ReportViewSet, "monitoring-report"),
    ("monitoring-timelines", TimelineViewSet, "monitoring-timeline"),
    ("monitoring-ip-lookups", IpLookupViewSet, "monitoring-ip-lookup"),
    ("monitoring-files", DecisionFileViewSet, "monitoring-file"),
    ("monitoring-monthly-counts", MonthlyCountViewSet, "monitoring-monthly-count"),
    ("monitoring-counselors", CounselorViewSet, "monitoring-counselor"),
]
