"""Who may report phishing and who reads the reports."""

from __future__ import annotations

from typing import Any

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role

__all__ = ["REPORTING_ROLES", "may_read_all_reports", "may_report_phishing"]

#: Staff and others with district accounts at work (not students or guardians).
REPORTING_ROLES = frozenset(
    {
        Role.DISTRICT_ADMIN,
        Role.TECH_STAFF,
        Role.SCHOOL_ADMIN,
        Role.TEACHER,
        Role.STAFF,
        Role.RECORDS_OFFICER,
        Role.CONTRACTOR,
    }
)


def may_report_phishing(user: Any) -> bool:
    """``user`` works for (or with) the district and sees the "Report phishing" link."""
    return bool(access_for(user).all_roles & REPORTING_ROLES)


def may_read_all_reports(user: Any) -> bool:
    """``user`` handles phishing reports: technology staff and district administrators."""
    return access_for(user).district_has(Role.TECH_STAFF, Role.DISTRICT_ADMIN)
