"""Reading a OneRoster 1.1 or 1.2 CSV package (a folder or a zip) into a :class:`Dataset`.

Tolerant in what it reads, strict in what it returns:

- a UTF-8 byte-order mark, CRLF line ends, blank lines and rows of empty cells are fine;
- header names match case-insensitively and may come in any order; ``metadata.*`` columns
  are kept in ``record.metadata`` (non-empty values only), other unknown columns are ignored;
- ``TRUE``/``true``/``True`` and ``FALSE``/... are booleans; vocabularies (roles, org and
  session types, grades) match case-insensitively and are returned in the spec's spelling;
- a grade written without its leading zero (``1``) is read as ``01``; ``K`` is not a grade;
- bulk files may fill ``status`` and ``dateLastModified``; delta files must fill both.

Everything is read first and every problem collected: :func:`read_roster` raises
:class:`RosterInvalid` with the list, each naming the file, the row (as a spreadsheet shows
it: the header is row 1) and the column. A zip is read member by member, never extracted.
"""

from __future__ import annotations

import csv
import io
import zipfile
from array import array
from collections.abc import Callable, Collection, Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, TypeVar

from openaup.directory.oneroster import rows
from openaup.directory.oneroster.records import FILE_NAMES, Dataset, FileMode, RoleRecord, Version
from openaup.directory.oneroster.references import KnownIds, PackageIndex, References
from openaup.directory.oneroster.rows import COLUMNS, LIFECYCLE, MAX_LENGTHS, MAX_SOURCED_ID
from openaup.directory.oneroster.table import Problem, Problems, RosterInvalid, Table

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KnownIds",
    "Problem",
    "Progress",
    "RosterInvalid",
    "read_roster",
]

#: Largest total uncompressed size of the files read from one package (a zip bomb guard).
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024

#: Called with (what is being done, how far, out of how many or None).
Progress = Callable[[str, int, int | None], None]

R = TypeVar("R")


# --- the package: a folder or a zip -----------------------------------------------------------


