"""``aup monitor ingest`` and ``import-squid``: decision files into Parquet partitions by
day, people and schools resolved, incremental, nothing twice, bad lines reported."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from django.core.management import call_command

from openaup.monitoring import services
from openaup.monitoring.models import DecisionFile, MonthlyCount
from tests.monitoring.factories import line, write_day
from tests.personas import World

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
DAY = datetime.date(2026, 11, 20)
NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def rows(monitor_dir: Path, where: str = "true") -> list[tuple[Any, ...]]:
    files = sorted(str(p) for p in monitor_dir.glob("decisions/day=*/*.parquet"))
    if not files:
        return []
    return duckdb.sql(
        f'SELECT "user", host, action, category, school_id, person_id, source FROM '
        f"read_parquet({files!r}) WHERE {where} ORDER BY ts, host"
    ).fetchall()


def test_ingest_resolves_the_school_by_user_then_by_network(
    people: World, log_dir: Path, monitor_dir: Path
) -> None:
    write_day(
        log_dir,
        DAY,
        [
            line(NOON, user="AVA.A", host="games.example", action="block", category="games"),
            line(NOON, ip="10.20.4.5", host="news.example"),
            line(NOON, ip="192.0.2.9", host="nowhere.example"),
        ],
    )
    summary = services.ingest_decisions(today=DAY)
    assert summary.rows == 3
    assert summary.bad_lines == 0
    assert rows(monitor_dir) == [
        ("AVA.A", "games.example", "block", "games", people.school_a.pk,
         people.student_a1.pk, "helper"),
        (None, "news.example", "allow", None, people.school_b.pk, None, "helper"),
        (None, "nowhere.example", "allow", None, None, None, "helper"),
    ]  # fmt: skip
    assert (monitor_dir / "decisions" / f"day={DAY}").is_dir()
    record = DecisionFile.objects.get(name=f"{DAY}.tsv")
    assert (record.rows, record.lines_read, record.bad_lines) == (3, 4, 0)


def test_a_growing_file_is_ingested_incrementally_and_nothing_twice(
    people: World, log_dir: Path, monitor_dir: Path
) -> None:
    path = write_day(log_dir, DAY, [line(NOON, host="one.example")])
    assert services.ingest_decisions(today=DAY).rows == 1
    assert services.ingest_decisions(today=DAY).rows == 0
    # The writer is in the middle of a line: only whole lines are taken.
    with open(path, "a") as handle:
        handle.write(line(NOON, host="two.example"))
        handle.write(line(NOON, host="three.example")[:20])
    assert services.ingest_decisions(today=DAY).rows == 1
    with open(path, "a") as handle:
        handle.write(line(NOON, host="three.example")[20:])
    assert services.ingest_decisions(today=DAY).rows == 1
    assert sorted(r[1] for r in rows(monitor_dir)) == [
        "one.example",
        "three.example",
        "two.example",
    ]
    assert DecisionFile.objects.get().rows == 3


def test_a_finished_day_is_compacted_into_one_file(
    people: World, log_dir: Path, monitor_dir: Path
) -> None:
    write_day(log_dir, DAY, [line(NOON, host="one.example")])
    services.ingest_decisions(today=DAY)
    write_day(log_dir, DAY, [line(NOON, host="two.example")])
    services.ingest_decisions(today=DAY)
    assert len(list((monitor_dir / "decisions" / f"day={DAY}").glob("*.parquet"))) == 2
    services.ingest_decisions(today=DAY + datetime.timedelta(days=1))
    assert len(list((monitor_dir / "decisions" / f"day={DAY}").glob("*.parquet"))) == 1
    assert sorted(r[1] for r in rows(monitor_dir)) == ["one.example", "two.example"]
    write_day(log_dir, DAY, [line(NOON, host="late.example")])
    assert services.ingest_decisions(today=DAY + datetime.timedelta(days=1)).rows == 1
    assert len(rows(monitor_dir)) == 3


def test_bad_lines_are_counted_with_file_and_line_and_the_rest_is_ingested(
    people: World, log_dir: Path, monitor_dir: Path
) -> None:
    good = line(NOON, host="good.example")
    write_day(
        log_dir,
        DAY,
        [
            good,
            "garbage\n",
            good.replace("2026-11-20T", "2026-13-40T"),
            good.replace("\tallow\t", "\tmaybe\t"),
            good.rstrip("\n") + "\textra\n",
            good,
        ],
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("monitor", "ingest", stdout=out, stderr=err)
    assert "2 decisions" in out.getvalue()
    assert "4 bad lines" in out.getvalue()
    problems = err.getvalue().splitlines()
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "6"]
    assert all(p.startswith(f"{DAY}.tsv:") for p in problems)
    assert "neither allow nor block" in problems[2]
    assert len(rows(monitor_dir)) == 2
    record = DecisionFile.objects.get()
    assert record.bad_lines == 4
    assert record.problems[0]["line"] == 3


def test_ingest_of_a_folder_that_does_not_exist_is_refused(db: None, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such folder"):
        call_command("monitor", "ingest", "--dir", str(tmp_path / "missing"))


SQUID_LOG = (
    "1795694400.123     45 10.20.4.5 TCP_MISS/200 5120 GET http://news.example/a?b=c - "
    "HIER_DIRECT/192.0.2.1 text/html\n"
    "1795694401.000      0 10.20.4.5 TCP_DENIED/403 3900 CONNECT casino.example:443 dee.b "
    "HIER_NONE/- text/html\n"
    "this is not a squid line\n"
)


def test_squid_access_logs_are_imported_once_and_marked(
    people: World, tmp_path: Path, monitor_dir: Path
) -> None:
    log = tmp_path / "access.log"
    log.write_text(SQUID_LOG)
    out, err = io.StringIO(), io.StringIO()
    call_command("monitor", "import-squid", str(log), stdout=out, stderr=err)
    assert "2 decisions" in out.getvalue()
    assert "access.log:3: not a squid line" in err.getvalue()
    assert rows(monitor_dir) == [
        (None, "news.example", "allow", None, people.school_b.pk, None, "squid"),
        ("dee.b", "casino.example", "block", None, people.school_b.pk, people.student_b1.pk,
         "squid"),
    ]  # fmt: skip
    call_command("monitor", "import-squid", str(log), stdout=io.StringIO(), stderr=io.StringIO())
    assert len(rows(monitor_dir)) == 2


def test_pruning_deletes_whole_old_days_and_keeps_monthly_counts(
    people: World, log_dir: Path, monitor_dir: Path, settings: Any
) -> None:
    settings.OPENAUP_MONITOR_RETENTION_DAYS = 30
    old = datetime.date(2026, 9, 1)
    old_noon = datetime.datetime(2026, 9, 1, 12, tzinfo=UTC)
    write_day(log_dir, old, [line(old_noon, user="ava.a", action="block", category="games")] * 3)
    write_day(log_dir, DAY, [line(NOON, user="ava.a")])
    services.ingest_decisions(today=DAY)
    gone = services.prune_decisions(today=DAY)
    assert gone == [old]
    assert not (monitor_dir / "decisions" / f"day={old}").exists()
    assert (monitor_dir / "decisions" / f"day={DAY}").exists()
    count = MonthlyCount.objects.get(month=datetime.date(2026, 9, 1))
    assert (count.school_id, count.category, count.action, count.decisions) == (
        people.school_a.pk,
        "games",
        "block",
        3,
    )
    from openaup.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="monitoring.decisions_pruned").count() == 1


def test_monthly_counts_follow_the_districts_local_month(
    people: World, log_dir: Path, monitor_dir: Path, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    # 23:30 on 31 October in New York is 03:30 on 1 November in UTC: an October decision
    late = datetime.datetime(2026, 11, 1, 3, 30, tzinfo=UTC)
    write_day(log_dir, late.date(), [line(late, user="ava.a", action="block", category="games")])
    services.ingest_decisions(today=DAY)
    assert services.compute_monthly_counts(month=datetime.date(2026, 10, 1)) == 1
    assert services.compute_monthly_counts(month=datetime.date(2026, 11, 1)) == 0
    assert MonthlyCount.objects.get().month == datetime.date(2026, 10, 1)


def test_a_squid_log_imported_again_after_its_day_was_compacted_adds_nothing(
    people: World, tmp_path: Path, monitor_dir: Path, log_dir: Path
) -> None:
    log = tmp_path / "access.log"
    log.write_text(SQUID_LOG)
    services.import_squid_logs(paths=[log])
    squid_day = datetime.date(2026, 11, 26)
    write_day(log_dir, squid_day, [line(datetime.datetime(2026, 11, 26, 9, tzinfo=UTC))])
    services.ingest_decisions(today=squid_day + datetime.timedelta(days=2))  # compacts the day
    assert [p.name for p in (monitor_dir / "decisions" / f"day={squid_day}").glob("*.parquet")] == [
        "compact-2.parquet"
    ]
    assert services.import_squid_logs(paths=[log]).rows == 0
    assert len(rows(monitor_dir)) == 3
    # the same name with new content (a rotated log) is imported
    log.write_text(SQUID_LOG.replace("1795694400.123", "1795694500.123"))
    assert services.import_squid_logs(paths=[log]).rows == 2


def test_the_engines_own_decision_log_is_ingested(
    people: World, log_dir: Path, monitor_dir: Path
) -> None:
    from openaup.engine.decision import Action, Decision, FilterRequest
    from openaup.engine.log import DecisionLog

    with DecisionLog(log_dir) as log:
        log.submit(
            FilterRequest(url="https://games.example/play?level=3", client_ip="10.20.1.1"),
            Decision(Action.BLOCK, "high", "category", rule="block", category="games",
                     list_name="ut1:games"),
        )  # fmt: skip
        log.submit(
            FilterRequest(url="http://wiki.example/Tab\tbed", client_ip="10.1.1.1", user="ava.a"),
            Decision(Action.ALLOW, "elementary", "default"),
        )
    summary = services.ingest_decisions()
    assert summary.bad_lines == 0
    assert sorted(rows(monitor_dir), key=lambda r: r[1]) == [
        (None, "games.example", "block", "games", people.school_b.pk, None, "helper"),
        ("ava.a", "wiki.example", "allow", None, people.school_a.pk, people.student_a1.pk,
         "helper"),
    ]  # fmt: skip
