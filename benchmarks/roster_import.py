"""Roster import figures on SQLite: the benchmark district of 50,000 students.

Generates the district of :func:`openaup.directory.demo.generator.scale` as OneRoster 1.2
files, then, on a fresh database in a temporary data dir, times ``aup roster import`` three
times, each in its own process:

1. the first import (target: 60 s or less);
2. the same files again, nothing changed (target: 20 s or less);
3. a delta package: 1% of the users changed and some students marked ``tobedeleted``.

For each it records the wall time and the peak memory of the importing process
(``ru_maxrss``; target: 1 GB or less), then the roster summary. Prints a table and writes the
figures as JSON to ``benchmarks/out/``. ``--profile`` also runs each import under cProfile and
keeps the profiles there.

    .venv/bin/python benchmarks/roster_import.py            # the full district
    .venv/bin/python benchmarks/roster_import.py --students 5000   # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openaup.directory.demo.generator import DEFAULT_SEED, SCALE_STUDENTS, generate
from openaup.directory.oneroster.records import Dataset, UserRecord
from openaup.directory.oneroster.writer import write_dataset

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
AUP = Path(sys.executable).with_name("aup")
TARGETS = {"first import": 60.0, "unchanged re-import": 20.0}
MEMORY_TARGET_MB = 1024
DELTA_CHANGED = 0.01  # share of users changed in the delta
DELTA_DEPARTED = 0.002  # share of students marked tobedeleted in the delta


def delta_package(dataset: Dataset, *, seed: int) -> tuple[Dataset, dict[str, int]]:
    """A delta users file: 1% of the users changed (a new phone, a new email, a new family
    name or a new grade) and a few students leaving (``tobedeleted``)."""
    rng = random.Random(seed)
    stamp = datetime.datetime(2027, 1, 20, 6, 0, tzinfo=datetime.UTC)
    students = [user for user in dataset.users if user.sourced_id.startswith("stu-")]
    leaving = rng.sample(students, max(1, round(len(students) * DELTA_DEPARTED)))
    leaving_ids = {user.sourced_id for user in leaving}
    others = [user for user in dataset.users if user.sourced_id not in leaving_ids]
    changed = rng.sample(others, max(1, round(len(dataset.users) * DELTA_CHANGED)))
    rows: list[UserRecord] = []
    for number, user in enumerate(changed):
        kind = number % 3
        if kind == 0:
            new = dataclasses.replace(user, phone=f"978-555-01{number % 100:02d}")
        elif kind == 1 and user.email:
            local, domain = user.email.split("@", 1)
            new = dataclasses.replace(user, email=f"{local}.new@{domain}")
        else:
            new = dataclasses.replace(user, family_name=f"{user.family_name}-Reyes")
        rows.append(dataclasses.replace(new, status="active", date_last_modified=stamp))
    rows.extend(
        dataclasses.replace(user, status="tobedeleted", date_last_modified=stamp)
        for user in leaving
    )
    delta = Dataset(version="1.2", modes={"users": "delta"}, users=rows)
    return delta, {"changed": len(changed), "tobedeleted": len(leaving)}


def run(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run a command; return its wall time (s) and peak memory (MB). Fails loudly."""
    started = time.perf_counter()
    with open(log, "w") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code  # reaped by wait4; tell Popen so it does not wait again
    if code != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed ({code}); see {log}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports kilobytes


