"""Fetching, checking and swapping in category lists (``aup filter lists update``).

A list source is a UT1/squidGuard archive (``blacklists.tar.gz``) or folder, or one plain or
hosts list, at an ``http(s)://`` URL or a local path. Updating one is four steps, each of
which either succeeds or raises :class:`SourceError` with a sentence saying what was wrong:

1. :func:`fetch`: download with a timeout, a size cap and a conditional request (ETag,
   ``If-Modified-Since``; a 304 means there is nothing to do), or copy a local file;
2. :func:`unpack`: open the archive completely and refuse it when it is truncated or holds
   absolute paths, ``..``, devices or links that point anywhere but a sibling category
   (UT1's own aliases, ``porn -> adult``, are skipped); a plain list is copied as
   ``<category>.txt`` (``.hosts`` for a hosts file);
3. :func:`check`: read every list with :mod:`openaup.engine.lists`, count entries and bad
   lines, and refuse a folder with no entries at all;
4. :func:`swap_in`: rename the checked folder over the live one, keeping the old one until
   the new one is in place.

Every temporary file and folder is a hidden name beside the live folder, so the compiler
(:func:`openaup.engine.lists.discover` skips dot-names) never reads a half-made list.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import http.client
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from openaup.engine.lists import ListError, ListSource, discover, domain_line, read_list

__all__ = [
    "CheckReport",
    "FetchResult",
    "SourceError",
    "check",
    "fetch",
    "source_lock",
    "staging_dir",
    "swap_in",
    "unpack",
]

KINDS = ("ut1", "plain", "hosts")
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_USER_AGENT = "OpenAUP list updater"


class SourceError(Exception):
    """A list source that cannot be used; the message says what was wrong."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What :func:`fetch` got: ``path`` is the downloaded or copied file (``None`` when the
    server answered 304 Not Modified), with its size, SHA-256 and the validators to send
    next time."""

    path: Path | None
    size: int = 0
    sha256: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.path is None


@dataclass(slots=True)
class CheckReport:
    """What :func:`check` found under an unpacked source."""

    lists: int = 0
    entries: int = 0
    bad: int = 0
    categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def fetch(
    location: str,
    dest: Path,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 60.0,
    max_bytes: int = 1 << 30,
) -> FetchResult:
    """Download ``location`` (an ``http(s)://`` URL) or copy it (a local file) to ``dest``.

    A URL is asked for with ``If-None-Match``/``If-Modified-Since`` when ``etag`` or
    ``last_modified`` are given. An empty body, a body shorter than its ``Content-Length``,
    more than ``max_bytes``, an HTTP error, a refused connection or a timeout raise
    :class:`SourceError`; ``dest`` is then removed.
    """
    try:
        if _is_url(location):
            return _download(location, dest, etag, last_modified, timeout, max_bytes)
        return _copy(Path(location), dest, max_bytes)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _download(
    url: str, dest: Path, etag: str, last_modified: str, timeout: float, max_bytes: int
) -> FetchResult:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    if etag:
        request.add_header("If-None-Match", etag)
    if last_modified:
        request.add_header("If-Modified-Since", last_modified)
    try:
        # Only http(s) reaches here (_is_url).
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(None, etag=etag, last_modified=last_modified)
        raise SourceError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise SourceError(f"{url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise SourceError(f"{url}: no answer within {timeout:g} s") from None
        raise SourceError(f"{url}: cannot connect ({exc.reason})") from None
    except OSError as exc:
        raise SourceError(f"{url}: cannot connect ({exc})") from None
    with response:
        if response.status == 304:
            return FetchResult(None, etag=etag, last_modified=last_modified)
        expected = response.headers.get("Content-Length")
        digest = hashlib.sha256()
        size = 0
        try:
            with dest.open("wb") as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise SourceError(
                            f"{url}: the download is larger than the limit of {max_bytes:,} bytes"
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except TimeoutError:
            raise SourceError(
                f"{url}: the download stopped after {size:,} bytes (no data within {timeout:g} s)"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise SourceError(
                f"{url}: the download broke off after {size:,} bytes ({exc})"
            ) from None
        if expected is not None and expected.isdigit() and int(expected) != size:
            raise SourceError(
                f"{url}: the download is truncated ({size:,} of {int(expected):,} bytes)"
            )
        if size == 0:
            raise SourceError(f"{url}: the download is empty (0 bytes)")
        return FetchResult(
            dest,
            size=size,
            sha256=digest.hexdigest(),
            etag=response.headers.get("ETag", "") or "",
            last_modified=response.headers.get("Last-Modified", "") or "",
        )


def _copy(path: Path, dest: Path, max_bytes: int) -> FetchResult:
    if path.is_dir():
        raise SourceError(f"{path} is a folder: give it as the source's local folder")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc.strerror})") from None
    if size == 0:
        raise SourceError(f"{path}: the file is empty (0 bytes)")
    if size > max_bytes:
        raise SourceError(f"{path}: the file is larger than the limit of {max_bytes:,} bytes")
    digest = hashlib.sha256()
    with path.open("rb") as src, dest.open("wb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return FetchResult(dest, size=size, sha256=digest.hexdigest())


def folder_sha256(folder: Path) -> str:
    """One hash over the names and contents of every file under ``folder`` (to tell whether
    a local folder source changed since it was last copied)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def staging_dir(live: Path, label: str) -> Path:
    """A new empty hidden folder beside ``live`` (``.<name>.<label>-XXXX``)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{live.name}.{label}-", dir=live.parent))


def _member_name(member: tarfile.TarInfo) -> PurePosixPath:
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or (name[1:2] == ":"):
        raise SourceError(f"the archive holds an absolute path: {name!r}")
    if ".." in path.parts or "\\" in name:
        raise SourceError(f"the archive holds a path that leaves its folder: {name!r}")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        return PurePosixPath(".")
    return PurePosixPath(*parts)


def _is_alias(member: tarfile.TarInfo) -> bool:
    """A symbolic link to a sibling folder (UT1's ``porn -> adult``)."""
    target = member.linkname
    return member.issym() and bool(target) and "/" not in target and target not in (".", "..")


def unpack(
    download: Path,
    dest: Path,
    *,
    kind: str,
    category: str = "",
    max_bytes: int = 1 << 30,
) -> list[str]:
    """Unpack a fetched file into the empty folder ``dest``; returns notes (aliases skipped).

    ``kind`` ``ut1``: a ``.tar``, ``.tar.gz`` (or ``.tar.bz2``/``.tar.xz``), read to its end
    before anything is written, so a truncated archive is refused whole. ``plain`` or
    ``hosts``: one list (gzip-compressed or not) written as ``<category>.txt`` /
    ``<category>.hosts``. Raises :class:`SourceError`.
    """
    if kind not in KINDS:
        raise SourceError(f"unknown kind of list source {kind!r} (expected ut1, plain or hosts)")
    if kind == "ut1":
        return _unpack_archive(download, dest, max_bytes)
    if not category:
        raise SourceError("a plain or hosts list needs the category it provides")
    target = dest / f"{category}{'.hosts' if kind == 'hosts' else '.txt'}"
    with download.open("rb") as head:
        compressed = head.read(2) == _GZIP_MAGIC
    size = 0
    try:
        with (
            gzip.open(download, "rb") if compressed else download.open("rb") as src,
            target.open("wb") as out,
        ):
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(
                        f"the list is larger than the limit of {max_bytes:,} bytes unpacked"
                    )
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"the compressed list is damaged or truncated ({exc})") from None
    return []


def _unpack_archive(download: Path, dest: Path, max_bytes: int) -> list[str]:
    notes: list[str] = []
    try:
        with tarfile.open(download, mode="r:*") as archive:
            # Reading every header walks the whole archive: a truncated or corrupt one fails
            # here, before a file is written.
            members = archive.getmembers()
            if not members:
                raise SourceError("the archive is empty")
            files: list[tuple[tarfile.TarInfo, PurePosixPath]] = []
            total = 0
            for member in members:
                name = _member_name(member)
                if member.isdir():
                    continue
                if _is_alias(member):
                    notes.append(f"skipped alias {member.name} -> {member.linkname}")
                    continue
                if member.issym() or member.islnk():
                    raise SourceError(
                        f"the archive holds a link: {member.name!r} -> {member.linkname!r}"
                    )
                if not member.isreg():
                    raise SourceError(
                        f"the archive holds a device or special file: {member.name!r}"
                    )
                total += member.size
                if total > max_bytes:
                    raise SourceError(
                        f"the archive unpacks to more than the limit of {max_bytes:,} bytes"
                    )
                files.append((member, name))
            for member, name in files:
                target = dest.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                src = archive.extractfile(member)
                if src is None:
                    raise SourceError(f"cannot read {member.name!r} in the archive")
                with src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
                target.chmod(0o644)
    except SourceError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise SourceError(f"the archive is damaged or truncated ({exc})") from None
    return notes


def copy_folder(src: Path, dest: Path, *, max_bytes: int = 1 << 30) -> None:
    """Copy the regular files of a local folder source into the empty folder ``dest``
    (links are not followed, so a folder cannot bring in files from elsewhere)."""
    if not src.is_dir():
        raise SourceError(f"{src} is not a folder")
    total = 0
    for path in sorted(src.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.startswith("."):
            continue
        total += path.stat().st_size
        if total > max_bytes:
            raise SourceError(f"{src} holds more than the limit of {max_bytes:,} bytes")
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def check(folder: Path) -> CheckReport:
    """Read every list under ``folder`` as the compiler will; raises :class:`SourceError`
    when there is no list, or no list has a single entry. Bad lines are counted, with the
    first examples of each list in ``problems``; they are never fatal."""
    report = CheckReport()
    try:
        found = discover(folder, prefix="")
    except ListError as exc:
        raise SourceError(str(exc)) from None
    categories: set[str] = set()
    for source in found:
        try:
            content = read_list(source)
        except ListError as exc:
            raise SourceError(str(exc)) from None
        report.lists += 1
        report.entries += len(content.entries)
        report.bad += content.bad
        if content.entries:
            categories.add(source.category)
        if content.bad:
            name = source.name.lstrip("/")
            examples = content.bad_examples
            if source.kind == "domains":
                examples = _numbered_examples(source, len(examples))
            report.problems.append(
                f"{name}: {content.bad} bad line{'s' if content.bad != 1 else ''} skipped "
                f"({', '.join(examples)})"
            )
    report.categories = sorted(categories)
    if not report.lists:
        raise SourceError("no list found (expected <category>/domains files or plain lists)")
    if not report.entries:
        raise SourceError(f"no usable entry in {report.lists} list(s)")
    return report


def _numbered_examples(source: ListSource, count: int) -> list[str]:
    """The first ``count`` bad lines of a domain list with their line numbers (the engine's
    fast reader counts them without)."""
    found: list[str] = []
    with source.path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if domain_line(line) == "":
                found.append(f"line {number}: {line.strip()[:80]!r}")
                if len(found) >= count:
                    break
    return found


def swap_in(new: Path, live: Path) -> None:
    """Put the folder ``new`` in place of ``live`` with renames: the old folder is moved
    aside, the new one renamed in, then the old one removed (put back if the rename fails)."""
    old: Path | None = None
    if live.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{live.name}.old-", dir=live.parent))
        old.rmdir()
        live.rename(old)
    try:
        new.rename(live)
    except OSError:
        if old is not None:
            old.rename(live)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def source_lock(parent: Path, name: str) -> Iterator[bool]:
    """Hold ``parent/.<name>.lock`` for one update of a source; yields ``False`` (without
    waiting) when another process is updating it."""
    parent.mkdir(parents=True, exist_ok=True)
    with (parent / f".{name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep(parent: Path, name: str) -> None:
    """Remove hidden folders left beside ``parent/name`` by an interrupted update."""
    if not parent.is_dir():
        return
    for path in parent.glob(f".{name}.*-*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
