"""``aup monitor``: ingest the filter's decision files, import Squid access logs, prune."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openaup.core.context import acting_as
from openaup.monitoring import services


class Command(BaseCommand):
    help = "Monitoring: ingest decision files into Parquet, import Squid logs, prune old days."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="Ingest what is new in the decision files.")
        ingest.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="The decision-log folder (default: the engine's).",
        )
        squid = sub.add_parser(
            "import-squid", help="Import Squid access.log files (the default squid format)."
        )
        squid.add_argument("files", nargs="+", type=Path)
        sub.add_parser("prune", help="Delete days older than OPENAUP_MONITOR_RETENTION_DAYS.")
        sub.add_parser("digests", help="Send yesterday's alert digests now.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with acting_as(actor_repr=f"aup monitor {action}", channel="cli"):
            if action == "ingest":
                folder = options["dir"]
                if folder is not None and not folder.is_dir():
                    raise CommandError(f"{folder}: no such folder")
                started = time.perf_counter()
                summary = services.ingest_decisions(source=folder)
                self._report(summary, time.perf_counter() - started)
            elif action == "import-squid":
                for path in options["files"]:
                    if not path.is_file():
                        raise CommandError(f"{path}: no such file")
                started = time.perf_counter()
                summary = services.import_squid_logs(paths=options["files"])
                self._report(summary, time.perf_counter() - started)
            elif action == "prune":
                gone = services.prune_decisions()
                self.stdout.write(f"Pruned {len(gone)} days.")
            else:
                sent = services.send_alert_digests()
                self.stdout.write(f"Sent {len(sent)} digests.")

    def _report(self, summary: services.IngestSummary, seconds: float) -> None:
        for item in summary.files:
            self.stdout.write(
                f"{item.file}: {item.rows:,} decisions, {item.bad_lines:,} bad lines "
                f"({item.lines_read:,} lines read)"
            )
        for problem in summary.problems:
            self.stderr.write(f"{problem.file}:{problem.line}: {problem.error}")
        rate = summary.rows / seconds if seconds > 0 else 0.0
        self.stdout.write(
            f"{summary.rows:,} decisions in {seconds:.2f} s ({rate:,.0f}/s), "
            f"{summary.bad_lines:,} bad lines."
        )
