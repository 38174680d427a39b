"""``aup worker``: run the background jobs that wait in the database, and enqueue the
periodic ones.

Jobs are django-tasks with the database backend: a page or service enqueues a row, and this
worker (``django_tasks_db``'s own ``Worker``) claims and runs it, so no separate broker is
needed. Beside it, a small scheduler thread enqueues the periodic jobs:

- every day at ``OPENAUP_REMINDER_HOUR`` (local time, default 16): the scheduled reminders
  of every open campaign (``policies.tasks.send_due_reminders``);
- every day from 02:00: bringing the members of open campaigns in step with the roster
  (``policies.tasks.sync_open_campaigns``);
- every 5 minutes: ingesting the filter's new decisions into Parquet
  (``monitoring.tasks.ingest_decisions``); every day from ``OPENAUP_MONITOR_ALERT_HOUR``
  (default 7): the alert digests, monthly counts and pruning
  (``monitoring.tasks.daily_monitoring``);
- every hour: updating the filter's list sources whose ``update_hours`` have passed
  (``filtering.tasks.update_due_list_sources``);
- every 15 minutes: publishing the live filter policy again when people's profiles have
  changed (``filtering.tasks.refresh_people_profiles``).

Each periodic job is enqueued at most once per period, even with several workers: the job
carries its period (the local date) as an argument, and the scheduler looks for a job row of
that task and period before adding one, inside a transaction that only one worker holds at a
time (an exclusive transaction on SQLite, an advisory lock on PostgreSQL). The job rows are
the record of what ran.
"""

from __future__ import annotations

import datetime
import logging
import threading
import zlib
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

__all__ = ["PERIODIC_JOBS", "PeriodicJob", "enqueue_due_jobs"]

logger = logging.getLogger("openaup.worker")

#: How often the scheduler looks at the clock (seconds).
SCHEDULER_INTERVAL = 60


@dataclass(frozen=True)
class PeriodicJob:
    """A task enqueued once a day from ``hour`` (local time), with the day as ``period``; or,
    with ``every_minutes``, once in each such interval of the day (``hour`` is then the
    first hour it runs, usually 0), with the interval's start (``2026-11-28T10:15``) as
    ``period``."""

    name: str
    task: Callable[[], Any]
    hour: Callable[[], int]
    every_minutes: int = 0

    def period(self, local: datetime.datetime) -> str:
        if not self.every_minutes:
            return local.date().isoformat()
        minute = local.hour * 60 + local.minute
        start = minute - minute % self.every_minutes
        return f"{local.date().isoformat()}T{start // 60:02d}:{start % 60:02d}"


def _reminders() -> Any:
    from openaup.policies.tasks import send_due_reminders

    return send_due_reminders


def _sync() -> Any:
    from openaup.policies.tasks import sync_open_campaigns

    return sync_open_campaigns


def _list_updates() -> Any:
    from openaup.filtering.tasks import update_due_list_sources

    return update_due_list_sources


def _override_expiry() -> Any:
    from openaup.filtering.tasks import expire_overrides

    return expire_overrides


def _people_profiles() -> Any:
    from openaup.filtering.tasks import refresh_people_profiles

    return refresh_people_profiles


def _monitor_ingest() -> Any:
    from openaup.monitoring.tasks import ingest_decisions

    return ingest_decisions


def _monitor_daily() -> Any:
    from openaup.monitoring.tasks import daily_monitoring

    return daily_monitoring


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sync campaign members", _sync, lambda: 2),
    PeriodicJob("scheduled reminders", _reminders, lambda: settings.OPENAUP_REMINDER_HOUR),
    PeriodicJob("filter list updates", _list_updates, lambda: 0, every_minutes=60),
    PeriodicJob("filter override expiry", _override_expiry, lambda: 0, every_minutes=5),
    PeriodicJob("filter people's profiles", _people_profiles, lambda: 0, every_minutes=15),
    PeriodicJob("decision ingest", _monitor_ingest, lambda: 0, every_minutes=5),
    PeriodicJob(
        "monitoring digests and retention",
        _monitor_daily,
        lambda: settings.OPENAUP_MONITOR_ALERT_HOUR,
    ),
)


def _lock(key: str) -> None:
    """On PostgreSQL, hold an advisory lock for the rest of the transaction (SQLite's
    exclusive transaction already is one)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(key.encode())])


def enqueue_due_jobs(
    now: datetime.datetime | None = None, jobs: tuple[PeriodicJob, ...] | None = None
) -> list[str]:
    """Enqueue every periodic job (of ``jobs``, default :data:`PERIODIC_JOBS`) that is due
    and not yet enqueued for its period; returns the names of those enqueued."""
    local = timezone.localtime(now or timezone.now())
    enqueued = []
    for job in PERIODIC_JOBS if jobs is None else jobs:
        if local.hour < job.hour():
            continue
        period = job.period(local)
        task = job.task()
        with exclusive_transaction():
            _lock(f"openaup.periodic:{task.module_path}")
            done = DBTaskResult.objects.filter(
                task_path=task.module_path, args_kwargs__kwargs__period=period
            ).exists()
            if not done:
                task.enqueue(period=period)
                enqueued.append(job.name)
    return enqueued


class _Scheduler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="openaup-scheduler", daemon=True)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                for name in enqueue_due_jobs():
                    logger.info("Enqueued %s", name)
            except Exception:
                logger.exception("The scheduler could not enqueue the periodic jobs")
            finally:
                close_old_connections()
            self.stopped.wait(SCHEDULER_INTERVAL)


class Command(BaseCommand):
    help = (
        "Run the background jobs (reminders, invitations, member sync) waiting in the "
        "database, and enqueue the daily ones."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait when no job is waiting (default 1).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the jobs waiting now, then exit (no scheduler).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run jobs; another worker enqueues the daily ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] < 0:
            raise CommandError(f"--interval {options['interval']}: expected 0 or more")
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker = Worker(
            queue_names=["default"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        scheduler = None
        if not options["batch"] and not options["no_scheduler"]:
            scheduler = _Scheduler()
            scheduler.start()
        self.stdout.write(
            "OpenAUP worker running" + (" with the daily scheduler" if scheduler else "")
        )
        self.stdout.flush()
        if not options["batch"]:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            if scheduler is not None:
                scheduler.stopped.set()
