"""One OneRoster CSV file being read: its header and the parsing of each cell.

Every problem names the file, the row as a spreadsheet shows it (the header is row 1) and
the column as written in the header.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from openaup.directory.oneroster.vocabulary import BOOLEANS, GRADE_LOOKUP, STATUSES, lookup

__all__ = ["MAX_PROBLEMS", "NO_METADATA", "Problem", "Problems", "RosterInvalid", "Table"]

#: At most this many problems are listed; the rest are counted.
MAX_PROBLEMS = 500

#: Shared by every record without ``metadata.*`` values (records are frozen; never mutated).
NO_METADATA: dict[str, str] = {}

STATUSES_LOOKUP = lookup(STATUSES)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a package: where it is and what is wrong."""

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class RosterInvalid(Exception):
    """The package cannot be imported; ``problems`` says why (at most :data:`MAX_PROBLEMS`,
    ``total`` counts them all)."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        lines = [str(problem) for problem in problems[:20]]
        if self.total > len(lines):
            lines.append(f"... and {self.total - len(lines)} more")
        super().__init__("\n".join(lines))


class Problems:
    """The problems found so far (the first :data:`MAX_PROBLEMS` kept, all counted)."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, file: str, row: int | None, column: str, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, row, column, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise RosterInvalid(self.items, self.total)


