"""Writing the audit trail. Services call :func:`record` inside their own transaction, so an
event exists exactly when the change it describes does.

Every event is appended to the hash chain (:mod:`openaup.audit.chain`): it takes the next
sequence number and the hash of the event before it. Appending holds the chain for the rest of
the transaction — on PostgreSQL with a transaction-level advisory lock, on SQLite through its
immediate write transactions, which admit one writer at a time — so two requests never take
the same number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from openaup.audit.chain import CHAINED_FIELDS, GENESIS, event_hash
from openaup.audit.models import AuditEvent
from openaup.core import context

__all__ = [
    "READ_ACTIONS",
    "STUDENTS_EXPORTED",
    "STUDENT_EXPORTED",
    "STUDENT_VIEWED",
    "chain_fields",
    "record",
    "record_many",
    "record_student_export",
    "record_student_view",
    "role_in_use",
]

STUDENT_VIEWED = "student.viewed"
STUDENT_EXPORTED = "student.exported"
STUDENTS_EXPORTED = "students.exported"
#: Actions that read a record rather than change it (the access report says "viewed" or
#: "exported" for these, "changed" for everything else).
READ_ACTIONS = frozenset({STUDENT_VIEWED, STUDENT_EXPORTED, STUDENTS_EXPORTED})

#: Key of the PostgreSQL advisory lock that serializes appends ("AUDIT" in ASCII).
_CHAIN_LOCK = 0x4155444954

#: Most powerful first: the role an actor is taken to act in when several apply.
_ROLE_ORDER = (
    "district_admin",
    "tech_staff",
    "records_officer",
    "school_admin",
    "teacher",
    "staff",
    "contractor",
    "guardian",
    "student",
)
#: Roles held district-wide that are named with the district as their scope.
_DISTRICT_STAFF = frozenset({"district_admin", "tech_staff", "records_officer"})
_SCHOOL_NAMES_ATTR = "_openaup_audit_school_names"


def _actor_fields(actor: Any) -> dict[str, Any]:
    ctx = context.current()
    if actor is None and ctx is not None:
        actor = ctx.actor
    if actor is not None and getattr(actor, "pk", None) is not None:
        actor_repr = str(actor)
        actor_obj = actor
    else:
        actor_obj = None
        actor_repr = (ctx.actor_repr if ctx is not None else "") or (
            str(actor) if actor is not None else "system"
        )
    client_ip = ctx.client_ip if ctx is not None else None
    if client_ip:
        # Stored the way the database gives it back, so the hash can be checked later.
        client_ip = AuditEvent._meta.get_field("client_ip").get_prep_value(client_ip)
    return {
        "actor": actor_obj,
        "actor_repr": actor_repr[:300],
        "request_id": (ctx.request_id if ctx is not None else "")[:64],
        "client_ip": client_ip or None,
        "channel": (ctx.channel if ctx is not None else "system")[:16],
    }


def _school_name(actor: Any, school_id: int, person: Any) -> str:
    school = person._state.fields_cache.get("school") if person is not None else None
    if school is not None and school.pk == school_id:
        return str(school.name)
    names: dict[int, str] | None = getattr(actor, _SCHOOL_NAMES_ATTR, None)
    if names is None:
        names = {}
        setattr(actor, _SCHOOL_NAMES_ATTR, names)
    if school_id not in names:
        from openaup.directory.models import School

        names[school_id] = (
            School.objects.filter(pk=school_id).values_list("name", flat=True).first() or ""
        )
    return names[school_id]


def role_in_use(actor: Any, person: Any = None) -> str:
    """The role and scope ``actor`` acts in, as text: ``school_admin @ Maple Valley High
    School``, ``tech_staff @ district``, ``guardian``. A role at the school of ``person`` (the
    record concerned) wins over a role elsewhere; among those, the most powerful. Blank for a
    system actor."""
    from openaup.accounts.access import access_for

    if actor is None or getattr(actor, "pk", None) is None:
        return ""
    access = access_for(actor)
    school_id = getattr(person, "school_id", None) if person is not None else None
    candidates: list[tuple[str, int | None]] = [(role, None) for role in access.district_roles]
    if school_id is not None and school_id in access.school_roles:
        candidates += [(role, school_id) for role in access.school_roles[school_id]]
    if not candidates:
        candidates = [(role, sid) for sid, held in access.school_roles.items() for role in held]
    if not candidates:
        return ""
    role, where = min(
        candidates,
        key=lambda held: (
            _ROLE_ORDER.index(held[0]) if held[0] in _ROLE_ORDER else len(_ROLE_ORDER),
            held[1] or 0,
        ),
    )
    if where is not None:
        return f"{role} @ {_school_name(actor, where, person)}"[:64]
    if role in _DISTRICT_STAFF:
        return f"{role} @ district"
    return role


def _event(
    *,
    action: str,
    actor: Any,
    obj: models.Model | None,
    object_type: str,
    object_id: str,
    object_repr: str,
    person: Any,
    changes: Mapping[str, Any] | None,
    reason: str,
    role: str,
    occurred_at: Any,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    fields = _actor_fields(actor)
    if not role:
        role = role_in_use(fields["actor"], person)
    return AuditEvent(
        occurred_at=occurred_at,
        action=action[:64],
        object_type=object_type[:100],
        object_id=object_id[:64],
        object_repr=object_repr[:300],
        person=person,
        # A JSON round trip now, so the hash is computed over what the database gives back.
        changes=json.loads(json.dumps(dict(changes or {}))),
        reason=reason,
        role=role[:64],
        **fields,
    )


def chain_fields(event: AuditEvent) -> dict[str, Any]:
    """The fields of ``event`` that enter its hash."""
    return {name: getattr(event, name) for name in CHAINED_FIELDS}


def _chain_head() -> tuple[int, str]:
    """Lock the chain for this transaction; the last sequence number and hash."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return last if last is not None else (0, GENESIS)


