"""``aup demo``: load the demo district (Maple Valley Public Schools) with its sign-ins, show
the sign-ins, or write the district as OneRoster files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openaup.core.context import acting_as
from openaup.directory.demo.catalog import DEFAULT_SEED, DEFAULT_STUDENTS, MIN_STUDENTS
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import DemoError, demo_sign_ins, load_demo_district
from openaup.directory.models import Person
from openaup.directory.oneroster.writer import write_dataset
from openaup.directory.services import roster_summary
from openaup.monitoring.demo import load_demo_decisions

URL = "http://127.0.0.1:8000"


def _students(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number < MIN_STUDENTS:
        raise argparse.ArgumentTypeError(f"the demo district needs at least {MIN_STUDENTS}")
    return number


class Command(BaseCommand):
    help = (
        "Load the demo district, Maple Valley Public Schools, with a sign-in for each role; "
        "or show the sign-ins (--sign-ins); or write the district as OneRoster CSV files "
        "(--export-oneroster DIR --version 1.1|1.2)."
    )

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # ``--version`` here is the OneRoster version to export, not Django's version.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--students",
            type=_students,
            default=DEFAULT_STUDENTS,
            help=f"How many students (default {DEFAULT_STUDENTS}); staff, families and "
            "classes follow.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="The same seed and size give the same district.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the directory already has people.",
        )
        parser.add_argument(
            "--sign-ins",
            action="store_true",
            help="Only show the demo sign-ins and their password.",
        )
        parser.add_argument(
            "--url",
            default=URL,
            help=f"Where OpenAUP is served, shown with --sign-ins (default {URL}).",
        )
        parser.add_argument(
            "--export-oneroster",
            metavar="DIR",
            type=Path,
            help="Write the district as OneRoster CSV files to DIR (or to a .zip) "
            "instead of loading it.",
        )
        parser.add_argument(
            "--lists",
            metavar="DIR",
            type=Path,
            help="Filter lists in the UT1 layout (<category>/domains...) to copy in and use "
            "instead of the demo's small starter lists.",
        )
        parser.add_argument(
            "--version",
            choices=["1.1", "1.2"],
            default="1.2",
            help="The OneRoster version of --export-oneroster (default 1.2).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sign_ins"]:
            self.show_sign_ins(options["url"])
            return
        if options["export_oneroster"] is not None:
            self.export(options)
            return
        self.load(options)

    def export(self, options: dict[str, Any]) -> None:
        district = generate(options["students"], seed=options["seed"])
        target = write_dataset(
            district.dataset, options["export_oneroster"], version=options["version"]
        )
        self.stdout.write(
            f"Wrote the demo district ({options['students']:,} students) as OneRoster "
            f"{options['version']} to {target}."
        )

    def load(self, options: dict[str, Any]) -> None:
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write("The directory already has people: the demo district is not loaded.")
            return
        with acting_as(actor_repr="aup demo", channel="cli"):
            self.install_lists(options["lists"])
        self.stdout.write(f"Generating the demo district ({options['students']:,} students)...")
        district = generate(options["students"], seed=options["seed"])
        with acting_as(actor_repr="aup demo", channel="cli"):
            try:
                load_demo_district(actor=None, district=district)
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            load_demo_decisions()
        summary = roster_summary()
        self.stdout.write(
            self.style.SUCCESS(
                "Loaded Maple Valley Public Schools: "
                f"{summary['schools']} schools, {summary['students']:,} students, "
                f"{summary['staff']:,} staff, {summary['guardians']:,} guardians, "
                f"{summary['sections']:,} sections, {summary['enrollments']:,} enrollments."
            )
        )
        self.stdout.write("Run `aup demo --sign-ins` to see the demo sign-ins.")

    def install_lists(self, folder: Path | None) -> None:
        """The filter's lists, in place before the demo filter is published and compiled."""
        from django.core.exceptions import ValidationError

        from openaup.filtering.services.lists import install_demo_lists

        if folder is None:
            self.stdout.write("Installing the demo's starter filter lists...")
        else:
            self.stdout.write(f"Copying the filter lists of {folder}...")
        try:
            outcome = install_demo_lists(lists_from=folder)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(outcome.message)

    def show_sign_ins(self, url: str) -> None:
        sign_ins = demo_sign_ins()
        if not sign_ins:
            self.stdout.write("No demo sign-ins yet: run `aup demo` to load the demo district.")
            return
        width = max(len(username) for username, _, _ in sign_ins)
        self.stdout.write(f"\nOpenAUP is at {url}. Demo sign-ins:\n")
        for username, label, name in sign_ins:
            who = f"{label} ({name})" if name else label
            self.stdout.write(f"  {username:<{width}}  {who}")
        self.stdout.write(f"\nPassword for every demo sign-in: {settings.OPENAUP_DEMO_PASSWORD}\n")
        if settings.OPENAUP_REQUIRE_2FA:
            self.stdout.write(
                "Staff sign-ins set up an authenticator app at their first sign-in "
                "(OPENAUP_REQUIRE_2FA=false switches two-factor off for a demonstration).\n"
            )
