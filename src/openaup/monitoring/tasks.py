"""Background jobs of monitoring, in ``aup worker``: ingest every few minutes, and once a
day the alert digests, the monthly counts and the pruning of old decisions."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from openaup.core.context import acting_as
from openaup.monitoring import services

__all__ = ["daily_monitoring", "ingest_decisions"]


@task()
def ingest_decisions(period: str = "") -> dict[str, object]:
    """Ingest what is new in the engine's decision files; ``period`` lets the scheduler
    enqueue it once per interval."""
    with acting_as(actor_repr="decision ingest", channel="job"):
        summary = services.ingest_decisions()
    return {
        "files": len(summary.files),
        "rows": summary.rows,
        "bad_lines": summary.bad_lines,
    }


@task()
def daily_monitoring(period: str = "") -> dict[str, object]:
    """Yesterday's alert digests, this month's and last month's counts, and pruning."""
    today = timezone.localdate()
    with acting_as(actor_repr="daily monitoring", channel="job"):
        services.ingest_decisions()
        digests = services.send_alert_digests(day=today - datetime.timedelta(days=1))
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        counted = services.compute_monthly_counts(month=last_month)
        counted += services.compute_monthly_counts(month=today)
        pruned = services.prune_decisions(today=today)
    return {"digests": len(digests), "monthly_rows": counted, "days_pruned": len(pruned)}
