"""Monitoring's writes: ingesting decision files, importing Squid logs, monthly counts,
pruning, alert digests, counselor designations, and the audit of every look at a student's
activity or at who used an address.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.audit.services import STUDENT_EXPORTED, STUDENT_VIEWED, record, record_many
from openaup.monitoring import reports
from openaup.monitoring.choices import DecisionSource
from openaup.monitoring.models import AlertDigest, CounselorDesignation, DecisionFile, MonthlyCount
from openaup.monitoring.store import FileResult, NetworkMap, PeopleMap, Problem, Store

__all__ = [
    "IngestSummary",
    "compute_monthly_counts",
    "designate_counselor",
    "import_squid_logs",
    "ingest_decisions",
    "local_day",
    "monitor_store",
    "people_map",
    "prune_decisions",
    "read_timeline",
    "record_ip_lookup",
    "record_timeline_view",
    "revoke_designation",
    "send_alert_digests",
]

DESIGNATED = "monitoring.counselor_designated"
DESIGNATION_REVOKED = "monitoring.counselor_revoked"
IP_LOOKED_UP = "monitoring.ip_looked_up"
DIGEST_SENT = "monitoring.digest_sent"
PRUNED = "monitoring.decisions_pruned"


def monitor_store() -> Store:
    return Store(Path(settings.OPENAUP_MONITOR_DIR))


def people_map() -> PeopleMap:
    """Every student and staff member with a user name -> (person id, school id), in one
    query (user names compared in lower case)."""
    from openaup.directory.choices import PersonKind
    from openaup.directory.models import Person

    rows = (
        Person.objects.filter(kind__in=[PersonKind.STUDENT, PersonKind.STAFF])
        .exclude(username="")
        .values_list("username", "pk", "school_id")
    )
    return PeopleMap({name.lower(): (pk, school) for name, pk, school in rows})


def network_map() -> NetworkMap:
    """The filter's network assignments that name a school."""
    from openaup.filtering.choices import AssignmentKind
    from openaup.filtering.models import ProfileAssignment

    rows = ProfileAssignment.objects.filter(
        kind=AssignmentKind.NETWORK, school__isnull=False
    ).values_list("network", "school_id")
    return NetworkMap([(network, school) for network, school in rows if school is not None])


