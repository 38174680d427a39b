"""DNS figures: writing a profile's Response Policy Zone, and Unbound loading it.

- ``ut1``: ``write_rpz`` for each profile of the default policy over the 36 UT1 categories
  of ``../shared/data/ut1`` (what a publish does, one zone per profile): time, size, names;
- ``synthetic``: the ``middle`` profile with a made-up 4.6 million-domain ``adult`` list
  added (UT1's adult list size, which is not shipped);
- ``unbound``: Debian's Unbound started on loopback with the UT1 ``middle`` zone: the time
  from start to the first NXDOMAIN for a blocked name, and the resolver's memory then.

    .venv/bin/python benchmarks/rpz_export.py
    .venv/bin/python benchmarks/rpz_export.py --only ut1 --synthetic 460000

Writes ``benchmarks/out/rpz_export.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openaup.engine.policy import load_policy  # noqa: E402
from openaup.engine.rpz import write_rpz  # noqa: E402

UT1 = ROOT.parent / "shared" / "data" / "ut1" / "blacklists"
OUT = ROOT / "benchmarks" / "out" / "rpz_export.json"
TARGET_SECONDS = 10.0


def synthetic_list(path: Path, n: int, seed: int = 4600) -> None:
    """``n`` distinct made-up domains, one a line."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase + string.digits
    tlds = ["com", "net", "org", "info", "xyz", "fr", "de", "ru"]
    seen: set[str] = set()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        while len(seen) < n:
            name = "".join(rng.choices(letters, k=rng.randint(6, 14))) + "." + rng.choice(tlds)
            if rng.random() < 0.2:
                name = "www." + name
            if name not in seen:
                seen.add(name)
                fh.write(name + "\n")


def _cpu() -> float:
    return time.process_time()


def measure_ut1(work: Path) -> dict[str, Any]:
    policy = load_policy(None)
    out: dict[str, Any] = {}
    for profile in policy.profiles:
        cpu = _cpu()
        report = write_rpz([UT1], policy, profile, work / f"{profile}.rpz")
        out[profile] = {
            "seconds": round(report.seconds, 2),
            "cpu_seconds": round(_cpu() - cpu, 2),
            "bytes": report.size,
            "entries": report.entries,
            "blocked": report.blocked,
            "passthru": report.passthru,
            "safesearch": report.safesearch,
            "covered": report.covered,
            "not_in_dns": {
                "url_rules": report.url_rules,
                "expressions": report.expressions,
                "ip_literals": report.ip_literals,
                "invalid_names": report.invalid_names,
            },
        }
        print(f"ut1 {profile}: {report.summary()}", flush=True)
    return out


def measure_synthetic(work: Path, n: int) -> dict[str, Any]:
    lists = work / "synthetic"
    synthetic_list(lists / "adult" / "domains", n)
    policy = load_policy(None)
    cpu = _cpu()
    report = write_rpz([UT1, lists], policy, "middle", work / "middle-synthetic.rpz")
    print(f"synthetic: {report.summary()}", flush=True)
    return {
        "domains": n,
        "seconds": round(report.seconds, 2),
        "cpu_seconds": round(_cpu() - cpu, 2),
        "bytes": report.size,
        "blocked": report.blocked,
    }


def first_blocked(zone: Path) -> str:
    with zone.open() as fh:
        for line in fh:
            if line.endswith(" CNAME .\n") and line[0] not in ";$@*":
                return line.split()[0]
    raise SystemExit(f"{zone} blocks nothing")


def _port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_unbound(work: Path, zone: Path, blocked: str) -> dict[str, Any]:
    import dns.message
    import dns.query
    import dns.rcode

    unbound = shutil.which("unbound") or "/usr/sbin/unbound"
    if not Path(unbound).exists():
        return {"skipped": "unbound is not installed"}
    port = _port()
    conf = work / "unbound.conf"
    conf.write_text(
        "server:\n  interface: 127.0.0.1\n"
        f'  port: {port}\n  do-daemonize: no\n  username: ""\n  chroot: ""\n'
        f'  directory: "{work}"\n  pidfile: "{work}/unbound.pid"\n  use-syslog: no\n'
        "  do-ip6: no\n  do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n"
        '  module-config: "respip iterator"\n'
        f'stub-zone:\n  name: "."\n  stub-addr: 127.0.0.1@{_port()}\n'
        f'rpz:\n  name: "rpz.openaup."\n  zonefile: "{zone}"\n'
    )
    started = time.perf_counter()
    proc = subprocess.Popen([unbound, "-d", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        query = dns.message.make_query(blocked, "A")
        while True:
            try:
                reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=0.5)
                if dns.rcode.to_text(reply.rcode()) == "NXDOMAIN":
                    break
            except Exception:  # not listening yet
                time.sleep(0.05)
            if time.perf_counter() - started > 300:
                return {"error": "no NXDOMAIN within 300 s"}
        seconds = time.perf_counter() - started
        rss = 0
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        # answers per second for blocked names, one client, sequential
        n = 2000
        t0 = time.perf_counter()
        for _ in range(n):
            dns.query.udp(query, "127.0.0.1", port=port, timeout=2)
        qps = n / (time.perf_counter() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"unbound: loaded and answering in {seconds:.2f} s, RSS {rss / 1024:.0f} MB, "
          f"{qps:.0f} queries/s (one sequential client)", flush=True)  # fmt: skip
    return {"load_seconds": round(seconds, 2), "rss_mb": round(rss / 1024, 1),
            "sequential_qps": round(qps)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=["ut1", "synthetic", "unbound"])
    parser.add_argument("--synthetic", type=int, default=4_600_370)
    args = parser.parse_args()
    if not UT1.is_dir():
        print(f"needs the UT1 lists in {UT1}", file=sys.stderr)
        return 2
    only = set(args.only or ["ut1", "synthetic", "unbound"])
    results: dict[str, Any] = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "target_seconds": TARGET_SECONDS,
    }
    with tempfile.TemporaryDirectory(prefix="rpz-bench-") as tmp:
        work = Path(tmp)
        if "ut1" in only or "unbound" in only:
            results["ut1"] = measure_ut1(work)
        if "synthetic" in only:
            results["synthetic"] = measure_synthetic(work, args.synthetic)
        if "unbound" in only:
            zone = work / "middle.rpz"
            results["unbound"] = measure_unbound(work, zone, first_blocked(zone))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
