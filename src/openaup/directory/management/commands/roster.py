"""``aup roster``: import a OneRoster package, or summarize the directory.

    aup roster import PATH [--dry-run]   # a folder or a .zip; --dry-run changes nothing
    aup roster summary [--json]

A package with any problem is not imported: the problems are listed (file, row, column) and
the command exits with status 1.
"""

from __future__ import annotations

import getpass
import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from openaup.core.context import acting_as
from openaup.directory.importing import ENTITIES
from openaup.directory.services import ImportReport, import_roster, roster_summary

#: Stages smaller than this many rows get no progress bar.
_BAR_THRESHOLD = 20000

_SUMMARY_LABELS = (
    ("schools", "Schools"),
    ("students", "Students"),
    ("staff", "Staff"),
    ("guardians", "Parents and guardians"),
    ("guardian_links", "Guardian links"),
    ("sections", "Sections"),
    ("enrollments", "Enrollments"),
    ("departed", "Departed people"),
)


class _ProgressBars:
    """One tqdm bar per stage of a long import, on stderr (hidden when stderr is no
    terminal, and for small files)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.stage = ""
        self.bar: tqdm[Any] | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
        if self.bar is None:
            if max(done, total or 0) < _BAR_THRESHOLD:
                return
            self.bar = tqdm(
                desc=stage,
                total=total,
                unit=" rows",
                file=self.stream,
                disable=None,
                leave=False,
                mininterval=0.5,
            )
        if total is not None:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Import a OneRoster 1.1 or 1.2 package (folder or zip), or summarize the directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser(
            "import", help="Import a OneRoster package: a folder or a .zip with manifest.csv."
        )
        importing.add_argument("path", metavar="PATH")
        importing.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be added, changed and marked departed; change nothing.",
        )
        summary = actions.add_parser("summary", help="Count what the directory holds.")
        summary.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "summary":
            self._summary(as_json=options["json"])
        else:
            self._import(options["path"], dry_run=options["dry_run"])

    def _summary(self, *, as_json: bool) -> None:
        counts = roster_summary()
        if as_json:
            self.stdout.write(json.dumps(counts))
            return
        width = max(len(label) for _, label in _SUMMARY_LABELS)
        for key, label in _SUMMARY_LABELS:
            self.stdout.write(f"{label:<{width}}  {counts[key]:>9,}")

    def _import(self, path: str, *, dry_run: bool) -> None:
        bars = _ProgressBars(sys.stderr)
        who = f"{getpass.getuser()} (aup roster import)"
        try:
            with acting_as(actor_repr=who, channel="cli"):
                report = import_roster(actor=None, path=path, dry_run=dry_run, progress=bars)
        finally:
            bars.close()
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            if report.error_total > len(report.errors):
                self.stderr.write(f"... and {report.error_total - len(report.errors)} more")
            raise CommandError(
                f"{report.error_total} problem{'s' if report.error_total != 1 else ''} "
                f"in {path}; nothing was imported."
            )
        self._show(report)

    def _show(self, report: ImportReport) -> None:
        modes = ", ".join(
            f"{name} {mode}" for name, mode in report.modes.items() if mode != "absent"
        )
        verb = "would be" if report.dry_run else "were"
        self.stdout.write(f"OneRoster {report.version} package ({modes})")
        header = f"{'':<16}{'added':>10}{'changed':>10}{'unchanged':>11}{'departed':>10}"
        self.stdout.write(header)
        for entity in ENTITIES:
            counts = report.counts[entity]
            self.stdout.write(
                f"{entity.replace('_', ' '):<16}{counts['added']:>10,}{counts['changed']:>10,}"
                f"{counts['unchanged']:>11,}{counts['departed']:>10,}"
            )
        self.stdout.write("(departed: people marked departed; for other rows, made inactive)")
        for entity in ENTITIES:
            for kind, title in (
                ("added", "added"),
                ("changed", "changed"),
                ("departed", "marked departed" if entity == "people" else "made inactive"),
            ):
                items = report.samples.get(entity, {}).get(kind, [])
                if not items:
                    continue
                total = report.counts[entity][kind]
                more = f" (first {len(items)} of {total:,})" if total > len(items) else ""
                name = entity.replace("_", " ").capitalize()
                self.stdout.write(f"\n{name} {verb} {title}{more}:")
                for item in items:
                    self.stdout.write(f"  {item}")
        if report.dry_run:
            self.stdout.write("\nDry run: nothing was changed.")
        else:
            self.stdout.write(f"\nImported (run {report.run.pk}).")