@dataclass
class IngestSummary:
    """What one ingest (or import) did: per file, and in all."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bad_lines(self) -> int:
        return sum(f.bad_lines for f in self.files)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]


def _note_file(
    *, source: str, folder: str, result: FileResult, sha256: str = "", name: str = ""
) -> DecisionFile:
    now = timezone.now()
    row, _ = DecisionFile.objects.get_or_create(
        folder=folder,
        name=name or result.file,
        defaults={"source": source, "first_ingested_at": now, "sha256": sha256},
    )
    with_day = datetime.date.fromisoformat(result.day) if result.day else None
    problems = list(row.problems) + [p.__dict__ for p in result.problems]
    DecisionFile.objects.filter(pk=row.pk).update(
        day=with_day,
        bytes_read=row.bytes_read + result.bytes_read,
        lines_read=row.lines_read + result.lines_read,
        rows=row.rows + result.rows,
        bad_lines=row.bad_lines + result.bad_lines,
        problems=problems[:50],
        last_ingested_at=now,
    )
    row.refresh_from_db()
    return row


def ingest_decisions(
    *, source: Path | None = None, today: datetime.date | None = None
) -> IngestSummary:
    """Ingest what is new in the decision files of ``source`` (default: the engine's
    folder) into the Parquet store; remember per file how far it got and its bad lines.
    Records nothing in the audit trail: no person acts, and no one reads student data."""
    from openaup.filtering.paths import decision_log_dir

    folder = Path(source) if source is not None else decision_log_dir()
    results = monitor_store().ingest_dir(
        folder, people=people_map(), networks=network_map(), today=today
    )
    for result in results:
        _note_file(source=DecisionSource.HELPER, folder=str(folder.resolve()), result=result)
    return IngestSummary(files=results)


# --- Squid's own access log --------------------------------------------------------------

#: ``time elapsed client code/status bytes method URL user hierarchy/from type``
_SQUID_LINE = re.compile(
    r"^(?P<time>\d+(?:\.\d+)?)\s+(?P<elapsed>-?\d+)\s+(?P<client>\S+)\s+(?P<code>[A-Z_]+)/"
    r"(?P<status>\d{3})\s+(?P<bytes>\d+)\s+(?P<method>\S+)\s+(?P<url>\S+)\s+(?P<user>\S+)"
    r"\s+(?P<hier>\S+)\s+(?P<type>\S+)\s*$"
)


def _squid_host_and_url(method: str, url: str) -> tuple[str, str]:
    if method == "CONNECT" or "://" not in url:
        host = url.rsplit(":", 1)[0] if url.count(":") == 1 else url
        return host.lower().strip("[]"), host.lower()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host, f"{host}{parts.path or '/'}"[:2000]


def parse_squid_log(path: Path) -> tuple[dict[str, list[tuple[Any, ...]]], list[Problem], int]:
    """Rows by UTC day from a Squid ``access.log`` in the default ``squid`` format, the bad
    lines, and the number of lines. A ``TCP_DENIED`` is a block; everything else an allow."""
    people = people_map().people
    networks = network_map()
    schools: dict[str, int | None] = {}
    by_day: dict[str, list[tuple[Any, ...]]] = {}
    problems: list[Problem] = []
    lines = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            lines = number
            if not line.strip():
                continue
            match = _SQUID_LINE.match(line)
            if match is None:
                problems.append(Problem(file=path.name, line=number, error="not a squid line"))
                continue
            stamp = datetime.datetime.fromtimestamp(float(match["time"]), datetime.UTC)
            client = match["client"]
            user = "" if match["user"] == "-" else match["user"]
            host, url = _squid_host_and_url(match["method"], match["url"])
            person = people.get(user.lower()) if user else None
            school = person[1] if person else None
            if school is None:
                if client not in schools:
                    schools[client] = networks.school_of(client)
                school = schools[client]
            denied = match["code"].startswith("TCP_DENIED")
            by_day.setdefault(stamp.date().isoformat(), []).append(
                (
                    stamp.replace(tzinfo=None), client, user or None, None, host or None,
                    url or None, "block" if denied else "allow", None, None, None,
                    "squid", None, school, person[0] if person else None, "squid",
                    int(match["status"]), int(match["bytes"]),
                )
            )  # fmt: skip
    return by_day, problems, lines


def import_squid_logs(*, paths: Sequence[Path]) -> IngestSummary:
    """Import Squid access logs (traffic the filter helper did not decide), each by its
    content's hash: importing the same file again adds nothing."""
    store = monitor_store()
    summary = IngestSummary()
    for path in paths:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if DecisionFile.objects.filter(source=DecisionSource.SQUID, sha256=digest).exists():
            # imported before (its parts may since have been compacted into their days)
            summary.files.append(FileResult(file=Path(path).name, day=""))
            continue
        by_day, problems, lines = parse_squid_log(Path(path))
        result = FileResult(file=Path(path).name, day="", problems=problems[:50])
        result.bad_lines = len(problems)
        result.lines_read = lines
        result.bytes_read = Path(path).stat().st_size
        for day, rows in sorted(by_day.items()):
            result.rows += store.write_rows(day, f"squid-{digest[:16]}.parquet", rows)
            result.day = result.day or day
        summary.files.append(result)
        # a rotated log keeps its name with a new content: one row per content
        _note_file(
            source=DecisionSource.SQUID,
            folder=str(Path(path).resolve().parent),
            result=result,
            sha256=digest,
            name=f"{Path(path).name} ({digest[:12]})",
        )
    return summary


# --- monthly counts and retention -------------------------------------------------------


