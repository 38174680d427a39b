"""Changes to the directory: roster imports, educational rights, departures.

Each function here is the one place its change is made, and writes its audit events in the
same transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from openaup.audit import services as audit
from openaup.core import context
from openaup.core.services import ensure_in_scope
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.importing import (
    Plan,
    Planner,
    ProgressFn,
    apply_plan,
    known_ids,
    person_events,
)
from openaup.directory.models import (
    Enrollment,
    GuardianLink,
    ImportRun,
    Person,
    School,
    Section,
)
from openaup.directory.oneroster.reader import RosterInvalid, read_roster

__all__ = [
    "ImportReport",
    "apply_uploaded_roster",
    "discard_uploaded_roster",
    "import_roster",
    "mark_departed",
    "preview_uploaded_roster",
    "roster_summary",
    "set_educational_rights",
]


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), or why it could not."""

    run: ImportRun
    dry_run: bool
    version: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    samples: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    error_total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def total(self, kind: str) -> int:
        """How many rows of all entities were (or would be) ``added``, ``changed``, ..."""
        return sum(counts.get(kind, 0) for counts in self.counts.values())


def _actor_repr(actor: Any) -> str:
    if actor is not None:
        return str(actor)
    ctx = context.current()
    return (ctx.actor_repr if ctx is not None else "") or "system"


@contextlib.contextmanager
def _acting(actor: Any) -> Iterator[None]:
    """The audit context of a call made outside a request (the CLI, a job, a test)."""
    if context.current() is not None:
        yield
        return
    with context.acting_as(actor, actor_repr="" if actor else "system", channel="system"):
        yield


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector for the length of an import.

    An import allocates millions of small objects (a record per CSV row, a tuple per stored
    row) and none of them form cycles; the collector would walk them again and again, which
    costs about a quarter of an import's time. Plain reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _max_bytes() -> int:
    return int(settings.OPENAUP_ROSTER_MAX_UNCOMPRESSED_BYTES)


