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
    a problem naming the file, row and column.

    Cells are addressed by position (:meth:`pos`), looked up once per file, not per row. A
    known column missing from the header gets a position past the row's end, which the
    reader pads with empty cells (:attr:`pad`).
    """

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
        self.columns: dict[str, int] = {}  # spec name -> position
        self.labels: dict[int, str] = {}  # position -> the name as written in the header
        self.width = 0
        self.pad: list[str] = []
        self.meta: list[tuple[int, str]] = []
        self.errors = 0
        self._status = 0
        self._stamp_at = 0
        self._dates: dict[str, datetime.date] = {}
        self._stamps: dict[str, datetime.datetime] = {}
        self.limits: list[tuple[int, str, int]] = []

    # header

    def read_header(
        self, header: list[str], row: int, known: Collection[str], required: Collection[str]
    ) -> bool:
        self.width = len(header)
        canonical = {name.lower(): name for name in known}
        for position, raw in enumerate(header):
            name = raw.strip()
            lower = name.lower()
            if lower.startswith("metadata.") and len(name) > len("metadata."):
                self.meta.append((position, name[len("metadata.") :]))
                self.labels[position] = name
                continue
            spec = canonical.get(lower)
            if spec is None:
                continue  # a vendor column: ignored
            if spec in self.columns:
                self.fail(row, name, "the column appears twice in the header")
                continue
            self.columns[spec] = position
            self.labels[position] = name
        missing = [name for name in required if name not in self.columns]
        for name in missing:
            self.fail(row, name, "a required column is missing from the header")
        absent = [name for name in known if name not in self.columns]
        for offset, name in enumerate(absent):
            self.columns[name] = self.width + offset
            self.labels[self.width + offset] = name
        self.pad = [""] * len(absent)
        self._status = self.columns.get("status", self.width)
        self._stamp_at = self.columns.get("dateLastModified", self.width)
        return not missing

    def pos(self, name: str) -> int:
        """The cell index of column ``name`` (a known column, present or not)."""
        return self.columns[name]

    def label(self, name: str) -> str:
        position = self.columns.get(name)
        return self.labels.get(position, name) if position is not None else name

    def fail(self, row: int | None, column: str, message: str) -> None:
        self.errors += 1
        self.problems.add(self.file, row, column, message)

    # cells, by position

    def need(self, cells: list[str], p: int, row: int) -> str:
        value = cells[p].strip()
        if not value:
            self.fail(row, self.labels[p], "a value is required")
        return value

    def ref(self, cells: list[str], p: int, row: int, *, required: bool = True) -> str:
        value = cells[p].strip()
        if not value:
            if required:
                self.fail(row, self.labels[p], "a value is required")
            return ""
        return self.cache.setdefault(value, value)

    def refs(
        self, cells: list[str], p: int, row: int, *, required: bool = False
    ) -> tuple[str, ...]:
        raw = cells[p]
        if not raw or not raw.strip():
            if required:
                self.fail(row, self.labels[p], "a value is required")
            return ()
        setdefault = self.cache.setdefault
        if "," not in raw:
            item = raw.strip()
            return (setdefault(item, item),)
        seen: dict[str, None] = {}
        for item in raw.split(","):
            item = item.strip()
            if item:
                seen[setdefault(item, item)] = None
        return tuple(seen)

    @staticmethod
    def items(cells: list[str], p: int) -> tuple[str, ...]:
        raw = cells[p]
        if not raw:
            return ()
        return tuple(item.strip() for item in raw.split(",") if item.strip())

    def choice(
        self, cells: list[str], p: int, row: int, vocab: Mapping[str, str], what: str
    ) -> str:
        value = cells[p].strip()
        found = vocab.get(value) or vocab.get(value.lower())
        if found is not None:
            return found
        if not value:
            self.fail(row, self.labels[p], "a value is required")
            return ""
        expected = ", ".join(sorted(set(vocab.values())))
        self.fail(row, self.labels[p], f"unknown {what} {value!r} (expected {expected})")
        return ""

    def flag(self, cells: list[str], p: int, row: int, default: bool) -> bool:
        value = cells[p]
        if not value:
            return default
        found = BOOLEANS.get(value) if value in BOOLEANS else BOOLEANS.get(value.strip().lower())
        if found is None:
            if not value.strip():
                return default
            self.fail(row, self.labels[p], f"expected true or false, not {value.strip()!r}")
            return default
        return found

    def date(
        self, cells: list[str], p: int, row: int, *, required: bool = False
    ) -> datetime.date | None:
        value = cells[p]
        if not value:
            if required:
                self.fail(row, self.labels[p], "a date is required (YYYY-MM-DD)")
            return None
        found = self._dates.get(value)
        if found is not None:
            return found
        text = value.strip()
        if not text:
            if required:
                self.fail(row, self.labels[p], "a date is required (YYYY-MM-DD)")
            return None
        try:
            if not (
                len(text) == 10
                and text[4] == "-"
                and text[7] == "-"
                and text.replace("-", "").isdigit()
                and text.isascii()
            ):
                raise ValueError(text)
            found = datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            self.fail(row, self.labels[p], f"malformed date {text!r} (expected YYYY-MM-DD)")
            return None
        self._dates[value] = found
        return found

    def grades(self, cells: list[str], p: int, row: int) -> tuple[str, ...]:
        raw = cells[p]
        if not raw or not raw.strip():
            return ()
        codes: dict[str, None] = {}
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            code = GRADE_LOOKUP.get(item) or GRADE_LOOKUP.get(item.lower())
            if code is None:
                self.fail(
                    row,
                    self.labels[p],
                    f"unknown grade code {item!r} "
                    "(expected IT, PR, PK, TK, KG, 01-13, PS, UG or Other)",
                )
                continue
            codes[code] = None
        return tuple(codes)

    def lifecycle(self, cells: list[str], row: int) -> tuple[Any, datetime.datetime | None]:
        """``status`` and ``dateLastModified``: optional in bulk files, required in delta."""
        raw_status = cells[self._status]
        raw_stamp = cells[self._stamp_at]
        if not raw_status and not raw_stamp and not self.delta:
            return None, None
        raw_status = raw_status.strip()
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
        raw_stamp = raw_stamp.strip()
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
        self.limits = [
            (position, self.labels[position], limit)
            for name, limit in limits.items()
            if (position := metadata.get(name, self.columns.get(name, -1))) < self.width
            and position >= 0
        ]

    def check_lengths(self, cells: list[str], row: int) -> None:
        for position, label, limit in self.limits:
            value = cells[position]
            if len(value) > limit and len(value.strip()) > limit:
                self.fail(row, label, f"longer than {limit} characters ({len(value.strip())})")
