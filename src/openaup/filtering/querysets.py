"""Who may see and change the filter's settings, requests and overrides (the one place that
decides it).

- Profiles, rules, categories, schedules, list sources and published revisions: every staff
  member (district administrators, technology staff, principals and their office, teachers)
  may read them, to explain a block; only district administrators and technology staff
  change them.
- Profile assignments: the grade-band, staff and network rows like profiles; a person
  exception is student data, so it is visible with its person
  (:class:`openaup.directory.querysets.PersonQuerySet`) to staff who may read the filter.
- Unblock requests and overrides: district administrators and technology staff see and
  decide all of them; a principal (or their office) those of their school; a teacher those
  of their own sections (and the overrides they made); the person who asked sees their own
  requests. Deciding goes through :mod:`openaup.filtering.services`, which checks who may
  approve what.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db.models import Q

from openaup.accounts.choices import Role
from openaup.core.querysets import Action, ScopedQuerySet

if TYPE_CHECKING:
    from openaup.accounts.access import Access

#: Roles that may read the filter's settings.
READER_ROLES = (Role.DISTRICT_ADMIN, Role.TECH_STAFF, Role.SCHOOL_ADMIN, Role.TEACHER)


def _access(user: Any) -> Access:
    from openaup.accounts.access import access_for

    return access_for(user)


def manages_filter(user: Any) -> bool:
    """District administrators and technology staff: change profiles, lists, publish."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    access = _access(user)
    return access.is_district_admin or access.is_tech_staff


def reads_filter(user: Any) -> bool:
    """Staff who may read the filter's settings."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _access(user).has(*READER_ROLES)


class _SettingsQuerySet(ScopedQuerySet):
    """Filter settings: staff read, managers change."""

    def scope(self, user: Any, action: Action) -> Self:
        if action == "view":
            return self if reads_filter(user) else self.none()
        return self if manages_filter(user) else self.none()


class FilterProfileQuerySet(_SettingsQuerySet):
    pass


class FilterScheduleQuerySet(_SettingsQuerySet):
    pass


class ProfileRuleQuerySet(_SettingsQuerySet):
    pass


class CategoryQuerySet(_SettingsQuerySet):
    pass


class ListSourceQuerySet(_SettingsQuerySet):
    pass


class LocalListQuerySet(_SettingsQuerySet):
    pass


class PolicyRevisionQuerySet(_SettingsQuerySet):
    def live(self) -> Self:
        return self.filter(status="live")


class ProfileAssignmentQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        if manages_filter(user):
            return self
        if action != "view" or not reads_filter(user):
            return self.none()
        from openaup.directory.models import Person

        people = Person.objects.visible_to(user).values("pk")
        return self.filter(Q(person__isnull=True) | Q(person_id__in=people))


def _decider_q(access: Access, *, section_field: str, school_field: str) -> Q:
    """Rows a principal (their schools) or a teacher (their sections) may see."""
    from openaup.directory.querysets import taught_section_ids

    cond = Q(pk__in=[])
    schools = access.schools_with(Role.SCHOOL_ADMIN)
    if schools:
        cond |= Q(**{f"{school_field}__in": schools})
    if access.person_id is not None and access.has(Role.TEACHER):
        cond |= Q(**{f"{section_field}__in": taught_section_ids(access.person_id)})
    return cond


class UnblockRequestQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if access.is_district_admin or access.is_tech_staff:
            return self
        cond = _decider_q(access, section_field="section_id", school_field="school_id")
        if access.person_id is not None and access.has(Role.TEACHER):
            # A student's request goes to the teachers of the student's sections.
            from openaup.directory.models import Enrollment
            from openaup.directory.querysets import taught_section_ids

            students = Enrollment.objects.filter(
                section_id__in=taught_section_ids(access.person_id), role="student", is_active=True
            ).values("person_id")
            cond |= Q(scope="section", person_id__in=students)
        if action == "view":
            cond |= Q(requested_by_id=access.user_id)
            if access.person_id is not None:
                cond |= Q(person_id=access.person_id)
        return self.filter(cond)

    def pending(self) -> Self:
        return self.filter(status="pending")


class OverrideQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if access.is_district_admin or access.is_tech_staff:
            return self
        cond = _decider_q(access, section_field="section_id", school_field="school_id")
        cond |= Q(created_by_id=access.user_id)
        if action == "view" and access.has(*READER_ROLES):
            cond |= Q(scope="district")
        return self.filter(cond)

    def active_at(self, when: Any) -> Self:
        return self.filter(revoked_at__isnull=True, starts_at__lte=when, ends_at__gt=when)

    def current_or_future(self, when: Any) -> Self:
        return self.filter(revoked_at__isnull=True, ends_at__gt=when)
