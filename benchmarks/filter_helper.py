"""Filter figures: our engine (and, side by side, squidGuard) on the same lists and requests.

Builds, from the 36 UT1 categories of ``../shared/data/ut1`` (all blocked, one profile, as
in the squidGuard configuration), one snapshot and one deterministic request stream
(200,000 URLs, a quarter on listed hosts), then runs each measurement of
:data:`MEASUREMENTS` in turn. Each measurement is one function taking the shared
:class:`Context` and returning a dict of figures; the script prints them and writes them
all as JSON to ``benchmarks/out/filter_helper.json``.

    .venv/bin/python benchmarks/filter_helper.py                    # everything
    .venv/bin/python benchmarks/filter_helper.py --only compile_ut1 decisions
    .venv/bin/python benchmarks/filter_helper.py --requests 20000 --synthetic 460000

Engine figures: compile time and snapshot size (UT1 and a synthetic 4.6 million-domain
list), decisions per second in-process (new hosts and repeated hosts), the decision log's
overhead, and the differences against the plain set-based reference implementation of
``tests/engine/reference.py`` (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.engine.reference import UT1_36, Reference, request_stream  # noqa: E402

from openaup.engine.compiler import compile_snapshot  # noqa: E402
from openaup.engine.decide import Engine  # noqa: E402
from openaup.engine.decision import Action, FilterRequest  # noqa: E402
from openaup.engine.lists import ListSource, discover  # noqa: E402
from openaup.engine.log import DecisionLog  # noqa: E402
from openaup.engine.policy import parse_policy  # noqa: E402
from openaup.engine.snapshot import Snapshot  # noqa: E402

DEFAULT_UT1 = ROOT.parent / "shared" / "data" / "ut1"
OUT = ROOT / "benchmarks" / "out"
ADULT_SIZE = 4_600_370


def block_all_policy(categories: list[str]) -> str:
    """One profile, ``all``, blocking every category (what the squidGuard config does)."""
    cats = ", ".join(f'"{c}"' for c in categories)
    return (
        '[filter]\ndefault_profile = "all"\n[profiles.all]\nminor = true\n'
        f'[[profiles.all.rules]]\nname = "all"\nstate = "block"\ncategories = [{cats}]\n'
    )


@dataclass
class Context:
    """What the measurements share: the lists, the snapshot, the request stream."""

    work: Path
    ut1: Path
    requests: int
    synthetic: int
    categories: list[str] = field(default_factory=lambda: list(UT1_36))
    sources: list[ListSource] = field(default_factory=list)
    snapshot: Path | None = None
    stream: list[str] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    _reference: Reference | None = None

    @property
    def policy_text(self) -> str:
        return block_all_policy(self.categories)

    def reference(self) -> Reference:
        if self._reference is None:
            self._reference = Reference(self.sources)
        return self._reference


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def prepare(ctx: Context) -> None:
    """The 36 categories' lists, the compiled snapshot and the request stream."""
    if not (ctx.ut1 / "blacklists").is_dir():
        sys.exit(f"needs the UT1 lists in {ctx.ut1} (../shared/data/ut1)")
    wanted = set(ctx.categories)
    ctx.sources = [s for s in discover(ctx.ut1) if s.category in wanted]
    ctx.snapshot = ctx.work / "ut1-36.snap"
    compile_snapshot([], parse_policy(ctx.policy_text), ctx.snapshot, sources=ctx.sources)
    ctx.stream = request_stream(ctx.reference(), ctx.requests, seed=2026)
    (ctx.work / "requests.txt").write_text("\n".join(ctx.stream) + "\n")


def measure_compile_ut1(ctx: Context) -> dict[str, Any]:
    """Compile time and snapshot size for the 36 UT1 categories."""
    out = ctx.work / "compile-ut1.snap"
    wall, cpu = time.perf_counter(), _cpu()
    report = compile_snapshot([], parse_policy(ctx.policy_text), out, sources=ctx.sources)
    return {
        "lists": report.lists,
        "entries": report.entries,
        "keys": report.keys,
        "bad_lines": report.bad,
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(_cpu() - cpu, 2),
        "bytes": report.size,
        "bytes_per_entry": round(report.size / report.entries, 2),
    }


