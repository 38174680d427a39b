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

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from openaup.accounts.access import access_for
from openaup.core.querysets import Action
from openaup.directory.choices import ClassType, Grade, PersonStatus
from openaup.directory.models import Enrollment, Section
from openaup.policies.choices import MemberKind, SigningStatus
from openaup.policies.models import CampaignMember, SigningCampaign

__all__ = [
    "Completion",
    "Row",
    "by_grade",
    "by_school",
    "by_section",
    "completion_over_time",
    "may_remind",
    "may_see_dashboard",
    "may_see_staff_report",
    "missing_members",
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


def totals(members: QuerySet[CampaignMember]) -> Completion:
    return Completion.of(members.aggregate(**COUNTS))


def by_school(members: QuerySet[CampaignMember]) -> list[Row]:
    rows = (
        members.values("person__school_id", "person__school__name")
        .annotate(**COUNTS)
        .order_by("person__school__name")
    )
    return [
        Row(
            key=row["person__school_id"],
            label=row["person__school__name"] or "No school",
            completion=Completion.of(row),
        )
        for row in rows
    ]


def _grade_order(code: str) -> int:
    codes = [choice.value for choice in Grade]
    return codes.index(code) if code in codes else len(codes)


def by_grade(members: QuerySet[CampaignMember]) -> list[Row]:
    """By school and grade (grade 3 of one school is not grade 3 of another)."""
    rows = members.values("person__school_id", "person__school__name", "person__grade").annotate(
        **COUNTS
    )
    result = [
        Row(
            key=row["person__grade"],
            label=Grade(row["person__grade"]).label if row["person__grade"] else "No grade",
            school=row["person__school__name"] or "",
            completion=Completion.of(row),
        )
        for row in rows
    ]
    return sorted(result, key=lambda row: (row.school, _grade_order(str(row.key))))


def by_section(
    members: QuerySet[CampaignMember],
    user: Any,
    *,
    homerooms: bool = False,
    school: int | None = None,
) -> list[Row]:
    """By the sections ``user`` may see (a teacher: their own), or only homerooms, of one
    school if given. A student counts once in each of their sections."""
    sections = Section.objects.visible_to(user).filter(is_active=True)
    if school is not None:
        sections = sections.filter(school_id=school)
    if homerooms:
        sections = sections.filter(class_type=ClassType.HOMEROOM)
    rows = (
        members.filter(
            person__enrollments__role="student",
            person__enrollments__is_active=True,
            person__enrollments__section__in=sections,
        )
        .values(
            "person__enrollments__section_id",
            "person__enrollments__section__title",
            "person__enrollments__section__school__name",
        )
        .annotate(**COUNTS)
        .order_by(
            "person__enrollments__section__school__name", "person__enrollments__section__title"
        )
    )
    return [
        Row(
            key=row["person__enrollments__section_id"],
            label=row["person__enrollments__section__title"],
            school=row["person__enrollments__section__school__name"],
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
    """Members who completed their signatures per day, and the running total."""
    rows = (
        members.filter(status=SigningStatus.SIGNED, completed_at__isnull=False)
        .annotate(day=TruncDate("completed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    points: list[DayPoint] = []
    total = 0
    for row in rows:
        total += row["n"]
        points.append(DayPoint(day=row["day"], completed=row["n"], cumulative=total))
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
