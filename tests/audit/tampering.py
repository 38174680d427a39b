"""Editing the audit table behind the application's back, as someone with the database
owner's rights could: the database guard is lifted for the statement, then put back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection

from openaup.audit.chain import event_hash
from openaup.audit.models import AuditEvent
from openaup.audit.services import chain_fields

_SQLITE_GUARD = {
    "audit_event_no_update": """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON
        audit_auditevent BEGIN SELECT RAISE(ABORT, 'audit events cannot be changed'); END""",
    "audit_event_no_delete": """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON
        audit_auditevent WHEN EXISTS (SELECT 1 FROM audit_auditevent
        WHERE sequence < OLD.sequence)
        BEGIN SELECT RAISE(ABORT, 'audit events cannot be deleted'); END""",
}


@contextlib.contextmanager
def guard_lifted() -> Iterator[None]:
    """Run a block with the audit table's database guard lifted, then put it back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_immutable")
        else:
            for name in _SQLITE_GUARD:
                cursor.execute(f"DROP TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_immutable")
        else:
            for create in _SQLITE_GUARD.values():
                cursor.execute(create)


def tamper(*statements: tuple[str, list[Any]]) -> None:
    """Run raw SQL statements against the audit table with its guard lifted."""
    with guard_lifted(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def stored_hash_matches(event: AuditEvent) -> bool:
    """Whether an event, as read back from the database, still matches its hash."""
    fresh = AuditEvent.objects.get(pk=event.pk)
    return event_hash(chain_fields(fresh)) == fresh.hash