def import_roster(
    *,
    actor: Any,
    path: str | Path,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Import a OneRoster package (a folder or a zip) into the directory.

    The whole package is read and checked first, references included (for delta files,
    against what the directory already holds); any problem stops the import, and the
    :class:`ImportRun` records the errors with nothing else written. Otherwise the package
    is compared with the directory and, unless ``dry_run``, applied in one transaction:
    rows added and changed in bulk, people missing from a bulk users file (or ``tobedeleted``
    in a delta) marked departed, other rows made inactive. It records a ``roster.imported``
    audit event with the counts, and ``person.changed`` / ``person.departed`` events for each
    person changed or departed. ``run`` continues an uploaded package's previewed run.
    """
    path = Path(path)
    with _acting(actor), _without_cycle_collection():
        if run is None:
            run = ImportRun(
                actor=actor if getattr(actor, "pk", None) else None,
                actor_repr=_actor_repr(actor)[:300],
                source_name=path.name[:300],
            )
        elif not dry_run:
            run.actor = actor if getattr(actor, "pk", None) else None
            run.actor_repr = _actor_repr(actor)[:300]
        report = ImportReport(run=run, dry_run=dry_run)
        try:
            dataset = read_roster(path, known=known_ids, max_bytes=_max_bytes(), progress=progress)
        except RosterInvalid as invalid:
            report.errors = [str(problem) for problem in invalid.problems]
            report.error_total = invalid.total
            return _finish(report, ImportRun.Status.FAILED)
        report.version = dataset.version
        report.modes = dict(dataset.modes)
        if dry_run:
            plan = Planner(dataset, progress=progress).build()
            _describe(report, plan)
            return _finish(report, ImportRun.Status.PREVIEWED)
        try:
            _apply(report, dataset, progress)
        except DatabaseError as exc:
            report.errors = [f"the directory refused the import: {exc}"]
            report.error_total = 1
            return _finish(report, ImportRun.Status.FAILED)
        return report


def _describe(report: ImportReport, plan: Plan) -> None:
    report.counts = plan.counts()
    report.samples = plan.samples()


@transaction.atomic
def _apply(report: ImportReport, dataset: Any, progress: ProgressFn | None) -> None:
    plan = Planner(dataset, progress=progress).build()
    _describe(report, plan)
    apply_plan(plan, progress=progress)
    _finish(report, ImportRun.Status.APPLIED)
    audit.record(
        "roster.imported",
        obj=report.run,
        changes={"counts": report.counts, "version": report.version, "modes": report.modes},
    )
    changed, departed = person_events(plan)
    audit.record_many("person.changed", changed)
    audit.record_many("person.departed", departed)


def _finish(report: ImportReport, status: str) -> ImportReport:
    run = report.run
    run.status = status
    run.oneroster_version = report.version
    run.summary = {
        "dry_run": report.dry_run,
        "version": report.version,
        "modes": report.modes,
        "counts": report.counts,
        "samples": report.samples,
    }
    run.errors = report.errors
    if report.error_total > len(report.errors):
        run.errors = [*report.errors, f"... and {report.error_total - len(report.errors)} more"]
    run.finished_at = timezone.now()
    run.save()
    return report


UPLOAD_FOLDER = "imports"


def _upload_path(run: ImportRun) -> Path:
    return Path(settings.DATA_DIR) / run.upload


def _forget_upload(run: ImportRun) -> None:
    """Remove an uploaded package once it can no longer be applied (it names students)."""
    if run.upload:
        _upload_path(run).unlink(missing_ok=True)
        run.upload = ""
        run.save(update_fields=["upload", "updated_at"])


def preview_uploaded_roster(*, actor: Any, stored: Path, source_name: str) -> ImportReport:
    """Check and preview a package uploaded to the data dir's ``imports`` folder, as a dry
    run: the :class:`ImportRun` keeps the file until it is applied or discarded. A package
    with problems is not kept."""
    relative = stored.resolve().relative_to(Path(settings.DATA_DIR).resolve())
    run = ImportRun(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_repr=_actor_repr(actor)[:300],
        source_name=source_name[:300],
        upload=str(relative),
    )
    report = import_roster(actor=actor, path=stored, dry_run=True, run=run)
    if not report.ok:
        _forget_upload(run)
    return report


def apply_uploaded_roster(*, actor: Any, run: ImportRun) -> ImportReport:
    """Apply a previewed upload: the same import as ``aup roster import``, checked again
    against the directory as it is now. Records what :func:`import_roster` records; the
    file is removed afterwards."""
    if run.status != ImportRun.Status.PREVIEWED or not run.upload:
        raise ValueError("Only a previewed upload can be applied.")
    report = import_roster(actor=actor, path=_upload_path(run), run=run)
    _forget_upload(run)
    return report


@transaction.atomic
def discard_uploaded_roster(*, actor: Any, run: ImportRun) -> ImportRun:
    """Drop a previewed upload without applying it. Records ``roster.discarded``."""
    if run.status != ImportRun.Status.PREVIEWED:
        raise ValueError("Only a previewed upload can be discarded.")
    run.status = ImportRun.Status.DISCARDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "updated_at"])
    _forget_upload(run)
    audit.record("roster.discarded", actor=actor, obj=run)
    return run


def roster_summary() -> dict[str, int]:
    """How many of each the directory holds: active schools, people, links, sections and
    enrollments (of active people), and how many people have departed."""
    active = PersonStatus.ACTIVE
    people = Person.objects.filter(status=active)
    return {
        "schools": School.objects.filter(is_active=True).count(),
        "students": people.filter(kind=PersonKind.STUDENT).count(),
        "staff": people.filter(kind=PersonKind.STAFF).count(),
        "guardians": people.filter(kind=PersonKind.GUARDIAN).count(),
        "guardian_links": GuardianLink.objects.filter(
            is_active=True, student__status=active, guardian__status=active
        ).count(),
        "sections": Section.objects.filter(is_active=True).count(),
        "enrollments": Enrollment.objects.filter(
            is_active=True, person__status=active, section__is_active=True
        ).count(),
        "departed": Person.objects.filter(status=PersonStatus.DEPARTED).count(),
    }


@transaction.atomic
def set_educational_rights(
    *, actor: Any, link: GuardianLink, has_rights: bool, reason: str = ""
) -> GuardianLink:
    """Give or take a guardian's educational rights for one child, by hand.

    The link is marked ``rights_set_locally``, so later roster imports keep the choice.
    Records ``guardian_link.rights_set`` with the value before and after.
    """
    ensure_in_scope(GuardianLink.objects, link, actor)
    before = link.has_educational_rights
    link.has_educational_rights = has_rights
    link.rights_set_locally = True
    link.save(update_fields=["has_educational_rights", "rights_set_locally", "updated_at"])
    ensure_in_scope(GuardianLink.objects, link, actor)
    audit.record(
        "guardian_link.rights_set",
        actor=actor,
        obj=link,
        person=link.student,
        changes={"has_educational_rights": [before, has_rights]},
        reason=reason,
    )
    return link


@transaction.atomic
def mark_departed(*, actor: Any, person: Person, on: datetime.date, reason: str = "") -> Person:
    """Mark a person departed on a date (people are never deleted). A departure later
    starts device returns and access removal. Records ``person.departed``."""
    ensure_in_scope(Person.objects, person, actor)
    if person.status == PersonStatus.DEPARTED and person.departed_on == on:
        return person
    before_status, before_on = person.status, person.departed_on
    person.status = PersonStatus.DEPARTED
    person.departed_on = on
    person.save(update_fields=["status", "departed_on", "updated_at"])
    ensure_in_scope(Person.objects, person, actor)
    audit.record(
        "person.departed",
        actor=actor,
        obj=person,
        person=person,
        changes={
            "status": [before_status, person.status],
            "departed_on": [before_on.isoformat() if before_on else None, on.isoformat()],
        },
        reason=reason,
    )
    return person
