from __future__ import annotations

from typing import Any, Self

from openaup.core.querysets import Action, ScopedQuerySet


class PhishingReportQuerySet(ScopedQuerySet):
    """Technology staff and district administrators see every report; anyone else only the
    reports they made. Nobody changes or deletes a report here (the case workflow will)."""

    def scope(self, user: Any, action: Action) -> Self:
        from openaup.cases.access import may_read_all_reports

        if action != "view":
            return self.none()
        if may_read_all_reports(user):
            return self
        return self.filter(reported_by=user)
