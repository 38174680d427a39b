"""The daily digest of alert-category blocks to each school's principal."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.monitoring import services
from openaup.monitoring.models import AlertDigest
from tests.monitoring.factories import line, write_day
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday_blocks(world: World, principal_a: Any, principal_b: Any, log_dir: Path) -> Any:
    world.student_a1.username = "ava.a"
    world.student_a1.save()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    noon = datetime.datetime.combine(yesterday, datetime.time(12), timezone.get_current_timezone())
    lines = [line(noon, user="ava.a", host="fight.example", action="block", category="agressif")]
    lines *= 2
    lines.append(line(noon, user="ava.a", host="bomb.example", action="block",
                      category="dangerous_material"))  # fmt: skip
    lines.append(line(noon, user="ava.a", host="games.example", action="block", category="games"))
    write_day(log_dir, noon.astimezone(datetime.UTC).date(), lines)
    services.ingest_decisions()
    return yesterday


def test_the_principal_gets_one_digest_of_the_alert_categories(
    yesterday_blocks: datetime.date,
    world: World,
    principal_a: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_alert_digests(day=yesterday_blocks)
    assert [d.school for d in sent] == [world.school_a]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [principal_a.person.email]
    assert "School A" in message.subject
    assert "3 blocks" in message.subject
    assert "agressif: fight.example (2), " + world.student_a1.display_name in message.body
    assert "dangerous_material: bomb.example (1)" in message.body
    assert "games.example" not in message.body  # not an alert category
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_alert_digests(day=yesterday_blocks) == []
    assert len(mail.outbox) == 1
    assert AlertDigest.objects.get().blocks == 3
    # the digest named the student: their record of access shows it went to the principal
    sent_to = AuditEvent.objects.filter(action="student.exported", person=world.student_a1)
    assert [e.changes["to"] for e in sent_to] == [principal_a.person.email]
    assert "alert digest" in sent_to[0].reason


def test_the_alert_categories_are_a_setting(
    yesterday_blocks: datetime.date, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPENAUP_MONITOR_ALERT_CATEGORIES = ["games"]
    with django_capture_on_commit_callbacks(execute=True):
        services.send_alert_digests(day=yesterday_blocks)
    assert "games: games.example (1)" in mail.outbox[0].body
    assert "fight.example" not in mail.outbox[0].body


def test_the_daily_job_is_scheduled() -> None:
    from openaup.core.management.commands.worker import PERIODIC_JOBS

    names = {job.name: job for job in PERIODIC_JOBS}
    assert names["decision ingest"].every_minutes == 5
    assert (
        names["decision ingest"].task().module_path == "openaup.monitoring.tasks.ingest_decisions"
    )
    assert names["monitoring digests and retention"].every_minutes == 0


def test_the_daily_job_sends_digests_counts_the_month_and_prunes(
    yesterday_blocks: datetime.date,
    settings: Any,
    log_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from openaup.monitoring.models import MonthlyCount
    from openaup.monitoring.tasks import daily_monitoring, ingest_decisions

    old = timezone.localdate() - datetime.timedelta(days=400)
    noon = datetime.datetime.combine(old, datetime.time(12), timezone.get_current_timezone())
    write_day(log_dir, noon.astimezone(datetime.UTC).date(), [line(noon, user="ava.a")])
    assert ingest_decisions.call(period="2026-11-28T10:05")["rows"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        result = daily_monitoring.call(period="2026-11-28")
    assert result["digests"] == 1
    assert result["days_pruned"] == 1
    assert len(mail.outbox) == 1
    assert MonthlyCount.objects.filter(month=old.replace(day=1)).exists()
    # yesterday is in this month or the last: both are counted
    month = MonthlyCount.objects.filter(month=yesterday_blocks.replace(day=1), action="block")
    assert sum(c.decisions for c in month) == 4
