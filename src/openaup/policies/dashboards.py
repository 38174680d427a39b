"""The numbers of a campaign's dashboard: completion by school, grade, section and homeroom,
who is missing what, completion over time, and the staff attestation report.

Every figure is a count of :class:`~openaup.policies.models.CampaignMember` rows narrowed by
``CampaignMember.objects.visible_to(user)`` (a principal their school, a teacher their own
sections), so what a person sees is decided in one place. Each breakdown is one aggregate
query, whatever the number of students. Departed people are not counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from openaup.accounts.access import access_for
from openaup.core.querysets import Action
from openaup.directory.choices import ClassType, Grade, PersonStatus
from openaup.directory.models import Enrollment, Section
from openaup.policies.choices import MemberKind, SigningStatus
from openaup.policies.models import CampaignMember, SigningCampaign

__all__ = [
    "Breakdown",
    "Completion",
    "Row",
    "breakdown",
    "by_grade",
    "by_school",
    "by_section",
    "completion_over_time",
    "may_remind",
    "may_see_dashboard",
    "may_see_staff_report",
    "missing_members",
    "pinned",
    "staff_members",
    "staff_missing",
    "staff_missing_by_school_and_title",
    "student_members",
    "totals",
]

COUNTS = {
    "expected": Count("pk"),
    "signed": Count("pk", filter=Q(status=SigningStatus.SIGNED)),
    "partly_signed": Count("pk", filter=Q(status=SigningStatus.PARTLY_SIGNED)),
    "not_signed": Count("pk", filter=Q(status=SigningStatus.NOT_SIGNED)),
}


@dataclass(frozen=True)
class Completion:
    """How many members a group expects and where they stand."""

    expected: int = 0
    signed: int = 0
    partly_signed: int = 0
    not_signed: int = 0

    @property
    def percent(self) -> int:
        """Signed, as a whole percentage of expected (0 when nobody is expected)."""
        return round(100 * self.signed / self.expected) if self.expected else 0

    @classmethod
    def of(cls, row: dict[str, Any]) -> Completion:
        return cls(
            expected=row["expected"] or 0,
            signed=row["signed"] or 0,
            partly_signed=row["partly_signed"] or 0,
            not_signed=row["not_signed"] or 0,
        )


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: what it is (``key`` for filters, ``label`` to read) and its
    numbers."""

    key: Any
    label: str
    completion: Completion
    school: str = ""
    school_id: int | None = None
    homeroom: bool = False


def may_see_dashboard(user: Any) -> bool:
    """District roles, principals and teachers see dashboards (each within their scope)."""
    access = access_for(user)
    return access.sees_whole_district or access.has("school_admin", "teacher")


def may_see_staff_report(user: Any) -> bool:
    """The HR report: district roles, and principals for their school."""
    access = access_for(user)
    return access.sees_whole_district or access.has("school_admin")


def may_remind(user: Any, school_id: int | None) -> bool:
    """Who may send a reminder now: district administrators and technology staff (for the
    district or one school), a principal for their own school."""
    access = access_for(user)
    if access.is_district_admin or access.is_tech_staff:
        return True
    return school_id is not None and school_id in access.schools_with("school_admin")


def student_members(
    campaign: SigningCampaign, user: Any, action: Action = "view"
) -> QuerySet[CampaignMember]:
    """The campaign's student members ``user`` may see, departed students left out."""
    return CampaignMember.objects.visible_to(user, action).filter(
        campaign=campaign, kind=MemberKind.STUDENT, person__status=PersonStatus.ACTIVE
    )


def pinned(members: QuerySet[CampaignMember], user: Any) -> QuerySet[CampaignMember]:
    """For someone who sees part of the district (a principal, a teacher), the members found
    once by their ids: their scope (the school's students, staff and guardians; a teacher's
    classes) is costly to evaluate, and a dashboard asks about the same members several
    times. The district's staff have no such scope to evaluate."""
    if access_for(user).sees_whole_district:
        return members
    ids = list(members.values_list("pk", flat=True))
    return CampaignMember.objects.filter(pk__in=ids)


