"""Lists and a policy in, one snapshot out (``aup filter compile``).

Every domain becomes the key ``h:<domain>``, every URL prefix ``u:<host>/<path>`` (and its
host gets the URL flag, so a decision only looks for URL prefixes under hosts that have
some). Each key's value is the set of lists that hold it, so one lookup answers for all
categories and a decision can still say which list matched. The policy's own host and URL
rules are compiled the same way, as one list per rule. Keys are 64-bit BLAKE2b hashes; the
key and list id are packed into one integer and sorted once. Every domain that a longer
host key ends with (``a.com`` and ``b.a.com`` of ``x.b.a.com``) goes into the snapshot's
parent filter, so a look-up can walk a host from its last two labels up and stop at the
first domain no key is longer than.
"""

from __future__ import annotations

import datetime
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice, repeat
from operator import and_, eq, ge, itemgetter, lshift, lt, or_, rshift
from pathlib import Path
from typing import Any, cast

from openaup.engine.lists import ListSource, discover, read_domains, read_list, url_line
from openaup.engine.policy import Policy
from openaup.engine.snapshot import SET_MASK, URL_FLAG, hash_keys, write_snapshot

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


def _add_parents(hosts: list[bytes], into: set[bytes]) -> None:
    """Add to ``into`` every parent domain with two labels or more of each host (one label
    dropped per round, each round in C: ``map``, ``compress``)."""
    level = hosts
    while True:
        level = list(compress(level, map(ge, map(bytes.count, level, repeat(b".")), repeat(2))))
        if not level:
            return
        level = list(map(itemgetter(2), map(bytes.partition, level, repeat(b"."))))
        into.update(level)


