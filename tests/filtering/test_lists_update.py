"""Updating list sources from a list server on loopback: download, check, unpack, swap; and
every bad input leaves the live lists in place, with the error recorded and shown."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from openaup.audit.models import AuditEvent
from openaup.filtering.models import ListSource
from openaup.filtering.services import lists
from tests.filtering import lists_support
from tests.filtering.lists_support import tar_member, ut1_archive

list_server = lists_support.list_server
filter_dir = lists_support.filter_dir

pytestmark = pytest.mark.django_db


def _source(url: str, **kwargs: Any) -> ListSource:
    return lists.create_source(
        actor=None, name=kwargs.pop("name", "ut1"), kind="ut1", url=url, **kwargs
    )


def _live(filter_dir: Path, name: str = "ut1") -> Path:
    return filter_dir / "lists" / name


def test_update_downloads_checks_and_swaps_the_lists_in(list_server, filter_dir) -> None:
    url = list_server.serve("/blacklists.tar.gz", ut1_archive())
    source = _source(url)

    outcome = lists.update_source(actor=None, source=source)

    assert outcome.ok
    assert outcome.changed
    live = _live(filter_dir)
    assert (
        live / "blacklists/adult/domains"
    ).read_text() == "adult-one.example\nadult-two.example\n"
    assert (live / "blacklists/child/usage").read_text() == "white\n"
    source.refresh_from_db()
    assert source.status == "ok"
    assert source.entries == 7  # 2 + 1 URL + 3 + 1
    assert source.bad_lines == 0
    assert source.size > 0
    assert len(source.sha256) == 64
    assert source.etag
    assert source.last_success_at
    assert not source.last_error
    # Nothing is left beside the live folder (the temporary and old folders are gone).
    assert sorted(p.name for p in live.parent.iterdir() if p.is_dir()) == ["ut1"]
    assert AuditEvent.objects.filter(action="filter.list_source.updated").exists()


def test_an_unchanged_source_is_not_downloaded_again(list_server, filter_dir) -> None:
    url = list_server.serve("/blacklists.tar.gz", ut1_archive())
    source = _source(url)
    lists.update_source(actor=None, source=source)
    source.refresh_from_db()
    inode = (_live(filter_dir) / "blacklists/adult/domains").stat().st_ino

    outcome = lists.update_source(actor=None, source=source)

    assert outcome.ok
    assert not outcome.changed
    assert "304" in outcome.message
    # The second request carried the ETag of the first answer.
    assert list_server.seen[-1] == ("/blacklists.tar.gz", source.etag)
    assert (_live(filter_dir) / "blacklists/adult/domains").stat().st_ino == inode


def test_a_new_archive_replaces_the_old_lists_whole(list_server, filter_dir) -> None:
    url = list_server.serve("/blacklists.tar.gz", ut1_archive())
    source = _source(url)
    lists.update_source(actor=None, source=source)
    list_server.serve("/blacklists.tar.gz", ut1_archive({"games/domains": "new-game.example\n"}))

    outcome = lists.update_source(actor=None, source=ListSource.objects.get(pk=source.pk))

    assert outcome.changed
    live = _live(filter_dir)
    assert (live / "blacklists/games/domains").read_text() == "new-game.example\n"
    assert not (live / "blacklists/adult").exists()
    assert ListSource.objects.get(pk=source.pk).entries == 1


def test_garbage_lines_are_counted_and_reported_not_fatal(list_server, filter_dir) -> None:
    archive = ut1_archive(
        {
            "games/domains": "games-one.example\nnot a domain at all\n%%%\ngames-two.example\n",
            "games/expressions": "(unclosed\nfine[0-9]+\n",
        }
    )
    source = _source(list_server.serve("/bl.tar.gz", archive))

    outcome = lists.update_source(actor=None, source=source)

    assert outcome.ok
    assert outcome.changed
    source.refresh_from_db()
    assert source.entries == 3
    assert source.bad_lines == 3
    problems = " ".join(source.problems)
    assert "games/domains: 2 bad lines skipped" in problems
    assert "'not a domain at all'" in problems
    assert "games/expressions: 1 bad line skipped (line 1: '(unclosed')" in problems


@pytest.fixture
def live_source(list_server, filter_dir) -> ListSource:
    """A source updated once, whose server will now answer badly."""
    source = _source(list_server.serve("/blacklists.tar.gz", ut1_archive()))
    assert lists.update_source(actor=None, source=source).ok
    source.refresh_from_db()
    return source


def _truncated() -> bytes:
    whole = ut1_archive({"games/domains": "".join(f"g{i}.example\n" for i in range(5000))})
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"body": b""}, "the download is empty (0 bytes)"),
        ({"body": b"x" * 100, "status": 500}, "the server answered 500"),
        ({"body": _truncated()}, "the archive is damaged or truncated"),
        (
            {"body": ut1_archive()[:50], "headers": {"Content-Length": "2000"}},
            "the download is truncated (50 of 2,000 bytes)",
        ),
        (
            {"body": ut1_archive(extra=[tar_member("blacklists/../../../etc/evil")])},
            "the archive holds a path that leaves its folder: 'blacklists/../../../etc/evil'",
        ),
        (
            {"body": ut1_archive(extra=[tar_member("/etc/evil")])},
            "the archive holds an absolute path: '/etc/evil'",
        ),
        (
            {
                "body": ut1_archive(
                    extra=[tar_member("blacklists/x", kind=tarfile.SYMTYPE, link="/etc/passwd")]
                )
            },
            "the archive holds a link: 'blacklists/x' -> '/etc/passwd'",
        ),
        (
            {"body": ut1_archive(extra=[tar_member("blacklists/dev", kind=tarfile.CHRTYPE)])},
            "the archive holds a device or special file: 'blacklists/dev'",
        ),
        (
            {"body": ut1_archive({"games/domains": "# nothing here\n\n"})},
            "no usable entry in 1 list(s)",
        ),
        ({"body": b"this is not an archive" * 10}, "the archive is damaged or truncated"),
    ],
    ids=[
        "empty",
        "500",
        "truncated-archive",
        "truncated-download",
        "dotdot",
        "absolute",
        "link",
        "device",
        "nothing-usable",
        "not-an-archive",
    ],
)
def test_a_bad_download_keeps_the_live_lists(
    live_source, list_server, filter_dir, answer, error
) -> None:
    before = (_live(filter_dir) / "blacklists/adult/domains").read_text()
    list_server.serve("/blacklists.tar.gz", **answer)

    outcome = lists.update_source(actor=None, source=live_source, force=True)

    assert not outcome.ok
    assert error in outcome.message
    assert outcome.message.startswith("ut1: not updated")
    assert (_live(filter_dir) / "blacklists/adult/domains").read_text() == before
    assert not (filter_dir / "etc").exists()
    assert sorted(p.name for p in (filter_dir / "lists").iterdir() if p.is_dir()) == ["ut1"]
    source = ListSource.objects.get(pk=live_source.pk)
    assert source.status == "failed"
    assert error in source.last_error
    assert source.entries == live_source.entries
    assert source.last_success_at == live_source.last_success_at
    event = AuditEvent.objects.filter(action="filter.list_source.update_failed").latest("pk")
    assert error in event.changes["error"]


def test_a_server_that_does_not_answer_in_time(live_source, list_server, filter_dir, settings):
    settings.OPENAUP_LIST_TIMEOUT = 1
    list_server.serve("/blacklists.tar.gz", ut1_archive(), delay=2.5)

    outcome = lists.update_source(actor=None, source=live_source, force=True)

    assert not outcome.ok
    assert "no answer within 1 s" in outcome.message
    assert (_live(filter_dir) / "blacklists/adult/domains").exists()


def test_the_command_names_the_source_and_what_was_wrong(
    live_source, list_server, filter_dir, capsys
) -> None:
    list_server.serve("/blacklists.tar.gz", b"", etag=False)

    with pytest.raises(CommandError, match="Not updated: ut1"):
        call_command("filter_lists", "update", "--force")

    err = capsys.readouterr().err
    assert "ut1: not updated" in err
    assert "the download is empty (0 bytes)" in err
    call_command("filter_lists", "show")
    out = capsys.readouterr().out
    assert "status: Last update failed" in out
    assert "last error: " in out
    assert "0 bytes" in out


def test_the_command_updates_one_source_and_shows_it(list_server, filter_dir, capsys) -> None:
    call_command(
        "filter_lists", "add", "ut1", "--kind", "ut1", "--url", list_server.url("/bl.tar.gz")
    )
    list_server.serve("/bl.tar.gz", ut1_archive())

    call_command("filter_lists", "update", "--source", "ut1")

    out = capsys.readouterr().out
    assert "ut1: 4 lists, 7 entries, 0 bad lines skipped" in out
    call_command("filter_lists", "show")
    assert "status: Up to date" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No list source named 'nope'"):
        call_command("filter_lists", "update", "--source", "nope")


def test_plain_and_hosts_lists(list_server, filter_dir) -> None:
    plain = lists.create_source(
        actor=None,
        name="social",
        kind="plain",
        url=list_server.serve("/social.txt.gz", gzip.compress(b"# social\nsocial.example\n")),
        category="social_networks",
    )
    hosts = lists.create_source(
        actor=None,
        name="ads",
        kind="hosts",
        url=list_server.serve("/hosts", b"127.0.0.1 localhost\n0.0.0.0 ads.example\n"),
        category="ads",
    )

    assert lists.update_source(actor=None, source=plain).ok
    assert lists.update_source(actor=None, source=hosts).ok

    folder = filter_dir / "lists"
    assert (folder / "social/social_networks.txt").read_text() == "# social\nsocial.example\n"
    assert (folder / "ads/ads.hosts").read_text().endswith("0.0.0.0 ads.example\n")
    assert ListSource.objects.get(name="ads").entries == 1


def test_a_local_archive_and_a_local_folder(tmp_path, filter_dir) -> None:
    archive = tmp_path / "blacklists.tar.gz"
    archive.write_bytes(ut1_archive())
    folder = tmp_path / "mine"
    (folder / "games").mkdir(parents=True)
    (folder / "games/domains").write_text("mine.example\n")
    (folder / "games/evil").symlink_to("/etc/passwd")

    by_file = lists.create_source(actor=None, name="file", kind="ut1", path=str(archive))
    by_folder = lists.create_source(actor=None, name="folder", kind="ut1", path=str(folder))

    assert lists.update_source(actor=None, source=by_file).changed
    assert lists.update_source(actor=None, source=by_folder).changed
    assert (filter_dir / "lists/file/blacklists/games/domains").exists()
    assert (filter_dir / "lists/folder/games/domains").read_text() == "mine.example\n"
    assert not (filter_dir / "lists/folder/games/evil").exists()
    # Unchanged files are not swapped in again.
    again = lists.update_source(actor=None, source=ListSource.objects.get(name="folder"))
    assert again.ok
    assert not again.changed


def test_a_ut1_alias_link_is_skipped(list_server, filter_dir) -> None:
    archive = ut1_archive(extra=[tar_member("blacklists/porn", kind=tarfile.SYMTYPE, link="adult")])
    source = _source(list_server.serve("/bl.tar.gz", archive))

    assert lists.update_source(actor=None, source=source).ok

    assert not (_live(filter_dir) / "blacklists/porn").exists()
    source.refresh_from_db()
    assert "skipped alias blacklists/porn -> adult" in source.problems


def test_scheduled_updates_take_only_the_sources_that_are_due(list_server, filter_dir) -> None:
    import datetime

    from django.utils import timezone

    url = list_server.serve("/bl.tar.gz", ut1_archive())
    due = _source(url, name="due", update_hours=6)
    _source(url, name="by-hand", update_hours=0)
    _source(url, name="off", enabled=False)

    first = lists.update_due_sources()
    assert [o.source.name for o in first] == ["due"]
    later = timezone.now() + datetime.timedelta(hours=5)
    assert lists.update_due_sources(now=later) == []
    later = timezone.now() + datetime.timedelta(hours=6, minutes=1)
    assert [o.source.name for o in lists.update_due_sources(now=later)] == [due.name]


POLICY = """
[filter]
default_profile = "guest"

