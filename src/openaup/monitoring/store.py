"""The Parquet store of filter decisions: one folder per UTC day, ingested from the engine's
decision files with DuckDB. No Django here: the caller passes the maps that resolve a user
name or a client address to a school and a person.

Layout under the monitoring folder::

    decisions/day=2026-11-28/<source>-<start byte>-<end byte>-<end line>.parquet
    decisions/day=2026-11-28/_ingested.json     how far each source file was read
    decisions/day=2026-11-27/compact-<n>.parquet  a finished day, in one file
    tmp/                                         files being written (renamed in when whole)

A part file's name says which byte range of which source file it holds, so a crash between
renaming the part in and writing ``_ingested.json`` is noticed and the range is not ingested
twice. Rows in a file are sorted by school, user and time: a school's or a student's rows sit
together, so DuckDB skips the other row groups by their min/max statistics, and the repeated
values compress to almost nothing (dictionary encoding, zstd).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from openaup.engine.log import COLUMNS as ENGINE_COLUMNS

__all__ = [
    "COLUMNS",
    "FileResult",
    "NetworkMap",
    "PeopleMap",
    "Problem",
    "Store",
]

#: The Parquet columns: the engine's (``ts`` for its time), what ingest resolves, and where
#: the row came from (``helper``: the engine decided; ``squid``: Squid's own access log).
COLUMNS = (
    "ts", "client_ip", "user", "profile", "host", "url", "action", "category", "rule", "tag",
    "reason", "list", "school_id", "person_id", "source", "status", "bytes",
)  # fmt: skip

_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.tsv$")
_PART = re.compile(r"^(?P<tag>[0-9a-f]{8})-(?P<start>\d+)-(?P<end>\d+)-(?P<line>\d+)\.parquet$")
#: Parquet written by DuckDB: zstd, row groups small enough to skip most of a day for one
#: school. ``PARQUET_VERSION V2`` brings delta encodings for the sorted timestamps.
_PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536, PARQUET_VERSION V2"
#: At most this many bytes of a day file per part (a day of a large district in a few parts).
CHUNK_BYTES = 512 * 1024 * 1024
#: Problems kept per file for the report (the count is always exact).
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """A line that could not be ingested: the file, its line number and why."""

    file: str
    line: int
    error: str


@dataclass
class FileResult:
    """What one ingest did with one source file."""

    file: str
    day: str
    rows: int = 0
    bad_lines: int = 0
    bytes_read: int = 0
    lines_read: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class PeopleMap:
    """Proxy user names (lower case) -> (person id, school id or None)."""

    people: Mapping[str, tuple[int, int | None]]


class NetworkMap:
    """Client networks (CIDR) -> school id; the most specific network wins."""

    def __init__(self, networks: Sequence[tuple[str, int]]) -> None:
        parsed = []
        for cidr, school_id in networks:
            with contextlib.suppress(ValueError):
                parsed.append((ipaddress.ip_network(cidr, strict=False), school_id))
        parsed.sort(key=lambda item: item[0].prefixlen, reverse=True)
        self._networks = parsed

    def school_of(self, address: str) -> int | None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        for network, school_id in self._networks:
            if ip.version == network.version and ip in network:
                return school_id
        return None


def _source_tag(directory: Path) -> str:
    """Eight hex digits naming a decision-log folder (several filter nodes may each write a
    ``2026-11-28.tsv``)."""
    return hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:8]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


class Store:
    """The Parquet store under ``root`` (``OPENAUP_MONITOR_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.decisions = self.root / "decisions"
        self.tmp = self.root / "tmp"

    # --- reading ---------------------------------------------------------------------

    def day_dir(self, day: datetime.date | str) -> Path:
        return self.decisions / f"day={day if isinstance(day, str) else day.isoformat()}"

    def days(self) -> list[datetime.date]:
        """The days that have decisions, oldest first."""
        if not self.decisions.is_dir():
            return []
        found = []
        for entry in self.decisions.iterdir():
            if entry.name.startswith("day=") and any(entry.glob("*.parquet")):
                with contextlib.suppress(ValueError):
                    found.append(datetime.date.fromisoformat(entry.name[4:]))
        return sorted(found)

    def files(self, first: datetime.date, last: datetime.date) -> list[str]:
        """The Parquet files of the days ``first`` to ``last`` (inclusive)."""
        out: list[str] = []
        day = first
        while day <= last:
            folder = self.day_dir(day)
            if folder.is_dir():
                out.extend(sorted(str(p) for p in folder.glob("*.parquet")))
            day += datetime.timedelta(days=1)
        return out

    def bytes_used(self) -> int:
        if not self.decisions.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.decisions.glob("day=*/*.parquet"))

    # --- writing ---------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time (ingest, import, compaction, pruning), across processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "ingest.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _state(self, day: str) -> dict[str, list[int]]:
        """``{source tag: [bytes read, lines read]}`` of one day, corrected by the part files
        themselves (a part renamed in just before a crash)."""
        folder = self.day_dir(day)
        state: dict[str, list[int]] = {}
        with contextlib.suppress(FileNotFoundError, ValueError):
            state = json.loads((folder / "_ingested.json").read_text())
        if folder.is_dir():
            for part in folder.iterdir():
                match = _PART.match(part.name)
                if match is None:
                    continue
                tag, end = match["tag"], int(match["end"])
                if end > state.get(tag, [0, 0])[0]:
                    state[tag] = [end, int(match["line"])]
        return state

    def _write_state(self, day: str, state: dict[str, list[int]]) -> None:
        folder = self.day_dir(day)
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / "_ingested.json.tmp"
        temp.write_text(json.dumps(state, sort_keys=True))
        temp.replace(folder / "_ingested.json")

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
        con.execute("SET enable_progress_bar = false")
        self.tmp.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{_sql_path(self.tmp)}'")
        return con

    def ingest_dir(
        self,
        source: Path,
        *,
        people: PeopleMap,
        networks: NetworkMap,
        today: datetime.date | None = None,
    ) -> list[FileResult]:
        """Ingest what is new in every ``YYYY-MM-DD.tsv`` of ``source``; compact the days
        that are over. Returns one result per file that had anything new."""
        results: list[FileResult] = []
        if not source.is_dir():
            return results
        tag = _source_tag(source)
        today = today or datetime.datetime.now(datetime.UTC).date()
        with self.locked():
            con = self._connect()
            try:
                self._load_people(con, people)
                for path in sorted(source.iterdir()):
                    match = _DAY_FILE.match(path.name)
                    if match is None or not path.is_file():
                        continue
                    result = self._ingest_file(con, path, match[1], tag, networks)
                    if result is not None:
                        results.append(result)
                for day in self.days():
                    if day < today:
                        self._compact(con, day.isoformat())
            finally:
                con.close()
        return results

    def _load_people(self, con: duckdb.DuckDBPyConnection, people: PeopleMap) -> None:
        names = list(people.people)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE people AS SELECT unnest($1::VARCHAR[]) AS username, "
            "unnest($2::INTEGER[]) AS person_id, unnest($3::INTEGER[]) AS school_id",
            [
                names,
                [people.people[n][0] for n in names],
                [people.people[n][1] for n in names],
            ],
        )

    def _ingest_file(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        day: str,
        tag: str,
        networks: NetworkMap,
    ) -> FileResult | None:
        state = self._state(day)
        start, lines_before = state.get(tag, [0, 0])
        size = path.stat().st_size
        if size <= start:
            return None
        result = FileResult(file=path.name, day=day)
        with open(path, "rb") as handle:
            whole = start == 0 and size <= CHUNK_BYTES and _ends_with_newline(handle, size)
            while start < size:
                handle.seek(start)
                if whole:
                    # A whole file (a past day caught up): DuckDB reads it in place.
                    head = handle.readline()
                    header = head.startswith(b"#")
                    line_count = _count_lines(handle, size) + 1
                    end = size
                    csv: Path | bytes = path
                else:
                    data = handle.read(min(CHUNK_BYTES, size - start))
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        # An unfinished last line: the writer is still appending it.
                        break
                    data = data[: cut + 1]
                    end = start + len(data)
                    line_count = data.count(b"\n")
                    header = start == 0 and data.startswith(b"#")
                    csv = data[data.find(b"\n") + 1 :] if header else data
                first_line = lines_before + 1 + int(header)
                rows, problems = self._write_part(
                    con, csv, int(header and whole), day, tag, start, end,
                    lines_before + line_count, first_line, networks, path.name,
                )  # fmt: skip
                result.rows += rows
                result.bad_lines += len(problems)
                room = MAX_PROBLEMS - len(result.problems)
                result.problems.extend(problems[: max(room, 0)])
                result.bytes_read += end - start
                result.lines_read += line_count
                start, lines_before = end, lines_before + line_count
                state[tag] = [start, lines_before]
                self._write_state(day, state)
        return result if result.bytes_read else None

    def _write_part(
        self,
        con: duckdb.DuckDBPyConnection,
        csv: Path | bytes,
        skip: int,
        day: str,
        tag: str,
        start: int,
        end: int,
        end_line: int,
        first_line: int,
        networks: NetworkMap,
        file_name: str,
    ) -> tuple[int, list[Problem]]:
        """Parse ``csv`` (a whole file, its first ``skip`` lines left out, or the bytes of
        whole lines), resolve schools and people, write one part."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        if isinstance(csv, Path):
            csv_path = csv
            slice_path = None
        else:
            csv_path = slice_path = self.tmp / f"{tag}-{day}-{start}.tsv"
            slice_path.write_bytes(csv)
        try:
            types = dict.fromkeys(ENGINE_COLUMNS, "VARCHAR") | {"time": "TIMESTAMP"}
            columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE batch AS
                SELECT * FROM read_csv('{_sql_path(csv_path)}', delim='\\t', header=false,
                    skip={skip},
                    quote='', escape='', columns={{{columns}}}, strict_mode=true,
                    timestampformat='%Y-%m-%dT%H:%M:%S.%gZ', store_rejects=true,
                    ignore_errors=true, null_padding=false, auto_detect=false,
                    max_line_size=65536)"""
            )
            rejected = con.execute(
                "SELECT line, error_message FROM reject_errors ORDER BY line"
            ).fetchall()
            first_error: dict[int, str] = {}
            for line, message in rejected:
                # DuckDB counts the skipped header line in its line numbers
                first_error.setdefault(first_line - skip + int(line) - 1, _short(message))
            bad_actions = con.execute(
                "SELECT count(*) FROM batch WHERE action NOT IN ('allow', 'block')"
            ).fetchone()
            if bad_actions and bad_actions[0]:
                body = csv_path.read_bytes()
                if skip:
                    body = body.split(b"\n", skip)[-1]
                for number in _bad_action_lines(body, first_line, set(first_error)):
                    first_error[number] = "the action is neither allow nor block"
            problems = [
                Problem(file=file_name, line=n, error=e) for n, e in sorted(first_error.items())
            ]
            ips = con.execute(
                "SELECT DISTINCT b.client_ip FROM batch b LEFT JOIN people p "
                'ON p.username = lower(b."user") WHERE p.school_id IS NULL'
            ).fetchall()
            addresses = [ip for (ip,) in ips if ip]
            schools = [networks.school_of(ip) for ip in addresses]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE ips AS SELECT unnest($1::VARCHAR[]) AS ip, "
                "unnest($2::INTEGER[]) AS school_id",
                [addresses, schools],
            )
            part = self.tmp / f"{tag}-{start}-{end}-{end_line}.parquet"
            rows = con.execute(
                f"""COPY (
                SELECT b."time" AS ts, b.client_ip, nullif(b."user", '-') AS "user",
                    nullif(b.profile, '-') AS profile, nullif(b.host, '-') AS host,
                    nullif(b.url, '-') AS url, b.action, nullif(b.category, '-') AS category,
                    nullif(b.rule, '-') AS rule, nullif(b.tag, '-') AS tag,
                    nullif(b.reason, '-') AS reason, nullif(b.list, '-') AS list,
                    coalesce(p.school_id, i.school_id) AS school_id, p.person_id,
                    'helper' AS source, NULL::SMALLINT AS status, NULL::BIGINT AS bytes
                FROM batch b
                LEFT JOIN people p ON p.username = lower(b."user")
                LEFT JOIN ips i ON i.ip = b.client_ip
                WHERE b.action IN ('allow', 'block')
                ORDER BY school_id NULLS LAST, "user" NULLS LAST, ts
                ) TO '{_sql_path(part)}' ({_PARQUET})"""
            ).fetchone()
            written = int(rows[0]) if rows else 0
            folder = self.day_dir(day)
            folder.mkdir(parents=True, exist_ok=True)
            if written:
                part.replace(folder / part.name)
            else:
                part.unlink(missing_ok=True)
            return written, problems
        finally:
            if slice_path is not None:
                slice_path.unlink(missing_ok=True)

    def write_rows(self, day: str, name: str, rows: Sequence[Sequence[Any]]) -> int:
        """Write rows (in :data:`COLUMNS` order) as the part ``name`` of ``day``, unless a
        part of that name is there already (the same import again). Returns rows written."""
        folder = self.day_dir(day)
        if (folder / name).exists() or not rows:
            return 0
        with self.locked():
            con = self._connect()
            try:
                columns = list(zip(*rows, strict=True))
                types = [
                    "TIMESTAMP", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
                    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "INTEGER",
                    "VARCHAR", "SMALLINT", "BIGINT",
                ]  # fmt: skip
                select = ", ".join(
                    f'unnest(${i + 1}::{kind}[]) AS "{col}"'
                    for i, (col, kind) in enumerate(zip(COLUMNS, types, strict=True))
                )
                part = self.tmp / name
                con.execute(
                    f"COPY (SELECT * FROM (SELECT {select}) ORDER BY school_id NULLS LAST, "
                    f"\"user\" NULLS LAST, ts) TO '{_sql_path(part)}' ({_PARQUET})",
                    [list(c) for c in columns],
                )
                folder.mkdir(parents=True, exist_ok=True)
                part.replace(folder / name)
            finally:
                con.close()
        return len(rows)

    def _compact(self, con: duckdb.DuckDBPyConnection, day: str) -> bool:
        """Rewrite a finished day's parts as one sorted file. The day's folder is built
        whole beside it and swapped in by two renames."""
        folder = self.day_dir(day)
        parts = sorted(folder.glob("*.parquet"))
        if len(parts) <= 1:
            return False
        state = self._state(day)
        fresh = self.tmp / f"day={day}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        files = ", ".join(f"'{_sql_path(p)}'" for p in parts)
        con.execute(
            f"""COPY (SELECT {", ".join(f'"{c}"' for c in COLUMNS)}
            FROM read_parquet([{files}], union_by_name=true)
            ORDER BY school_id NULLS LAST, "user" NULLS LAST, ts)
            TO '{_sql_path(fresh / f"compact-{len(parts)}.parquet")}' ({_PARQUET})"""
        )
        (fresh / "_ingested.json").write_text(json.dumps(state, sort_keys=True))
        old = self.tmp / f"day={day}.old"
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
        fresh.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
        return True

    def prune(self, before: datetime.date) -> list[datetime.date]:
        """Delete whole days older than ``before``; returns the days deleted."""
        gone = []
        with self.locked():
            folders = self.decisions.glob("day=*") if self.decisions.is_dir() else []
            for folder in sorted(folders):
                try:
                    day = datetime.date.fromisoformat(folder.name[4:])
                except ValueError:
                    continue
                if day < before:
                    shutil.rmtree(folder)
                    gone.append(day)
        return gone


def _short(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "unreadable line"
    return first[:200]


def _ends_with_newline(handle: Any, size: int) -> bool:
    if size == 0:
        return False
    handle.seek(size - 1)
    return bool(handle.read(1) == b"\n")


def _count_lines(handle: Any, size: int) -> int:
    """Newlines from the handle's position to ``size``, read in blocks."""
    count = 0
    remaining = size - handle.tell()
    while remaining > 0:
        block = handle.read(min(remaining, 1 << 24))
        if not block:
            break
        count += block.count(b"\n")
        remaining -= len(block)
    return count


def _bad_action_lines(body: bytes, first_line: int, skip: set[int]) -> list[int]:
    """The numbers of the lines whose action column is neither ``allow`` nor ``block`` (rare:
    found by reading the lines again only when DuckDB counted some)."""
    numbers = []
    for offset, line in enumerate(body.split(b"\n")[:-1]):
        number = first_line + offset
        fields = line.split(b"\t")
        if number not in skip and len(fields) > 6 and fields[6] not in (b"allow", b"block"):
            numbers.append(number)
    return numbers
