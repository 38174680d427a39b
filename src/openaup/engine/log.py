"""The decision log: a bounded queue and one writer thread; files by day.

``submit()`` never waits on the disk: it formats the line (a string, nothing for the
garbage collector to walk) and appends it to a bounded queue; when the queue is full (the
writer cannot keep up, or the disk failed) the entry is dropped and counted. The writer
appends tab-separated lines to ``<dir>/YYYY-MM-DD.tsv`` (the day of the decision, UTC), each
file starting with a header line; see ``docs/engine.md``.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import functools
import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from openaup.engine.decision import Decision, FilterRequest
from openaup.engine.urls import authority_host, split_authority

__all__ = [
    "COLUMNS",
    "DecisionLog",
    "decision_fields",
    "default_log_dir",
    "format_line",
    "format_stamp",
]

COLUMNS = (
    "time", "client_ip", "user", "profile", "host", "url", "action", "category", "rule", "tag",
    "reason", "list",
)  # fmt: skip
HEADER = "#" + "\t".join(COLUMNS) + "\n"


def default_log_dir() -> Path:
    """``$OPENAUP_DATA_DIR/filter-log`` (``./var/filter-log`` when the variable is unset, as for
    the web app)."""
    return Path(os.environ.get("OPENAUP_DATA_DIR", "var")) / "filter-log"


_CONTROL = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def _clean(value: str) -> str:
    if not value:
        return "-"
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else " " for c in value.translate(_CONTROL))


@functools.lru_cache(maxsize=4096)
def _host(authority: str) -> str:
    return authority_host(authority)


@functools.lru_cache(maxsize=4)
def _second(stamp: int) -> str:
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


# The fields a decision brings to its line, kept per decision object: the verdicts of a
# helper are few and reused (cached per host), so most lines cost one dict look-up here.
# Keyed by id(); the entry holds the decision itself, so a reused id is never mistaken.
_SUFFIXES: dict[int, tuple[Decision, str, str]] = {}
_SUFFIX_CACHE = 4096


def decision_fields(decision: Decision) -> tuple[str, str]:
    """The profile column and the text from the action column to the end of the line."""
    hit = _SUFFIXES.get(id(decision))
    if hit is not None and hit[0] is decision:
        return hit[1], hit[2]
    fields = (decision.action.value, decision.category, decision.rule, decision.tag,
              decision.reason, decision.list_name)  # fmt: skip
    profile = _clean(decision.profile)
    suffix = "\t".join(map(_clean, fields)) + "\n"
    if len(_SUFFIXES) >= _SUFFIX_CACHE:
        _SUFFIXES.clear()
    _SUFFIXES[id(decision)] = (decision, profile, suffix)
    return profile, suffix


_last_second: tuple[int, str] = (-1, "")


def format_stamp(stamp: float) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ``; the text of the last second is kept (one tuple,
    replaced whole, so two threads never see half of it)."""
    global _last_second
    second = int(stamp)
    last = _last_second
    if last[0] != second:
        last = _last_second = (second, _second(second))
    return f"{last[1]}.{int((stamp - second) * 1000):03d}Z"


def format_line(
    stamp: float, request: FilterRequest, decision: Decision, host: str = "", rest: str = ""
) -> str:
    """One log line (ends with a newline). The URL is logged without its query string or
    fragment, and without user info or port; an empty field is ``-``; a control character
    in any field becomes a space. ``host`` and ``rest`` (what follows the authority), when
    the caller already has them, save parsing the URL again."""
    if not host:
        authority, rest = split_authority(request.url)
        host = _host(authority)
    if "?" in rest or "#" in rest:
        rest = rest.split("?", 1)[0].split("#", 1)[0]
    url = f"{host}{rest}"[:2000] if host else request.url.split("?", 1)[0][:2000]
    client_ip = request.client_ip or "-"
    user = request.user or "-"
    if not (client_ip + user + url).isprintable():
        client_ip, user, url, host = _clean(client_ip), _clean(user), _clean(url), _clean(host)
    profile, suffix = decision_fields(decision)
    head = f"{format_stamp(stamp)}\t{client_ip}\t{user}\t{profile}"
    return f"{head}\t{host or '-'}\t{url or '-'}\t{suffix}"


