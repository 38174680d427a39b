"""``aup restore FILE``: bring back the database and the data dir from a backup."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openaup.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Bring back the database and the data dir from FILE (made by `aup backup`). "
        "Stop the server first. The current state is saved to <data dir>/backups/ first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The archive made by `aup backup`")
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="Do not save the current state before restoring.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            info = restore_backup(options["file"], safety_backup=not options["no_safety_backup"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {info.vendor} database and {info.data_files} file(s) of the data dir "
            f"from {info.path} (made {info.created_at} by OpenAUP {info.openaup_version})."
        )
        if info.migrations_missing:
            self.stdout.write(
                "The backup is older than this version of OpenAUP: run `aup migrate` now."
            )