class _Package:
    """The files of a package by lower-case name, opened as bytes."""

    def __init__(self, path: Path, max_bytes: int, problems: Problems) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.problems = problems
        self.zip: zipfile.ZipFile | None = None
        self.files: dict[str, str] = {}  # lower-case name -> member name or file path
        self.sizes: dict[str, int] = {}

    def open_package(self) -> bool:
        if self.path.is_dir():
            for child in self.path.iterdir():
                if child.is_file():
                    self.files[child.name.lower()] = str(child)
                    self.sizes[child.name.lower()] = child.stat().st_size
            return True
        if not self.path.is_file():
            self.problems.add(self.path.name, None, "", "no such file or folder")
            return False
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError):
            self.problems.add(self.path.name, None, "", "not a zip file or a folder")
            return False
        return self._index_zip(self.zip)

    def _index_zip(self, archive: zipfile.ZipFile) -> bool:
        members = archive.infolist()
        unsafe = [info.filename for info in members if not _is_safe_member(info.filename)]
        for name in unsafe:
            self.problems.add(
                name, None, "", "the zip holds a path outside its root; nothing was read"
            )
        if unsafe:
            return False
        files = [info for info in members if not info.is_dir()]
        root = ""
        names = {info.filename.lower() for info in files}
        if "manifest.csv" not in names:
            # Tolerated: the whole package inside one folder of the zip.
            tops = {info.filename.split("/", 1)[0] for info in files if "/" in info.filename}
            if len(tops) == 1 and all("/" in info.filename for info in files):
                candidate = f"{next(iter(tops))}/"
                if f"{candidate}manifest.csv".lower() in names:
                    root = candidate
        for info in files:
            if not info.filename.lower().startswith(root.lower()):
                continue
            rest = info.filename[len(root) :]
            if "/" in rest:
                continue
            self.files[rest.lower()] = info.filename
            self.sizes[rest.lower()] = info.file_size
            if info.flag_bits & 0x1:
                self.problems.add(rest, None, "", "the file is encrypted in the zip")
        return True

    def has(self, name: str) -> bool:
        return name.lower() in self.files

    def display_name(self, name: str) -> str:
        stored = self.files.get(name.lower(), name)
        return PurePosixPath(stored.replace("\\", "/")).name

    def open(self, name: str) -> IO[bytes]:
        stored = self.files[name.lower()]
        if self.zip is not None:
            return self.zip.open(stored)
        return open(stored, "rb")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _is_safe_member(name: str) -> bool:
    """A zip member that stays inside the zip's root (no absolute path, drive or ``..``)."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return False
    return ".." not in normalized.split("/")


class _Reader:
    """Reads every file of one package into a dataset, collecting problems."""

    def __init__(self, package: _Package, problems: Problems, progress: Progress | None) -> None:
        self.package = package
        self.problems = problems
        self.progress = progress
        self.cache: dict[str, str] = {}
        self.version: Version = "1.2"
        self.source_system = ""
        self.index = PackageIndex()
        self.modes = self.index.modes
        self.broken = self.index.broken
        self.too_large = False
        self.roles_11: list[RoleRecord] = []
        self.role_lines: array[int] = array("L")

    # manifest

    def read_manifest(self) -> bool:
        if not self.package.has("manifest.csv"):
            self.problems.add(
                "manifest.csv", None, "", "manifest.csv is missing from the package root"
            )
            return False
        table = Table("manifest.csv", self.problems, delta=False, cache={})
        properties: dict[str, tuple[str, int]] = {}
        ok = True
        for row, cells in self._rows(
            "manifest.csv", table, ("propertyName", "value"), ("propertyName", "value")
        ):
            name = table.need(cells, table.pos("propertyName"), row)
            value = cells[table.pos("value")].strip()
            if not name:
                ok = False
                continue
            if name.lower() in {key.lower() for key in properties}:
                table.fail(row, table.label("propertyName"), f"{name} appears twice")
                ok = False
                continue
            properties[name] = (value, row)
        if table.errors or "manifest.csv" in self.broken:
            return False
        lowered = {key.lower(): (key, value, row) for key, (value, row) in properties.items()}
        version = lowered.get("oneroster.version")
        if version is None:
            self.problems.add("manifest.csv", None, "propertyName", "oneroster.version is missing")
            return False
        _, version_value, version_row = version
        if version_value in ("1.1", "1.1.0"):
            self.version = "1.1"
        elif version_value in ("1.2", "1.2.0", "1.2.1"):
            self.version = "1.2"
        else:
            self.problems.add(
                "manifest.csv",
                version_row,
                "value",
                f"OneRoster version {version_value!r} is not supported (expected 1.1 or 1.2)",
            )
            return False
        system = lowered.get("source.systemname")
        self.source_system = system[1] if system else ""
        for file_name in FILE_NAMES:
            entry = lowered.get(f"file.{file_name.lower()}")
            mode: FileMode = "absent"
            if entry is not None:
                key, value, row = entry
                found = {"absent": "absent", "bulk": "bulk", "delta": "delta"}.get(value.lower())
                if found is None:
                    self.problems.add(
                        "manifest.csv",
                        row,
                        "value",
                        f"{key}: expected bulk, delta or absent, not {value!r}",
                    )
                    ok = False
                    continue
                mode = found  # type: ignore[assignment]
                needs_file = not (self.version == "1.1" and file_name == "roles")
                if mode != "absent" and needs_file and not self.package.has(f"{file_name}.csv"):
                    self.problems.add(
                        f"{file_name}.csv",
                        None,
                        "",
                        f"the manifest names it ({key},{value}, row {row}) "
                        "but the file is missing from the package",
                    )
                    ok = False
            self.modes[file_name] = mode
        if self.version == "1.1":
            # 1.1 has no roles.csv: the roles come from users.csv and follow its mode.
            self.modes["roles"] = self.modes["users"]
        return ok

    # rows

    def _rows(
        self,
        name: str,
        table: Table,
        known: Collection[str],
        required: Collection[str],
    ) -> Iterator[tuple[int, list[str]]]:
        """The data rows of one file as (row number, cells padded with one empty cell)."""
        label = f"Reading {name}"
        size = self.package.sizes.get(name.lower(), 0)
        if size > self.package.max_bytes:
            self.broken.add(name)
            table.fail(None, "", "the file is larger than the import allows")
            return
        try:
            raw = self.package.open(name)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            self.broken.add(name)
            table.fail(None, "", f"cannot be read: {exc}")
            return
        row = 0
        with raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            header_read = False
            width = 0
            pad: list[str] = []
            try:
                for row, cells in enumerate(reader, start=1):
                    if not header_read:
                        if not any(cell.strip() for cell in cells):
                            continue
                        header_read = True
                        if not table.read_header(cells, row, known, required):
                            self.broken.add(name)
                            return
                        width = table.width
                        pad = table.pad
                        continue
                    length = len(cells)
                    if length < width:
                        cells.extend([""] * (width - length))
                    elif length > width:
                        if any(cell.strip() for cell in cells[width:]):
                            table.fail(
                                row,
                                "",
                                f"the row has {length} cells but the header has {width}",
                            )
                            continue
                        del cells[width:]
                    if not any(cells):
                        continue
                    cells.extend(pad)
                    if self.progress is not None and row % 10000 == 0:
                        self.progress(label, row, None)
                    yield row, cells
            except UnicodeDecodeError:
                self.broken.add(name)
                self._locate_bad_text(name, table)
                return
            except (csv.Error, zipfile.BadZipFile, OSError, EOFError) as exc:
                self.broken.add(name)
                table.fail(row + 1 if row else None, "", f"cannot be read: {exc}")
                return
            if not header_read:
                self.broken.add(name)
                table.fail(1, "", "the file is empty (no header row)")
        if self.progress is not None:
            self.progress(label, row, row)

    def _locate_bad_text(self, name: str, table: Table) -> None:
        """Name the row and column of the first bytes that are not UTF-8."""
        with self.package.open(name) as raw:
            data = raw.read()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = data.rfind(b"\n", 0, exc.start) + 1
            row = data.count(b"\n", 0, exc.start) + 1
            end = data.find(b"\n", exc.start)
            line = data[start : end if end >= 0 else len(data)]
            cells = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
            lines = data.decode("utf-8", errors="replace").splitlines()
            header = next(csv.reader(lines[:1]), []) if row > 1 else []
            column = ""
            for position, cell in enumerate(cells):
                if "\ufffd" in cell:
                    name = header[position].strip() if position < len(header) else ""
                    column = name or f"cell {position + 1}"
                    break
            byte = data[exc.start : exc.start + 1].hex()
            table.fail(
                row,
                column,
                f"the text is not UTF-8 (byte 0x{byte}); save the file as UTF-8",
            )

    def _read_file(
        self,
        name: str,
        columns_key: str,
        build: Callable[[Table], Callable[[list[str], int], R | None]],
    ) -> list[R]:
        mode = self.modes.get(name, "absent")
        records: list[R] = []
        lines = self.index.lines[name] = array("L")
        seen: dict[str, int] = {}  # sourcedId -> first row: duplicates, and the file's ids
        self.index.ids[name] = seen.keys()
        if mode == "absent":
            return records
        file = f"{name}.csv"
        self.index.file_names[name] = self.package.display_name(file)
        table = Table(
            self.index.file_names[name],
            self.problems,
            delta=mode == "delta",
            cache=self.cache,
        )
        required, optional = COLUMNS[columns_key]
        known = (*required, *optional, *LIFECYCLE)
        builder: Callable[[list[str], int], R | None] | None = None
        sid_position = 0
        check_lengths = False
        append, note_line, first_row = records.append, lines.append, seen.setdefault
        for row, cells in self._rows(file, table, known, required):
            if builder is None:
                builder = build(table)
                table.set_limits(MAX_LENGTHS.get(name, {}))
                check_lengths = bool(table.limits)
                sid_position = table.pos("sourcedId")
            sid = cells[sid_position].strip()
            if sid:
                first = first_row(sid, row)
                if first != row:
                    table.fail(
                        row,
                        table.label("sourcedId"),
                        f"duplicate sourcedId {sid!r} (first on row {first})",
                    )
                    continue
                if len(sid) > MAX_SOURCED_ID:
                    table.fail(
                        row,
                        table.label("sourcedId"),
                        f"longer than {MAX_SOURCED_ID} characters ({len(sid)})",
                    )
            errors = table.errors
            if check_lengths:
                table.check_lengths(cells, row)
            record = builder(cells, row)
            if record is None or table.errors != errors:
                continue
            append(record)
            note_line(row)
        if table.errors:
            self.index.with_errors.add(name)
        return records

    # the whole package

    def read(self) -> Dataset:
        dataset = Dataset(version=self.version, source_system=self.source_system)
        dataset.modes = dict(self.modes)
        total = sum(
            self.package.sizes.get(f"{name}.csv".lower(), 0)
            for name in FILE_NAMES
            if self.modes.get(name, "absent") != "absent"
        )
        if total > self.package.max_bytes:
            self.too_large = True
            self.problems.add(
                self.package.path.name,
                None,
                "",
                f"the files add up to {total:,} bytes uncompressed, more than the "
                f"{self.package.max_bytes:,} bytes an import may read",
            )
            return dataset
        dataset.orgs = self._read_file("orgs", "orgs", rows.orgs)
        self.index.org_types = {org.sourced_id: org.type for org in dataset.orgs}
        dataset.academic_sessions = self._read_file(
            "academicSessions", "academicSessions", rows.academic_sessions
        )
        if self.version == "1.1":
            roles: list[RoleRecord] = []
            role_lines: array[int] = array("L")
            dataset.users = self._read_file(
                "users", "users_1.1", partial(rows.users_11, roles=roles, role_lines=role_lines)
            )
            dataset.roles = roles
            self.index.lines["roles"] = role_lines
            self.index.ids["roles"] = {}.keys()
            self.index.file_names["roles"] = self.index.file_names.get("users", "users.csv")
        else:
            dataset.users = self._read_file("users", "users_1.2", rows.users_12)
            dataset.roles = self._read_file("roles", "roles", rows.roles)
        dataset.demographics = self._read_file("demographics", "demographics", rows.demographics)
        dataset.courses = self._read_file("courses", "courses", rows.courses)
        dataset.classes = self._read_file("classes", "classes", rows.classes)
        dataset.enrollments = self._read_file("enrollments", "enrollments", rows.enrollments)
        return dataset


# --- entry point ------------------------------------------------------------------------------


def read_roster(
    path: str | Path,
    *,
    known: KnownIds | Callable[[], KnownIds] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> Dataset:
    """Read and check a OneRoster package (a folder or a ``.zip``).

    ``known`` tells what the directory already holds; it is asked for (once, if a callable)
    only when a reference may point at a row that a non-bulk file does not carry. Raises
    :class:`RosterInvalid` listing every problem found; returns the dataset otherwise.
    """
    problems = Problems()
    package = _Package(Path(path), max_bytes, problems)
    try:
        if not package.open_package():
            problems.raise_if_any()
        problems.raise_if_any()
        reader = _Reader(package, problems, progress)
        if not reader.read_manifest():
            problems.raise_if_any()
        dataset = reader.read()
        if not reader.too_large:
            References(reader.index, dataset, problems, known).check()
    finally:
        package.close()
    problems.raise_if_any()
    return dataset
