"""``aup worker``: the daily jobs are enqueued once per day whoever asks, and the database
worker runs queued jobs for real (reminders, invitations, the member sync)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from openaup.audit.models import AuditEvent
from openaup.core.management.commands.worker import (
    PERIODIC_JOBS,
    PeriodicJob,
)
from openaup.core.management.commands.worker import (
    enqueue_due_jobs as enqueue_all,
)
from openaup.directory.models import GuardianLink, Person
from openaup.policies import tasks
from openaup.policies.models import ReminderMessage
from tests.personas import World
from tests.policies.factories import (
    CampaignMemberFactory,
    PolicyVersionFactory,
    SigningCampaignFactory,
)


def local(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, hour, 5, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def queued() -> list[tuple[str, dict[str, Any]]]:
    return sorted(
        (row.task_path.rsplit(".", 1)[-1], row.args_kwargs["kwargs"])
        for row in DBTaskResult.objects.all()
    )


@pytest.mark.django_db
def test_daily_jobs_are_enqueued_once_per_day_from_their_hour() -> None:
    day = datetime.date(2026, 11, 30)
    # the signing cycle's daily jobs (other apps' jobs have their own tests)
    daily = tuple(
        job for job in PERIODIC_JOBS if job.task().module_path.startswith("openaup.policies.")
    )

    def enqueue_due_jobs(now: datetime.datetime) -> list[str]:
        return enqueue_all(now, daily)

    assert enqueue_due_jobs(local(day, 1)) == []
    assert enqueue_due_jobs(local(day, 3)) == ["sync campaign members"]
    assert enqueue_due_jobs(local(day, settings.OPENAUP_REMINDER_HOUR)) == ["scheduled reminders"]
    # Another worker, or the same one a minute later: nothing more that day.
    assert enqueue_due_jobs(local(day, 23)) == []
    assert queued() == [
        ("send_due_reminders", {"period": "2026-11-30"}),
        ("sync_open_campaigns", {"period": "2026-11-30"}),
    ]
    next_day = day + datetime.timedelta(days=1)
    assert len(enqueue_due_jobs(local(next_day, 23))) == 2
    assert DBTaskResult.objects.count() == 4


@pytest.mark.django_db
def test_interval_jobs_are_enqueued_once_per_interval() -> None:
    from openaup.policies.tasks import sync_open_campaigns

    job = PeriodicJob("every quarter hour", lambda: sync_open_campaigns, lambda: 0, 15)
    day = datetime.date(2026, 11, 30)
    at = local(day, 10)  # 10:05
    assert enqueue_all(at, (job,)) == ["every quarter hour"]
    assert enqueue_all(at + datetime.timedelta(minutes=9), (job,)) == []  # 10:14
    assert enqueue_all(at + datetime.timedelta(minutes=10), (job,)) == ["every quarter hour"]
    periods = sorted(row.args_kwargs["kwargs"]["period"] for row in DBTaskResult.objects.all())
    assert periods == ["2026-11-30T10:00", "2026-11-30T10:15"]


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_jobs(world: World) -> None:
    version = PolicyVersionFactory()
    campaign = SigningCampaignFactory(versions=[version])
    for person in Person.objects.filter(kind="student"):
        CampaignMemberFactory(campaign=campaign, person=person, version=version)
    GuardianLink.objects.filter(guardian=world.guardian_person).update(preferred_language="es")
    reminder_day = campaign.due_on - datetime.timedelta(days=7)

    tasks.send_invitations.enqueue(campaign.pk)
    tasks.send_due_reminders.enqueue(period=reminder_day.isoformat())
    tasks.send_due_reminders.enqueue(period=reminder_day.isoformat())  # a second time: no-op
    call_command("worker", "--batch", "--interval", "0")

    results = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.status for r in results] == ["SUCCESSFUL"] * 3
    assert results[0].return_value["sent"] >= 1
    assert results[1].return_value["campaigns"] == 1
    assert results[2].return_value["campaigns"] == 0
    to_guardian = [m for m in mail.outbox if world.guardian_person.email in m.to]
    # The invitation, in Spanish; the reminder of the same day does not email them again.
    assert [m.subject.split(" ")[0] for m in to_guardian] == ["Firme"]
    claimed = AuditEvent.objects.filter(action="campaign.scheduled_reminders")
    assert [event.changes for event in claimed] == [{"day": reminder_day.isoformat()}]
    assert ReminderMessage.objects.filter(
        kind="invitation", recipient=world.guardian_person
    ).exists()
