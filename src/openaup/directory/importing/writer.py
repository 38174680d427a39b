"""Writing a :class:`~openaup.directory.importing.plan.Plan` to the directory: bulk inserts,
bulk updates and deactivations in batches, never a save per row. The caller runs
:func:`apply_plan` inside one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from openaup.directory.choices import PersonStatus
from openaup.directory.importing.plan import (
    NOT_COLUMNS,
    REFERENCES,
    Plan,
    ProgressFn,
    field_changes,
    label_person,
)
from openaup.directory.importing.sql import RowTable
from openaup.directory.models import (
    AcademicSession,
    Course,
    District,
    Enrollment,
    GuardianLink,
    Person,
    PersonRole,
    School,
    Section,
)

__all__ = ["apply_plan", "person_events"]

BATCH = 1000


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    """Writes one plan: bulk inserts, bulk updates, and deactivations in batches."""

    def __init__(self, plan: Plan, progress: ProgressFn | None) -> None:
        self.plan = plan
        self.progress = progress
        self.now = timezone.now()
        self.ids: dict[str, dict[str, int]] = {}
        self.deferred: list[tuple[type[models.Model], str, str, str, str]] = []

    def refresh(self, entity: str, model: type[models.Model]) -> None:
        self.ids[entity] = dict(
            model._default_manager.values_list("sourced_id", "pk").iterator(chunk_size=10000)
        )

    def columns(
        self, values: tuple[Any, ...], model: type[models.Model], key: str
    ) -> dict[str, Any]:
        found: dict[str, Any] = {}
        references = REFERENCES.get(type(values), {})
        for name, value in zip(values._fields, values, strict=True):  # type: ignore[attr-defined]
            if name in NOT_COLUMNS:
                continue
            if name in references:
                target = None
                if value:
                    target = self.ids[references[name]].get(value)
                    if target is None:  # written later in this import (a principal, a parent)
                        self.deferred.append((model, key, name, references[name], value))
                found[f"{name}_id"] = target
            else:
                found[name] = value
        return found

    def write(
        self,
        entity: str,
        model: type[models.Model],
        *,
        key_columns: Callable[[Any], dict[str, Any]] | None = None,
        stamped: bool = True,
        retire: dict[str, Any] | None = None,
    ) -> None:
        change = self.plan.changes[entity]
        total = len(change.added) + len(change.changed) + len(change.departed)
        label = f"Writing {entity.replace('_', ' ')}"
        table = RowTable(model, now=self.now)

        def added() -> Iterator[dict[str, Any]]:
            for done, (key, values, stamp) in enumerate(change.added, start=1):
                row = key_columns(key) if key_columns else {"sourced_id": key}
                row.update(self.columns(values, model, key))
                if stamped:
                    row["source_modified"] = stamp
                if done % 5000 == 0:
                    self._tick(label, done, total)
                yield row

        def changed() -> Iterator[tuple[int, dict[str, Any]]]:
            for pk, key, _before, after, stamp in change.changed:
                row = self.columns(after, model, key)
                row["updated_at"] = self.now
                if stamped:
                    row["source_modified"] = stamp
                yield pk, row

        table.insert(added())
        done = len(change.added)
        if change.changed:
            first = change.changed[0]
            names = [*self.columns(first[3], model, first[1]), "updated_at"]
            if stamped:
                names.append("source_modified")
            table.update(names, changed())
            done += len(change.changed)
        self._tick(label, done, total)
        changes = retire or {"is_active": False}
        for batch in _chunks(change.departed, 500):
            pks = [pk for pk, _, _ in batch]
            model._default_manager.filter(pk__in=pks).update(**changes, updated_at=self.now)
            done += len(batch)
            self._tick(label, done, total)

    def _tick(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    def write_terms(self) -> None:
        """A section's terms: the link rows that the plan's sections add or drop."""
        change = self.plan.changes["sections"]
        wanted = {key: values.terms for key, values, _ in change.added}
        wanted.update({key: after.terms for _, key, _, after, _ in change.changed})
        if not wanted:
            return
        sections = self.ids["sections"]
        sessions = self.ids["sessions"]
        through = Section.terms.through
        section_ids = [sections[key] for key in wanted]
        existing: dict[int, set[int]] = defaultdict(set)
        for batch in _chunks(section_ids, 500):
            rows = through.objects.filter(section_id__in=batch).values_list(
                "section_id", "academicsession_id"
            )
            for section_id, session_id in rows:
                existing[section_id].add(session_id)
        add: list[dict[str, int]] = []
        drop: list[tuple[int, set[int]]] = []
        for key, terms in wanted.items():
            section_id = sections[key]
            target = {sessions[term] for term in terms}
            have = existing.get(section_id, set())
            add.extend(
                {"section_id": section_id, "academicsession_id": session_id}
                for session_id in target - have
            )
            if have - target:
                drop.append((section_id, have - target))
        RowTable(through, now=self.now).insert(add)
        for section_id, session_ids in drop:
            through.objects.filter(
                section_id=section_id, academicsession_id__in=session_ids
            ).delete()

    def resolve_deferred(self) -> None:
        for model, key, name, entity, value in self.deferred:
            model._default_manager.filter(sourced_id=key).update(
                **{f"{name}_id": self.ids[entity][value]}
            )


def apply_plan(plan: Plan, *, progress: ProgressFn | None = None) -> None:
    """Write ``plan`` to the directory. Run it inside a transaction: it writes many batches."""
    writer = _Writer(plan, progress)
    today = plan.today
    writer.write("districts", District)
    writer.refresh("districts", District)
    writer.refresh("people", Person)
    writer.refresh("sessions", AcademicSession)
    writer.write("schools", School)
    writer.refresh("schools", School)
    writer.write("sessions", AcademicSession)
    writer.refresh("sessions", AcademicSession)
    writer.write(
        "people",
        Person,
        retire={"status": PersonStatus.DEPARTED, "departed_on": today},
    )
    writer.refresh("people", Person)
    people, schools = writer.ids["people"], writer.ids["schools"]
    writer.write(
        "roles",
        PersonRole,
        key_columns=lambda key: {
            "person_id": people[key[0]],
            "role": key[1],
            "school_id": schools[key[2]] if key[2] else None,
        },
        stamped=False,
    )
    writer.write("courses", Course)
    writer.refresh("courses", Course)
    writer.write("sections", Section)
    writer.refresh("sections", Section)
    writer.write_terms()
    writer.write("enrollments", Enrollment)
    writer.write(
        "guardian_links",
        GuardianLink,
        key_columns=lambda key: {"student_id": people[key[0]], "guardian_id": people[key[1]]},
        stamped=False,
    )
    writer.resolve_deferred()


def person_events(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Audit entries for the people an import changes and those it marks departed (a person
    it creates has none: the ``roster.imported`` event counts them)."""
    change = plan.changes["people"]
    changed = [
        {
            "object_type": "directory.person",
            "object_id": str(pk),
            "object_repr": label_person(key, after),
            "person": Person(pk=pk),
            "changes": field_changes(before, after),
        }
        for pk, key, before, after, _ in change.changed
    ]
    departed = [
        {
            "object_type": "directory.person",
            "object_id": str(pk),
            "object_repr": label_person(key, before),
            "person": Person(pk=pk),
            "changes": {
                "status": [before.status, PersonStatus.DEPARTED],
                "departed_on": [None, plan.today.isoformat()],
            },
        }
        for pk, key, before in change.departed
    ]
    return changed, departed
