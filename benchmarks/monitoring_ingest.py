"""Ingest of the engine's decision files into Parquet: decisions per second.

Generates ``--decisions`` lines (default 5 million) of one day in the engine's decision-log
format with DuckDB SQL (5,000 students' user names, half of them known to the directory,
the rest resolved by their school's network), then measures two ways of ingesting it with
the store ``aup monitor ingest`` uses (:class:`openaup.monitoring.store.Store`; the people
and network maps are built as the service builds them, from 5,000 people and 10 networks):

1. **catch-up**: the whole day file at once (a day the worker had not seen);
2. **incremental**: the same file growing in ``--steps`` equal appends, ingested after
   each (as the worker does every few minutes), so each run copies and reads only the new
   bytes.

The time is the wall time of ``Store.ingest_dir`` (reading, resolving, sorting, writing
Parquet, and renaming in); the figure is decisions per second.

    .venv/bin/python benchmarks/monitoring_ingest.py
    .venv/bin/python benchmarks/monitoring_ingest.py --decisions 1000000 --steps 10

Results go to ``benchmarks/out/monitoring_ingest.json``; the files are deleted at the end.
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

import itertools

from openaup.monitoring.store import NetworkMap, PeopleMap, Store

DAY = datetime.date(2026, 11, 20)
HEADER = "#time\tclient_ip\tuser\tprofile\thost\turl\taction\tcategory\trule\ttag\treason\tlist\n"


def generate(path: Path, decisions: int) -> None:
    """One day file of ``decisions`` lines, in time order as the engine writes them."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    body = path.with_suffix(".body")
    con.execute(
        f"""COPY (
        SELECT strftime(TIMESTAMP '{DAY} 12:00:00' + to_milliseconds(i * 25200000 // {decisions}),
                '%Y-%m-%dT%H:%M:%S.%gZ') AS time,
            '10.' || (i % 5000 % 10) || '.' || (i % 5000 // 250) || '.' || (i % 250) AS client_ip,
            CASE WHEN i % 5000 < 2500 THEN 's' || lpad((i % 5000)::VARCHAR, 5, '0')
                ELSE '-' END AS "user",
            ['elementary', 'middle', 'high'][(i % 5000 % 10) % 3 + 1] AS profile,
            'site' || (hash(i) % 3000)::VARCHAR || '.example.org' AS host,
            'site' || (hash(i) % 3000)::VARCHAR || '.example.org/p/' || (i % 12)::VARCHAR AS url,
            CASE WHEN hash(i) % 10 = 0 THEN 'block' ELSE 'allow' END AS action,
            CASE WHEN hash(i) % 10 = 0 THEN 'games' ELSE '-' END AS category,
            CASE WHEN hash(i) % 10 = 0 THEN 'block' ELSE '-' END AS rule,
            '-' AS tag,
            CASE WHEN hash(i) % 10 = 0 THEN 'category' ELSE 'default' END AS reason,
            CASE WHEN hash(i) % 10 = 0 THEN 'ut1:games' ELSE '-' END AS list
        FROM range({decisions}) t(i)
        ) TO '{body}' (DELIMITER '\t', HEADER false, QUOTE '', ESCAPE '')"""
    )
    con.close()
    with open(path, "wb") as out, open(body, "rb") as source:
        out.write(HEADER.encode())
        shutil.copyfileobj(source, out, 1 << 24)
    body.unlink()


def maps() -> tuple[PeopleMap, NetworkMap]:
    people = PeopleMap({f"s{n:05d}": (n + 1, n % 10 + 1) for n in range(2500)} | {
        f"staff{n}": (10000 + n, n % 10 + 1) for n in range(2500)
    })  # fmt: skip
    networks = NetworkMap([(f"10.{n}.0.0/16", n + 1) for n in range(10)])
    return people, networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=5_000_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="openaup-ingest-bench-", dir=args.tmp))
    try:
        source = root / "full" / f"{DAY}.tsv"
        source.parent.mkdir()
        print(f"Generating {args.decisions:,} decision lines...")
        generate(source, args.decisions)
        size = source.stat().st_size
        people, networks = maps()

        # 1. catch-up: the whole file
        store = Store(root / "catch-up")
        started = time.perf_counter()
        results = store.ingest_dir(source.parent, people=people, networks=networks, today=DAY)
        catch_up = time.perf_counter() - started
        rows = sum(r.rows for r in results)
        assert rows == args.decisions, rows

        # 2. incremental: the file grows in steps of whole lines
        growing = root / "growing" / source.name
        growing.parent.mkdir()
        data = source.read_bytes()
        cuts = [0]
        for step in range(1, args.steps + 1):
            target = len(data) * step // args.steps
            cut = data.rfind(b"\n", 0, target) + 1 if step < args.steps else len(data)
            cuts.append(cut)
        store = Store(root / "incremental")
        incremental = 0.0
        ingested = 0
        for start, end in itertools.pairwise(cuts):
            with open(growing, "ab") as handle:
                handle.write(data[start:end])
            started = time.perf_counter()
            results = store.ingest_dir(growing.parent, people=people, networks=networks, today=DAY)
            incremental += time.perf_counter() - started
            ingested += sum(r.rows for r in results)
        assert ingested == args.decisions, ingested
        del data

        figures = {
            "decisions": args.decisions,
            "tsv_bytes": size,
            "catch_up_seconds": round(catch_up, 2),
            "catch_up_decisions_per_second": round(args.decisions / catch_up),
            "incremental_steps": args.steps,
            "incremental_seconds": round(incremental, 2),
            "incremental_decisions_per_second": round(args.decisions / incremental),
            "parquet_bytes_per_decision": round(store.bytes_used() / args.decisions, 2),
        }
        print(json.dumps(figures, indent=2))
        out = Path(__file__).resolve().parent / "out"
        out.mkdir(exist_ok=True)
        (out / "monitoring_ingest.json").write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
