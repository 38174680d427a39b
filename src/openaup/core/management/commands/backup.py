"""``aup backup FILE``: save the database and the data dir in one archive."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openaup.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Save the database and the data dir to FILE (a .tar.gz archive)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write, e.g. openaup.tar.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            info = create_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {info.path}: {info.vendor} database and "
            f"{info.data_files} file(s) of the data dir."
        )
