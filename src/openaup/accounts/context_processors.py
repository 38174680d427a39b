from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openaup.accounts.access import access_for
from openaup.cases.access import may_read_all_reports, may_report_phishing
from openaup.filtering.querysets import reads_filter
from openaup.monitoring.querysets import counselor_schools, report_school_ids


def access(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles, for navigation (what a page shows is scoped in views)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = access_for(user)
    return {
        "access": current,
        "may_import_roster": current.is_district_admin or current.is_tech_staff,
        "may_see_access_grants": current.sees_whole_district or current.has("contractor"),
        "may_choose_guardian_access": current.has("student")
        and getattr(user.person, "is_adult", False),
        "may_report_phishing": may_report_phishing(user),
        "may_read_phishing_reports": may_read_all_reports(user),
        "may_see_signing_dashboards": current.sees_whole_district
        or current.has("school_admin", "teacher"),
        "may_read_filter": reads_filter(user),
        "may_see_monitoring": _sees_monitoring(user),
        "may_ask_unblock": current.has("student") and not current.has("teacher", "school_admin"),
    }


def _sees_monitoring(user: Any) -> bool:
    schools = report_school_ids(user)
    return schools is None or bool(schools) or bool(counselor_schools(user))