def _append(events: Sequence[AuditEvent]) -> None:
    """Number, chain and insert ``events`` in order; call inside a transaction."""
    sequence, prev_hash = _chain_head()
    for event in events:
        sequence += 1
        event.sequence = sequence
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(chain_fields(event))


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    person: Any = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    role: str = "",
) -> AuditEvent:
    """Append one event. ``actor`` defaults to the actor of the current request or job;
    ``role`` to the role the actor acts in for ``person`` (:func:`role_in_use`)."""
    event = _event(
        action=action,
        actor=actor,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        person=person,
        changes=changes,
        reason=reason,
        role=role,
        occurred_at=timezone.now(),
    )
    with transaction.atomic(savepoint=False):
        _append([event])
        event.save(force_insert=True)
    return event


def record_many(action: str, events: Iterable[Mapping[str, Any]], *, actor: Any = None) -> int:
    """Append many events of one action at once (a roster import's per-person changes),
    chained in the order given, with one lock and bulk inserts.

    Each mapping takes the keyword arguments of :func:`record`.
    """
    now = timezone.now()
    rows = [
        _event(
            action=action,
            actor=actor,
            obj=item.get("obj"),
            object_type=item.get("object_type", ""),
            object_id=item.get("object_id", ""),
            object_repr=item.get("object_repr", ""),
            person=item.get("person"),
            changes=item.get("changes"),
            reason=item.get("reason", ""),
            role=item.get("role", ""),
            occurred_at=now,
        )
        for item in events
    ]
    if not rows:
        return 0
    with transaction.atomic(savepoint=False):
        _append(rows)
        AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def record_student_view(*, actor: Any, student: Any) -> AuditEvent:
    """Record that ``actor`` opened ``student``'s record (a page or an API record), for the
    student's record of access. Records ``student.viewed``."""
    return record(STUDENT_VIEWED, actor=actor, obj=student, person=student)


@transaction.atomic
def record_student_export(
    *, actor: Any, students: Sequence[Any], total: int, filters: Mapping[str, Any]
) -> int:
    """Record an export of the directory: one ``students.exported`` event with the number of
    rows and the filter used, and a ``student.exported`` event for each student in it."""
    record(
        STUDENTS_EXPORTED,
        actor=actor,
        object_type="directory.person",
        object_repr=f"{total} people, {len(students)} of them students",
        changes={"rows": total, "students": len(students), "filter": dict(filters)},
    )
    return record_many(
        STUDENT_EXPORTED,
        ({"obj": student, "person": student} for student in students),
        actor=actor,
    )
