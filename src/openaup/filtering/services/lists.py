"""List sources and local lists.

- :func:`create_source`, :func:`change_source`, :func:`set_source_enabled`: the rows that
  say where lists come from (records ``filter.list_source.*``).
- :func:`update_source`: fetch, check, unpack and swap one source's lists in under
  ``lists_dir()/<name>`` (:mod:`openaup.engine.sources`), record the outcome on the row
  (``filter.list_source.updated`` or ``.update_failed``) and, when something changed,
  recompile the live policy. A failure leaves the live lists as they were.
- :func:`request_update`: "update now" from a page or the API: the update runs in the
  background worker.
- :func:`update_due_sources`: the scheduled run (each enabled source whose ``update_hours``
  have passed).
- :func:`save_local_list`: a list edited in the app, checked line by line and written to
  ``lists_dir()/local/<category>.txt`` atomically (``filter.local_list.saved``).
- :func:`install_demo_lists`: the demo district's starter lists (or UT1-layout lists from a
  folder) as a list source.

A ``None`` actor is the system (the scheduler, a command, the demo loader).
"""

from __future__ import annotations

import datetime
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from openaup.audit.services import record
from openaup.engine import sources
from openaup.engine.expressions import compile_expression
from openaup.engine.files import write_atomically
from openaup.engine.lists import domain_line, url_line
from openaup.filtering.choices import ListKind, SourceStatus
from openaup.filtering.models import ListSource, LocalList
from openaup.filtering.paths import lists_dir
from openaup.filtering.querysets import manages_filter

__all__ = [
    "DEMO_LISTS_DIR",
    "LOCAL_FOLDER",
    "SOURCE_FIELDS",
    "LineProblem",
    "UpdateOutcome",
    "change_source",
    "check_local_expressions",
    "check_local_lines",
    "create_source",
    "install_demo_lists",
    "request_update",
    "save_local_list",
    "set_source_enabled",
    "source_folder",
    "update_due_sources",
    "update_source",
]

logger = logging.getLogger("openaup.filtering.lists")

#: The folder of the lists edited in the app, under ``lists_dir()``; no source may take it.
LOCAL_FOLDER = "local"
#: The starter lists shipped with OpenAUP for the demo district.
DEMO_LISTS_DIR = Path(__file__).resolve().parent.parent / "demo_lists"
DEMO_SOURCE = "starter"
UT1_DEMO_SOURCE = "ut1"

#: Names that would clash with the pages' addresses (``/filter/lists/new/``).
RESERVED_NAMES = frozenset({"new"})
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CATEGORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
SOURCE_FIELDS = ("kind", "url", "path", "category", "allow_list", "enabled", "update_hours")
MAX_LOCAL_LINES = 50_000
#: The longest regular expression a local list takes (characters).
MAX_EXPRESSION = 1000
_HOSTS_ADDRESSES = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1"})


def _check_actor(actor: Any) -> None:
    if actor is not None and not manages_filter(actor):
        raise PermissionDenied(
            "Only district administrators and technology staff change the filter's lists."
        )


def source_folder(source: ListSource | str) -> Path:
    """Where a source's live lists are: ``lists_dir()/<name>``."""
    name = source if isinstance(source, str) else source.name
    return lists_dir() / name


def _limits() -> tuple[float, int]:
    return float(settings.OPENAUP_LIST_TIMEOUT), int(settings.OPENAUP_LIST_MAX_MB) << 20