def summary(env: dict[str, str]) -> dict[str, int]:
    result = subprocess.run(
        [str(AUP), "roster", "summary", "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    counts: dict[str, int] = json.loads(result.stdout)
    return counts


def machine() -> dict[str, Any]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=SCALE_STUDENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--profile", action="store_true", help="Also profile each import.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(tempfile.mkdtemp(prefix="openaup-roster-bench-"))
    try:
        started = time.perf_counter()
        district = generate(args.students, seed=args.seed)
        generated = time.perf_counter() - started
        dataset = district.dataset
        full = write_dataset(dataset, work / "full", version="1.2")
        delta, delta_counts = delta_package(dataset, seed=args.seed)
        delta_path = write_dataset(delta, work / "delta", version="1.2")
        written = time.perf_counter() - started - generated
        size = {
            "students": args.students,
            "users": len(dataset.users),
            "guardians": sum(r.role in ("parent", "guardian", "relative") for r in dataset.roles),
            "staff": sum(
                r.role not in ("parent", "guardian", "relative", "student") for r in dataset.roles
            ),
            "sections": len(dataset.classes),
            "enrollments": len(dataset.enrollments),
            "files_mb": round(sum(p.stat().st_size for p in full.iterdir()) / 1e6, 1),
        }
        del district, dataset, delta
        print(
            f"Generated {size['students']:,} students, {size['guardians']:,} guardians, "
            f"{size['staff']:,} staff, {size['sections']:,} sections, "
            f"{size['enrollments']:,} enrollments in {generated:.1f} s; "
            f"wrote {size['files_mb']} MB of CSV in {written:.1f} s."
        )

        data = work / "data"
        env = {
            **os.environ,
            "OPENAUP_DATA_DIR": str(data),
            "DATABASE_URL": f"sqlite:///{data / 'openaup.sqlite3'}",
            "OPENAUP_LOG_LEVEL": "WARNING",
        }
        run([str(AUP), "migrate", "--noinput"], env, work / "migrate.log")

        phases = [
            ("first import", full),
            ("unchanged re-import", full),
            ("delta (1% changed)", delta_path),
        ]
        results = []
        for number, (name, path) in enumerate(phases, start=1):
            log = work / f"import-{number}.log"
            argv = [str(AUP), "roster", "import", str(path)]
            if args.profile:
                profile = OUT / f"roster_import-{stamp}-{number}.prof"
                # Profile a copy of the database, so the timed run starts from the same state.
                shutil.copytree(data, work / "profiled", dirs_exist_ok=True)
                profiled_env = {
                    **env,
                    "OPENAUP_DATA_DIR": str(work / "profiled"),
                    "DATABASE_URL": f"sqlite:///{work / 'profiled' / 'openaup.sqlite3'}",
                }
                profile_argv = [sys.executable, "-m", "cProfile", "-o", str(profile)]
                profile_argv += ["-m", "openaup.cli", "roster", "import", str(path)]
                run(profile_argv, profiled_env, work / f"profile-{number}.log")
                print(f"\n{name}: profile in {profile}")
                pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)
            seconds, peak_mb = run(argv, env, log)
            counts = summary(env)
            results.append(
                {
                    "phase": name,
                    "seconds": round(seconds, 1),
                    "peak_mb": round(peak_mb),
                    "target_seconds": TARGETS.get(name),
                    "summary": counts,
                }
            )

        print()
        print(f"{'phase':<22} {'seconds':>8} {'target':>7} {'peak MB':>8}  result")
        for result in results:
            target = result["target_seconds"]
            ok = (target is None or result["seconds"] <= target) and (
                result["peak_mb"] <= MEMORY_TARGET_MB
            )
            print(
                f"{result['phase']:<22} {result['seconds']:>8.1f} "
                f"{(f'{target:.0f}' if target else '-'):>7} {result['peak_mb']:>8}  "
                f"{'ok' if ok else 'MISSED'}"
            )
        print(f"(peak memory target: {MEMORY_TARGET_MB} MB per import)")
        print(f"after the delta: {json.dumps(results[-1]['summary'])}")

        report = {
            "benchmark": "roster_import",
            "when": stamp,
            "command": " ".join([".venv/bin/python", "benchmarks/roster_import.py", *sys.argv[1:]]),
            "machine": machine(),
            "district": size,
            "delta": delta_counts,
            "generate_seconds": round(generated, 1),
            "write_seconds": round(written, 1),
            "memory_target_mb": MEMORY_TARGET_MB,
            "results": results,
        }
        out = OUT / f"roster_import-{stamp}.json"
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"Figures written to {out.relative_to(ROOT)}")
    finally:
        if args.keep:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
