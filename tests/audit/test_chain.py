"""The hash chain: every event numbered without gaps and chained to the one before it, from
single records and bulk records alike; the role in use; the database refuses edits."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction

from openaup.audit import services as audit
from openaup.audit.chain import GENESIS, canonical, event_hash
from openaup.audit.models import AuditEvent
from openaup.audit.services import chain_fields
from openaup.audit.verify import verify_chain
from openaup.core.context import acting_as
from tests.audit.tampering import stored_hash_matches
from tests.personas import World


def chain() -> list[tuple[int, str, str]]:
    rows = AuditEvent.objects.order_by("sequence").values_list("sequence", "prev_hash", "hash")
    return list(rows)


def assert_linked(rows: list[tuple[int, str, str]]) -> None:
    assert [sequence for sequence, _, _ in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for _, prev_hash, hash_ in rows:
        assert prev_hash == previous
        previous = hash_


def test_records_are_numbered_and_chained(world: World, tech_staff: Any) -> None:
    first = audit.record("test.first", actor=tech_staff, person=world.student_a1)
    second = audit.record(
        "test.second", actor=tech_staff, changes={"grade": ["03", "04"]}, reason="Moved up"
    )

    assert (first.sequence, first.prev_hash) == (1, GENESIS)
    assert (second.sequence, second.prev_hash) == (2, first.hash)
    assert len(first.hash) == 64
    assert first.hash != second.hash
    assert stored_hash_matches(first)
    assert stored_hash_matches(second)


def test_record_many_continues_the_chain_in_order(world: World, tech_staff: Any) -> None:
    audit.record("test.before", actor=tech_staff)
    students = [world.student_a1, world.student_a2, world.student_b1]
    written = audit.record_many(
        "test.bulk", ({"obj": s, "person": s} for s in students), actor=tech_staff
    )
    audit.record("test.after", actor=tech_staff)

    assert written == 3
    assert_linked(chain())
    bulk = AuditEvent.objects.filter(action="test.bulk").order_by("sequence")
    assert [event.person_id for event in bulk] == [s.pk for s in students]
    assert all(stored_hash_matches(event) for event in bulk)
    assert audit.record_many("test.none", [], actor=tech_staff) == 0
    assert AuditEvent.objects.count() == 5


def test_the_hash_covers_every_field_and_the_previous_hash(world: World) -> None:
    event = audit.record("test.one", object_repr="Ava", changes={"b": 1, "a": [1, "é"]})
    fields = chain_fields(event)
    text = canonical(fields).decode()

    assert text.startswith('{"action":"test.one","actor_id":null,"actor_repr":"system"')
    assert '"changes":{"a":[1,"\\u00e9"],"b":1}' in text
    assert '"prev_hash":"' + GENESIS + '"' in text
    for name, other in (("reason", "x"), ("prev_hash", "1" * 64), ("sequence", 2)):
        assert event_hash({**fields, name: other}) != event.hash


@pytest.mark.parametrize(
    ("persona", "role"),
    [
        ("district_admin", "district_admin @ district"),
        ("tech_staff", "tech_staff @ district"),
        ("records_officer", "records_officer @ district"),
        ("principal_a", "school_admin @ School A"),
        ("teacher", "teacher @ School A"),
        ("guardian", "guardian"),
        ("student", "student @ School A"),
    ],
)
def test_the_role_in_use_names_the_scope(
    world: World, persona: str, role: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(persona)
    event = audit.record("test.viewed", actor=actor, person=world.student_a1)
    assert event.role == role


def test_a_school_role_at_the_students_school_wins(world: World, principal_a: Any) -> None:
    from tests.directory.factories import PersonRoleFactory

    PersonRoleFactory(person=principal_a.person, role="teacher", school=world.school_b)
    assert audit.role_in_use(principal_a, world.student_b1) == "teacher @ School B"
    assert audit.role_in_use(principal_a, world.student_a1) == "school_admin @ School A"
    assert audit.role_in_use(principal_a) == "school_admin @ School A"


def test_jobs_and_the_cli_act_without_a_role(world: World) -> None:
    with acting_as(actor_repr="ops (aup roster import)", channel="cli"):
        event = audit.record("test.cli")
    assert (event.actor_repr, event.role, event.channel) == ("ops (aup roster import)", "", "cli")


def test_the_application_cannot_change_or_delete_events(world: World) -> None:
    event = audit.record("test.one")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="quietly")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_database_refuses_to_change_or_delete_an_event(world: World) -> None:
    events = [audit.record(f"test.{n}") for n in range(3)]
    for sql in (
        "UPDATE audit_auditevent SET reason = 'quietly' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [events[1].pk])
    assert verify_chain().intact
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_share_a_number(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time by itself; the lock is PostgreSQL's")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(15):
                with transaction.atomic():
                    audit.record(f"test.{worker}.{n}")
                if n % 5 == 0:
                    audit.record_many("test.bulk", [{"object_id": str(i)} for i in range(3)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.count() == 4 * (15 + 3 * 3)
    assert_linked(chain())
    assert verify_chain().intact


def test_the_migration_chains_earlier_events_as_the_service_does(world: World) -> None:
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    from tests.audit.tampering import guard_lifted

    events = [audit.record(f"test.{n}", person=world.student_a1, reason="r") for n in range(4)]
    expected = chain()
    state = MigrationLoader(connection).project_state(("audit", "0003_chain_existing_events"))
    migration = import_module("openaup.audit.migrations.0003_chain_existing_events")
    with guard_lifted():
        with connection.cursor() as cursor:
            # As before the chain existed: no numbers, no hashes.
            cursor.execute(
                "UPDATE audit_auditevent SET sequence = id + 1000, prev_hash = '', hash = id"
            )
        migration.chain_existing(state.apps, None)
    assert chain() == expected
    assert [e.pk for e in AuditEvent.objects.order_by("sequence")] == [e.pk for e in events]
