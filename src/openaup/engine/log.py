"""The decision log: a bounded queue and one writer thread; files by day.

``submit()`` never waits on the disk: it puts one small tuple on a bounded queue, and when
the queue is full (the writer cannot keep up, or the disk failed) the entry is dropped and
counted. The writer appends tab-separated lines to ``<dir>/YYYY-MM-DD.tsv`` (the day of the
decision, UTC), each file starting with a header line; see ``docs/engine.md``.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import TextIO, cast

from openaup.engine.decision import Decision, FilterRequest
from openaup.engine.urls import split_url

__all__ = ["COLUMNS", "DecisionLog", "default_log_dir"]

COLUMNS = (
    "time", "client_ip", "user", "profile", "host", "url", "action", "category", "rule", "tag",
    "reason", "list",
)  # fmt: skip
HEADER = "#" + "\t".join(COLUMNS) + "\n"
_Entry = tuple[float, FilterRequest, Decision]
_STOP = object()


def default_log_dir() -> Path:
    """``$OPENAUP_DATA_DIR/filter-log`` (``./var/filter-log`` when the variable is unset, as for
    the web app)."""
    return Path(os.environ.get("OPENAUP_DATA_DIR", "var")) / "filter-log"


def _clean(value: str) -> str:
    if not value:
        return "-"
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return value


def format_line(stamp: float, request: FilterRequest, decision: Decision) -> str:
    """One log line (ends with a newline). The URL is logged without its query string."""
    host, path, _query = split_url(request.url)
    url = f"{host}/{path}" if host else request.url.split("?", 1)[0][:500]
    when = datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = (
        when, request.client_ip, request.user, decision.profile, host, url[:2000],
        decision.action.value, decision.category, decision.rule, decision.tag, decision.reason,
        decision.list_name,
    )  # fmt: skip
    return "\t".join(_clean(f) for f in fields) + "\n"


class DecisionLog:
    """Start with :meth:`start` (or ``with``); :meth:`close` flushes and stops the writer.

    ``dropped`` counts entries lost (queue full or write error); ``written`` counts lines
    written; :meth:`stats` gives both for a helper's shutdown line."""

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        max_queue: int = 65536,
        flush_seconds: float = 1.0,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_log_dir()
        self.dropped = 0
        self.written = 0
        self.errors = 0
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_queue)
        self._flush_seconds = flush_seconds
        self._thread: threading.Thread | None = None
        self._last_report = 0.0
        self._lock = threading.Lock()

    def start(self) -> DecisionLog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="decision-log", daemon=True)
            self._thread.start()
        return self

    def submit(self, request: FilterRequest, decision: Decision) -> None:
        """Queue one decision; never blocks. A full queue drops the entry and counts it."""
        try:
            self._queue.put_nowait((time.time(), request, decision))
        except queue.Full:
            self._drop(1, "queue full")

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
        get = self._queue.get
        last_flush = time.monotonic()
        while True:
            try:
                item = get(timeout=self._flush_seconds)
            except queue.Empty:
                item = None
            batch: list[object] = [] if item is None else [item]
            while len(batch) < 4096:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = False
            lines: list[str] = []
            for entry in batch:
                if entry is _STOP:
                    stop = True
                    continue
                stamp, request, decision = cast(_Entry, entry)
                entry_day = datetime.datetime.fromtimestamp(stamp, datetime.UTC).strftime(
                    "%Y-%m-%d"
                )
                if entry_day != day and lines:
                    handle = self._write(handle, day, lines)
                    lines = []
                day = entry_day
                lines.append(format_line(stamp, request, decision))
            if lines:
                handle = self._write(handle, day, lines)
            now = time.monotonic()
            if handle is not None and (stop or now - last_flush >= self._flush_seconds):
                try:
                    handle.flush()
                except OSError:
                    self.errors += 1
                last_flush = now
            if stop:
                if handle is not None:
                    try:
                        handle.close()
                    except OSError:
                        self.errors += 1
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
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> DecisionLog:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
