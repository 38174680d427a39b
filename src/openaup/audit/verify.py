"""Checking the audit trail's hash chain, in sequence order, a batch at a time.

The first problem stops the walk and is reported with the event it was found at:

- a gap in the sequence numbers: an event was removed;
- an event whose ``prev_hash`` is not the hash of the event before it: events were reordered
  (its ``prev_hash`` is the hash of another event) or the event before it was removed or
  replaced (it is nobody's hash);
- an event whose hash does not match its fields: the event was edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from openaup.audit.chain import CHAINED_FIELDS, GENESIS, event_hash
from openaup.audit.models import AuditEvent

__all__ = ["ChainProblem", "ChainReport", "verify_chain"]

_COLUMNS = ("id", "hash", *CHAINED_FIELDS)


@dataclass(frozen=True)
class ChainProblem:
    """The first bad event: where the chain breaks and why."""

    sequence: int
    event_id: int
    kind: str  # "removed", "reordered" or "edited"
    detail: str

    def __str__(self) -> str:
        return f"event {self.sequence} (id {self.event_id}): {self.kind}: {self.detail}"


@dataclass(frozen=True)
class ChainReport:
    """What a walk of the chain found."""

    events: int
    last_hash: str
    problem: ChainProblem | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def _predecessor(prev_hash: str) -> tuple[int, int] | None:
    """The (sequence, id) of the event whose hash is ``prev_hash``, if any."""
    found = AuditEvent.objects.filter(hash=prev_hash).values_list("sequence", "id").first()
    return (int(found[0]), int(found[1])) if found is not None else None


def verify_chain(
    *, batch_size: int = 5000, progress: Callable[[int], None] | None = None
) -> ChainReport:
    """Walk every event in sequence order and check the chain; memory stays bounded by
    ``batch_size`` events."""
    expected, prev_hash, count = 1, GENESIS, 0
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__gte=expected)
            .order_by("sequence")
            .values(*_COLUMNS)[:batch_size]
        )
        if not batch:
            return ChainReport(events=count, last_hash=prev_hash)
        for row in batch:
            sequence, event_id = int(row["sequence"]), int(row["id"])
            if sequence != expected:
                missing = (
                    f"event {expected} is missing"
                    if sequence == expected + 1
                    else f"events {expected} to {sequence - 1} are missing"
                )
                return _broken(count, prev_hash, sequence, event_id, "removed", missing)
            if row["prev_hash"] != prev_hash:
                found = _predecessor(row["prev_hash"])
                if found is not None:
                    detail = (
                        f"it was written after event {found[0]} (id {found[1]}), "
                        f"not after event {sequence - 1}"
                    )
                    return _broken(count, prev_hash, sequence, event_id, "reordered", detail)
                detail = (
                    "its prev_hash is the hash of no event: the event before it was removed "
                    "or replaced"
                )
                return _broken(count, prev_hash, sequence, event_id, "removed", detail)
            if event_hash(row) != row["hash"]:
                detail = "its fields do not match its hash"
                return _broken(count, prev_hash, sequence, event_id, "edited", detail)
            prev_hash = row["hash"]
            expected += 1
            count += 1
        if progress is not None:
            progress(count)


def _broken(
    count: int, last_hash: str, sequence: int, event_id: int, kind: str, detail: str
) -> ChainReport:
    return ChainReport(
        events=count,
        last_hash=last_hash,
        problem=ChainProblem(sequence=sequence, event_id=event_id, kind=kind, detail=detail),
    )