class Table:
    """One CSV file being read: its header, its rows, and helpers that parse a cell or record
    a problem naming the file, row and column."""

    def __init__(
        self,
        file: str,
        problems: Problems,
        *,
        delta: bool,
        cache: dict[str, str],
    ) -> None:
        self.file = file
        self.problems = problems
        self.delta = delta
        self.cache = cache
        self.columns: dict[str, int] = {}  # canonical (lower-case) name -> position
        self.names: dict[str, str] = {}  # canonical -> as written in the header
        self.width = 0
        self.meta: list[tuple[int, str]] = []
        self.errors = 0
        self.header_row = 1
        self._dates: dict[str, datetime.date] = {}
        self._stamps: dict[str, datetime.datetime] = {}
        self._limits: list[tuple[int, str, int]] = []

    # header

    def read_header(
        self, header: list[str], row: int, known: Collection[str], required: Collection[str]
    ) -> bool:
        self.header_row = row
        self.width = len(header)
        canonical = {name.lower(): name for name in known}
        for position, raw in enumerate(header):
            name = raw.strip()
            lower = name.lower()
            if lower.startswith("metadata.") and len(name) > len("metadata."):
                self.meta.append((position, name[len("metadata.") :]))
                continue
            spec = canonical.get(lower)
            if spec is None:
                continue  # a vendor column: ignored
            if spec in self.columns:
                self.fail(row, name, "the column appears twice in the header")
                continue
            self.columns[spec] = position
            self.names[spec] = name
        missing = [name for name in required if name not in self.columns]
        for name in missing:
            self.fail(row, name, "a required column is missing from the header")
        return not missing

    def pos(self, name: str) -> int:
        """The cell index of column ``name``; absent columns read the empty cell at the end."""
        return self.columns.get(name, self.width)

    def label(self, name: str) -> str:
        return self.names.get(name, name)

    def fail(self, row: int | None, column: str, message: str) -> None:
        self.errors += 1
        self.problems.add(self.file, row, column, message)

    # cells

    def need(self, cells: list[str], name: str, row: int) -> str:
        value = cells[self.pos(name)].strip()
        if not value:
            self.fail(row, self.label(name), "a value is required")
        return value

    def text(self, cells: list[str], name: str) -> str:
        return cells[self.pos(name)].strip()

    def ref(self, cells: list[str], name: str, row: int, *, required: bool = True) -> str:
        value = self.need(cells, name, row) if required else self.text(cells, name)
        return self.cache.setdefault(value, value)

    def refs(
        self, cells: list[str], name: str, row: int, *, required: bool = False
    ) -> tuple[str, ...]:
        raw = cells[self.pos(name)]
        if not raw.strip():
            if required:
                self.fail(row, self.label(name), "a value is required")
            return ()
        seen: dict[str, None] = {}
        setdefault = self.cache.setdefault
        for item in raw.split(","):
            item = item.strip()
            if item:
                seen[setdefault(item, item)] = None
        return tuple(seen)

    def items(self, cells: list[str], name: str) -> tuple[str, ...]:
        raw = cells[self.pos(name)]
        if not raw:
            return ()
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def choice(
        self, cells: list[str], name: str, row: int, vocab: Mapping[str, str], what: str
    ) -> str:
        value = self.need(cells, name, row)
        if not value:
            return ""
        found = vocab.get(value.lower())
        if found is None:
            expected = ", ".join(sorted(vocab.values()))
            self.fail(row, self.label(name), f"unknown {what} {value!r} (expected {expected})")
            return ""
        return found

    def flag(self, cells: list[str], name: str, row: int, default: bool) -> bool:
        value = cells[self.pos(name)].strip()
        if not value:
            return default
        found = BOOLEANS.get(value.lower())
        if found is None:
            self.fail(row, self.label(name), f"expected true or false, not {value!r}")
            return default
        return found

    def date(
        self, cells: list[str], name: str, row: int, *, required: bool = False
    ) -> datetime.date | None:
        value = cells[self.pos(name)].strip()
        if not value:
            if required:
                self.fail(row, self.label(name), "a date is required (YYYY-MM-DD)")
            return None
        found = self._dates.get(value)
        if found is not None:
            return found
        try:
            if not (
                len(value) == 10
                and value[4] == "-"
                and value[7] == "-"
                and value.replace("-", "").isdigit()
                and value.isascii()
            ):
                raise ValueError(value)
            found = datetime.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            self.fail(row, self.label(name), f"malformed date {value!r} (expected YYYY-MM-DD)")
            return None
        self._dates[value] = found
        return found

    def grades(self, cells: list[str], name: str, row: int) -> tuple[str, ...]:
        raw = cells[self.pos(name)]
        if not raw.strip():
            return ()
        codes: dict[str, None] = {}
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            code = GRADE_LOOKUP.get(item.lower())
            if code is None:
                self.fail(
                    row,
                    self.label(name),
                    f"unknown grade code {item!r} "
                    "(expected IT, PR, PK, TK, KG, 01-13, PS, UG or Other)",
                )
                continue
            codes[code] = None
        return tuple(codes)

    def lifecycle(self, cells: list[str], row: int) -> tuple[Any, datetime.datetime | None]:
        """``status`` and ``dateLastModified``: optional in bulk files, required in delta."""
        raw_status = cells[self.pos("status")].strip()
        status: str | None = None
        if raw_status:
            status = STATUSES_LOOKUP.get(raw_status.lower())
            if status is None:
                self.fail(
                    row,
                    self.label("status"),
                    f"unknown status {raw_status!r} (expected active or tobedeleted)",
                )
        elif self.delta:
            self.fail(row, self.label("status"), "a delta file needs a status on every row")
        raw_stamp = cells[self.pos("dateLastModified")].strip()
        stamp: datetime.datetime | None = None
        if raw_stamp:
            stamp = self._stamps.get(raw_stamp)
            if stamp is None:
                stamp = self._stamp(raw_stamp, row)
        elif self.delta:
            self.fail(
                row,
                self.label("dateLastModified"),
                "a delta file needs a dateLastModified on every row",
            )
        return status, stamp

    def _stamp(self, value: str, row: int) -> datetime.datetime | None:
        try:
            if len(value) < 10 or value[4] != "-" or value[7] != "-":
                raise ValueError(value)
            stamp = datetime.datetime.fromisoformat(value)
        except ValueError:
            self.fail(
                row,
                self.label("dateLastModified"),
                f"malformed date-time {value!r} (expected ISO 8601, e.g. 2026-08-24T12:00:00Z)",
            )
            return None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.UTC)
        self._stamps[value] = stamp
        return stamp

    def metadata(self, cells: list[str]) -> dict[str, str]:
        if not self.meta:
            return NO_METADATA
        found = {key: cells[position].strip() for position, key in self.meta if cells[position]}
        return {key: value for key, value in found.items() if value} or NO_METADATA

    def set_limits(self, limits: Mapping[str, int]) -> None:
        """Check these columns' lengths (the directory's column sizes) on every row."""
        metadata = {f"metadata.{key}": position for position, key in self.meta}
        self._limits = [
            (position, self.label(name), limit)
            for name, limit in limits.items()
            if (position := metadata.get(name, self.columns.get(name))) is not None
        ]

    def check_lengths(self, cells: list[str], row: int) -> None:
        for position, label, limit in self._limits:
            value = cells[position]
            if len(value) > limit and len(value.strip()) > limit:
                self.fail(row, label, f"longer than {limit} characters ({len(value.strip())})")
