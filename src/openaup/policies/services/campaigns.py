"""Signing campaigns: creating one (or carrying last year's over), opening and closing it,
keeping its members in step with the roster, and answering whether someone has signed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openaup.directory.models import Person, School
from openaup.policies.models import PolicyVersion, SigningCampaign

__all__ = [
    "SyncResult",
    "carry_over_campaign",
    "close_campaign",
    "create_campaign",
    "has_signed",
    "open_campaign",
    "overdue_restriction_applies",
    "sync_members",
    "update_campaign",
    "version_for",
]

DEFAULT_REMINDER_DAYS = (14, 7, 1, -7)


@dataclass(frozen=True)
class SyncResult:
    """What :func:`sync_members` changed."""

    added: int
    kept: int


def create_campaign(
    *,
    actor: Any,
    name: str,
    school_year: int,
    opens_on: datetime.date,
    due_on: datetime.date,
    versions: Iterable[PolicyVersion],
    include_students: bool = True,
    schools: Iterable[School] = (),
    grades: Sequence[str] = (),
    include_staff: bool = True,
    include_contractors: bool = False,
    guardian_rule: str = "one",
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
    link_valid_days: int = 30,
    overdue_action: str = "report",
) -> SigningCampaign:
    """A draft campaign. Records ``campaign.created``."""
    raise NotImplementedError


def update_campaign(*, actor: Any, campaign: SigningCampaign, **changes: Any) -> SigningCampaign:
    """Change a campaign's settings. Records ``campaign.changed`` with what changed."""
    raise NotImplementedError


def open_campaign(*, actor: Any, campaign: SigningCampaign) -> SigningCampaign:
    """Open a draft campaign: add its members and send the invitations (after commit).
    Records ``campaign.opened``."""
    raise NotImplementedError


def close_campaign(*, actor: Any, campaign: SigningCampaign) -> SigningCampaign:
    """Close a campaign: no more signatures or reminders. Records ``campaign.closed``."""
    raise NotImplementedError


def carry_over_campaign(
    *, actor: Any, campaign: SigningCampaign, school_year: int | None = None
) -> SigningCampaign:
    """Next school year's campaign, one action: the same settings, dates a year on, and the
    newest published version of each policy and audience. Records ``campaign.created``."""
    raise NotImplementedError


def sync_members(*, campaign: SigningCampaign) -> SyncResult:
    """Add the people the campaign expects signatures from and does not have yet (students
    who arrived, new staff). Departed people stay members but are not counted."""
    raise NotImplementedError


def version_for(campaign: SigningCampaign, person: Person) -> PolicyVersion | None:
    """The campaign's version that applies to ``person``: the student-friendly version of
    their grade band, else the students' or all-users version; for staff the staff
    version, else the all-users version."""
    raise NotImplementedError


def has_signed(person: Person, campaign: SigningCampaign) -> bool:
    """Whether everything ``campaign`` needs for ``person`` is signed (for a minor student:
    their own signature and their guardians' under the campaign's rule)."""
    raise NotImplementedError


def overdue_restriction_applies(person: Person, today: datetime.date | None = None) -> bool:
    """Whether ``person`` is a student past the due date of an open campaign that restricts
    the filter profile of students who have not signed, and has not signed."""
    raise NotImplementedError
