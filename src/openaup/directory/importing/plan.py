"""What an import would do, in sourcedId terms: one tuple type per entity, the changes per
entity (:class:`Change`) and the whole :class:`Plan`, with readable samples of it.

Rows are compared as tuples in which a foreign key is the sourcedId of the row it points to,
so an unchanged re-import builds no model instances at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from openaup.directory.choices import PersonStatus

__all__ = [
    "ENTITIES",
    "REFERENCES",
    "Change",
    "Current",
    "Plan",
    "ProgressFn",
    "diff",
    "field_changes",
    "retire",
]

#: The entities an import reports on, in the order they are written.
ENTITIES = (
    "districts",
    "schools",
    "sessions",
    "people",
    "roles",
    "courses",
    "sections",
    "enrollments",
    "guardian_links",
)

SAMPLE_SIZE = 10
BATCH = 1000
ProgressFn = Callable[[str, int, int | None], None]


# --- rows in sourcedId terms ------------------------------------------------------------------


class DistrictRow(NamedTuple):
    name: str
    identifier: str


class SchoolRow(NamedTuple):
    district: str | None
    name: str
    identifier: str
    is_active: bool
    principal: str | None
    low_grade: str
    high_grade: str


class SessionRow(NamedTuple):
    title: str
    session_type: str
    start_date: datetime.date
    end_date: datetime.date
    school_year: int
    parent: str | None
    is_active: bool


class PersonRow(NamedTuple):
    kind: str
    given_name: str
    family_name: str
    middle_name: str
    preferred_given_name: str
    preferred_middle_name: str
    preferred_family_name: str
    username: str
    identifier: str
    user_master_identifier: str
    email: str
    phone: str
    sms: str
    grade: str
    school: str | None
    title: str
    birth_date: datetime.date | None
    enabled: bool
    metadata: dict[str, Any]
    status: str
    departed_on: datetime.date | None


class RoleRow(NamedTuple):
    is_primary: bool
    begin_date: datetime.date | None
    end_date: datetime.date | None
    sourced_id: str
    is_active: bool


class CourseRow(NamedTuple):
    title: str
    course_code: str
    school: str | None
    school_year: str | None
    grades: list[str]
    subjects: list[str]
    is_active: bool


class SectionRow(NamedTuple):
    title: str
    class_code: str
    class_type: str
    course: str | None
    school: str | None
    grades: list[str]
    subjects: list[str]
    periods: list[str]
    location: str
    is_active: bool
    terms: tuple[str, ...]


class EnrollmentRow(NamedTuple):
    section: str | None
    person: str | None
    role: str
    is_primary: bool
    begin_date: datetime.date | None
    end_date: datetime.date | None
    is_active: bool


class LinkRow(NamedTuple):
    relationship: str
    has_educational_rights: bool
    contact_email: str
    contact_phone: str
    preferred_language: str
    is_active: bool


#: Per row type: the fields holding the sourcedId of another row, and that row's entity.
REFERENCES: dict[type[Any], dict[str, str]] = {
    SchoolRow: {"district": "districts", "principal": "people"},
    SessionRow: {"parent": "sessions"},
    PersonRow: {"school": "schools"},
    CourseRow: {"school": "schools", "school_year": "sessions"},
    SectionRow: {"course": "courses", "school": "schools"},
    EnrollmentRow: {"section": "sections", "person": "people"},
}
#: Values compared but not stored in a column of their own (a section's terms).
NOT_COLUMNS = frozenset({"terms"})

# --- the plan ---------------------------------------------------------------------------------


@dataclass
class Change:
    """What an import does to one entity. Keys are sourcedIds, or for roles
    ``(person, role, school)`` and for guardian links ``(student, guardian)``."""

    added: list[tuple[Any, Any, datetime.datetime | None]] = field(default_factory=list)
    changed: list[tuple[int, Any, Any, Any, datetime.datetime | None]] = field(default_factory=list)
    departed: list[tuple[int, Any, Any]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "departed": len(self.departed),
        }


@dataclass
class Plan:
    """Everything an import would do, per entity, and the labels to show a sample of it."""

    version: str
    modes: dict[str, str]
    today: datetime.date
    changes: dict[str, Change] = field(default_factory=dict)
    school_names: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        return {entity: self.changes[entity].counts() for entity in ENTITIES}

    def samples(self) -> dict[str, dict[str, list[str]]]:
        found: dict[str, dict[str, list[str]]] = {}
        for entity in ENTITIES:
            change = self.changes[entity]
            label = LABELS[entity]
            entry = {
                "added": [label(key, values) for key, values, _ in change.added[:SAMPLE_SIZE]],
                "changed": [
                    f"{label(key, after)}: {describe_changes(before, after)}"
                    for _, key, before, after, _ in change.changed[:SAMPLE_SIZE]
                ],
                "departed": [
                    label(key, before) for _, key, before in change.departed[:SAMPLE_SIZE]
                ],
            }
            found[entity] = {kind: items for kind, items in entry.items() if items}
        return found


def field_changes(before: tuple[Any, ...], after: tuple[Any, ...]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields that differ, as JSON-friendly values."""
    names: Sequence[str] = getattr(after, "_fields", ())
    return {
        name: [_jsonable(old), _jsonable(new)]
        for name, old, new in zip(names, before, after, strict=True)
        if old != new
    }


def describe_changes(before: tuple[Any, ...], after: tuple[Any, ...]) -> str:
    parts = []
    for name, (old, new) in field_changes(before, after).items():
        parts.append(f"{name} {_show(old)} → {_show(new)}")
    return ", ".join(parts)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _show(value: Any) -> str:
    if value in (None, "", [], {}):
        return "(none)"
    return str(value)


def label_person(key: Any, values: Any) -> str:
    return f"{values.family_name}, {values.given_name} ({key})"


LABELS: dict[str, Callable[[Any, Any], str]] = {
    "districts": lambda key, v: f"{v.name} ({key})",
    "schools": lambda key, v: f"{v.name} ({key})",
    "sessions": lambda key, v: f"{v.title} ({key})",
    "people": label_person,
    "roles": lambda key, v: f"{key[0]}: {key[1]} at {key[2] or 'the district'}",
    "courses": lambda key, v: f"{v.title} ({key})",
    "sections": lambda key, v: f"{v.title} ({key})",
    "enrollments": lambda key, v: f"{v.person} in {v.section} as {v.role} ({key})",
    "guardian_links": lambda key, v: f"{key[1]} {v.relationship} of {key[0]}",
}


class Current(NamedTuple):
    pk: int
    source: str
    values: Any


def diff(
    change: Change,
    current: dict[Any, Current],
    key: Any,
    wanted: tuple[Any, ...],
    stamp: datetime.datetime | None,
) -> None:
    found = current.pop(key, None)
    if found is None:
        change.added.append((key, wanted, stamp))
    elif found.values == wanted:
        change.unchanged += 1
    else:
        change.changed.append((found.pk, key, found.values, wanted, stamp))


def retire(change: Change, found: Current | None, key: Any, today: datetime.date) -> None:
    """Mark a row departed (a person) or inactive (anything else), if it is not already."""
    if found is None:
        return
    values = found.values
    if isinstance(values, PersonRow):
        if values.status != PersonStatus.DEPARTED:
            change.departed.append((found.pk, key, values))
    elif values.is_active:
        change.departed.append((found.pk, key, values))
