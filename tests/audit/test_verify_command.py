"""``aup audit verify``: passes on an intact trail and on the demo district, and names the
first bad event when a row was edited, removed or reordered behind the application's back."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openaup.audit import services as audit
from openaup.audit.chain import event_hash
from openaup.audit.models import AuditEvent
from openaup.audit.services import chain_fields
from tests.audit.tampering import tamper
from tests.personas import World


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue().strip()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


@pytest.fixture
def events(world: World) -> list[AuditEvent]:
    """Six events, the middle ones about a student."""
    return [
        audit.record(f"test.{n}", person=world.student_a1 if 1 < n < 5 else None, reason="r")
        for n in range(1, 7)
    ]


def test_an_intact_trail_passes_with_a_summary(events: list[AuditEvent]) -> None:
    assert verify() == f"6 events, chain intact, last hash {events[-1].hash}"
    assert verify("--batch-size", "2") == verify()


def test_an_empty_trail_passes(db: None) -> None:
    assert verify().startswith("0 events, chain intact, last hash 0000")


def test_an_edited_event_is_named(events: list[AuditEvent]) -> None:
    tamper(("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["none", events[2].pk]))
    message = broken("--batch-size", "2")
    assert f"event 3 (id {events[2].pk}): edited" in message
    assert "2 events before it are intact" in message


def test_an_edit_that_also_rewrites_the_hash_breaks_the_next_link(
    events: list[AuditEvent],
) -> None:
    edited = {**chain_fields(events[2]), "reason": "none"}
    tamper(
        (
            "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s",
            ["none", event_hash(edited), events[2].pk],
        )
    )
    message = broken()
    assert f"event 4 (id {events[3].pk}): removed" in message
    assert "the event before it was removed or replaced" in message


def test_a_removed_event_is_named(events: list[AuditEvent]) -> None:
    tamper(("DELETE FROM audit_auditevent WHERE id = %s", [events[3].pk]))
    message = broken("--batch-size", "3")
    assert f"event 5 (id {events[4].pk}): removed: event 4 is missing" in message


def test_a_removed_first_event_is_named(events: list[AuditEvent]) -> None:
    tamper(("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk]))
    assert f"event 2 (id {events[1].pk}): removed: event 1 is missing" in broken()


def test_a_renumbered_removal_is_named(events: list[AuditEvent]) -> None:
    tamper(
        ("DELETE FROM audit_auditevent WHERE id = %s", [events[3].pk]),
        ("UPDATE audit_auditevent SET sequence = sequence - 1 WHERE sequence > 4", []),
    )
    message = broken()
    assert f"event 4 (id {events[4].pk}): removed" in message


def test_two_swapped_events_are_named(events: list[AuditEvent]) -> None:
    second, third = events[1], events[2]
    tamper(
        ("UPDATE audit_auditevent SET sequence = 1000 WHERE id = %s", [second.pk]),
        ("UPDATE audit_auditevent SET sequence = 2 WHERE id = %s", [third.pk]),
        ("UPDATE audit_auditevent SET sequence = 3 WHERE id = %s", [second.pk]),
    )
    message = broken()
    assert f"event 2 (id {third.pk}): reordered" in message
    assert f"written after event 3 (id {second.pk}), not after event 1" in message


def test_the_command_exits_non_zero_from_the_shell(events: list[AuditEvent]) -> None:
    from django.core.management import ManagementUtility

    tamper(("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["x", events[5].pk]))
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["aup", "audit", "--skip-checks", "verify"]).execute()
    assert exit_.value.code == 1


@pytest.mark.slow
def test_verify_passes_on_the_demo_district(db: None) -> None:
    call_command("demo", "--students", "120", stdout=io.StringIO())
    assert AuditEvent.objects.exists()
    summary = verify()
    assert re.fullmatch(r"[\d,]+ events, chain intact, last hash [0-9a-f]{64}", summary)
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last is not None
    assert summary.endswith(last.hash)
