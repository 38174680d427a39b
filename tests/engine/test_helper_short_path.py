"""The ACL helper's short path (verdicts, answers and log text kept per authority) gives
exactly the answers and decision-log lines of the careful path (:meth:`Helper.answer_line`,
one full decision per line), whatever the line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaup.engine.compiler import CompileReport
from openaup.engine.log import DecisionLog
from openaup.engine.squid import AclProtocol, Helper, SnapshotHolder

# Lines as Squid sends them to ``external_acl_type`` (channel ID optional), chosen to reach
# every branch: URL prefixes under a host, expressions, allow and deny rules of the profile,
# users and networks mapped to profiles, a scheduled profile, escaped fields, ports, user
# info, IP literals, IDN, CONNECT, bad lines.
LINES = [
    "10.0.0.1 - http://example.org/bad/path/x.html -",
    "10.0.0.1 - http://example.org/badge -",
    "10.0.0.1 - http://www.example.net/x?y=1&z=2 -",
    "10.0.0.1 - http://www.example.net/x?y=10 -",
    "10.0.0.1 - http://www.example.com/adult%20page -",
    "10.0.0.1 - http://les.sexes.example/ -",
    "10.0.0.1 - http://y.a.com/ -",
    "10.0.0.1 - http://x.a.com:8080/path?q=1#frag -",
    "10.0.0.1 - https://user:pw@games.example/ -",
    "10.0.0.1 - games.example:443 -",
    "10.0.0.1 - http://10.1.2.3/ -",
    "10.0.0.1 - http://[2001:db8::1]:8080/ -",
    "10.0.0.1 - http://xn--bcher-kva.de/ -",
    "10.0.0.1 - http%3A%2F%2Fbad.example%2Fa%20b -",
    "10.20.1.9 - http://games.example/ -",
    "10.20.1.9 - http://x.a.com/ -",
    "10.20.1.9 - http://evil.example/ -",
    "10.20.1.9 - http://docs.example/private/x -",
    "10.20.1.9 - http://docs.example/public -",
    "10.20.5.7 - http://x.a.com/ -",
    "10.20.5.7 - http://games.example/ -",
    "10.0.0.1 teacher1 http://games.example/ -",
    "10.0.0.1 kid1 http://games.example/ -",
    "10.0.0.1 Kid1 http://tube.example/v -",
    "2001:db8:20::5 - http://games.example/ -",
    "7 10.0.0.1 - http://example.org/bad/path -",
    "12 10.20.1.9 - http://ok.example/ -",
    "10.0.0.1 - - -",
    "10.0.0.1 -",
    "",
    "10.0.0.1 - http://exa\tmple.org/ -",
    "10.0.0.1 - http:// -",
    "10.0.0.1 - http://-/ -",
    "10.0.0.1 - http://a..b/ -",
    "10.0.0.1 - http://" + "a" * 300 + ".com/ -",
    "10.0.0.1 - http://ok.example/" + "p" * 2500 + " -",
    "10.0.0.1 - HTTP://OK.Example/Path -",
    "10.0.0.1 - //ok.example/path -",
    "10.0.0.1 - ok.example -",
    "10.0.0.1 - http://ok.example?q=1 -",
    "10.0.0.1 - https://ok.example#frag -",
    "10.0.0.1 - http://ok.example\\path -",
    "10.0.0.1 - https://games.example:443/x -",
    "10.0.0.1 - ftp://games.example/x -",
    "10.0.0.1 - games.example:443/x -",
    "10.0.0.1 - http:/games.example/ -",
]


class _Run:
    """One helper on the test snapshot whose decision log is never started: what it would
    write stays in its queue."""

    def __init__(self, snapshot: Path, tmp: Path) -> None:
        self.log = DecisionLog(tmp / "log", max_queue=1_000_000)
        self.holder = SnapshotHolder(snapshot, log=self.log)
        self.helper = Helper(AclProtocol(), self.holder)

    def logged(self) -> list[str]:
        # the time column differs between the two runs
        lines = [line.split("\t", 1)[1] for line in self.log._queue]
        self.log._queue.clear()
        return lines

    def close(self) -> None:
        self.holder.close()


@pytest.fixture
def runs(compiled: tuple[Path, CompileReport], tmp_path: Path) -> Iterator[tuple[_Run, _Run]]:
    short, careful = _Run(compiled[0], tmp_path / "a"), _Run(compiled[0], tmp_path / "b")
    yield short, careful
    short.close()
    careful.close()


def _compare(runs: tuple[_Run, _Run], lines: list[str]) -> None:
    short, careful = runs
    raw = [line.encode() for line in lines]
    # twice: the second time every authority is in the short path's cache
    for _ in range(2):
        answers = short.helper.answer_batch(raw).decode().split("\n")[:-1]
        expected = [careful.helper.answer_line(line) for line in raw]
        assert answers == expected
        assert short.logged() == careful.logged()


def test_the_short_path_answers_and_logs_as_the_careful_path(runs: tuple[_Run, _Run]) -> None:
    _compare(runs, LINES)
    # one line at a time (Squid without concurrency) too
    for line in LINES:
        _compare(runs, [line])


def test_the_short_path_is_taken(runs: tuple[_Run, _Run]) -> None:
    short, _ = runs
    plain = [
        b"10.0.0.1 - http://example.org/bad/path/x.html -",
        b"10.0.0.1 - http://example.org/badge -",
        b"10.0.0.1 - https://user:pw@games.example/ -",
        b"10.0.0.1 - games.example:443 -",
        b"10.0.0.1 - http://www.example.com/adult%20page -",  # escaped: the careful path
    ]
    short.helper.answer_batch(plain)
    kept = {name: set(cache) for name, cache in short.helper._hosts.items()}
    assert kept == {"guest": {"example.org", "user:pw@games.example", "games.example"}}


def test_a_new_snapshot_forgets_what_was_kept(
    runs: tuple[_Run, _Run], compiled: tuple[Path, CompileReport]
) -> None:
    short, _ = runs
    line = b"10.20.5.7 - http://games.example/ -"
    assert short.helper.answer_batch([line]) == b"ERR message=category:games log=high/block\n"
    first = short.holder.engine
    short.holder._load()  # the same file opened again: a new engine, nothing kept from before
    assert short.holder.engine is not first
    assert short.helper.answer_batch([line]) == b"ERR message=category:games log=high/block\n"
    assert short.helper._engine is short.holder.engine
    assert {name: set(cache) for name, cache in short.helper._hosts.items()} == {
        "high": {"games.example"}
    }


FIELD = st.text(alphabet=st.characters(codec="ascii"), max_size=30)
HOSTISH = st.sampled_from(
    ["example.org", "www.example.net", "y.a.com", "x.a.com", "games.example", "evil.example",
     "docs.example", "ok.example", "10.1.2.3", "[2001:db8::1]", "les.sexes.example", ""]
)  # fmt: skip


@given(
    channel=st.sampled_from(["", "0 ", "31 "]),
    ip=st.sampled_from(["10.0.0.1", "10.20.1.9", "10.20.5.7", "-", "2001:db8:20::5"]),
    user=st.sampled_from(["-", "teacher1", "kid1", "Kid1", "x%20y"]),
    scheme=st.sampled_from(["http://", "https://", "", "//", "ftp://u@", "HTTPS://", "http:/"]),
    host=HOSTISH,
    port=st.sampled_from(["", ":80", ":443", ":", "?", "#", "\\"]),
    rest=FIELD,
)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_short_path_agrees_on_generated_lines(
    runs: tuple[_Run, _Run],
    channel: str,
    ip: str,
    user: str,
    scheme: str,
    host: str,
    port: str,
    rest: str,
) -> None:
    _compare(runs, [f"{channel}{ip} {user} {scheme}{host}{port}{rest} -"])
