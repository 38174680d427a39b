"""Bringing the directory in line with a OneRoster dataset, for
:func:`openaup.directory.services.import_roster`.

:func:`known_ids` tells the reader what the directory already holds (for delta packages).
:class:`Planner` compares a dataset with the directory and says, entity by entity, what would
be added, changed, left unchanged and marked departed (people) or inactive (other rows),
without writing anything. :func:`apply_plan` writes a plan with bulk inserts and updates;
the caller runs it inside one transaction.
"""

from __future__ import annotations

from openaup.directory.importing.plan import ENTITIES, Change, Plan, ProgressFn
from openaup.directory.importing.planner import Planner, known_ids
from openaup.directory.importing.writer import apply_plan, person_events

__all__ = [
    "ENTITIES",
    "Change",
    "Plan",
    "Planner",
    "ProgressFn",
    "apply_plan",
    "known_ids",
    "person_events",
]
