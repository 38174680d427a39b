"""Category lists in: the squidGuard/UT1 layout, plain domain lists and hosts files.

A list is one file with a category name and a kind (``domains``, ``urls`` or
``expressions``). :func:`discover` finds them under a folder; :func:`read_list` reads one,
normalizing every line the way requests are normalized (:mod:`openaup.engine.urls`), and
counts the lines it had to skip. A bad line is reported, never fatal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from openaup.engine.urls import normalize_host, normalize_path

__all__ = ["ListContent", "ListError", "ListSource", "discover", "read_domains", "read_list"]

KINDS = ("domains", "urls", "expressions")
_DOMAIN_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.[a-z0-9-]*[a-z0-9]")
_HOSTS_IPS = frozenset({"0.0.0.0", "127.0.0.1", "::", "::1", "0", "255.255.255.255"})
# The usual first lines of a hosts file, not entries of the list.
_HOSTS_SELF = frozenset(
    {"localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
     "ip6-loopback", "0.0.0.0"}
)  # fmt: skip
_MAX_EXAMPLES = 5
# A clean domain line, lower-cased ASCII: most lines of most lists. The compiler takes these
# as they are (one regular-expression pass over the file) and normalizes only the others.
_CLEAN = rb"(?:[a-z0-9_-]+\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)"
_CLEAN_LINE = re.compile(rb"^(" + _CLEAN + rb")\r?$", re.MULTILINE)
_OTHER_LINE = re.compile(rb"^(?![ \t]*(?:#|\r?$))(?!" + _CLEAN + rb"\r?$).+$", re.MULTILINE)


class ListError(Exception):
    """A list folder or file that cannot be read at all (missing, not a folder...)."""


@dataclass(frozen=True, slots=True)
class ListSource:
    """One list file: ``name`` is unique (``ut1/adult/domains``), ``category`` is what the
    policy refers to (``adult``); ``allow`` marks an allow-list (UT1 ``usage`` = white)."""

    name: str
    category: str
    kind: str
    path: Path
    allow: bool = False


@dataclass(slots=True)
class ListContent:
    """What :func:`read_list` found: normalized entries, and the skipped lines counted."""

    entries: list[str]
    lines: int = 0
    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)

    def reject(self, lineno: int, line: str) -> None:
        """Count a bad line (``lineno`` 0: not known) and keep the first few as examples."""
        self.bad += 1
        if len(self.bad_examples) < _MAX_EXAMPLES:
            where = f"line {lineno}: " if lineno else ""
            self.bad_examples.append(f"{where}{line.strip()[:80]!r}")


def _usage_is_white(folder: Path) -> bool:
    usage = folder / "usage"
    if not usage.is_file():
        return False
    for raw in usage.read_text(encoding="utf-8", errors="replace").splitlines():
        word = raw.strip().lower()
        if word and not word.startswith("#"):
            return word == "white"
    return False


def discover(root: Path, *, prefix: str | None = None) -> list[ListSource]:
    """The lists under ``root``, sorted by name.

    ``root/<category>/{domains,urls,expressions}`` (UT1/squidGuard; also under
    ``root/blacklists/``) or ``root/<category>.txt`` / ``root/<category>`` plain files
    (domain or hosts-file lines; ``hosts-format/`` sub-folders are read the same way).
    ``root`` may also be a single file. Raises :class:`ListError` when ``root`` is missing.
    """
    root = Path(root)
    if not root.exists():
        raise ListError(f"list folder {root} does not exist")
    label = prefix if prefix is not None else root.name
    if root.is_file():
        return [ListSource(f"{label}", root.stem, "domains", root)]
    base = root / "blacklists" if (root / "blacklists").is_dir() else root
    found: list[ListSource] = []
    entries = sorted(base.iterdir())
    # In the UT1/squidGuard layout, files beside the category folders (global_usage, README,
    # the licence) are documentation, not lists.
    layout = any(e.is_dir() and any((e / k).is_file() for k in KINDS) for e in entries)
    for entry in entries:
        if entry.name.startswith(".") or (layout and entry.is_file()):
            continue
        if entry.is_dir():
            kinds = [k for k in KINDS if (entry / k).is_file()]
            if kinds:
                allow = _usage_is_white(entry)
                for kind in kinds:
                    found.append(
                        ListSource(
                            f"{label}/{entry.name}/{kind}",
                            entry.name,
                            kind,
                            entry / kind,
                            allow,
                        )
                    )
            else:
                found.extend(discover(entry, prefix=f"{label}/{entry.name}"))
        elif entry.is_file() and entry.suffix in ("", ".txt", ".list", ".hosts"):
            if entry.name.lower() in ("readme", "license", "usage") or entry.suffix == ".md":
                continue
            found.append(ListSource(f"{label}/{entry.name}", entry.stem, "domains", entry))
    return found


def domain_line(line: str) -> str | None:
    """The normalized domain on a list line; ``None`` for blanks/comments, ``""`` if bad.

    Understands plain domains, ``*.domain`` / ``.domain``, hosts-file lines
    (``0.0.0.0 domain``) and ``||domain^``.
    """
    line = line.strip()
    if not line or line[0] in "#!;":
        return None
    if " " in line or "\t" in line:
        parts = line.split("#", 1)[0].split()
        if not parts:
            return None
        if len(parts) >= 2 and parts[0] in _HOSTS_IPS:
            if parts[1] in _HOSTS_SELF:
                return None
            if len(parts) > 2:
                return ""
            line = parts[1]
        elif len(parts) == 1:
            line = parts[0]
        else:
            return ""
    if line[0] == "|" or line[-1] == "^":
        line = line.strip("|^")
    if line[0] in "*.":
        line = line.lstrip("*.")
    low = line.lower().rstrip(".")
    if _DOMAIN_RE.fullmatch(low) and ".." not in low:
        if low[-1].isdigit():
            return normalize_host(low)
        return low
    host = normalize_host(line)
    if host and ("." in host or host[0] == "["):
        return host
    return ""


def url_line(line: str) -> str | None:
    """``host/path`` (normalized, ``www.`` dropped) of a URL-list line, ``host`` alone when the
    line has no path; ``None`` for blanks/comments, ``""`` when bad."""
    line = line.strip()
    if not line or line[0] == "#":
        return None
    if "://" in line[:12]:
        line = line.split("://", 1)[1]
    slash = line.find("/")
    hostpart, rest = (line, "") if slash < 0 else (line[:slash], line[slash:])
    host = normalize_host(hostpart.split(":", 1)[0] if hostpart[:1] != "[" else hostpart)
    if not host or ("." not in host and host[0] != "["):
        return ""
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    path = normalize_path(rest.split("#", 1)[0])
    if not path:
        return host
    return f"{host}/{path}?{query.lower()}" if query else f"{host}/{path}"


def read_domains(path: Path) -> tuple[list[bytes], ListContent]:
    """The normalized domains of a domain or hosts-file list, as ASCII bytes, and the counts.

    Clean lines are taken in one pass of a regular expression over the whole file; only the
    other lines (hosts-file lines, IDN, IP literals, mistakes) go through :func:`domain_line`.
    Bad lines are reported without their line number when the file is large and clean.
    """
    try:
        data = path.read_bytes().lower()
    except OSError as exc:
        raise ListError(f"cannot read list {path}: {exc.strerror}") from exc
    entries: list[bytes] = _CLEAN_LINE.findall(data)
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    content = ListContent(entries=[], lines=lines)
    if len(entries) < lines:
        for raw in _OTHER_LINE.findall(data):
            line = raw.decode("utf-8", errors="replace")
            host = domain_line(line)
            if host:
                entries.append(host.encode())
            elif host == "":
                content.reject(0, line)
    return entries, content


def read_list(source: ListSource) -> ListContent:
    """Read and normalize one list. Expressions are checked by compiling each one."""
    if source.kind == "domains":
        raw, content = read_domains(source.path)
        content.entries = [entry.decode() for entry in raw]
        return content
    try:
        text = source.path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ListError(f"cannot read list {source.path}: {exc.strerror}") from exc
    lines = text.splitlines()
    content = ListContent(entries=[], lines=len(lines))
    entries = content.entries
    if source.kind == "urls":
        for n, raw_line in enumerate(lines, 1):
            key = url_line(raw_line)
            if key:
                entries.append(key)
            elif key == "":
                content.reject(n, raw_line)
    else:
        for n, raw_line in enumerate(lines, 1):
            expr = raw_line.strip()
            if not expr or expr.startswith("#"):
                continue
            try:
                re.compile(expr)
            except (re.error, RecursionError, OverflowError):
                content.reject(n, raw_line)
                continue
            entries.append(expr)
    return content
