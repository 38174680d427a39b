"""Lists and a policy in, one snapshot out (``aup filter compile``).

Every domain becomes the key ``h:<domain>``, every URL prefix ``u:<host>/<path>`` (and its
host gets the URL flag, so a decision only looks for URL prefixes under hosts that have
some). Each key's value is the set of lists that hold it, so one lookup answers for all
categories and a decision can still say which list matched. The policy's own host and URL
rules are compiled the same way, as one list per rule. Keys are 64-bit BLAKE2b hashes; the
key and list id are packed into one integer and sorted once.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaup.engine.lists import ListContent, ListSource, discover, read_list, url_line
from openaup.engine.policy import Policy
from openaup.engine.snapshot import SET_MASK, URL_FLAG, write_snapshot

__all__ = ["CompileReport", "build_tables", "compile_snapshot"]

_FLAG_ONLY = 0xFFFF
_MAX_LISTS = 0xFFFE


@dataclass(slots=True)
class CompileReport:
    """What was compiled: lists, keys, lines skipped per list, size and time."""

    path: Path
    lists: int = 0
    entries: int = 0
    keys: int = 0
    bad: int = 0
    size: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    unknown_categories: list[str] = field(default_factory=list)

    def summary(self) -> str:
        per_entry = self.size / self.entries if self.entries else 0.0
        return (
            f"{self.path}: {self.lists} lists, {self.entries} entries, {self.keys} keys, "
            f"{self.bad} bad lines skipped, {self.size} bytes ({per_entry:.1f} B/entry), "
            f"{self.seconds:.2f} s"
        )


def _policy_lists(policy: Policy) -> list[tuple[dict[str, Any], list[str]]]:
    """One list per policy rule that names hosts or URL prefixes."""
    out: list[tuple[dict[str, Any], list[str]]] = []
    for profile in policy.profiles.values():
        for rule in profile.rules:
            entries = list(rule.hosts)
            bad = 0
            for url in rule.urls:
                key = url_line(url)
                if key:
                    entries.append(key)
                else:
                    bad += 1
            if entries:
                name = f"policy:{profile.name}/{rule.name}"
                out.append(
                    (
                        {"name": name, "category": "", "kind": "policy", "allow": False,
                         "entries": len(entries), "bad": bad},
                        entries,
                    )
                )  # fmt: skip
    return out


def build_tables(
    contents: Iterable[tuple[dict[str, Any], list[str]]],
) -> tuple[array[int], array[int], list[list[int]], list[dict[str, Any]]]:
    """Sorted key hashes, their values, the category sets and the list records."""
    blake = hashlib.blake2b
    from_bytes = int.from_bytes
    packed: list[int] = []
    add = packed.append
    records: list[dict[str, Any]] = []
    for lid, (record, entries) in enumerate(contents):
        if lid >= _MAX_LISTS:
            raise ValueError(f"too many lists (at most {_MAX_LISTS})")
        records.append(record)
        if record["kind"] == "expressions":
            continue
        for entry in entries:
            slash = entry.find("/")
            if slash < 0:
                h = from_bytes(blake(b"h:" + entry.encode(), digest_size=8).digest(), "little")
                add((h << 16) | lid)
            else:
                h = from_bytes(blake(b"u:" + entry.encode(), digest_size=8).digest(), "little")
                add((h << 16) | lid)
                host = entry[:slash].encode()
                h = from_bytes(blake(b"h:" + host, digest_size=8).digest(), "little")
                add((h << 16) | _FLAG_ONLY)
    packed.sort()
    keys = array("Q")
    values = array("H")
    sets: list[list[int]] = [[]]
    set_ids: dict[tuple[int, ...], int] = {(): 0}
    prev = -1
    current: list[int] = []
    flag = False
    key_append = keys.append
    value_append = values.append

    def flush() -> None:
        members = tuple(sorted(set(current)))
        sid = set_ids.get(members)
        if sid is None:
            sid = len(sets)
            if sid > SET_MASK:
                raise ValueError("too many distinct category combinations")
            set_ids[members] = sid
            sets.append(list(members))
        value_append(sid | (URL_FLAG if flag else 0))

    for item in packed:
        h = item >> 16
        lid = item & 0xFFFF
        if h != prev:
            if prev >= 0:
                flush()
            key_append(h)
            prev = h
            current = []
            flag = False
        if lid == _FLAG_ONLY:
            flag = True
        else:
            current.append(lid)
    if prev >= 0:
        flush()
    return keys, values, sets, records


def compile_snapshot(
    list_dirs: Sequence[Path | str],
    policy: Policy,
    out: Path | str,
    *,
    sources: Sequence[ListSource] | None = None,
) -> CompileReport:
    """Read every list under ``list_dirs`` (or the given ``sources``), compile them with
    ``policy`` and write the snapshot to ``out`` atomically."""
    started = time.perf_counter()
    report = CompileReport(path=Path(out))
    found: list[ListSource] = list(sources or [])
    for folder in list_dirs:
        found.extend(discover(Path(folder)))
    names: set[str] = set()
    contents: list[tuple[dict[str, Any], list[str]]] = []
    categories: set[str] = set()
    for source in found:
        name = source.name
        n = 2
        while name in names:
            name = f"{source.name}#{n}"
            n += 1
        names.add(name)
        content: ListContent = read_list(source)
        record: dict[str, Any] = {
            "name": name,
            "category": source.category,
            "kind": source.kind,
            "allow": source.allow,
            "entries": len(content.entries),
            "bad": content.bad,
            "bad_examples": content.bad_examples,
            "source": str(source.path),
        }
        if source.kind == "expressions":
            record["expressions"] = content.entries
        categories.add(source.category)
        contents.append((record, content.entries))
        report.entries += len(content.entries)
        report.bad += content.bad
        if content.bad:
            report.problems.append(
                f"{source.path}: {content.bad} bad line(s) skipped, e.g. {content.bad_examples[0]}"
            )
    contents.extend(_policy_lists(policy))
    report.unknown_categories = sorted(policy.categories() - categories)
    keys, values, sets, records = build_tables(contents)
    meta = {
        "lists": records,
        "sets": sets,
        "policy": policy.source,
        "missing_categories": report.unknown_categories,
        "built_by": "openaup.engine",
    }
    report.size = write_snapshot(
        out, keys=keys, values=values, meta=meta, built=datetime.datetime.now(datetime.UTC)
    )
    report.lists = len(records)
    report.keys = len(keys)
    report.seconds = time.perf_counter() - started
    return report
