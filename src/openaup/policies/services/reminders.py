"""Invitations and reminders by email, in each recipient's preferred language, on the
campaign's schedule or on demand, never to a guardian without educational rights; every
message is logged as a :class:`~openaup.policies.models.ReminderMessage`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from openaup.policies.models import SigningCampaign

__all__ = ["SendResult", "send_due_reminders", "send_invitations", "send_reminders"]


@dataclass(frozen=True)
class SendResult:
    """How many messages went out, failed, or were not sent (and so logged as skipped)."""

    sent: int
    failed: int
    skipped: int


def send_invitations(*, campaign: SigningCampaign) -> SendResult:
    """The first message of an opened campaign to everyone it expects a signature from (or
    from whose children)."""
    raise NotImplementedError


def send_reminders(
    *, campaign: SigningCampaign, actor: Any = None, school_id: int | None = None
) -> SendResult:
    """A reminder to everyone who still has something to sign, now (on demand from a
    dashboard: ``actor`` is who asked, ``school_id`` narrows it to one school)."""
    raise NotImplementedError


def send_due_reminders(today: datetime.date | None = None) -> dict[int, SendResult]:
    """The reminders of every open campaign whose schedule names ``today``, at most once per
    campaign and day. Returns the results by campaign id."""
    raise NotImplementedError
