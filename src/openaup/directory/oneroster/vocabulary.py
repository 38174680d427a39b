"""The words OneRoster 1.1 and 1.2 allow in coded columns, and how loosely they are matched.

Codes match case-insensitively and are returned in the spec's spelling. A grade written
without its leading zero (``1``) is read as ``01``; ``K`` is not a grade code.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = [
    "CLASS_TYPES",
    "ENROLLMENT_ROLES",
    "GRADES",
    "GUARDIAN_ROLES",
    "ORG_TYPES",
    "ROLE_TYPES",
    "SESSION_TYPES",
    "SEXES",
    "STAFF_ROLES",
    "USER_ROLES",
    "lookup",
    "normalize_grade",
]

GRADES: tuple[str, ...] = (
    "IT",
    "PR",
    "PK",
    "TK",
    "KG",
    *(f"{n:02d}" for n in range(1, 14)),
    "PS",
    "UG",
    "Other",
)

#: User roles of OneRoster 1.1 and 1.2 (either is accepted in either version).
USER_ROLES: tuple[str, ...] = (
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
GUARDIAN_ROLES = frozenset({"guardian", "parent", "relative"})
STAFF_ROLES = frozenset(USER_ROLES) - GUARDIAN_ROLES - {"student"}
ENROLLMENT_ROLES = ("administrator", "aide", "proctor", "student", "teacher")
ORG_TYPES = ("department", "district", "local", "national", "school", "state")
SESSION_TYPES = ("gradingPeriod", "schoolYear", "semester", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
SEXES = ("female", "male", "other", "unspecified")
STATUSES = ("active", "tobedeleted")
BOOLEANS = {"true": True, "false": False}


def lookup(words: Collection[str]) -> dict[str, str]:
    """A case-insensitive lookup table: lower-case word -> the spec's spelling."""
    return {word.lower(): word for word in words}


GRADE_LOOKUP: dict[str, str] = lookup(GRADES)
GRADE_LOOKUP.update({str(n): f"{n:02d}" for n in range(1, 10)})


def normalize_grade(text: str) -> str | None:
    """The OneRoster grade code for ``text`` (``kg`` -> ``KG``, ``1`` -> ``01``), or None."""
    return GRADE_LOOKUP.get(text.strip().lower())
