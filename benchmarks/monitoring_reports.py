"""Monitoring reports over a large Parquet store: the 7-day top-blocked report for one school
and a student's 1-day timeline, and the bytes each decision takes on disk.

The decisions are generated with DuckDB SQL (no Python loop over rows): ``--students``
students (default 5,000) in ``--schools`` schools over ``--days`` days (default 30), about
``--decisions`` in all (default 100 million), during school hours, 10% blocked. Each day is
written as one Parquet file of the store's layout (``decisions/day=YYYY-MM-DD/``) with the
same writer settings and row order as ``aup monitor`` (sorted by school, user and time;
dictionary encoding, zstd). The queries are those of the report pages
(:mod:`openaup.monitoring.reports`), each run ``--repeat`` times on a fresh DuckDB
connection (as a page does); the figure is the slowest run after the first.

    .venv/bin/python benchmarks/monitoring_reports.py                  # 100 M, ~5 minutes
    .venv/bin/python benchmarks/monitoring_reports.py --decisions 10000000

The store lives in a temporary folder under ``--tmp`` (default ``/tmp``) and is deleted at the
end unless ``--keep``. Results go to ``benchmarks/out/monitoring_reports.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from openaup.monitoring import reports
from openaup.monitoring.store import _PARQUET, Store

UTC = datetime.UTC
FIRST_DAY = datetime.date(2026, 10, 1)

CATEGORIES = [
    "games", "social_networks", "audio-video", "chat", "forums", "celebrity", "shopping",
    "dating", "gambling", "adult", "agressif", "dangerous_material", "drugs", "phishing",
    "malware",
]  # fmt: skip


def generate_day(
    con: duckdb.DuckDBPyConnection, store: Store, day: datetime.date, *, per_student: int,
    students: int, schools: int,
) -> None:  # fmt: skip
    """One day's decisions for every student, written as the store writes a compacted day."""
    folder = store.day_dir(day)
    folder.mkdir(parents=True, exist_ok=True)
    categories = "[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
    start = datetime.datetime.combine(day, datetime.time(12), UTC).replace(tzinfo=None)
    seed = day.toordinal()
    con.execute(
        f"""COPY (
        WITH r AS (
            SELECT s AS student, i,
                hash(s, i, {seed}) AS h
            FROM range({students}) t(s), range({per_student}) u(i)
        ), d AS (
            SELECT
                TIMESTAMP '{start}' + to_milliseconds((h % 25200000)::BIGINT) AS ts,
                '10.' || (student % {schools}) || '.' || (student // 250) || '.'
                    || (student % 250) AS client_ip,
                's' || lpad(student::VARCHAR, 5, '0') AS "user",
                ['elementary', 'middle', 'high'][(student % {schools}) % 3 + 1] AS profile,
                -- a long tail of sites: the square makes a few of them very common
                'site' || ((((h >> 20) % 4000) * ((h >> 20) % 4000)) // 4000)::VARCHAR
                    || '.example.org' AS host,
                ((h >> 40) % 100) < 10 AS blocked,
                {categories}[((h >> 8) % {len(CATEGORIES)})::INTEGER + 1] AS cat,
                (h >> 48) % 12 AS page,
                student % {schools} + 1 AS school_id,
                student + 1 AS person_id
            FROM r
        )
        SELECT ts, client_ip, "user", profile, host,
            host || '/p/' || page::VARCHAR AS url,
            CASE WHEN blocked THEN 'block' ELSE 'allow' END AS action,
            CASE WHEN blocked THEN cat END AS category,
            CASE WHEN blocked THEN 'block' END AS rule,
            NULL::VARCHAR AS tag,
            CASE WHEN blocked THEN 'category' ELSE 'default' END AS reason,
            CASE WHEN blocked THEN 'ut1:' || cat END AS list,
            school_id::INTEGER AS school_id, person_id::INTEGER AS person_id,
            'helper' AS source, NULL::SMALLINT AS status, NULL::BIGINT AS bytes
        FROM d
        ORDER BY school_id, "user", ts
        ) TO '{folder / "compact-1.parquet"}' ({_PARQUET})"""
    )


def timed(repeat: int, fn: object) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return max(times[1:] or times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100_000_000)
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    per_student = max(args.decisions // (args.students * args.days), 1)
    total = per_student * args.students * args.days
    root = Path(tempfile.mkdtemp(prefix="openaup-monitoring-bench-", dir=args.tmp))
    store = Store(root)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{root / 'tmp'}'")
    try:
        print(f"Generating {total:,} decisions ({args.students:,} students, {args.days} days)...")
        started = time.perf_counter()
        for offset in range(args.days):
            generate_day(
                con, store, FIRST_DAY + datetime.timedelta(days=offset),
                per_student=per_student, students=args.students, schools=args.schools,
            )  # fmt: skip
        generate_seconds = time.perf_counter() - started
        size = store.bytes_used()
        print(f"  {generate_seconds:.0f} s; {size / 1e9:.2f} GB, {size / total:.1f} bytes/decision")

        last = FIRST_DAY + datetime.timedelta(days=args.days - 1)
        midnight = datetime.time()
        week = reports.Period(
            start=datetime.datetime.combine(last - datetime.timedelta(days=6), midnight, UTC),
            end=datetime.datetime.combine(last + datetime.timedelta(days=1), midnight, UTC),
        )
        school = 3

        def top_blocked() -> object:
            return reports.top_blocked_hosts(store, week, schools=[school])

        def whole_report() -> object:
            return (
                reports.top_blocked_hosts(store, week, schools=[school]),
                reports.top_blocked_categories(store, week, schools=[school]),
                reports.trend(store, week, schools=[school]),
                reports.by_school_and_profile(store, week, schools=[school]),
            )

        day = reports.Period(
            start=datetime.datetime.combine(last, datetime.time(), UTC),
            end=datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), UTC),
        )
        student = 3 + args.schools * 200  # person ids are 1-based: a student of school 3

        def one_timeline() -> object:
            return reports.timeline(store, day, person_id=student, school_id=school)

        top_seconds, top = timed(args.repeat, top_blocked)
        report_seconds, _ = timed(args.repeat, whole_report)
        timeline_seconds, events = timed(args.repeat, one_timeline)
        assert top, "the report found nothing: the generated data is wrong"
        assert events, "the timeline found nothing: the generated data is wrong"
        results = {
            "decisions": total,
            "students": args.students,
            "schools": args.schools,
            "days": args.days,
            "generate_seconds": round(generate_seconds, 1),
            "parquet_bytes": size,
            "bytes_per_decision": round(size / total, 2),
            "top_blocked_7_days_one_school_seconds": round(top_seconds, 3),
            "whole_report_7_days_one_school_seconds": round(report_seconds, 3),
            "timeline_1_day_seconds": round(timeline_seconds, 3),
            "timeline_events": len(events),  # type: ignore[arg-type]
        }
        print(json.dumps(results, indent=2))
        out = Path(__file__).resolve().parent / "out"
        out.mkdir(exist_ok=True)
        (out / "monitoring_reports.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        con.close()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
