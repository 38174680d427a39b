"""Background jobs of the policies app. Each takes ids and calls a service; they run in
``aup worker`` (jobs wait in the database, so no separate broker is needed)."""

from __future__ import annotations

import datetime

from django_tasks import task

from openaup.core.context import acting_as
from openaup.policies.models import SigningCampaign
from openaup.policies.services import reminders

__all__ = ["send_due_reminders", "send_invitations", "send_reminders", "sync_open_campaigns"]


@task()
def send_invitations(campaign_id: int) -> dict[str, int]:
    """Email the invitations of a campaign that has just opened."""
    campaign = SigningCampaign.objects.get(pk=campaign_id)
    with acting_as(actor_repr="invitations", channel="job"):
        result = reminders.send_invitations(campaign=campaign)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@task()
def send_reminders(
    campaign_id: int, school_id: int | None = None, requested_by_id: int | None = None
) -> dict[str, int]:
    """Email a reminder now, as asked from a dashboard."""
    from openaup.accounts.models import User

    campaign = SigningCampaign.objects.get(pk=campaign_id)
    actor = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    with acting_as(actor=actor, actor_repr="" if actor else "reminders", channel="job"):
        result = reminders.send_reminders(campaign=campaign, actor=actor, school_id=school_id)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@task()
def send_due_reminders(period: str = "") -> dict[str, int]:
    """The day's scheduled reminders of every open campaign; ``period`` is the day (ISO),
    today when empty."""
    day = datetime.date.fromisoformat(period) if period else None
    with acting_as(actor_repr="scheduled reminders", channel="job"):
        results = reminders.send_due_reminders(day)
    return {"campaigns": len(results), "sent": sum(r.sent for r in results.values())}


@task()
def sync_open_campaigns(period: str = "") -> dict[str, int]:
    """Bring the members of every open campaign in step with the roster (new students and
    staff). ``period``, the day it is run for, lets the scheduler enqueue it once a day."""
    from openaup.policies.services.campaigns import sync_members

    added = 0
    campaigns = list(SigningCampaign.objects.open().order_by("pk"))
    with acting_as(actor_repr="member sync", channel="job"):
        for campaign in campaigns:
            added += sync_members(campaign=campaign).added
    return {"campaigns": len(campaigns), "added": added}
