"""``aup audit``: check the audit trail.

    aup audit verify [--batch-size N]

``verify`` walks the hash chain in sequence order and prints one line: the number of events
and the last hash when the chain is intact (exit status 0), or the first bad event and what
is wrong with it (exit status 1).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openaup.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify",
            help="Walk the hash chain; exit 1 naming the first edited, removed or reordered event.",
        )
        verify.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Events read at a time (memory use grows with it; default 5000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = verify_chain(batch_size=options["batch_size"])
        if report.problem is not None:
            raise CommandError(
                f"audit chain broken at {report.problem} "
                f"({report.events:,} events before it are intact)",
                returncode=1,
            )
        self.stdout.write(f"{report.events:,} events, chain intact, last hash {report.last_hash}")