def build_tables(
    contents: Iterable[tuple[dict[str, Any], Sequence[str] | Sequence[bytes]]],
) -> tuple[array[int], array[int], list[list[int]], list[dict[str, Any]], array[int]]:
    """Sorted key hashes, their values, the category sets, the list records and the key
    hashes of the parent domains of the host keys (for the snapshot's parent filter).

    Each list's keys are hashed in bulk and packed with the list id into one integer
    (``hash << 16 | list id``); one sort brings equal keys together, and only keys that
    several lists share (or that also carry the URL flag) are merged one by one. Everything
    else runs in C (``map``, ``sort``, ``itertools.compress``)."""
    records: list[dict[str, Any]] = []
    sets: list[list[int]] = [[]]
    set_ids: dict[tuple[int, ...], int] = {(): 0}

    def set_id(members: tuple[int, ...]) -> int:
        sid = set_ids.get(members)
        if sid is None:
            sid = len(sets)
            if sid > SET_MASK:
                raise ValueError("too many distinct category combinations")
            set_ids[members] = sid
            sets.append(list(members))
        return sid

    hashed: list[tuple[int, array[int], array[int] | None]] = []
    parents: set[bytes] = set()
    for lid, (record, entries) in enumerate(contents):
        if lid >= _MAX_LISTS:
            raise ValueError(f"too many lists (at most {_MAX_LISTS})")
        records.append(record)
        if record["kind"] == "expressions" or not entries:
            continue
        encoded: list[bytes]
        if isinstance(entries[0], bytes):  # read_domains() gives bytes, the rest str
            encoded = cast(list[bytes], list(entries))
        else:
            encoded = [str(e).encode() for e in entries]
        flags = None
        if record["kind"] != "domains":  # domain lines never hold a "/"
            hosts = [e.split(b"/", 1)[0] for e in encoded if b"/" in e]
            flags = hash_keys(hosts) if hosts else None
            _add_parents([e.split(b"/", 1)[0] for e in encoded], parents)
        else:
            _add_parents(encoded, parents)
        hashed.append((lid, hash_keys(encoded), flags))
    parent_hashes = hash_keys(list(parents))
    del parents
    if len(hashed) == 1 and hashed[0][2] is None:
        # one list without URL prefixes (a single big list): no merging needed
        lid, only, _ = hashed[0]
        # Floats compare faster than 64-bit ints, and float() keeps their order but for
        # hashes that agree on their top 53 bits. One pass checks that the keys are in
        # order and all different (the usual case); otherwise sort as ints and drop repeats.
        ordered = sorted(only, key=float)
        if not all(map(lt, ordered, islice(ordered, 1, None))):
            ordered.sort()
            repeats = list(
                compress(range(1, len(ordered)), map(eq, ordered, islice(ordered, 1, None)))
            )
            if repeats:
                gone = set(repeats)
                ordered = [h for i, h in enumerate(ordered) if i not in gone]
        values = array("H", [set_id((lid,))]) * len(ordered)
        return array("Q", ordered), values, sets, records, parent_hashes
    packed: list[int] = []
    for lid, hashes_of_list, flags in hashed:
        packed.extend(map(or_, map(lshift, hashes_of_list, repeat(16)), repeat(lid)))
        if flags is not None:
            packed.extend(map(or_, map(lshift, flags, repeat(16)), repeat(_FLAG_ONLY)))
    del hashed
    packed.sort()
    hashes = list(map(rshift, packed, repeat(16)))
    lids = list(map(and_, packed, repeat(0xFFFF)))
    del packed
    # the value of a key held by one list only (or only flagged)
    single = [0] * 0x10000
    for lid in set(lids):
        single[lid] = URL_FLAG if lid == _FLAG_ONLY else set_id((lid,))
    values_all = list(map(single.__getitem__, lids))
    n = len(hashes)
    repeated = list(compress(range(1, n), map(eq, hashes, islice(hashes, 1, None))))
    if not repeated:
        return array("Q", hashes), array("H", values_all), sets, records, parent_hashes
    keep = [True] * n
    i = 0
    while i < len(repeated):
        first = repeated[i] - 1
        last = repeated[i]
        while i + 1 < len(repeated) and repeated[i + 1] == last + 1:
            i += 1
            last = repeated[i]
        members = set(lids[first : last + 1])
        flag = URL_FLAG if _FLAG_ONLY in members else 0
        members.discard(_FLAG_ONLY)
        values_all[first] = set_id(tuple(sorted(members))) | flag
        for j in range(first + 1, last + 1):
            keep[j] = False
        i += 1
    keys = array("Q", compress(hashes, keep))
    values = array("H", compress(values_all, keep))
    return keys, values, sets, records, parent_hashes


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
    contents: list[tuple[dict[str, Any], Sequence[str] | Sequence[bytes]]] = []
    categories: set[str] = set()
    for source in found:
        name = source.name
        n = 2
        while name in names:
            name = f"{source.name}#{n}"
            n += 1
        names.add(name)
        entries: list[str] | list[bytes]
        if source.kind == "domains":
            entries, content = read_domains(source.path)
        else:
            content = read_list(source)
            entries = content.entries
        record: dict[str, Any] = {
            "name": name,
            "category": source.category,
            "kind": source.kind,
            "allow": source.allow,
            "entries": len(entries),
            "bad": content.bad,
            "bad_examples": content.bad_examples,
            "source": str(source.path),
        }
        if source.kind == "expressions":
            record["expressions"] = content.entries
        categories.add(source.category)
        contents.append((record, entries))
        report.entries += len(entries)
        report.bad += content.bad
        if content.bad:
            report.problems.append(
                f"{source.path}: {content.bad} bad line(s) skipped, e.g. {content.bad_examples[0]}"
            )
    contents.extend(_policy_lists(policy))
    report.unknown_categories = sorted(policy.categories() - categories)
    keys, values, sets, records, parents = build_tables(contents)
    meta = {
        "lists": records,
        "sets": sets,
        "policy": policy.source,
        "missing_categories": report.unknown_categories,
        "built_by": "openaup.engine",
    }
    report.size = write_snapshot(
        out,
        keys=keys,
        values=values,
        meta=meta,
        parents=parents,
        built=datetime.datetime.now(datetime.UTC),
    )
    report.lists = len(records)
    report.keys = len(keys)
    report.seconds = time.perf_counter() - started
    return report
