"""Which audit pages the signed-in user may open, for the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openaup.accounts.access import access_for
from openaup.audit.querysets import may_read_trail


def audit_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "may_read_audit_trail": may_read_trail(user),
        "may_see_access_report": access_for(user).has("guardian", "student"),
    }