@dataclass(frozen=True)
class Breakdown:
    """The district (or the user's part of it), by school, and by school and grade: all from
    one query grouped by school and grade."""

    total: Completion
    schools: list[Row]
    grades: list[Row]

    def missing(self, *, school: int | None = None, grade: str = "", status: str = "") -> int:
        """How many are not (or only partly) signed under these filters, from the counts."""
        count = 0
        for row in self.grades:
            if (school and row.school_id != school) or (grade and row.key != grade):
                continue
            if status in ("", SigningStatus.NOT_SIGNED):
                count += row.completion.not_signed
            if status in ("", SigningStatus.PARTLY_SIGNED):
                count += row.completion.partly_signed
        return count


def _sum(rows: list[dict[str, Any]]) -> Completion:
    return Completion(
        expected=sum(row["expected"] for row in rows),
        signed=sum(row["signed"] for row in rows),
        partly_signed=sum(row["partly_signed"] for row in rows),
        not_signed=sum(row["not_signed"] for row in rows),
    )


def _grade_order(code: str) -> int:
    codes = [choice.value for choice in Grade]
    return codes.index(code) if code in codes else len(codes)


def breakdown(members: QuerySet[CampaignMember]) -> Breakdown:
    rows = list(
        members.values("person__school_id", "person__school__name", "person__grade")
        .annotate(**COUNTS)
        .order_by()
    )
    by_school: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_school.setdefault(row["person__school_id"], []).append(row)
    schools = sorted(
        (
            Row(
                key=school_id,
                label=group[0]["person__school__name"] or "No school",
                completion=_sum(group),
            )
            for school_id, group in by_school.items()
        ),
        key=lambda row: row.label,
    )
    grades = sorted(
        (
            Row(
                key=row["person__grade"],
                label=Grade(row["person__grade"]).label if row["person__grade"] else "No grade",
                school=row["person__school__name"] or "",
                school_id=row["person__school_id"],
                completion=Completion.of(row),
            )
            for row in rows
        ),
        key=lambda row: (row.school, _grade_order(str(row.key))),
    )
    return Breakdown(total=_sum(rows), schools=schools, grades=grades)


def totals(members: QuerySet[CampaignMember]) -> Completion:
    return Completion.of(members.aggregate(**COUNTS))


def by_school(members: QuerySet[CampaignMember]) -> list[Row]:
    return breakdown(members).schools


def by_grade(members: QuerySet[CampaignMember]) -> list[Row]:
    """By school and grade (grade 3 of one school is not grade 3 of another)."""
    return breakdown(members).grades


