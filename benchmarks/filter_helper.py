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
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.engine.reference import UT1_36, Reference, request_stream  # noqa: E402

from openaup.engine.compiler import compile_snapshot  # noqa: E402
from openaup.engine.decide import Engine, tune_for_helper  # noqa: E402
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
    compile_byte_code()
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


def _decide_all(
    engine: Engine, stream: list[str], log: DecisionLog | None = None
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (every thread of the process) and blocked count; with a
    ``log``, closing it (writing what is queued) is part of the time."""
    requests = [FilterRequest(url, "10.0.0.1", "-") for url in stream]
    # The reference implementation's millions of objects live in this process only (a
    # helper does not have them): keep the garbage collector from walking them, and collect
    # as a helper does.
    tune_for_helper()
    started, cpu = time.perf_counter(), time.process_time()
    blocked = 0
    for request in requests:
        if engine.decide(request).action is Action.BLOCK:
            blocked += 1
    if log is not None:
        log.close()
    return time.perf_counter() - started, time.process_time() - cpu, blocked


def measure_decisions(ctx: Context) -> dict[str, Any]:
    """Decisions per second (wall) and per CPU-second in one process: the stream once with
    a fresh engine (``cold``), again with its caches filled (``warm``), a stream where every
    host is new to the engine (``new_hosts``), and the first pass again with the decision
    log on (its writer thread's time included)."""
    assert ctx.snapshot is not None
    n = len(ctx.stream)
    figures: dict[str, Any] = {"requests": n}
    unique = request_stream(ctx.reference(), n, seed=99, sites=None)
    with Snapshot.open(ctx.snapshot) as snap:
        engine = Engine(snap)
        cold, cold_cpu, blocked = _decide_all(engine, ctx.stream)
        warm, warm_cpu, _ = _decide_all(engine, ctx.stream)
        new_hosts, new_cpu, _ = _decide_all(Engine(snap), unique)
        log_dir = ctx.work / "filter-log"
        log = DecisionLog(log_dir).start()
        with_log, log_cpu, _ = _decide_all(Engine(snap, log=log), ctx.stream, log)
        figures.update(
            blocked=blocked,
            cold_per_second=round(n / cold),
            cold_per_cpu_second=round(n / cold_cpu),
            warm_per_second=round(n / warm),
            warm_per_cpu_second=round(n / warm_cpu),
            new_hosts_per_second=round(n / new_hosts),
            new_hosts_per_cpu_second=round(n / new_cpu),
            logged_per_second=round(n / with_log),
            logged_per_cpu_second=round(n / log_cpu),
            log_overhead_cpu_percent=round(100 * (log_cpu - cold_cpu) / cold_cpu, 1),
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


# -- side by side with squidGuard, and the Squid helper as a process ----------------------
# Both programs read the same request stream from a file on stdin and write their answers
# to a file: squidGuard as a url_rewrite helper (one line at a time), ours as the
# external_acl_type helper with the decision log on.

SQUIDGUARD = shutil.which("squidGuard") or "/usr/bin/squidGuard"
_SQUIDGUARD_CONF: dict[Path, Path] = {}


def _escaped(url: str) -> str:
    """The URL as Squid passes it on: no spaces, no raw bytes outside ASCII."""
    return quote(url, safe="/:?&=@[]!$'()*+,;-._~%#")


def _stream_file(ctx: Context, kind: str, channels: bool = False) -> Path:
    path = ctx.work / f"stream-{kind}{'-channels' if channels else ''}.txt"
    if not path.exists():
        with path.open("w") as out:
            for n, url in enumerate(ctx.stream):
                url = _escaped(url)
                if kind == "squidguard":
                    method = "CONNECT" if "://" not in url else "GET"
                    out.write(f"{url} 10.0.0.1/- - {method} myip=127.0.0.1 myport=3128\n")
                else:
                    head = f"{n % 32} " if channels else ""
                    out.write(f"{head}10.0.0.1 - {url} -\n")
    return path


def _helper_env() -> dict[str, str]:
    """The helper's environment: the checkout's ``src`` on the path."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def compile_byte_code() -> None:
    """Compile the engine's modules beside their source (``__pycache__``), as an install
    leaves them, so no helper run pays for compiling them, also where
    ``PYTHONDONTWRITEBYTECODE`` is set."""
    package = ROOT / "src" / "openaup"
    command = [sys.executable, "-m", "compileall", "-q", str(package / "__init__.py")]
    subprocess.run([*command, str(package / "engine")], check=True)


def _helper_cmd(ctx: Context, log_dir: Path) -> list[str]:
    """``aup filter squid-acl`` on the benchmark snapshot, decision log on."""
    assert ctx.snapshot is not None
    return [sys.executable, "-m", "openaup.engine.cli", "squid-acl",
            "--snapshot", str(ctx.snapshot), "--log-dir", str(log_dir)]  # fmt: skip


def _peak_kb(pid: int, peak: list[int]) -> None:
    """Follow ``VmHWM`` of a running process (``ru_maxrss`` would count the parent's
    memory the child had between fork and exec)."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        time.sleep(0.005)


def _run_helper(cmd: list[str], stdin: Path, stdout: Path) -> dict[str, Any]:
    """Run ``cmd`` with a file on stdin; wall time, CPU time and peak memory of the process."""
    env = _helper_env()
    peak = [0]
    with stdin.open("rb") as src, stdout.open("wb") as dst:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=src, stdout=dst, stderr=subprocess.DEVNULL, env=env)
        watcher = threading.Thread(target=_peak_kb, args=(proc.pid, peak), daemon=True)
        watcher.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    watcher.join(1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = sum(1 for _ in stdin.open("rb"))
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "exit": proc.returncode,
        "lines": lines,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "lines_per_second": round(lines / wall),
        "lines_per_cpu_second": round(lines / cpu) if cpu else None,
        "peak_rss_mb": round(peak[0] / 1024, 1),
    }


def _squidguard_conf(ctx: Context) -> Path:
    """squidGuard's configuration and lists (copied: it writes its .db files beside them)."""
    if ctx.work in _SQUIDGUARD_CONF:
        return _SQUIDGUARD_CONF[ctx.work]
    base = ctx.work / "squidguard"
    dests: dict[str, list[str]] = {}
    kinds = {"domains": "domainlist", "urls": "urllist", "expressions": "expressionlist"}
    for source in ctx.sources:
        if source.kind not in kinds or source.path.stat().st_size == 0:
            continue
        target = base / "db" / source.category / source.kind
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path, target)
        dests.setdefault(source.category, []).append(
            f"    {kinds[source.kind]} {source.category}/{source.kind}"
        )
    (base / "log").mkdir(parents=True, exist_ok=True)
    lines = [f"dbhome {base / 'db'}", f"logdir {base / 'log'}", ""]
    for category in ctx.categories:
        if category in dests:
            lines += [f"dest {category} {{", *dests[category], "}", ""]
    passes = " ".join(f"!{c}" for c in ctx.categories if c in dests)
    lines += [
        "acl {",
        "    default {",
        f"        pass {passes} all",
        "        redirect http://block.test/blocked?url=%u",
        "    }",
        "}",
    ]
    conf = base / "squidGuard.conf"
    conf.write_text("\n".join(lines) + "\n")
    _SQUIDGUARD_CONF[ctx.work] = conf
    return conf


def measure_squidguard_compile(ctx: Context) -> dict[str, Any]:
    """``squidGuard -C all``: time and the size of the .db files."""
    conf = _squidguard_conf(ctx)
    started = time.perf_counter()
    done = subprocess.run([SQUIDGUARD, "-C", "all", "-c", str(conf)], capture_output=True)
    seconds = time.perf_counter() - started
    dbs = list((conf.parent / "db").rglob("*.db"))
    return {
        "command": f"squidGuard -C all -c {conf.name}",
        "exit": done.returncode,
        "seconds": round(seconds, 2),
        "db_files": len(dbs),
        "db_bytes": sum(p.stat().st_size for p in dbs),
    }


def measure_squidguard_stream(ctx: Context) -> dict[str, Any]:
    """squidGuard on the request stream (url_rewrite lines), as a process."""
    conf = _squidguard_conf(ctx)
    if not list((conf.parent / "db").rglob("*.db")):
        measure_squidguard_compile(ctx)
    figures = _run_helper(
        [SQUIDGUARD, "-c", str(conf)],
        _stream_file(ctx, "squidguard"),
        ctx.work / "answers-squidguard.txt",
    )
    log = (conf.parent / "log" / "squidGuard.log").read_text(errors="replace")
    figures["emergency_mode"] = "emergency" in log.lower()
    return figures


def measure_helper_stream(ctx: Context) -> dict[str, Any]:
    """Our squid-acl helper on the same stream, decision log on, as a process."""
    assert ctx.snapshot is not None
    log_dir = ctx.work / "helper-log"
    cmd = _helper_cmd(ctx, log_dir)
    figures = _run_helper(cmd, _stream_file(ctx, "acl"), ctx.work / "answers-helper.txt")
    figures["log_lines"] = sum(
        sum(1 for _ in p.open()) - 1 for p in log_dir.glob("*.tsv")
    )  # fmt: skip
    figures["snapshot_bytes"] = ctx.snapshot.stat().st_size
    sg = ctx.results.get("squidguard_stream")
    if sg:
        figures["times_squidguard_wall"] = round(
            figures["lines_per_second"] / sg["lines_per_second"], 2
        )
        if sg.get("lines_per_cpu_second") and figures.get("lines_per_cpu_second"):
            figures["times_squidguard_cpu"] = round(
                figures["lines_per_cpu_second"] / sg["lines_per_cpu_second"], 2
            )
    return figures


def measure_side_by_side_decisions(ctx: Context) -> dict[str, Any]:
    """Ours and squidGuard's answers to the stream against the reference implementation."""
    ours_path = ctx.work / "answers-helper.txt"
    sg_path = ctx.work / "answers-squidguard.txt"
    if not ours_path.exists():
        measure_helper_stream(ctx)
    if not sg_path.exists():
        measure_squidguard_stream(ctx)
    ref = ctx.reference()
    wanted = set(ctx.categories)
    ours = [line.split(" ", 1)[0] == "ERR" for line in ours_path.read_text().splitlines()]
    sg = [line.startswith("OK") for line in sg_path.read_text().splitlines()]
    figures: dict[str, Any] = {
        "requests": len(ctx.stream),
        "answers_ours": len(ours),
        "answers_squidguard": len(sg),
    }
    ours_diff: list[str] = []
    sg_missed: list[str] = []
    sg_extra: list[str] = []
    blocked = 0
    for url, got, sg_got in zip(ctx.stream, ours, sg, strict=False):
        expected = ref.blocked(url, wanted)
        blocked += expected
        if got != expected:
            ours_diff.append(url)
        if expected and not sg_got:
            sg_missed.append(url)
        elif sg_got and not expected:
            sg_extra.append(url)
    figures.update(
        reference_blocked=blocked,
        ours_differences=len(ours_diff),
        ours_difference_examples=ours_diff[:5],
        squidguard_missed=len(sg_missed),
        squidguard_missed_examples=sg_missed[:5],
        squidguard_extra_blocks=len(sg_extra),
        squidguard_extra_examples=sg_extra[:5],
    )
    return figures


def _pump(proc: subprocess.Popen[bytes], lines: list[bytes], in_flight: int) -> int:
    """Send ``lines`` ``in_flight`` at a time, each batch answered before the next is sent."""
    assert proc.stdin is not None
    assert proc.stdout is not None
    in_fd, out_fd = proc.stdin.fileno(), proc.stdout.fileno()
    answered = 0
    for i in range(0, len(lines), in_flight):
        batch = b"".join(lines[i : i + in_flight])
        os.write(in_fd, batch)
        want, got = batch.count(b"\n"), 0
        while got < want:
            got += os.read(out_fd, 1 << 20).count(b"\n")
        answered += got
    return answered


def _pump_window(proc: subprocess.Popen[bytes], lines: list[bytes], in_flight: int) -> int:
    """Keep ``in_flight`` lines outstanding, as Squid does: each answer read lets one more
    line go."""
    assert proc.stdin is not None
    assert proc.stdout is not None
    in_fd, out_fd = proc.stdin.fileno(), proc.stdout.fileno()
    sent = min(in_flight, len(lines))
    os.write(in_fd, b"".join(lines[:sent]))
    answered = 0
    while answered < len(lines):
        got = os.read(out_fd, 1 << 20).count(b"\n")
        if not got:
            break
        answered += got
        more = lines[sent : sent + got]
        if more:
            os.write(in_fd, b"".join(more))
            sent += len(more)
    return answered


def measure_subdomain_case(ctx: Context, cases: int = 1000) -> dict[str, Any]:
    """squidGuard's blind spot: a list holding ``a.com`` and ``x.a.com`` must block
    ``y.a.com``. The shipped lists hold no such pair, so ``cases`` domains of the malware
    list are listed again with a made-up sub-domain each, and another sub-domain of each
    is asked for, through squidGuard and through our helper."""
    source = next(s for s in ctx.sources if s.category == "malware" and s.kind == "domains")
    domains = sorted(
        line.strip().lower()
        for line in source.path.read_text(errors="replace").splitlines()
        if line.strip() and not line.startswith("#")
    )
    picked = random.Random(727).sample(domains, cases)
    base = ctx.work / "subdomain-case"
    (base / "db" / "case").mkdir(parents=True, exist_ok=True)
    (base / "log").mkdir(exist_ok=True)
    (base / "db" / "case" / "domains").write_text(
        "".join(f"{d}\nlisted-child.{d}\n" for d in picked)
    )
    conf = base / "squidGuard.conf"
    conf.write_text(
        f"dbhome {base / 'db'}\nlogdir {base / 'log'}\n"
        "dest case {\n    domainlist case/domains\n}\n"
        "acl {\n    default {\n        pass !case all\n"
        "        redirect http://block.test/blocked?url=%u\n    }\n}\n"
    )
    subprocess.run([SQUIDGUARD, "-C", "all", "-c", str(conf)], capture_output=True, check=True)
    urls = [f"http://other-child.{d}/" for d in picked]
    sg_in, ours_in = base / "squidguard-in.txt", base / "acl-in.txt"
    sg_in.write_text("".join(f"{u} 10.0.0.1/- - GET\n" for u in urls))
    ours_in.write_text("".join(f"10.0.0.1 - {u} -\n" for u in urls))
    snap = base / "case.snap"
    compile_snapshot([base / "db"], parse_policy(block_all_policy(["case"])), snap)
    cmd = [sys.executable, "-m", "openaup.engine.cli", "squid-acl",
           "--snapshot", str(snap), "--no-log"]  # fmt: skip
    _run_helper([SQUIDGUARD, "-c", str(conf)], sg_in, base / "squidguard-out.txt")
    _run_helper(cmd, ours_in, base / "acl-out.txt")
    sg = (base / "squidguard-out.txt").read_text().splitlines()
    ours = (base / "acl-out.txt").read_text().splitlines()
    return {
        "cases": len(urls),
        "ours_blocked": sum(a.startswith("ERR") for a in ours),
        "squidguard_blocked": sum(a.startswith("OK") for a in sg),
        "squidguard_missed": sum(not a.startswith("OK") for a in sg),
        "example": f"listed {picked[0]} and listed-child.{picked[0]}; asked {urls[0]}",
    }


def measure_helper_concurrency(ctx: Context) -> dict[str, Any]:
    """Our helper with channel IDs, 32 requests in flight through a pipe: requests/s."""
    assert ctx.snapshot is not None
    lines = _stream_file(ctx, "acl", channels=True).read_bytes().splitlines(keepends=True)
    env = _helper_env()
    cmd = _helper_cmd(ctx, ctx.work / "concurrency-log")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    assert proc.stdout is not None
    _pump(proc, [b"0 10.0.0.1 - http://warm.example/ -\n"], 1)  # start-up is not measured
    started = time.perf_counter()
    answered = _pump_window(proc, lines, 32)
    seconds = time.perf_counter() - started
    proc.stdin.close()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return {
        "in_flight": 32,
        "requests": answered,
        "seconds": round(seconds, 2),
        "requests_per_second": round(answered / seconds),
        "helper_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


def measure_helper_flush(ctx: Context) -> dict[str, Any]:
    """One write per answer against one write per batch (what the helper does: every line
    read in one go is answered in one write), 32 lines in flight, into a pipe that
    ``cat`` drains. Both answer from the same helper in this process, log off."""
    assert ctx.snapshot is not None
    from openaup.engine.squid import AclProtocol, Helper, SnapshotHolder

    lines = _stream_file(ctx, "acl", channels=True).read_bytes().splitlines()
    batches = [lines[i : i + 32] for i in range(0, len(lines), 32)]
    figures: dict[str, Any] = {"requests": len(lines), "in_flight": 32}
    for mode in ("per_answer", "per_batch"):
        holder = SnapshotHolder(ctx.snapshot)
        helper = Helper(AclProtocol(), holder)
        sink = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        assert sink.stdin is not None
        fd = sink.stdin.fileno()
        started = time.perf_counter()
        for batch in batches:
            if mode == "per_batch":
                os.write(fd, helper.answer_batch(batch))
            else:
                for line in batch:
                    os.write(fd, helper.answer_batch([line]))
        seconds = time.perf_counter() - started
        sink.stdin.close()
        sink.wait()
        holder.close()
        figures[f"{mode}_per_second"] = round(len(lines) / seconds)
    return figures


def measure_helper_private_memory(ctx: Context) -> dict[str, Any]:
    """Private memory of one more helper process once warm (the snapshot is shared)."""
    assert ctx.snapshot is not None
    env = _helper_env()
    cmd = _helper_cmd(ctx, ctx.work / "memory-log")
    procs = [
        subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    sample = _stream_file(ctx, "acl").read_bytes().splitlines(keepends=True)[:50_000]
    figures: dict[str, Any] = {"warm_lines": len(sample)}
    try:
        for proc in procs:
            _pump(proc, sample, 500)
        rollup = {}
        for line in Path(f"/proc/{procs[1].pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, value = line.split(":", 1)
            rollup[key] = int(value.split()[0])
        figures.update(
            rss_mb=round(rollup["Rss"] / 1024, 1),
            pss_mb=round(rollup["Pss"] / 1024, 1),
            shared_mb=round((rollup["Shared_Clean"] + rollup["Shared_Dirty"]) / 1024, 1),
            private_mb=round((rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024, 1),
        )
    finally:
        for proc in procs:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(30)
    return figures


Measurement = Callable[[Context], dict[str, Any]]

# One function per measurement, run in this order; add new ones to the list.
MEASUREMENTS: list[tuple[str, Measurement]] = [
    ("compile_ut1", measure_compile_ut1),
    ("compile_synthetic", measure_compile_synthetic),
    ("decisions", measure_decisions),
    ("reference", measure_reference),
    ("squidguard_compile", measure_squidguard_compile),
    ("squidguard_stream", measure_squidguard_stream),
    ("helper_stream", measure_helper_stream),
    ("side_by_side_decisions", measure_side_by_side_decisions),
    ("subdomain_case", measure_subdomain_case),
    ("helper_concurrency", measure_helper_concurrency),
    ("helper_flush", measure_helper_flush),
    ("helper_private_memory", measure_helper_private_memory),
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