class DecisionLog:
    """Start with :meth:`start` (or ``with``); :meth:`close` writes what is queued and stops
    the writer.

    :meth:`submit` formats the line and appends it to a bounded in-memory queue (a
    ``deque``: no lock, no wake-up per entry); the writer thread wakes every
    ``flush_seconds``, or early once 4,096 entries wait, and appends the batch to the day's
    file in one write. ``dropped`` counts
    entries lost (queue full, or a write error), ``written`` lines written; :meth:`stats`
    gives both for a helper's shutdown line."""

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        max_queue: int = 65536,
        flush_seconds: float = 0.1,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_log_dir()
        self.dropped = 0
        self.written = 0
        self.errors = 0
        self.max_queue = max_queue
        self._queue: collections.deque[str] = collections.deque()
        # wake the writer early past this many entries: a short queue keeps few requests
        # alive (memory, and work for the garbage collector)
        self._high = max(1, min(4096, max_queue // 2))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_seconds = flush_seconds
        self._thread: threading.Thread | None = None
        self._last_report = 0.0
        self._lock = threading.Lock()

    def start(self) -> DecisionLog:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="decision-log", daemon=True)
            self._thread.start()
        return self

    def submit(
        self, request: FilterRequest, decision: Decision, host: str = "", rest: str = ""
    ) -> None:
        """Queue one decision; never blocks. A full queue drops the entry and counts it.
        ``host`` and ``rest``: see :func:`format_line`."""
        queued = self._queue
        size = len(queued)
        if size >= self.max_queue:
            self._drop(1, "queue full: the writer cannot keep up")
            return
        try:
            line = format_line(time.time(), request, decision, host, rest)
        except Exception:  # a log line must never cost a decision
            self._drop(1, "an entry could not be formatted")
            return
        queued.append(line)
        if size == self._high:
            self._wake.set()

    def submit_lines(self, lines: list[str]) -> None:
        """Queue lines already formatted as :func:`format_line` does (a helper that builds
        them itself); never blocks. What does not fit in the queue is dropped and counted."""
        queued = self._queue
        size = len(queued)
        room = self.max_queue - size
        if room < len(lines):
            self._drop(len(lines) - max(room, 0), "queue full: the writer cannot keep up")
            if room <= 0:
                return
            lines = lines[:room]
        queued.extend(lines)
        if size <= self._high < size + len(lines):
            self._wake.set()

    def _drop(self, n: int, why: str) -> None:
        with self._lock:
            self.dropped += n
            now = time.monotonic()
            if now - self._last_report < 10.0:
                return
            self._last_report = now
            total = self.dropped
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"aup filter: decision log: {total} entries dropped so far ({why})\n")
            sys.stderr.flush()

    def stats(self) -> dict[str, int]:
        return {"written": self.written, "dropped": self.dropped, "errors": self.errors}

    def _open(self, day: str, current: TextIO | None) -> TextIO:
        if current is not None:
            with contextlib.suppress(OSError):
                current.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{day}.tsv"
        handle = open(path, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
        if handle.tell() == 0:
            handle.write(HEADER)
        return handle

    def _run(self) -> None:
        handle: TextIO | None = None
        day = ""
        queued = self._queue
        popleft = queued.popleft
        while True:
            stopping = self._stop.is_set()
            if not stopping:
                self._wake.wait(self._flush_seconds)
                self._wake.clear()
            lines: list[str] = []
            for _ in range(len(queued)):
                line = popleft()
                entry_day = line[:10]
                if entry_day != day and lines:
                    handle = self._write(handle, day, lines)
                    lines = []
                day = entry_day
                lines.append(line)
            if lines:
                handle = self._write(handle, day, lines)
            if handle is not None:
                try:
                    handle.flush()
                except OSError:
                    self.errors += 1
            if stopping and not queued:
                if handle is not None:
                    with contextlib.suppress(OSError):
                        handle.close()
                return

    def _write(self, handle: TextIO | None, day: str, lines: list[str]) -> TextIO | None:
        try:
            if handle is None or not handle.name.endswith(f"{day}.tsv"):
                handle = self._open(day, handle)
            handle.write("".join(lines))
            self.written += len(lines)
        except OSError as exc:
            self.errors += 1
            self._drop(len(lines), f"write error: {exc.strerror}")
            handle = None
        return handle

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer (waits at most ``timeout`` seconds)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> DecisionLog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
