"""The Response Policy Zones loaded into a real Unbound on loopback and resolved through it.

One Unbound serves two profiles by client address (``access-control-tag``, as
``docs/dns.md`` describes per-network resolvers): 127.0.0.1 gets ``middle`` (YouTube
strict), 127.0.0.2 gets ``high`` (YouTube moderate), 127.0.0.3 a zone that the test rewrites
and reloads with ``unbound-control auth_zone_reload``. The "real" answers come from zones
Unbound serves to itself (``auth-zone`` with ``for-upstream``); the root is a stub on a
closed loopback port, so nothing leaves the machine.

Needs Debian's ``unbound`` (``.ci/run`` installs it and sets ``OPENAUP_REQUIRE_UNBOUND=1``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from openaup.engine.policy import parse_policy
from openaup.engine.rpz import write_rpz

UNBOUND = shutil.which("unbound") or (
    "/usr/sbin/unbound" if Path("/usr/sbin/unbound").exists() else None
)


def _require_unbound() -> None:
    if UNBOUND is None:
        if os.environ.get("OPENAUP_REQUIRE_UNBOUND") == "1":
            raise RuntimeError("OPENAUP_REQUIRE_UNBOUND=1 but unbound is not installed")
        pytest.skip(
            "needs Debian's unbound (apt-get install unbound; set OPENAUP_REQUIRE_UNBOUND=1 "
            "to make this a failure)"
        )


LISTS = {
    "adult/domains": "bad.example\n",
    "games/domains": "arcade.example\n",
    "child/domains": "kids.arcade.example\n",
    "child/usage": "white\n",
}
POLICY = """
[filter]
default_profile = "middle"

