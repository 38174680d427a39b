"""The snapshot file: counts, integrity checks on open, atomic replace, noticing a new file."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from openaup.engine.compiler import CompileReport, compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.decision import Action, FilterRequest
from openaup.engine.policy import load_policy, parse_policy
from openaup.engine.snapshot import HEADER, MAGIC, Snapshot, SnapshotError

from .conftest import LISTS, PLAIN, POLICY


def test_report_counts_lists_entries_and_bad_lines(compiled: tuple[Path, CompileReport]) -> None:
    path, report = compiled
    # games: "not a domain" and "..broken.."; adult expressions: "(unclosed";
    # the hosts file: "0.0.0.0 bad host name here"
    assert report.bad == 4
    assert any("games/domains: 2 bad line(s)" in p for p in report.problems)
    assert report.size == path.stat().st_size
    assert report.unknown_categories == []


def test_open_reads_header_lists_and_policy(snapshot: Snapshot) -> None:
    assert snapshot.profiles == ("elementary", "high", "walled", "guest", "staff")
    assert snapshot.policy.profiles["staff"].fail_open
    games = next(info for info in snapshot.lists if info.name == "lists/games/domains")
    assert (games.category, games.kind, games.entries, games.bad) == ("games", "domains", 6, 2)
    child = next(info for info in snapshot.lists if info.category == "child")
    assert child.allow  # UT1 usage "white"
    assert snapshot.key_count > 10
    assert snapshot.built.year >= 2026


def _copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def test_missing_snapshot(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="does not exist"):
        Snapshot.open(tmp_path / "nope.snap")


def test_truncated_snapshots_are_detected(
    compiled: tuple[Path, CompileReport], tmp_path: Path
) -> None:
    data = compiled[0].read_bytes()
    for cut in (0, 10, HEADER.size, HEADER.size + 100, len(data) // 2, len(data) - 1):
        bad = tmp_path / f"cut{cut}.snap"
        bad.write_bytes(data[:cut])
        with pytest.raises(SnapshotError, match="truncated"):
            Snapshot.open(bad)


def test_corrupt_snapshots_are_detected(
    compiled: tuple[Path, CompileReport], tmp_path: Path
) -> None:
    data = bytearray(compiled[0].read_bytes())
    # one flipped bit in the body: in the metadata, the index and the keys
    for offset in (HEADER.size + 5, HEADER.size + 2000, len(data) - 30):
        flipped = bytearray(data)
        flipped[offset] ^= 0x10
        bad = tmp_path / "flip.snap"
        bad.write_bytes(bytes(flipped))
        with pytest.raises(SnapshotError, match="checksum"):
            Snapshot.open(bad)
    wrong = bytearray(data)
    wrong[:8] = b"NOTASNAP"
    (tmp_path / "magic.snap").write_bytes(bytes(wrong))
    with pytest.raises(SnapshotError, match="bad magic"):
        Snapshot.open(tmp_path / "magic.snap")
    version = bytearray(data)
    version[8] = 99
    (tmp_path / "version.snap").write_bytes(bytes(version))
    with pytest.raises(SnapshotError, match="version 99"):
        Snapshot.open(tmp_path / "version.snap")
    assert data[:8] == MAGIC


def test_atomic_replace_and_changed(tmp_path: Path) -> None:
    out = tmp_path / "filter.snap"
    policy = load_policy(POLICY)
    compile_snapshot([LISTS], policy, out)
    first = Snapshot.open(out)
    engine = Engine(first)
    assert not first.changed()
    assert engine.decide(FilterRequest("http://youtube.example/"), "elementary").allowed

    # compile again with the plain lists: a new file is renamed over the old one
    compile_snapshot([LISTS, PLAIN], policy, out)
    assert first.changed()
    # the old mapping still answers as before (the old inode lives on)
    assert engine.decide(FilterRequest("http://youtube.example/"), "elementary").allowed
    second = Snapshot.open(out)
    assert not second.changed()
    blocked = Engine(second).decide(FilterRequest("http://youtube.example/"), "elementary")
    assert blocked.action is Action.BLOCK
    first.close()
    second.close()
    # no temporary files are left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filter.snap"]
    out.unlink()
    assert second.changed()


def test_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "filter.snap"
    policy = load_policy(POLICY)
    compile_snapshot([LISTS, PLAIN], policy, out)
    stop = threading.Event()
    errors: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                Snapshot.open(out).close()
            except SnapshotError as exc:
                errors.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(15):
            compile_snapshot([LISTS, PLAIN], policy, out)
    finally:
        stop.set()
        reader.join()
    assert errors == []


def test_failed_write_leaves_the_old_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "filter.snap"
    policy = load_policy(POLICY)
    compile_snapshot([LISTS], policy, out)
    before = out.read_bytes()

    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space"):
        compile_snapshot([LISTS, PLAIN], policy, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filter.snap"]


def test_policy_is_compiled_in(tmp_path: Path) -> None:
    policy = parse_policy(
        '[filter]\ndefault_profile = "p"\n[profiles.p]\n[[profiles.p.rules]]\n'
        'state = "block"\nhosts = ["only.example"]\n'
    )
    out = tmp_path / "p.snap"
    compile_snapshot([], policy, out)
    with Snapshot.open(out) as snap:
        engine = Engine(snap)
        assert engine.decide(FilterRequest("http://only.example/x")).action is Action.BLOCK
        assert engine.decide(FilterRequest("http://other.example/")).allowed


def test_duplicate_lines_make_one_key(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    (lists / "games").mkdir(parents=True)
    (lists / "games" / "domains").write_text("a.com\nb.com\nA.com\na.com.\n")
    policy = parse_policy(
        '[filter]\ndefault_profile = "p"\n[profiles.p]\n[[profiles.p.rules]]\n'
        'state = "block"\ncategories = ["games"]\n'
    )
    out = tmp_path / "one.snap"
    report = compile_snapshot([lists], policy, out)
    assert (report.entries, report.keys) == (4, 2)
    with Snapshot.open(out) as snap:
        assert snap.key_count == 2
        engine = Engine(snap)
        assert engine.decide(FilterRequest("http://x.a.com/")).action is Action.BLOCK
        assert engine.decide(FilterRequest("http://b.com/")).action is Action.BLOCK