@transaction.atomic
def compute_monthly_counts(*, month: datetime.date) -> int:
    """Recompute the counts of ``month`` (the district's local month) from the Parquet
    files (all of it, replacing what was there). A month whose files are all pruned keeps
    its rows. Returns rows written."""
    first = month.replace(day=1)
    rows = reports.monthly_counts(monitor_store(), first, timezone.get_current_timezone())
    if not rows:
        return 0
    MonthlyCount.objects.filter(month=first).delete()
    now = timezone.now()
    MonthlyCount.objects.bulk_create(
        [
            MonthlyCount(
                month=first,
                school_id=school,
                profile=profile,
                category=category,
                action=action,
                decisions=n,
                computed_at=now,
            )
            for school, profile, category, action, n in rows
        ],
        batch_size=1000,
    )
    return len(rows)


def prune_decisions(*, today: datetime.date | None = None) -> list[datetime.date]:
    """Delete raw decisions older than ``OPENAUP_MONITOR_RETENTION_DAYS``, whole days at a
    time, after bringing the monthly counts of their months up to date. Records
    ``monitoring.decisions_pruned`` when anything went."""
    today = today or timezone.localdate()
    before = today - datetime.timedelta(days=settings.OPENAUP_MONITOR_RETENTION_DAYS)
    store = monitor_store()
    months = sorted({day.replace(day=1) for day in store.days() if day < before})
    for month in months:
        compute_monthly_counts(month=month)
    gone = store.prune(before)
    if gone:
        with transaction.atomic():
            record(
                PRUNED,
                object_type="monitoring.decisions",
                object_repr=f"{len(gone)} days of decisions",
                changes={"first": gone[0].isoformat(), "last": gone[-1].isoformat()},
                reason=f"kept {settings.OPENAUP_MONITOR_RETENTION_DAYS} days",
            )
    return gone


# --- audit of reads ----------------------------------------------------------------------


def local_day(day: datetime.date) -> reports.Period:
    """``day`` from local midnight to the next local midnight (the district's time zone)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    return reports.Period(start=start, end=end)


def read_timeline(*, actor: Any, student: Any, day: datetime.date) -> list[reports.Event]:
    """``student``'s decisions of ``day`` (a local day), recorded as a read of the
    student's data (:func:`record_timeline_view`): the one way pages and the API read a
    timeline. The caller checks that ``actor`` may see it."""
    events = reports.timeline(
        monitor_store(),
        local_day(day),
        person_id=student.pk,
        school_id=student.school_id,
    )
    record_timeline_view(actor=actor, student=student, day=day)
    return events


@transaction.atomic
def record_timeline_view(*, actor: Any, student: Any, day: datetime.date) -> None:
    """A principal or counselor opened ``student``'s activity timeline for ``day``:
    recorded as a read of the student's data (``student.viewed``)."""
    record(
        STUDENT_VIEWED,
        actor=actor,
        obj=student,
        person=student,
        changes={"view": "activity timeline", "day": day.isoformat()},
        reason="internet activity timeline",
    )


@transaction.atomic
def record_ip_lookup(
    *, actor: Any, ip: str, at: datetime.datetime, reason: str, people: Sequence[Any]
) -> None:
    """Someone asked who used ``ip`` at ``at``: ``monitoring.ip_looked_up``, and a read of
    each student found."""
    record(
        IP_LOOKED_UP,
        actor=actor,
        object_type="monitoring.address",
        object_repr=ip,
        changes={"ip": ip, "at": at.isoformat(), "found": len(people)},
        reason=reason,
    )
    for person in people:
        record(
            STUDENT_VIEWED,
            actor=actor,
            obj=person,
            person=person,
            changes={"view": "who used an address", "ip": ip, "at": at.isoformat()},
            reason=reason,
        )


# --- counselors --------------------------------------------------------------------------


def _may_designate(actor: Any, school_id: int) -> bool:
    access = access_for(actor)
    return access.is_district_admin or school_id in access.schools_with(Role.SCHOOL_ADMIN)