[profiles.middle]
minor = true
safesearch = true
youtube = "strict"
[[profiles.middle.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]
[[profiles.middle.rules]]
name = "kids"
state = "locked_allow"
categories = ["child"]
[[profiles.middle.rules]]
name = "students"
state = "block"
categories = ["games"]

[profiles.high]
minor = true
safesearch = true
youtube = "moderate"
[[profiles.high.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]
[[profiles.high.rules]]
name = "deny"
state = "block"
hosts = []
"""
# What the names "really" resolve to, served by Unbound to itself.
ZONES = {
    "example.": """
ns A 192.0.2.53
bad A 192.0.2.1
www.bad A 192.0.2.1
arcade A 192.0.2.2
kids.arcade A 192.0.2.3
play.kids.arcade A 192.0.2.4
allowed A 192.0.2.5
""",
    "google.com.": """
ns A 192.0.2.53
www A 192.0.2.99
forcesafesearch A 216.239.38.120
""",
    "bing.com.": """
ns A 192.0.2.53
www A 192.0.2.98
strict A 204.79.197.220
""",
    "youtube.com.": """
ns A 192.0.2.53
www A 192.0.2.97
m A 192.0.2.97
restrict A 216.239.38.120
restrictmoderate A 216.239.38.119
""",
}
PROFILES = {"middle": "127.0.0.1", "high": "127.0.0.2", "reload": "127.0.0.3"}


@dataclass
class Resolver:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    lists: Path

    def ask(self, name: str, client: str = "127.0.0.1") -> tuple[str, list[tuple[str, str]]]:
        """The response code and the answer's (name, data) pairs, CNAME chain first."""
        query = dns.message.make_query(name, dns.rdatatype.A)
        reply = dns.query.udp(query, "127.0.0.1", port=self.port, timeout=3, source=client)
        answer = [
            (rrset.name.to_text(), item.to_text()) for rrset in reply.answer for item in rrset
        ]
        return dns.rcode.to_text(reply.rcode()), answer


def _free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return int(udp.getsockname()[1])


def _config(folder: Path, port: int) -> str:
    lines = [
        "server:",
        "  interface: 127.0.0.1",
        f"  port: {port}",
        "  do-daemonize: no",
        '  username: ""',
        '  chroot: ""',
        f'  directory: "{folder}"',
        f'  pidfile: "{folder}/unbound.pid"',
        "  use-syslog: no",
        f'  logfile: "{folder}/unbound.log"',
        "  verbosity: 1",
        "  do-ip6: no",
        "  do-not-query-localhost: no",
        "  access-control: 127.0.0.0/8 allow",
        '  module-config: "respip iterator"',
        f'  define-tag: "{" ".join(PROFILES)}"',
        *(f'  access-control-tag: {ip}/32 "{name}"' for name, ip in PROFILES.items()),
        "remote-control:",  # unbound-control over a Unix socket: no certificates
        "  control-enable: yes",
        f"  control-interface: {folder}/control.sock",
        "stub-zone:",  # the root on a closed loopback port: no query leaves the machine
        '  name: "."',
        f"  stub-addr: 127.0.0.1@{_closed_port()}",
    ]
    for zone in ZONES:
        lines += [
            "auth-zone:",
            f'  name: "{zone}"',
            f'  zonefile: "{folder}/{zone}zone"',
            "  for-downstream: no",
            "  for-upstream: yes",
            "  fallback-enabled: no",
        ]
    for name in PROFILES:
        lines += [
            "rpz:",
            f'  name: "{name}.rpz.openaup."',
            f'  zonefile: "{folder}/{name}.rpz"',
            f'  tags: "{name}"',
        ]
    return "\n".join(lines) + "\n"


def write_zone(resolver_dir: Path, lists: Path, profile: str, policy_text: str = POLICY) -> None:
    policy = parse_policy(policy_text)
    source = "high" if profile == "reload" else profile
    write_rpz([lists], policy, source, resolver_dir / f"{profile}.rpz", f"{profile}.rpz.openaup")


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resolver]:
    _require_unbound()
    assert UNBOUND is not None
    folder = tmp_path_factory.mktemp("unbound")
    lists = folder / "lists"
    for rel, text in LISTS.items():
        (lists / rel).parent.mkdir(parents=True, exist_ok=True)
        (lists / rel).write_text(text)
    for zone, records in ZONES.items():
        head = (
            f"$ORIGIN {zone}\n$TTL 60\n@ IN SOA ns.{zone} hostmaster.{zone} 1 3600 600 86400 60\n"
            f"@ IN NS ns.{zone}\n"
        )
        (folder / f"{zone}zone").write_text(head + records.lstrip())
    for profile in PROFILES:
        write_zone(folder, lists, profile)
    port = _free_port()
    (folder / "unbound.conf").write_text(_config(folder, port))
    check = subprocess.run(
        [UNBOUND + "-checkconf", str(folder / "unbound.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    process = subprocess.Popen(
        [UNBOUND, "-d", "-c", str(folder / "unbound.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    res = Resolver(port, folder, process, lists)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, (
                f"unbound exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
            try:
                if res.ask("allowed.example")[0] == "NOERROR":
                    break
            except (dns.exception.Timeout, OSError):
                pass
            assert time.monotonic() < deadline, "unbound did not answer within 15 s"
            time.sleep(0.1)
        yield res
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("client", "name", "rcode", "answer"),
    [
        # blocked domains and their sub-domains: NXDOMAIN, though the names exist
        ("middle", "bad.example", "NXDOMAIN", []),
        ("middle", "www.bad.example", "NXDOMAIN", []),
        ("middle", "arcade.example", "NXDOMAIN", []),
        # the locked allow-list under a blocked domain passes through
        ("middle", "kids.arcade.example", "NOERROR", [("kids.arcade.example.", "192.0.2.3")]),
        ("middle", "play.kids.arcade.example", "NOERROR",
         [("play.kids.arcade.example.", "192.0.2.4")]),
        ("middle", "allowed.example", "NOERROR", [("allowed.example.", "192.0.2.5")]),
        # SafeSearch
        ("middle", "www.google.com", "NOERROR",
         [("www.google.com.", "forcesafesearch.google.com."),
          ("forcesafesearch.google.com.", "216.239.38.120")]),
        ("middle", "www.bing.com", "NOERROR",
         [("www.bing.com.", "strict.bing.com."), ("strict.bing.com.", "204.79.197.220")]),
        # YouTube: strict for middle, moderate for high
        ("middle", "www.youtube.com", "NOERROR",
         [("www.youtube.com.", "restrict.youtube.com."),
          ("restrict.youtube.com.", "216.239.38.120")]),
        ("middle", "m.youtube.com", "NOERROR",
         [("m.youtube.com.", "restrict.youtube.com."),
          ("restrict.youtube.com.", "216.239.38.120")]),
        ("high", "www.youtube.com", "NOERROR",
         [("www.youtube.com.", "restrictmoderate.youtube.com."),
          ("restrictmoderate.youtube.com.", "216.239.38.119")]),
        # the high profile's network: games are not blocked there, adult is
        ("high", "arcade.example", "NOERROR", [("arcade.example.", "192.0.2.2")]),
        ("high", "bad.example", "NXDOMAIN", []),
        ("high", "www.google.com", "NOERROR",
         [("www.google.com.", "forcesafesearch.google.com."),
          ("forcesafesearch.google.com.", "216.239.38.120")]),
    ],
)  # fmt: skip
def test_unbound_answers(
    resolver: Resolver, client: str, name: str, rcode: str, answer: list[tuple[str, str]]
) -> None:
    assert resolver.ask(name, PROFILES[client]) == (rcode, answer)


def test_a_published_zone_is_live_after_a_reload(resolver: Resolver) -> None:
    client = PROFILES["reload"]
    assert resolver.ask("allowed.example", client)[0] == "NOERROR"
    policy = POLICY.replace("hosts = []", 'hosts = ["allowed.example"]')
    write_zone(resolver.folder, resolver.lists, "reload", policy)
    control = subprocess.run(
        [f"{UNBOUND}-control", "-c", str(resolver.folder / "unbound.conf"),
         "auth_zone_reload", "reload.rpz.openaup."],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert control.returncode == 0, control.stdout + control.stderr
    deadline = time.monotonic() + 15
    while True:
        try:
            if resolver.ask("www.allowed.example", client)[0] == "NXDOMAIN":
                break
        except (dns.exception.Timeout, OSError):
            pass
        assert time.monotonic() < deadline, "the new zone was not live within 15 s"
        time.sleep(0.1)
    assert resolver.ask("allowed.example", client) == ("NXDOMAIN", [])
    # the other profiles' zones are unchanged
    assert resolver.ask("allowed.example", PROFILES["middle"])[0] == "NOERROR"
