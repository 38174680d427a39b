"""The Squid helpers run as processes and fed Squid-format lines, as Squid feeds them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.squid_support import (
    LISTS_B,
    STRICT_POLICY,
    HelperProcess,
    build_snapshot,
    helper_command,
)

ELEMENTARY_IP = "10.1.2.3"
STAFF_IP = "10.9.0.7"
GUEST_IP = "192.0.2.10"

# (client IP, user, URL) as Squid sends them, -> the expected answer (without channel).
BLOCKED_ADULT = "ERR message=category:adult log=guest/locked_block"
ACL_TABLE = [
    (GUEST_IP, "-", "http://bad.test/page", BLOCKED_ADULT),
    # a listed a.test blocks y.a.test although x.a.test is listed too (squidGuard misses it)
    (GUEST_IP, "-", "http://y.a.test/", BLOCKED_ADULT),
    (GUEST_IP, "-", "http://BAD.test.:8080/x?y=1", BLOCKED_ADULT),
    (GUEST_IP, "-", "bad.test:443", BLOCKED_ADULT),
    (GUEST_IP, "-", "http://ok.test/", "OK log=guest/default"),
    (GUEST_IP, "-", "http://tube.test/v", "OK tag=streaming log=guest/default"),
    (GUEST_IP, "-", "http://games.test/", "OK log=guest/default"),
    (ELEMENTARY_IP, "-", "http://games.test/",
     "ERR message=category:games log=elementary/locked_block"),
    (STAFF_IP, "-", "http://games.test/", "OK log=staff/default"),
    # user names win over networks; Squid URL-escapes every field
    (ELEMENTARY_IP, "teacher1", "http://games.test/", "OK log=staff/default"),
    (GUEST_IP, "-", "http%3A%2F%2Fbad.test%2Fa%20b", BLOCKED_ADULT),
]  # fmt: skip


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return build_snapshot(tmp_path, tmp_path / "filter.snap")


def _acl(snap: Path, *extra: str) -> HelperProcess:
    return HelperProcess(helper_command("squid-acl", snap, *extra))


def test_acl_answers_without_channel_ids(snap: Path) -> None:
    helper = _acl(snap)
    # Squid appends the ACL's own arguments as a last field: "-" when there are none.
    answers = helper.ask(*(f"{ip} {user} {url} -" for ip, user, url, _ in ACL_TABLE))
    assert answers == [want for *_, want in ACL_TABLE]
    status, err, rest = helper.close()
    assert (status, rest) == (0, b"")
    assert "ERROR" not in err


def test_acl_answers_with_channel_ids_echoed(snap: Path) -> None:
    helper = _acl(snap)
    lines = [f"{n} {ip} {user} {url} -" for n, (ip, user, url, _) in enumerate(ACL_TABLE)]
    answers = helper.ask(*lines)
    assert answers == [f"{n} {want}" for n, (*_, want) in enumerate(ACL_TABLE)]
    assert helper.close()[0] == 0


def test_32_requests_in_flight_each_answered_once_and_right(snap: Path) -> None:
    helper = _acl(snap)
    hosts = {"bad.test": "ERR", "ok.test": "OK", "y.a.test": "ERR", "tube.test": "OK"}
    names = list(hosts)
    for round_ in range(40):
        lines = [
            f"{n} {GUEST_IP} - http://{names[(n + round_) % 4]}/r{round_} -" for n in range(32)
        ]
        helper.send(*lines)  # all 32 in one write, before reading any answer
        answers = helper.read_lines(32)
        by_channel = {a.split()[0]: a.split()[1] for a in answers}
        assert sorted(by_channel, key=int) == [str(n) for n in range(32)]
        for n in range(32):
            assert by_channel[str(n)] == hosts[names[(n + round_) % 4]], (round_, n)
    assert helper.close()[0] == 0


def test_rewrite_redirects_blocked_requests_to_the_block_page(snap: Path) -> None:
    helper = HelperProcess(
        helper_command("squid-rewrite", snap, "--block-url", "http://block.test/blocked?lang=en")
    )
    answers = helper.ask(
        f"http://bad.test/secret?token=1 {GUEST_IP}/- - GET myip=127.0.0.1 myport=3128",
        f"http://ok.test/ {GUEST_IP}/- - GET myip=127.0.0.1 myport=3128",
        f"7 http://games.test/ {ELEMENTARY_IP}/- - GET myip=127.0.0.1 myport=3128",
        f"8 http://games.test/ {GUEST_IP}/- - GET",
        "9 http://bad.test/",
    )
    assert answers[1] == "OK"
    assert answers[3] == "8 OK"
    head, status, url_kv = answers[0].split(" ")
    assert (head, status) == ("OK", "status=302")
    # Squid URL-unescapes an unquoted value once; the block page gets its own query.
    target = urlsplit(unquote(url_kv.removeprefix("url=")))
    assert (target.netloc, target.path) == ("block.test", "/blocked")
    query = parse_qs(target.query)
    assert query == {
        "lang": ["en"],
        "reason": ["category"],
        "category": ["adult"],
        "profile": ["guest"],
        "url": ["http://bad.test/secret"],  # never the query string
    }
    assert answers[2].startswith("7 OK status=302 url=")
    assert parse_qs(urlsplit(unquote(answers[2].split("url=")[1])).query)["category"] == ["games"]
    assert answers[4].startswith("9 OK status=302 url=")
    assert helper.close()[0] == 0


@pytest.mark.parametrize(
    "line",
    [
        b"",
        b"garbage",
        b"10.1.2.3 -",
        b"- - -",
        b"\xff\xfe\x00 \x80 http://ok.test/",
        b"x" * 300_000,
        b"10.1.2.3 - http://[zz]/ -",
        b"10.1.2.3 - http:// -",
    ],
    ids=["empty", "one-field", "two-fields", "no-url", "not-utf8", "huge", "bad-ipv6", "no-host"],
)
def test_unreadable_lines_are_blocked_and_the_helper_goes_on(snap: Path, line: bytes) -> None:
    helper = _acl(snap)
    answers = helper.ask(line, f"{GUEST_IP} - http://ok.test/ -", b"3 " + line)
    assert answers[0].startswith("ERR message=")
    assert answers[1] == "OK log=guest/default"
    assert answers[2].startswith("3 ERR message=")
    status, err, _ = helper.close()
    assert status == 0
    assert "ERROR" in err


def test_bad_lines_are_reported_once_not_per_line(snap: Path) -> None:
    helper = _acl(snap)
    answers = helper.ask(*[f"{n} garbage" for n in range(200)])
    assert answers == [f"{n} ERR message=bad_request" for n in range(200)]
    _, err, _ = helper.close()
    assert err.count("cannot read the line") == 1


def test_missing_snapshot_blocks_everyone(tmp_path: Path) -> None:
    helper = _acl(tmp_path / "absent.snap")
    answers = helper.ask(
        f"{STAFF_IP} - http://ok.test/ -",
        f"{ELEMENTARY_IP} - http://ok.test/ -",
        f"5 {GUEST_IP} teacher1 http://ok.test/ -",
    )
    assert answers == [
        "ERR message=no_snapshot",
        "ERR message=no_snapshot",
        "5 ERR message=no_snapshot",
    ]
    _, err, _ = helper.close()
    assert "absent.snap does not exist" in err
    assert "blocked" in err


def test_missing_snapshot_lets_only_a_fail_open_profile_through(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    from tests.engine.squid_support import POLICY

    policy.write_text(POLICY)
    helper = _acl(tmp_path / "absent.snap", "--policy", str(policy))
    answers = helper.ask(
        f"{STAFF_IP} - http://ok.test/ -",
        f"{GUEST_IP} teacher1 http://ok.test/ -",
        f"{ELEMENTARY_IP} - http://ok.test/ -",
        f"{GUEST_IP} - http://ok.test/ -",
    )
    assert answers == [
        "OK message=no_snapshot log=staff/fail_open",
        "OK message=no_snapshot log=staff/fail_open",
        "ERR message=no_snapshot log=elementary/fail_closed",
        "ERR message=no_snapshot log=guest/fail_closed",
    ]
    helper.close()
    rewrite = HelperProcess(
        helper_command("squid-rewrite", tmp_path / "absent.snap", "--policy", str(policy))
    )
    answers = rewrite.ask(
        f"http://ok.test/ {STAFF_IP}/- - GET", f"http://ok.test/ {ELEMENTARY_IP}/- - GET"
    )
    assert answers[0] == "ERR message=no_snapshot"  # keep the URL: staff fails open
    assert answers[1].startswith("OK status=302 url=")
    assert "reason%253Dno_snapshot" in answers[1] or "reason%3Dno_snapshot" in answers[1]
    rewrite.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b[:-100] + bytes(100),
        lambda b: b"not a snapshot at all",
        lambda b: b"",
    ],
    ids=["truncated", "flipped-bytes", "garbage", "empty"],
)
def test_corrupt_snapshot_blocks(snap: Path, damage: object) -> None:
    assert callable(damage)
    snap.write_bytes(damage(snap.read_bytes()))
    helper = _acl(snap)
    answers = helper.ask(f"{GUEST_IP} - http://ok.test/ -", f"4 {STAFF_IP} - http://ok.test/ -")
    assert answers == ["ERR message=no_snapshot", "4 ERR message=no_snapshot"]
    _, err, _ = helper.close()
    assert "snapshot" in err
    assert "ERROR" in err


def test_a_snapshot_that_appears_later_is_used(tmp_path: Path) -> None:
    path = tmp_path / "filter.snap"
    helper = _acl(path)
    assert helper.ask(f"{GUEST_IP} - http://ok.test/ -") == ["ERR message=no_snapshot"]
    build_snapshot(tmp_path, path)
    deadline = time.monotonic() + 1.0
    while True:
        answer = helper.ask(f"{GUEST_IP} - http://ok.test/ -")[0]
        if answer == "OK log=guest/default" or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert answer == "OK log=guest/default"
    helper.close()


def test_a_corrupt_replacement_keeps_the_last_good_snapshot(snap: Path, tmp_path: Path) -> None:
    helper = _acl(snap)
    assert helper.ask(f"{GUEST_IP} - http://bad.test/ -")[0].startswith("ERR message=category")
    broken = tmp_path / "broken.snap"
    broken.write_bytes(snap.read_bytes()[:5000])
    broken.replace(snap)
    time.sleep(0.6)  # past the check interval: the helper has looked at the new file
    answers = helper.ask(f"{GUEST_IP} - http://bad.test/ -", f"{GUEST_IP} - http://ok.test/ -")
    assert answers == ["ERR message=category:adult log=guest/locked_block", "OK log=guest/default"]
    _, err, _ = helper.close()
    assert "still using the snapshot built" in err


def test_forced_profile(snap: Path) -> None:
    helper = _acl(snap, "--profile", "elementary")
    answers = helper.ask(f"{STAFF_IP} teacher1 http://games.test/ -")
    assert answers == ["ERR message=category:games log=elementary/locked_block"]
    helper.close()
    unknown = _acl(snap, "--profile", "nobody")
    status, err, _ = unknown.close()
    assert status == 2
    assert "no profile 'nobody'" in err
    assert "elementary, guest, staff" in err


def test_decisions_are_logged(snap: Path, tmp_path: Path) -> None:
    logs = tmp_path / "log"
    helper = _acl(snap, "--log-dir", str(logs))
    helper.ask(f"{GUEST_IP} - http://bad.test/a?secret=1 -", f"{GUEST_IP} - http://ok.test/ -")
    assert helper.close()[0] == 0
    (day,) = logs.glob("*.tsv")
    lines = day.read_text().splitlines()
    assert lines[0].startswith("#time")
    assert "\tbad.test/a\tblock\tadult\t" in lines[1]
    assert "secret" not in day.read_text()
    assert "\tok.test/\tallow\t" in lines[2]


def test_snapshot_swap_under_load(snap: Path, tmp_path: Path) -> None:
    """A new snapshot renamed in while 32 requests are in flight: every request answered
    once, every answer right for the snapshot of its moment, and the switch within 1 s."""
    helper = _acl(snap)
    # per probe: (host, client, answer from snapshot A, answer from snapshot B)
    probes = [
        ("bad.test", GUEST_IP, "ERR", "ERR"),
        ("ok.test", GUEST_IP, "OK", "OK"),
        ("games.test", ELEMENTARY_IP, "ERR", "OK"),
        ("new.test", GUEST_IP, "OK", "ERR"),
    ]
    swapped_at: list[float] = []

    def swap() -> None:
        build_snapshot(tmp_path, snap, LISTS_B)
        swapped_at.append(time.monotonic())

    states: list[tuple[float, str]] = []
    sent = answered = 0
    swapper = threading.Thread(target=swap)
    start = time.monotonic()
    while time.monotonic() - start < 3.0:
        if not swapper.is_alive() and not swapped_at and time.monotonic() - start > 0.5:
            swapper.start()
        lines = []
        for n in range(32):
            host, ip, _, _ = probes[n % 4]
            lines.append(f"{n} {ip} - http://{host}/{sent + n} -")
        helper.send(*lines)
        sent += 32
        answers = {a.split()[0]: a.split()[1] for a in helper.read_lines(32)}
        answered += len(answers)
        assert len(answers) == 32
        now = time.monotonic()
        for n in range(32):
            _, _, in_a, in_b = probes[n % 4]
            got = answers[str(n)]
            assert got in (in_a, in_b), (n, got)
            if in_a != in_b:
                states.append((now, "A" if got == in_a else "B"))
    swapper.join()
    assert answered == sent
    sequence = "".join(s for _, s in states)
    assert "B" in sequence
    assert "A" in sequence
    assert "BA" not in sequence, "an answer from the old snapshot came after the new one"
    first_b = next(t for t, s in states if s == "B")
    assert first_b - swapped_at[0] < 1.0
    status, err, _ = helper.close()
    assert status == 0
    assert "ERROR" not in err


# -- property tests -----------------------------------------------------------------


def _expected_channel(line: bytes) -> str:
    tokens = line.decode("utf-8", "replace").split()
    return tokens[0] if tokens and tokens[0].isdigit() and tokens[0].isascii() else ""


def _check_blocked(answer: str, line: bytes) -> None:
    channel = _expected_channel(line)
    tokens = answer.split(" ")
    if channel:
        assert tokens[0] == channel, (line, answer)
        tokens = tokens[1:]
    assert tokens[0] == "ERR", (line, answer)


no_newline = st.binary(max_size=400).filter(lambda b: b"\n" not in b)
PROPS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def test_arbitrary_lines_never_allow_a_minor_who_may_see_nothing(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, tmp_path / "strict.snap", policy=STRICT_POLICY)
    helper = _acl(snap)

    @PROPS
    @given(no_newline)
    def check(line: bytes) -> None:
        [answer] = helper.ask(line)
        _check_blocked(answer, line)

    check()
    assert helper.close()[0] == 0


def test_arbitrary_lines_without_a_snapshot_are_all_blocked(tmp_path: Path) -> None:
    helpers = [
        _acl(tmp_path / "absent.snap"),
        HelperProcess(helper_command("squid-rewrite", tmp_path / "absent.snap")),
    ]

    @PROPS
    @given(no_newline)
    def check(line: bytes) -> None:
        acl_answer = helpers[0].ask(line)[0]
        _check_blocked(acl_answer, line)
        rewrite_answer = helpers[1].ask(line)[0]
        channel = _expected_channel(line)
        head = f"{channel} " if channel else ""
        assert rewrite_answer.startswith(head + "OK status=302 url="), (line, rewrite_answer)

    check()
    for helper in helpers:
        assert helper.close()[0] == 0


url_noise = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r"),
    max_size=60,
)


def test_a_listed_host_stays_blocked_whatever_surrounds_it(snap: Path) -> None:
    """A minor asking for a listed host, with any path, port, user info, case or escaping,
    is never let through."""
    helper = _acl(snap)

    @PROPS
    @given(
        host=st.sampled_from(["bad.test", "BAD.TEST", "y.a.test", "deep.x.a.test", "bad.test."]),
        scheme=st.sampled_from(["http://", "https://", "HTTP://", ""]),
        userinfo=st.sampled_from(["", "user@", "u:p@", "%40@"]),
        port=st.sampled_from(["", ":80", ":443", ":99999", ":"]),
        path=url_noise,
        channel=st.sampled_from(["", "0 ", "31 "]),
    )
    def check(host: str, scheme: str, userinfo: str, port: str, path: str, channel: str) -> None:
        from urllib.parse import quote

        url = quote(f"{scheme}{userinfo}{host}{port}/{path}", safe=":/@")
        line = f"{channel}{ELEMENTARY_IP} - {url} -"
        [answer] = helper.ask(line)
        _check_blocked(answer, line.encode())

    check()
    assert helper.close()[0] == 0


def test_bad_options_are_refused_with_a_reason(snap: Path, tmp_path: Path) -> None:
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("[profiles.kids]\nminor = true\nfail_open = true\n")
    helper = _acl(snap, "--policy", str(bad_policy))
    status, err, _ = helper.close()
    assert status == 2
    assert "a minor's profile cannot fail open" in err
    helper = _acl(snap, "--cache-size", "-1")
    status, err, _ = helper.close()
    assert status == 2
    assert "--cache-size must be 0 or more" in err
