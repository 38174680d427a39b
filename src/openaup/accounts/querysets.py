from __future__ import annotations

from typing import Any, Self

from openaup.core.querysets import Action, ScopedQuerySet


class RoleAssignmentQuerySet(ScopedQuerySet):
    def scope(self, user: Any, action: Action) -> Self:
        from openaup.accounts.access import access_for

        access = access_for(user)
        if access.is_district_admin or access.is_tech_staff:
            return self
        return self.filter(user=user)