def _clean_source(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Normalize and check a source's fields; a ``ValidationError`` per field otherwise."""
    errors: dict[str, str] = {}
    kind = values.get("kind", "")
    if kind not in ListKind.values:
        errors["kind"] = f"“{kind}” is not a kind of list: use ut1, plain or hosts."
    url = (values.get("url") or "").strip()
    path = (values.get("path") or "").strip()
    if url and path:
        errors["url"] = "Give a URL or a local path, not both."
    elif not url and not path:
        errors["url"] = "Give the URL the lists are downloaded from, or a local path."
    elif url and not url.startswith(("http://", "https://")):
        errors["url"] = f"“{url}” is not an http:// or https:// address."
    elif path and not Path(path).is_absolute():
        errors["path"] = f"“{path}” is not an absolute path (it must start with /)."
    category = (values.get("category") or "").strip()
    single = kind in (ListKind.PLAIN, ListKind.HOSTS) and not (path and Path(path).is_dir())
    if category and not _CATEGORY_RE.match(category):
        errors["category"] = (
            f"“{category}” cannot be a category name: use letters, digits, '-', '_' and '.'."
        )
    elif single and not category:
        errors["category"] = "A plain or hosts list needs the category it provides."
    hours = values.get("update_hours", 24)
    if not isinstance(hours, int) or hours < 0 or hours > 24 * 90:
        errors["update_hours"] = "Hours between updates: a whole number from 0 to 2160."
    if creating:
        name = (values.get("name") or "").strip()
        if not _NAME_RE.match(name):
            errors["name"] = (
                f"“{name}” cannot be a source name: use lowercase letters, digits, '-' and "
                "'_' (up to 64)."
            )
        elif name == LOCAL_FOLDER:
            errors["name"] = f"“{LOCAL_FOLDER}” is the folder of the lists edited here."
        elif name in RESERVED_NAMES:
            errors["name"] = f"“{name}” is reserved: choose another name."
        elif ListSource.objects.filter(name=name).exists():
            errors["name"] = f"A list source named “{name}” already exists."
        values["name"] = name
    if errors:
        raise ValidationError(errors)
    values.update(url=url, path=path, category=category)
    return values


@transaction.atomic
def create_source(
    *,
    actor: Any,
    name: str,
    kind: str,
    url: str = "",
    path: str = "",
    category: str = "",
    allow_list: bool = False,
    enabled: bool = True,
    update_hours: int = 24,
) -> ListSource:
    """A new list source (not fetched yet). Records ``filter.list_source.created``."""
    _check_actor(actor)
    values = _clean_source(
        {
            "name": name,
            "kind": kind,
            "url": url,
            "path": path,
            "category": category,
            "allow_list": bool(allow_list),
            "enabled": bool(enabled),
            "update_hours": update_hours,
        },
        creating=True,
    )
    source = ListSource.objects.create(**values)
    record(
        "filter.list_source.created",
        actor=actor,
        obj=source,
        changes={k: values[k] for k in ("name", *SOURCE_FIELDS)},
    )
    return source


@transaction.atomic
def change_source(*, actor: Any, source: ListSource, **changes: Any) -> ListSource:
    """Change a source's kind, location, category, allow-list flag, schedule or enabled flag.
    A new location forgets the download validators, so the next update fetches it whole.
    Records ``filter.list_source.changed`` with what changed."""
    _check_actor(actor)
    unknown = set(changes) - set(SOURCE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    source = ListSource.objects.select_for_update().get(pk=source.pk)
    values = {f: getattr(source, f) for f in SOURCE_FIELDS}
    values.update(changes)
    values = _clean_source(values, creating=False)
    diff = {
        f: [getattr(source, f), values[f]] for f in SOURCE_FIELDS if getattr(source, f) != values[f]
    }
    if not diff:
        return source
    for f in SOURCE_FIELDS:
        setattr(source, f, values[f])
    if {"url", "path", "kind", "category"} & set(diff):
        source.etag = source.last_modified = source.sha256 = ""
    source.save()
    record("filter.list_source.changed", actor=actor, obj=source, changes=diff)
    return source


def set_source_enabled(*, actor: Any, source: ListSource, enabled: bool) -> ListSource:
    """Enable or disable a source's scheduled updates (its lists on disk stay)."""
    return change_source(actor=actor, source=source, enabled=enabled)


@transaction.atomic
def request_update(*, actor: Any, source: ListSource, force: bool = False) -> ListSource:
    """Ask the background worker to update ``source`` now. Records
    ``filter.list_source.update_requested``."""
    _check_actor(actor)
    source = ListSource.objects.select_for_update().get(pk=source.pk)
    source.update_requested_at = timezone.now()
    source.save(update_fields=["update_requested_at", "updated_at"])
    record("filter.list_source.update_requested", actor=actor, obj=source, changes={"force": force})
    from openaup.filtering.tasks import update_list_source

    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: update_list_source.enqueue(
            source_id=source.pk, requested_by_id=actor_id, force=force
        )
    )
    return source


@dataclass
class UpdateOutcome:
    """What :func:`update_source` did: ``ok`` (no error), ``changed`` (new lists swapped
    in), ``message`` (one sentence naming the source), ``problems`` (bad lines)."""

    source: ListSource
    ok: bool
    changed: bool
    message: str
    problems: list[str] = field(default_factory=list)
    recompiled: bool = False


def _fetch_into(
    source: ListSource, staging: Path, work: Path, force: bool
) -> tuple[Any, list[str]]:
    """Fetch or copy the source and unpack it into ``staging``; returns the
    :class:`~openaup.engine.sources.FetchResult` (``None`` when a local folder is copied)
    and the notes of unpacking."""
    timeout, max_bytes = _limits()
    location = source.url or source.path
    if source.path and Path(source.path).is_dir():
        sources.copy_folder(Path(source.path), staging, max_bytes=max_bytes)
        return None, []
    result = sources.fetch(
        location,
        work / "download",
        etag="" if force else source.etag,
        last_modified="" if force else source.last_modified,
        timeout=timeout,
        max_bytes=max_bytes,
    )
    if result.path is None:
        return result, []
    notes = sources.unpack(
        result.path, staging, kind=source.kind, category=source.category, max_bytes=max_bytes
    )
    return result, notes


def update_source(
    *, actor: Any, source: ListSource, force: bool = False, sync: bool = False
) -> UpdateOutcome:
    """Fetch, check and swap in one source's lists, then record the outcome.

    The download and checks run outside any transaction; only the outcome is written (with
    its audit event) in one. On any failure the live folder is left alone, the error is kept
    in ``last_error`` and returned. ``force`` ignores the validators and the unchanged hash.
    After a change the live policy is recompiled (in the background, or before returning
    with ``sync``).
    """
    _check_actor(actor)
    live = source_folder(source)
    with sources.source_lock(live.parent, live.name) as locked:
        if not locked:
            return UpdateOutcome(
                source,
                ok=True,
                changed=False,
                message=f"{source.name}: another update of this source is running",
            )
        return _update_locked(actor, source, live, force=force, sync=sync)


def _update_locked(
    actor: Any, source: ListSource, live: Path, *, force: bool, sync: bool
) -> UpdateOutcome:
    sources.sweep(live.parent, live.name)
    staging = sources.staging_dir(live, "new")
    work = Path(tempfile.mkdtemp(prefix=f".{live.name}.download-", dir=live.parent))
    checked_at = timezone.now()
    try:
        result, notes = _fetch_into(source, staging, work, force)
        if result is not None and result.not_modified:
            return _record_outcome(
                actor, source, checked_at, changed=False, message="not modified (HTTP 304)"
            )
        sha = result.sha256 if result is not None else sources.folder_sha256(staging)
        size = result.size if result is not None else _folder_size(staging)
        if not force and sha == source.sha256 and live.is_dir():
            return _record_outcome(
                actor, source, checked_at, changed=False, message="unchanged", fetch=result
            )
        report = sources.check(staging)
        sources.swap_in(staging, live)
    except sources.SourceError as exc:
        return _record_failure(actor, source, checked_at, str(exc))
    except OSError as exc:
        return _record_failure(actor, source, checked_at, f"cannot write the lists: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    outcome = _record_outcome(
        actor,
        source,
        checked_at,
        changed=True,
        message=(
            f"{report.lists} lists, {report.entries:,} entries, {report.bad:,} bad lines skipped"
        ),
        fetch=result,
        sha=sha,
        size=size,
        report=report,
        notes=notes,
    )
    outcome.recompiled = _recompile(actor, f"list source {source.name} updated", sync=sync)
    return outcome


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@transaction.atomic
def _record_outcome(
    actor: Any,
    source: ListSource,
    checked_at: datetime.datetime,
    *,
    changed: bool,
    message: str,
    fetch: Any = None,
    sha: str = "",
    size: int = 0,
    report: sources.CheckReport | None = None,
    notes: list[str] | None = None,
) -> UpdateOutcome:
    row = ListSource.objects.select_for_update().get(pk=source.pk)
    row.status = SourceStatus.OK
    row.last_checked_at = checked_at
    row.last_success_at = checked_at
    row.last_error = ""
    if fetch is not None:
        row.etag = fetch.etag
        row.last_modified = fetch.last_modified
    if changed and report is not None:
        row.sha256 = sha
        row.size = size
        row.entries = report.entries
        row.bad_lines = report.bad
        row.problems = [*report.problems, *(notes or [])][:50]
    row.save()
    changes: dict[str, Any] = {"changed": changed, "result": message}
    if changed:
        changes.update(entries=row.entries, bad_lines=row.bad_lines, sha256=row.sha256)
    record("filter.list_source.updated", actor=actor, obj=row, changes=changes)
    return UpdateOutcome(
        row, ok=True, changed=changed, message=f"{row.name}: {message}", problems=row.problems
    )


@transaction.atomic
def _record_failure(
    actor: Any, source: ListSource, checked_at: datetime.datetime, error: str
) -> UpdateOutcome:
    row = ListSource.objects.select_for_update().get(pk=source.pk)
    row.status = SourceStatus.FAILED
    row.last_checked_at = checked_at
    row.last_error = error
    row.save()
    record("filter.list_source.update_failed", actor=actor, obj=row, changes={"error": error})
    logger.warning("List source %s not updated: %s", row.name, error)
    return UpdateOutcome(
        row,
        ok=False,
        changed=False,
        message=f"{row.name}: not updated, {error} (the lists in use are unchanged)",
    )


def _recompile(actor: Any, reason: str, *, sync: bool) -> bool:
    """Recompile the live policy with the new lists, when one has been published."""
    from openaup.filtering.services.publishing import recompile_live

    with transaction.atomic():
        return recompile_live(actor=actor, reason=reason, sync=sync) is not None


def update_due_sources(
    *, actor: Any = None, now: datetime.datetime | None = None
) -> list[UpdateOutcome]:
    """Update every enabled source with ``update_hours`` whose last check is at least that
    old (or that was never checked)."""
    now = now or timezone.now()
    outcomes = []
    for source in ListSource.objects.filter(enabled=True, update_hours__gt=0).order_by("name"):
        last = source.last_checked_at
        if last is None or now - last >= datetime.timedelta(hours=source.update_hours):
            outcomes.append(update_source(actor=actor, source=source))
    return outcomes


# --- Local lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class LineProblem:
    """A line of a local list that cannot be used."""

    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: “{self.text}” {self.why}"


def _content_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """The lines of a local list's text that are not blank or ``#`` comments: their
    number, the line stripped, and its first 100 characters (to show in a message)."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line, line[:100]


def check_local_lines(text: str) -> tuple[list[str], list[LineProblem]]:
    """The entries of a local list (a domain, ``host/path`` prefix or hosts-file line per
    line; ``#`` comments) and each line that cannot be used, with its number and why."""
    entries: list[str] = []
    problems: list[LineProblem] = []
    for number, line, shown in _content_lines(text):
        if "/" in line.split("://", 1)[-1] and " " not in line and "\t" not in line:
            key = url_line(line)
            if key:
                entries.append(key)
            else:
                problems.append(LineProblem(number, shown, "is not a URL prefix (host/path)"))
            continue
        host = domain_line(line)
        if host:
            entries.append(host)
        elif host == "":
            parts = line.split()
            if len(parts) > 2 and parts[0] in _HOSTS_ADDRESSES:
                why = "has more than one name after the address (one per line)"
            elif len(parts) > 1:
                why = "is not a domain name (one domain, URL prefix or hosts line per line)"
            else:
                why = "is not a domain name"
            problems.append(LineProblem(number, shown, why))
    if len(entries) > MAX_LOCAL_LINES:
        problems.append(
            LineProblem(0, "", f"is too long: at most {MAX_LOCAL_LINES:,} entries per list")
        )
    return entries, problems


def check_local_expressions(text: str) -> tuple[list[str], list[LineProblem]]:
    """The regular expressions of a local list (one a line; ``#`` comments), compiled as
    the engine compiles them, and each line that does not compile, with its number and
    the compiler's reason."""
    expressions: list[str] = []
    problems: list[LineProblem] = []
    for number, line, shown in _content_lines(text):
        if len(line) > MAX_EXPRESSION:
            problems.append(LineProblem(number, shown, f"is longer than {MAX_EXPRESSION}"))
            continue
        try:
            compile_expression(0, line)
        except re.error as exc:
            where = f" at position {exc.pos + 1}" if exc.pos is not None else ""
            problems.append(
                LineProblem(number, shown, f"is not a regular expression: {exc.msg}{where}")
            )
            continue
        expressions.append(line)
    return expressions, problems


def _write_local(
    category: str, entries: list[str], allow: bool, expressions: list[str] | None = None
) -> None:
    """``local/<category>.txt`` holds the domains; URL prefixes and regular expressions,
    which only the UT1 layout carries, go to ``local/urls/<category>/urls`` and
    ``.../expressions`` (with ``usage`` ``white`` for an allow-list)."""
    folder = lists_dir() / LOCAL_FOLDER
    header = f"# {category}: edited in OpenAUP ({'allow' if allow else 'block'} list)\n"
    domains = [e for e in entries if "/" not in e]
    urls = [e for e in entries if "/" in e]
    write_atomically(folder / f"{category}.txt", header + "".join(f"{d}\n" for d in domains))
    url_dir = folder / "urls" / category
    if urls or expressions:
        for name, lines in (("urls", urls), ("expressions", expressions or [])):
            if lines:
                write_atomically(url_dir / name, header + "".join(f"{x}\n" for x in lines))
            else:
                (url_dir / name).unlink(missing_ok=True)
        write_atomically(url_dir / "usage", "white\n" if allow else "black\n")
    elif url_dir.is_dir():
        shutil.rmtree(url_dir, ignore_errors=True)


@transaction.atomic
def save_local_list(
    *,
    actor: Any,
    category: str,
    entries: str,
    description: str = "",
    allow_list: bool = False,
    expressions: str = "",
    local_list: LocalList | None = None,
) -> LocalList:
    """Create or change a local list. Every bad line of ``entries`` and every regular
    expression of ``expressions`` that does not compile is refused with its number and why
    (nothing is saved); otherwise the row is saved and the files written atomically after
    the commit. Records ``filter.local_list.saved``."""
    _check_actor(actor)
    category = category.strip()
    errors: dict[str, Any] = {}
    if not _CATEGORY_RE.match(category):
        errors["category"] = (
            f"“{category}” cannot be a category name: use letters, digits, '-', '_' and '.'."
        )
    elif category in RESERVED_NAMES:
        errors["category"] = f"“{category}” is reserved: choose another name."
    elif (
        LocalList.objects.filter(category=category)
        .exclude(pk=getattr(local_list, "pk", None))
        .exists()
    ):
        errors["category"] = f"A local list of category “{category}” already exists."
    parsed, problems = check_local_lines(entries)
    if problems:
        errors["entries"] = [str(p) for p in problems[:50]]
        if len(problems) > 50:
            errors["entries"].append(f"... and {len(problems) - 50} more bad lines.")
    patterns, bad_patterns = check_local_expressions(expressions)
    if bad_patterns:
        errors["expressions"] = [str(p) for p in bad_patterns[:50]]
    if errors:
        raise ValidationError(errors)
    text = "\n".join(line.rstrip() for line in entries.strip().splitlines())
    if local_list is None:
        row = LocalList(category=category)
        before: dict[str, Any] = {}
    else:
        row = LocalList.objects.select_for_update().get(pk=local_list.pk)
        before = {"category": row.category, "entries": row.entries.count("\n") + 1}
    old_category = row.category
    row.category = category
    row.description = description.strip()
    row.allow_list = bool(allow_list)
    row.entries = text
    row.expressions = "\n".join(line.strip() for line in expressions.strip().splitlines())
    row.updated_by = actor
    row.save()
    record(
        "filter.local_list.saved",
        actor=actor,
        obj=row,
        changes={
            "before": before,
            "category": category,
            "entries": len(parsed),
            "expressions": len(patterns),
        },
    )
    allow = row.allow_list

    def write() -> None:
        if old_category and old_category != category:
            _remove_local(old_category)
        _write_local(category, parsed, allow, patterns)

    transaction.on_commit(write)
    return row


def _remove_local(category: str) -> None:
    folder = lists_dir() / LOCAL_FOLDER
    (folder / f"{category}.txt").unlink(missing_ok=True)
    shutil.rmtree(folder / "urls" / category, ignore_errors=True)


# --- The demo district ------------------------------------------------------------------


def install_demo_lists(*, lists_from: Path | None = None) -> UpdateOutcome:
    """Put the demo's lists in place as a list source: the starter lists shipped with
    OpenAUP (source ``starter``), or the UT1-layout folder ``lists_from`` (source ``ut1``,
    copied so the lists folder stays writable). Updated by hand only (``update_hours`` 0).
    Raises ``ValidationError`` when the lists cannot be used."""
    if lists_from is None:
        name, kind, path = DEMO_SOURCE, ListKind.PLAIN, DEMO_LISTS_DIR
    else:
        name, kind, path = UT1_DEMO_SOURCE, ListKind.UT1, Path(lists_from).resolve()
        if not path.is_dir():
            raise ValidationError(f"{lists_from} is not a folder of UT1-layout lists.")
    source = ListSource.objects.filter(name=name).first()
    if source is None:
        source = create_source(actor=None, name=name, kind=kind, path=str(path), update_hours=0)
    elif source.path != str(path) or source.kind != kind:
        source = change_source(actor=None, source=source, kind=kind, path=str(path), url="")
    outcome = update_source(actor=None, source=source, force=True)
    if not outcome.ok:
        raise ValidationError(outcome.message)
    return outcome
