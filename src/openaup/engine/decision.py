"""What the engine is asked and what it answers.

A :class:`FilterRequest` is one request as a proxy sees it; a :class:`Decision` says what
to do with it and why: the profile that applied, the category, list and key that matched,
the rule (one of the four states), the AUP clause the rule enforces and the bandwidth tag.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Action", "Decision", "FilterRequest", "RuleState"]


class Action(enum.StrEnum):
    ALLOW = "allow"
    BLOCK = "block"


class RuleState(enum.StrEnum):
    """The four states districts ask for, strongest first: a locked block or allow cannot
    be overridden by a school or teacher; a plain block or allow can."""

    LOCKED_BLOCK = "locked_block"
    LOCKED_ALLOW = "locked_allow"
    BLOCK = "block"
    ALLOW = "allow"


@dataclass(frozen=True, slots=True)
class FilterRequest:
    """One request: the URL (or ``host:port`` of a CONNECT), the client's address, the user
    name (``""`` when unknown) and the time (local time of the district; ``None``: now)."""

    url: str
    client_ip: str = ""
    user: str = ""
    time: datetime.datetime | None = None


class Decision(NamedTuple):
    """The answer and its reasons. ``category``, ``list_name`` and ``key`` are empty when no
    list matched (the profile's default applied); ``reason`` is a short machine-readable
    code for the block page (``category``, ``deny_list``, ``no_snapshot``, ``error``...).

    A named tuple rather than a frozen dataclass: a helper makes one for every new host,
    and a tuple is made several times faster; it is just as immutable."""

    action: Action
    profile: str
    reason: str
    rule: str = ""
    category: str = ""
    list_name: str = ""
    key: str = ""
    clause: str = ""
    tag: str = ""

    @property
    def allowed(self) -> bool:
        return self.action is Action.ALLOW
