"""Background jobs of the policies app. Each takes ids and calls a service; they run in
``aup worker`` (jobs wait in the database, so no separate broker is needed)."""

from __future__ import annotations

from django_tasks import task

from openaup.policies.models import SigningCampaign
from openaup.policies.services import reminders

__all__ = ["send_due_reminders", "send_invitations", "send_reminders"]


@task()
def send_invitations(campaign_id: int) -> dict[str, int]:
    """Email the invitations of a campaign that has just opened."""
    campaign = SigningCampaign.objects.get(pk=campaign_id)
    result = reminders.send_invitations(campaign=campaign)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@task()
def send_reminders(campaign_id: int, school_id: int | None = None) -> dict[str, int]:
    """Email a reminder now, as asked from a dashboard."""
    campaign = SigningCampaign.objects.get(pk=campaign_id)
    result = reminders.send_reminders(campaign=campaign, school_id=school_id)
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@task()
def send_due_reminders() -> dict[str, int]:
    """The day's scheduled reminders of every open campaign."""
    results = reminders.send_due_reminders()
    return {"campaigns": len(results), "sent": sum(r.sent for r in results.values())}
