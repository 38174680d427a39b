"""Who may read which audit events (the one place that decides it).

- district admin and records officer: the whole trail;
- everyone else: the events about their own record and about the children they hold
  educational rights for, as far as the directory lets them see those people (so the
  directory's rules for adult students apply here too) — the record of access a family may
  ask for;
- nobody may change or delete an event.
"""

from __future__ import annotations

from typing import Any, Self

from django.db.models import Q

from openaup.core.querysets import Action, ScopedQuerySet

__all__ = ["AuditEventQuerySet", "may_read_trail", "report_people"]

AUDIT_EVENTS_ARE_PERMANENT = "Audit events cannot be changed or deleted."


def may_read_trail(user: Any) -> bool:
    """District administrators and records officers read the whole audit trail."""
    from openaup.accounts.access import access_for

    access = access_for(user)
    return access.is_district_admin or access.district_has("records_officer")


def report_people(user: Any) -> Any:
    """The people whose record of access ``user`` may read: themself when they are a student,
    and the children they hold educational rights for."""
    from openaup.accounts.access import access_for
    from openaup.directory.models import GuardianLink, Person

    access = access_for(user)
    if access.person_id is None:
        return Person.objects.none()
    children = GuardianLink.objects.filter(
        guardian_id=access.person_id, is_active=True, has_educational_rights=True
    ).values("student_id")
    own = Q(pk=access.person_id, kind="student")
    return Person.objects.visible_to(user).filter(own | Q(pk__in=children, kind="student"))


class AuditEventQuerySet(ScopedQuerySet):
    """Audit events: readable per :func:`may_read_trail` and :func:`report_people`; never
    changed or deleted."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError(AUDIT_EVENTS_ARE_PERMANENT)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(AUDIT_EVENTS_ARE_PERMANENT)

    def scope(self, user: Any, action: Action) -> Self:
        if action in ("change", "delete"):
            return self.none()
        if may_read_trail(user):
            return self
        return self.filter(person__in=report_people(user).values("pk"))
