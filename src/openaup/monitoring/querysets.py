"""Who may see what of the monitoring of minors (the one place that decides it).

- Reports (top blocked sites and categories, trends, monthly counts, alert digests):
  district administrators, technology staff and the records officer for the district; a
  principal for their own school. Teachers, students, guardians and contractors nothing.
- A student's activity timeline: the principal of the student's school and the counselors
  designated for that school (:class:`~openaup.monitoring.models.CounselorDesignation`)
  only; not the technology staff, who investigate by address instead.
- "Who used this address at that time": district administrators and technology staff.
- Counselor designations: district administrators for every school, a principal for their
  own school; a counselor sees their own designation.
- Ingest status (the decision files read): district administrators and technology staff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaup.accounts.choices import Role
from openaup.core.querysets import Action, ScopedQuerySet

if TYPE_CHECKING:
    from openaup.accounts.access import Access

__all__ = [
    "CounselorDesignationQuerySet",
    "DecisionFileQuerySet",
    "SchoolCountQuerySet",
    "counselor_schools",
    "investigates",
    "report_school_ids",
    "report_schools",
    "sees_district_reports",
    "timeline_schools",
    "timeline_students",
]


def _access(user: Any) -> Access:
    from openaup.accounts.access import access_for

    return access_for(user)


def _signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def sees_district_reports(user: Any) -> bool:
    """District administrators, technology staff and the records officer."""
    return _signed_in(user) and _access(user).sees_whole_district


def investigates(user: Any) -> bool:
    """Who may ask which user had an address at a time: district administrators and
    technology staff."""
    if not _signed_in(user):
        return False
    access = _access(user)
    return access.is_district_admin or access.is_tech_staff


def report_school_ids(user: Any) -> frozenset[int] | None:
    """The schools whose reports ``user`` sees: ``None`` for the whole district, else the
    ids (empty for those who see none)."""
    if not _signed_in(user):
        return frozenset()
    access = _access(user)
    if access.sees_whole_district:
        return None
    return access.schools_with(Role.SCHOOL_ADMIN)


def report_schools(user: Any) -> QuerySet[Any]:
    """The schools whose reports ``user`` sees, as a queryset of schools."""
    from openaup.directory.models import School

    ids = report_school_ids(user)
    schools = School.objects.all()
    return schools if ids is None else schools.filter(pk__in=ids)


def counselor_schools(user: Any) -> frozenset[int]:
    """Schools for which ``user`` is a designated counselor now."""
    from openaup.monitoring.models import CounselorDesignation

    access = _access(user)
    if access.person_id is None:
        return frozenset()
    return frozenset(
        CounselorDesignation.objects.active()
        .filter(person_id=access.person_id)
        .values_list("school_id", flat=True)
    )


def timeline_schools(user: Any) -> frozenset[int]:
    """Schools whose students' timelines ``user`` may open: those they lead as principal
    and those they are a designated counselor for."""
    if not _signed_in(user):
        return frozenset()
    return _access(user).schools_with(Role.SCHOOL_ADMIN) | counselor_schools(user)


def timeline_students(user: Any) -> QuerySet[Any]:
    """The students whose activity timeline ``user`` may open."""
    from openaup.directory.choices import PersonKind
    from openaup.directory.models import Person

    return Person.objects.filter(kind=PersonKind.STUDENT, school_id__in=timeline_schools(user))


class DecisionFileQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        return self if action == "view" and investigates(user) else self.none()


class SchoolCountQuerySet(ScopedQuerySet):
    """Rows of one school (or of no school): the district's readers see all, a principal
    their school's; nobody changes them through the web."""

    def scope(self, user: Any, action: Action) -> Self:
        if action != "view":
            return self.none()
        ids = report_school_ids(user)
        return self if ids is None else self.filter(school_id__in=ids)


class CounselorDesignationQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if access.is_district_admin:
            return self
        cond = Q(school_id__in=access.schools_with(Role.SCHOOL_ADMIN))
        if action == "view":
            if access.sees_whole_district:
                return self
            if access.person_id is not None:
                cond |= Q(person_id=access.person_id)
        return self.filter(cond)

    def active(self) -> Self:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate(now))
        )
