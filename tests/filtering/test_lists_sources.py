"""The engine side of list updates (:mod:`openaup.engine.sources`), without Django:
archive members, plain lists, checks and the swap."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

import pytest

from openaup.engine import sources
from tests.filtering.lists_support import tar_member, ut1_archive


@pytest.mark.parametrize(
    ("member", "error"),
    [
        (tar_member("blacklists/../x"), "leaves its folder"),
        (tar_member("../x"), "leaves its folder"),
        (tar_member("/x"), "absolute path"),
        (tar_member("c:/x"), "absolute path"),
        (tar_member("a\\..\\x"), "leaves its folder"),
        (tar_member("blacklists/l", kind=tarfile.LNKTYPE, link="blacklists/games/domains"), "link"),
        (tar_member("blacklists/s", kind=tarfile.SYMTYPE, link="../../etc"), "link"),
        (tar_member("blacklists/f", kind=tarfile.FIFOTYPE), "device or special file"),
        (tar_member("blacklists/b", kind=tarfile.BLKTYPE), "device or special file"),
    ],
)
def test_archives_that_are_refused(tmp_path: Path, member: tarfile.TarInfo, error: str) -> None:
    archive = tmp_path / "bl.tar.gz"
    archive.write_bytes(ut1_archive(extra=[member]))
    dest = tmp_path / "out"
    dest.mkdir()

    with pytest.raises(sources.SourceError, match=error):
        sources.unpack(archive, dest, kind="ut1")

    assert list(dest.iterdir()) == []  # nothing written before the whole archive was read


def test_a_plain_list_gzipped_or_not(tmp_path: Path) -> None:
    for name, data in (("a", b"one.example\n"), ("b", gzip.compress(b"one.example\n"))):
        download = tmp_path / name
        download.write_bytes(data)
        dest = tmp_path / f"out-{name}"
        dest.mkdir()
        sources.unpack(download, dest, kind="plain", category="games")
        assert (dest / "games.txt").read_bytes() == b"one.example\n"


def test_a_damaged_gzip_list_is_refused(tmp_path: Path) -> None:
    download = tmp_path / "list.gz"
    download.write_bytes(gzip.compress(b"one.example\n" * 1000)[:40])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(sources.SourceError, match="damaged or truncated"):
        sources.unpack(download, dest, kind="plain", category="games")


def test_a_plain_list_needs_its_category(tmp_path: Path) -> None:
    with pytest.raises(sources.SourceError, match="needs the category"):
        sources.unpack(tmp_path / "x", tmp_path, kind="plain")


def test_check_counts_entries_and_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "games").mkdir()
    (tmp_path / "games/domains").write_text("a.example\nb.example\nnot one\n")
    (tmp_path / "social").mkdir()
    (tmp_path / "social/domains").write_text("0.0.0.0 s.example\n")
    # Beside UT1 category folders, a file is documentation, not a list.
    (tmp_path / "README.txt").write_text("not.a.list.example\n")

    report = sources.check(tmp_path)

    assert (report.lists, report.entries, report.bad) == (2, 3, 1)
    assert report.categories == ["games", "social"]
    assert report.problems == ["games/domains: 1 bad line skipped (line 3: 'not one')"]
    (tmp_path / "games/domains").write_text("# nothing\n")
    (tmp_path / "social/domains").write_text("\n")
    with pytest.raises(sources.SourceError, match="no usable entry in 2 list"):
        sources.check(tmp_path)


def test_swap_in_replaces_the_live_folder_and_removes_the_old_one(tmp_path: Path) -> None:
    live = tmp_path / "ut1"
    live.mkdir()
    (live / "old.txt").write_text("old\n")
    new = sources.staging_dir(live, "new")
    (new / "new.txt").write_text("new\n")

    sources.swap_in(new, live)

    assert [p.name for p in live.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["ut1"]


def test_swap_in_puts_the_old_folder_back_when_the_rename_fails(tmp_path: Path) -> None:
    live = tmp_path / "ut1"
    live.mkdir()
    (live / "old.txt").write_text("old\n")

    with pytest.raises(FileNotFoundError):
        sources.swap_in(tmp_path / "missing", live)

    assert (live / "old.txt").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ut1"]