@transaction.atomic
def designate_counselor(
    *,
    actor: Any,
    person: Any,
    school: Any,
    reason: str,
    ends_on: datetime.date | None = None,
) -> CounselorDesignation:
    """Let ``person`` (a staff member) open the activity timelines of ``school``'s students.
    District administrators for any school, a principal for their own. Records
    ``monitoring.counselor_designated``."""
    from openaup.directory.choices import PersonKind

    if not _may_designate(actor, school.pk):
        raise PermissionDenied("Only the district or the school's principal designates counselors.")
    errors: dict[str, str] = {}
    if person.kind != PersonKind.STAFF:
        errors["person"] = "A counselor must be a staff member."
    if not reason.strip():
        errors["reason"] = "Say why this person needs to see students' activity."
    if ends_on is not None and ends_on < timezone.localdate():
        errors["ends_on"] = "The end date is in the past."
    if errors:
        raise ValidationError(errors)
    designation = CounselorDesignation.objects.create(
        person=person, school=school, reason=reason.strip(), ends_on=ends_on, designated_by=actor
    )
    record(
        DESIGNATED,
        actor=actor,
        obj=designation,
        person=person,
        changes={"school": school.name, "ends_on": ends_on.isoformat() if ends_on else None},
        reason=reason.strip(),
    )
    return designation


@transaction.atomic
def revoke_designation(*, actor: Any, designation: CounselorDesignation) -> CounselorDesignation:
    """End a counselor designation now. Records ``monitoring.counselor_revoked``."""
    if not _may_designate(actor, designation.school_id):
        raise PermissionDenied("Only the district or the school's principal revokes this.")
    if designation.revoked_at is not None:
        raise ValidationError("This designation was already revoked.")
    designation.revoked_at = timezone.now()
    designation.revoked_by = actor
    designation.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    record(DESIGNATION_REVOKED, actor=actor, obj=designation, person=designation.person)
    return designation


# --- alert digests -----------------------------------------------------------------------


def send_alert_digests(*, day: datetime.date | None = None) -> list[AlertDigest]:
    """Email each school's principal the blocks of the alert categories
    (``OPENAUP_MONITOR_ALERT_CATEGORIES``) of ``day`` (default yesterday, local time); once
    per school and day, and only when there were some. Records ``monitoring.digest_sent``,
    and a ``student.exported`` for each student the digest names (their blocks went to the
    principal by email), so the student's record of access shows it."""
    from openaup.directory.models import Person, School

    day = day or timezone.localdate() - datetime.timedelta(days=1)
    categories = list(settings.OPENAUP_MONITOR_ALERT_CATEGORIES)
    per_school = reports.alert_blocks(monitor_store(), local_day(day), categories=categories)
    sent: list[AlertDigest] = []
    schools = School.objects.filter(pk__in=per_school).select_related("principal")
    for school in schools:
        principal = school.principal
        if principal is None or not principal.email:
            continue
        if AlertDigest.objects.filter(school=school, day=day).exists():
            continue
        rows = per_school[school.pk]
        ids = {person for _, _, _, person in rows if person is not None}
        named = list(Person.objects.filter(pk__in=ids).order_by("pk"))
        names = {p.pk: p.display_name for p in named}
        lines = [
            {"category": c, "host": h, "count": n, "student": names.get(p, "") if p else ""}
            for c, h, n, p in rows
        ]
        total = sum(n for _, _, n, _ in rows)
        with transaction.atomic():
            digest = AlertDigest.objects.create(
                school=school,
                day=day,
                categories=categories,
                blocks=total,
                recipients=[principal.email],
            )
            record(
                DIGEST_SENT,
                obj=digest,
                changes={"blocks": total, "to": principal.email},
            )
            record_many(
                STUDENT_EXPORTED,
                (
                    {
                        "obj": student,
                        "person": student,
                        "changes": {"view": "filter alert digest", "day": day.isoformat(),
                                    "to": principal.email},
                        "reason": f"daily filter alert digest to the principal of {school.name}",
                    }
                    for student in named
                ),
            )  # fmt: skip
            context = {
                "school": school,
                "day": day,
                "lines": lines,
                "total": total,
                "categories": categories,
                "base_url": settings.OPENAUP_BASE_URL,
            }
            with translation.override(settings.LANGUAGE_CODE):
                subject = f"Filter alerts for {school.name} on {day.isoformat()}: {total} blocks"
                body = render_to_string("monitoring/email/digest.txt", context)

            def _send(subject: str = subject, body: str = body, to: str = principal.email) -> None:
                send_mail(subject, body, None, [to])

            transaction.on_commit(_send)
        sent.append(digest)
    return sent