[profiles.guest]
minor = false
default = "allow"

[[profiles.guest.rules]]
name = "games"
state = "block"
categories = ["games"]
"""


def test_a_change_recompiles_the_live_policy(
    list_server, filter_dir, django_capture_on_commit_callbacks
) -> None:
    from django.utils import timezone

    from openaup.engine.decide import Engine
    from openaup.engine.decision import FilterRequest
    from openaup.engine.snapshot import Snapshot
    from openaup.filtering.models import Category, PolicyRevision

    live = PolicyRevision.objects.create(
        number=1, toml=POLICY, sha256="0" * 64, status="live", published_at=timezone.now()
    )
    source = _source(list_server.serve("/bl.tar.gz", ut1_archive()))

    with django_capture_on_commit_callbacks(execute=True):
        outcome = lists.update_source(actor=None, source=source, sync=True)

    assert outcome.recompiled
    live.refresh_from_db()
    assert live.status == "live"
    assert live.report["entries"] == 7
    assert Category.objects.get(name="games").entries == 3
    assert AuditEvent.objects.filter(action="filter.policy.recompiled").exists()
    snapshot = Snapshot.open(filter_dir / "filter.snap")
    try:
        decision = Engine(snapshot).decide(FilterRequest("http://www.games-two.example/"))
        assert (decision.action, decision.category) == ("block", "games")
        assert Engine(snapshot).decide(FilterRequest("http://kids.example/")).action == "allow"
    finally:
        snapshot.close()


def test_the_worker_enqueues_the_list_updates_once_an_hour(filter_dir) -> None:
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from openaup.core.management.commands.worker import PERIODIC_JOBS, enqueue_due_jobs

    job = next(j for j in PERIODIC_JOBS if j.name == "filter list updates")
    assert job.every_minutes == 60
    zone = timezone.get_current_timezone()
    ten = datetime.datetime(2026, 11, 30, 10, 5, tzinfo=zone)

    assert enqueue_due_jobs(ten, (job,)) == ["filter list updates"]
    assert enqueue_due_jobs(ten + datetime.timedelta(minutes=50), (job,)) == []
    assert enqueue_due_jobs(ten + datetime.timedelta(minutes=55), (job,)) == ["filter list updates"]
    periods = sorted(
        row.args_kwargs["kwargs"]["period"]
        for row in DBTaskResult.objects.filter(
            task_path="openaup.filtering.tasks.update_due_list_sources"
        )
    )
    assert periods == ["2026-11-30T10:00", "2026-11-30T11:00"]


def test_one_update_of_a_source_at_a_time(list_server, filter_dir) -> None:
    from openaup.engine.sources import source_lock

    source = _source(list_server.serve("/bl.tar.gz", ut1_archive()))
    with source_lock(filter_dir / "lists", "ut1") as locked:
        assert locked
        outcome = lists.update_source(actor=None, source=source)
    assert outcome.message == "ut1: another update of this source is running"
    assert not _live(filter_dir).exists()
    assert lists.update_source(actor=None, source=source).changed


def test_the_size_cap(live_source, list_server, filter_dir, settings) -> None:
    import os

    settings.OPENAUP_LIST_MAX_MB = 1
    list_server.serve("/blacklists.tar.gz", os.urandom((1 << 20) + 10))
    outcome = lists.update_source(actor=None, source=live_source, force=True)
    assert "the download is larger than the limit of 1,048,576 bytes" in outcome.message

    # Small to download, too large unpacked (a "zip bomb").
    bomb = ut1_archive({"games/domains": "a.example\n" + "#" * (2 << 20) + "\n"})
    assert len(bomb) < 100_000
    list_server.serve("/blacklists.tar.gz", bomb)
    outcome = lists.update_source(actor=None, source=live_source, force=True)
    assert "the archive unpacks to more than the limit of 1,048,576 bytes" in outcome.message
    assert (_live(filter_dir) / "blacklists/adult/domains").exists()
