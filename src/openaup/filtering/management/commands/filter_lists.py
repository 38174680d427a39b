"""``aup filter lists``: the filter's list sources.

- ``aup filter lists show``: each source, its status, last success, last error, entries and
  size;
- ``aup filter lists update [--source NAME] [--force]``: fetch, check and swap in the enabled
  sources (or the one named), then recompile the live policy when something changed; exits
  with status 1 when a source could not be updated, naming it and what was wrong;
- ``aup filter lists add NAME --kind ut1|plain|hosts (--url URL | --path PATH)
  [--category NAME] [--hours N]``: a new source.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.formats import date_format

from openaup.core.context import acting_as
from openaup.filtering.choices import ListKind
from openaup.filtering.models import ListSource
from openaup.filtering.services import lists


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "never"


class Command(BaseCommand):
    help = "The filter's list sources: show them, update them, add one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="show|update|add")
        sub.add_parser("show", help="Each source with its status.")
        update = sub.add_parser("update", help="Fetch, check and swap in the lists.")
        update.add_argument("--source", metavar="NAME", help="Only this source.")
        update.add_argument(
            "--force",
            action="store_true",
            help="Download and swap in even when the source says nothing changed.",
        )
        add = sub.add_parser("add", help="A new list source.")
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=ListKind.values)
        where = add.add_mutually_exclusive_group(required=True)
        where.add_argument("--url", default="")
        where.add_argument("--path", default="")
        add.add_argument("--category", default="", help="The category of a plain/hosts list.")
        add.add_argument("--allow-list", action="store_true")
        add.add_argument(
            "--hours", type=int, default=24, help="Hours between updates (0: by hand only)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(actor_repr="aup filter lists", channel="cli"):
            getattr(self, f"do_{options['action']}")(options)

    def do_show(self, options: dict[str, Any]) -> None:
        sources = list(ListSource.objects.order_by("name"))
        if not sources:
            self.stdout.write("No list sources: add one with `aup filter lists add`.")
            return
        for source in sources:
            state = "" if source.enabled else " (disabled)"
            self.stdout.write(
                f"{source.name}{state}: {source.get_kind_display()} from "
                f"{source.url or source.path}"
            )
            self.stdout.write(
                f"  status: {source.get_status_display()}; last success "
                f"{_when(source.last_success_at)}; {source.entries:,} entries, "
                f"{source.bad_lines:,} bad lines, {_size(source.size)}"
            )
            if source.last_error:
                self.stdout.write(self.style.ERROR(f"  last error: {source.last_error}"))

    def do_update(self, options: dict[str, Any]) -> None:
        queryset = ListSource.objects.order_by("name")
        if options["source"]:
            queryset = queryset.filter(name=options["source"])
            if not queryset.exists():
                raise CommandError(f"No list source named {options['source']!r}.")
        else:
            queryset = queryset.filter(enabled=True)
        failed = []
        for source in queryset:
            outcome = lists.update_source(
                actor=None, source=source, force=options["force"], sync=True
            )
            if outcome.ok:
                self.stdout.write(self.style.SUCCESS(outcome.message))
                for problem in outcome.problems[:10] if outcome.changed else []:
                    self.stdout.write(f"  {problem}")
                if outcome.recompiled:
                    self.stdout.write("  The live policy was compiled again with these lists.")
            else:
                self.stderr.write(self.style.ERROR(outcome.message))
                failed.append(source.name)
        if failed:
            raise CommandError(f"Not updated: {', '.join(failed)}.")

    def do_add(self, options: dict[str, Any]) -> None:
        try:
            source = lists.create_source(
                actor=None,
                name=options["name"],
                kind=options["kind"],
                url=options["url"],
                path=options["path"],
                category=options["category"],
                allow_list=options["allow_list"],
                update_hours=options["hours"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            ) from exc
        self.stdout.write(
            f"Added list source {source.name}: run `aup filter lists update --source "
            f"{source.name}` to fetch it."
        )
