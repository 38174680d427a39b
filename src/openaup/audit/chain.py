"""The hash chain of the audit trail, in plain Python (no Django).

Each event's hash is the SHA-256 of a canonical JSON text of its fields, ``prev_hash``
included, so an event cannot be edited, removed or moved without breaking the chain.
``docs/security.md`` ("Audit trail") describes the canonical form; this module is its
definition.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["CHAINED_FIELDS", "GENESIS", "canonical", "event_hash", "timestamp"]

#: The ``prev_hash`` of the first event.
GENESIS = "0" * 64

#: The fields that enter an event's hash (``id`` does not: ``sequence`` orders the chain).
CHAINED_FIELDS = (
    "sequence",
    "prev_hash",
    "occurred_at",
    "actor_id",
    "actor_repr",
    "role",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "person_id",
    "changes",
    "reason",
    "request_id",
    "client_ip",
)


def timestamp(moment: datetime.datetime) -> str:
    """An aware datetime as UTC with microseconds: ``2026-11-28T13:37:15.000123Z``."""
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The canonical JSON text of an event: exactly :data:`CHAINED_FIELDS`, keys sorted, no
    white space, non-ASCII characters escaped, the time as :func:`timestamp`."""
    document = {name: fields[name] for name in CHAINED_FIELDS}
    occurred_at = document["occurred_at"]
    if isinstance(occurred_at, datetime.datetime):
        document["occurred_at"] = timestamp(occurred_at)
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("ascii")


def event_hash(fields: Mapping[str, Any]) -> str:
    """The hex SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(fields)).hexdigest()
