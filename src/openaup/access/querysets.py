"""Who may see or change access grants (the one place that decides it).

- district admins and technology staff: every grant, to view and change; technology staff
  assigned to one school: the grants of that school;
- records officers: every grant, read-only;
- a contractor: their own grants; a sponsor: the grants they sponsor (read-only);
- adult students' consents: the student and the guardian concerned see them; district
  admins, technology staff and records officers see all; only services change them.
"""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db.models import Q
from django.utils import timezone

from openaup.core.querysets import Action, ScopedQuerySet


def _access(user: Any) -> Any:
    from openaup.accounts.access import access_for

    return access_for(user)


class AccessGrantQuerySet(ScopedQuerySet):
    def live(self, on: datetime.date | None = None) -> Self:
        """Grants in force on ``on`` (today by default): started, not ended, not revoked."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day)

    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if access.is_district_admin or access.is_tech_staff:
            return self
        allowed = Q(school_id__in=access.schools_with("tech_staff"), school__isnull=False)
        if action in ("view", "export"):
            if access.sees_whole_district:
                return self
            if access.person_id:
                allowed |= Q(contractor_id=access.person_id) | Q(sponsor_id=access.person_id)
        return self.filter(allowed)


class GuardianAccessGrantQuerySet(ScopedQuerySet):
    def live(self) -> Self:
        return self.filter(withdrawn_at__isnull=True)

    def scope(self, user: Any, action: Action) -> Self:
        access = _access(user)
        if action not in ("view", "export"):
            return self.none()
        if access.sees_whole_district:
            return self
        if not access.person_id:
            return self.none()
        return self.filter(
            Q(link__student_id=access.person_id) | Q(link__guardian_id=access.person_id)
        )