def by_section(
    members: QuerySet[CampaignMember],
    user: Any,
    *,
    homerooms: bool = False,
    school: int | None = None,
) -> list[Row]:
    """By the sections ``user`` may see (a teacher: their own), or only homerooms, of one
    school if given. A student counts once in each of their sections. Each row's
    ``homeroom`` says whether the section is a homeroom."""
    sections = Section.objects.visible_to(user).filter(is_active=True)
    if school is not None:
        sections = sections.filter(school_id=school)
    if homerooms:
        sections = sections.filter(class_type=ClassType.HOMEROOM)
    # From the sections' enrollments to the members (not the other way): a school's
    # enrollments are few, the campaign's members many.
    member = "person__campaign_memberships"
    rows = (
        Enrollment.objects.filter(
            section__in=sections,
            role="student",
            is_active=True,
            person__campaign_memberships__in=members,
        )
        .values("section_id", "section__title", "section__class_type", "section__school__name")
        .annotate(
            expected=Count(member),
            signed=Count(member, filter=Q(**{f"{member}__status": SigningStatus.SIGNED})),
            partly_signed=Count(
                member, filter=Q(**{f"{member}__status": SigningStatus.PARTLY_SIGNED})
            ),
            not_signed=Count(member, filter=Q(**{f"{member}__status": SigningStatus.NOT_SIGNED})),
        )
        .order_by("section__school__name", "section__title")
    )
    return [
        Row(
            key=row["section_id"],
            label=row["section__title"],
            school=row["section__school__name"],
            homeroom=row["section__class_type"] == ClassType.HOMEROOM,
            completion=Completion.of(row),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DayPoint:
    day: datetime.date
    completed: int
    cumulative: int


def completion_over_time(members: QuerySet[CampaignMember]) -> list[DayPoint]:
    """Members who completed their signatures per day (in the district's time zone), and the
    running total."""
    done = members.filter(status=SigningStatus.SIGNED, completed_at__isnull=False)
    per_day: dict[datetime.date, int] = {}
    if connection.vendor == "sqlite":
        # SQLite converts time zones in a Python function called for every row; grouping by
        # the stored UTC hour ("YYYY-MM-DD HH") and converting each hour here is far cheaper.
        hours = done.annotate(hour=Substr("completed_at", 1, 13)).values("hour")
        for row in hours.annotate(n=Count("pk")).order_by():
            moment = datetime.datetime.strptime(row["hour"], "%Y-%m-%d %H").replace(
                tzinfo=datetime.UTC
            )
            day = timezone.localtime(moment).date()
            per_day[day] = per_day.get(day, 0) + row["n"]
    else:
        days = done.annotate(day=TruncDate("completed_at")).values("day")
        per_day = {row["day"]: row["n"] for row in days.annotate(n=Count("pk")).order_by()}
    points: list[DayPoint] = []
    total = 0
    for day in sorted(per_day):
        total += per_day[day]
        points.append(DayPoint(day=day, completed=per_day[day], cumulative=total))
    return points


def missing_members(
    members: QuerySet[CampaignMember],
    *,
    school: int | None = None,
    grade: str = "",
    section: int | None = None,
    status: str = "",
) -> QuerySet[CampaignMember]:
    """Members who are not (or only partly) signed, narrowed by the dashboard's filters."""
    missing = members.exclude(status=SigningStatus.SIGNED)
    if school:
        missing = missing.filter(person__school_id=school)
    if grade:
        missing = missing.filter(person__grade=grade)
    if section:
        missing = missing.filter(
            person__in=Enrollment.objects.filter(
                section_id=section, role="student", is_active=True
            ).values("person_id")
        )
    if status:
        missing = missing.filter(status=status)
    return missing.select_related("person", "person__school").order_by(
        "person__school__name", "person__grade", "person__family_name", "person__given_name", "pk"
    )


def staff_members(
    campaign: SigningCampaign, user: Any, action: Action = "view"
) -> QuerySet[CampaignMember]:
    return CampaignMember.objects.visible_to(user, action).filter(
        campaign=campaign, kind=MemberKind.STAFF, person__status=PersonStatus.ACTIVE
    )


def staff_missing(
    campaign: SigningCampaign, user: Any, action: Action = "view"
) -> QuerySet[CampaignMember]:
    """Staff who have not confirmed the staff version, by school and title."""
    return (
        staff_members(campaign, user, action)
        .exclude(status=SigningStatus.SIGNED)
        .select_related("person", "person__school")
        .order_by("person__school__name", "person__title", "person__family_name", "pk")
    )


def staff_missing_by_school_and_title(campaign: SigningCampaign, user: Any) -> list[Row]:
    rows = (
        staff_members(campaign, user)
        .values("person__school__name", "person__title")
        .annotate(**COUNTS)
        .order_by("person__school__name", "person__title")
    )
    return [
        Row(
            key=row["person__title"],
            label=row["person__title"] or "No title",
            school=row["person__school__name"] or "District",
            completion=Completion.of(row),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Chart:
    """A line chart of cumulative completions, in SVG user units."""

    width: int
    height: int
    points: str
    y_max: int
    first_day: datetime.date | None
    last_day: datetime.date | None


CHART_WIDTH = 600
CHART_HEIGHT = 200
CHART_MARGIN = 40


def chart(points: list[DayPoint], expected: int) -> Chart:
    """Scale the running total to the chart: days along x, members (up to ``expected``)
    along y."""
    y_max = max(expected, points[-1].cumulative if points else 0, 1)
    inner_w = CHART_WIDTH - 2 * CHART_MARGIN
    inner_h = CHART_HEIGHT - 2 * CHART_MARGIN
    coords: list[str] = []
    if points:
        first = points[0].day
        span = max((points[-1].day - first).days, 1)
        for point in points:
            x = CHART_MARGIN + inner_w * (point.day - first).days / span
            y = CHART_HEIGHT - CHART_MARGIN - inner_h * point.cumulative / y_max
            coords.append(f"{x:.1f},{y:.1f}")
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        points=" ".join(coords),
        y_max=y_max,
        first_day=points[0].day if points else None,
        last_day=points[-1].day if points else None,
    )