def synthetic_list(path: Path, n: int, seed: int = 4600) -> None:
    """``n`` distinct made-up domains, one per line (a fifth with ``www.``)."""
    rng = random.Random(seed)
    tlds = ["com", "net", "org", "fr", "de", "xxx", "info", "ru"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        for i in range(n):
            www = "www." if i % 5 == 0 else ""
            out.write(f"{www}s{rng.getrandbits(40):x}{i}.{tlds[i % 8]}\n")


def measure_compile_synthetic(ctx: Context) -> dict[str, Any]:
    """Compile time and size at UT1's adult list size (target: 10 s, 12 bytes per entry)."""
    path = ctx.work / "synthetic" / "adult" / "domains"
    synthetic_list(path, ctx.synthetic)
    source = ListSource("synthetic/adult/domains", "adult", "domains", path)
    out = ctx.work / "synthetic.snap"
    wall, cpu = time.perf_counter(), _cpu()
    report = compile_snapshot([], parse_policy(block_all_policy(["adult"])), out, sources=[source])
    seconds = time.perf_counter() - wall
    opened = time.perf_counter()
    with Snapshot.open(out) as snap:
        open_seconds = time.perf_counter() - opened
        keys = snap.key_count
    return {
        "entries": report.entries,
        "keys": keys,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(_cpu() - cpu, 2),
        "bytes": report.size,
        "bytes_per_entry": round(report.size / report.entries, 2),
        "open_and_verify_seconds": round(open_seconds, 3),
    }


def _decide_all(engine: Engine, stream: list[str]) -> tuple[float, int]:
    requests = [FilterRequest(url, "10.0.0.1", "-") for url in stream]
    started = time.perf_counter()
    blocked = 0
    for request in requests:
        if engine.decide(request).action is Action.BLOCK:
            blocked += 1
    return time.perf_counter() - started, blocked


def measure_decisions(ctx: Context) -> dict[str, Any]:
    """Decisions per second in one process: first pass (every host new to the cache),
    second pass (hosts cached), and the first pass again with the decision log on."""
    assert ctx.snapshot is not None
    figures: dict[str, Any] = {"requests": len(ctx.stream)}
    with Snapshot.open(ctx.snapshot) as snap:
        engine = Engine(snap)
        cold, blocked = _decide_all(engine, ctx.stream)
        warm, _ = _decide_all(engine, ctx.stream)
        figures.update(
            blocked=blocked,
            cold_per_second=round(len(ctx.stream) / cold),
            warm_per_second=round(len(ctx.stream) / warm),
        )
        log_dir = ctx.work / "filter-log"
        log = DecisionLog(log_dir).start()
        logged_engine = Engine(snap, log=log)
        with_log, _ = _decide_all(logged_engine, ctx.stream)
        log.close()
        figures.update(
            logged_cold_per_second=round(len(ctx.stream) / with_log),
            log_overhead_percent=round(100 * (with_log - cold) / cold, 1),
            log_written=log.written,
            log_dropped=log.dropped,
            log_bytes=sum(p.stat().st_size for p in log_dir.iterdir()),
        )
    return figures


def measure_reference(ctx: Context) -> dict[str, Any]:
    """Our decisions against the plain set-based reference implementation (target: 0)."""
    assert ctx.snapshot is not None
    ref = ctx.reference()
    wanted = set(ctx.categories)
    differences: list[str] = []
    with Snapshot.open(ctx.snapshot) as snap:
        engine = Engine(snap)
        for url in ctx.stream:
            expected = ref.blocked(url, wanted)
            got = engine.decide(FilterRequest(url)).action is Action.BLOCK
            if got != expected:
                differences.append(url)
    return {"requests": len(ctx.stream), "differences": len(differences),
            "examples": differences[:5]}  # fmt: skip


Measurement = Callable[[Context], dict[str, Any]]

# One function per measurement, run in this order; add new ones to the list.
MEASUREMENTS: list[tuple[str, Measurement]] = [
    ("compile_ut1", measure_compile_ut1),
    ("compile_synthetic", measure_compile_synthetic),
    ("decisions", measure_decisions),
    ("reference", measure_reference),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ut1", type=Path, default=DEFAULT_UT1)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--synthetic", type=int, default=ADULT_SIZE)
    parser.add_argument("--only", nargs="*", metavar="NAME", help="run only these measurements")
    args = parser.parse_args(argv)
    names = [name for name, _ in MEASUREMENTS]
    unknown = set(args.only or ()) - set(names)
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(sorted(unknown))}; known: {names}")
    with tempfile.TemporaryDirectory(prefix="aup-filter-bench-") as tmp:
        ctx = Context(Path(tmp), args.ut1, args.requests, args.synthetic)
        prepare(ctx)
        for name, measure in MEASUREMENTS:
            if args.only and name not in args.only:
                continue
            print(f"== {name}", flush=True)
            ctx.results[name] = measure(ctx)
            for key, value in ctx.results[name].items():
                print(f"   {key}: {value}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "requests": args.requests,
        "categories": len(ctx.categories),
        "results": ctx.results,
    }  # fmt: skip
    (OUT / "filter_helper.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
