"""Timed overrides in decisions: whom and when they cover, how they rank against the
profile's rules (never over a locked one), and the Squid helper answering with them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from openaup.engine.compiler import compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.decision import Action, Decision, FilterRequest
from openaup.engine.log import DecisionLog
from openaup.engine.policy import load_policy, parse_policy
from openaup.engine.snapshot import Snapshot
from openaup.engine.squid import AclProtocol, Helper, SnapshotHolder

from .conftest import LISTS, PLAIN, POLICY

MDT = datetime.timezone(datetime.timedelta(hours=-6))
LESSON = datetime.datetime(2026, 9, 1, 9, 30, tzinfo=MDT)

OVERRIDES = """
[[overrides]]
id = "ov-lesson"
state = "allow"
hosts = ["games.example"]
users = ["kid7"]
starts = 2026-09-01T09:00:00-06:00
ends = 2026-09-01T09:50:00-06:00
clause = "Teacher-approved lesson"

[[overrides]]
id = "ov-adult"
state = "allow"
hosts = ["evil.example"]
profiles = ["*"]
starts = 2026-09-01T00:00:00-06:00
ends = 2026-09-02T00:00:00-06:00

[[overrides]]
id = "ov-school-block"
state = "block"
hosts = ["ok.example"]
networks = ["10.20.5.0/24"]
starts = 2026-09-01T00:00:00-06:00
ends = 2026-09-02T00:00:00-06:00

[[overrides]]
id = "ov-page"
state = "allow"
urls = ["docs.example/private/lesson"]
profiles = ["elementary"]
starts = 2026-09-01T00:00:00-06:00
ends = 2026-09-02T00:00:00-06:00
"""


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ov") / "filter.snap"
    policy = parse_policy(POLICY.read_text() + OVERRIDES, origin="policy.toml")
    compile_snapshot([LISTS, PLAIN], policy, out)
    return out


@pytest.fixture
def engine(snap: Path) -> Engine:
    return Engine(Snapshot.open(snap))


def ask(
    engine: Engine, url: str, *, user: str = "", ip: str = "", when: datetime.datetime = LESSON
) -> Decision:
    return engine.decide(FilterRequest(url=url, client_ip=ip, user=user, time=when))


# (url, user, client ip, time) -> (action, reason, rule, list)
TABLE = [
    # a student's lesson override lets a blocked category through for that student only...
    ("http://games.example/", "kid7", "10.20.5.9", LESSON,
     (Action.ALLOW, "override", "allow", "override:ov-lesson")),
    ("http://www.games.example/play", "KID7", "10.20.5.9", LESSON,
     (Action.ALLOW, "override", "allow", "override:ov-lesson")),
    ("http://games.example/", "kid8", "10.20.5.9", LESSON,
     (Action.BLOCK, "category", "block", "lists/games/domains")),
    # ... during the lesson: the end is exclusive
    ("http://games.example/", "kid7", "10.20.5.9", datetime.datetime(2026, 9, 1, 9, 50, tzinfo=MDT),
     (Action.BLOCK, "category", "block", "lists/games/domains")),
    ("http://games.example/", "kid7", "10.20.5.9", datetime.datetime(2026, 9, 1, 8, 59, tzinfo=MDT),
     (Action.BLOCK, "category", "block", "lists/games/domains")),
    # a locked block stands, whoever approved an override
    ("http://evil.example/", "kid7", "10.20.5.9", LESSON,
     (Action.BLOCK, "category", "locked_block", "lists/malware/domains")),
    # a block override for a school's network blocks what the profile allows
    ("http://ok.example/", "", "10.20.5.9", LESSON,
     (Action.BLOCK, "override", "block", "override:ov-school-block")),
    ("http://ok.example/", "", "10.99.0.1", LESSON, (Action.ALLOW, "default", "default", "")),
    # a URL prefix override under a host a locked rule does not hold
    ("http://docs.example/private/lesson/1", "", "10.20.1.9", LESSON,
     (Action.BLOCK, "deny_list", "locked_block", "policy:elementary/deny")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "user", "ip", "when", "want"), TABLE)
def test_overrides_in_decisions(
    engine: Engine, url: str, user: str, ip: str, when: datetime.datetime, want: tuple[str, ...]
) -> None:
    d = ask(engine, url, user=user, ip=ip, when=when)
    assert (d.action, d.reason, d.rule, d.list_name) == want


def test_an_override_decision_says_why(engine: Engine) -> None:
    d = ask(engine, "http://games.example/x", user="kid7", ip="10.20.5.9")
    assert d.key == "games.example"
    assert d.clause == "Teacher-approved lesson"
    assert d.category == "games"
    assert d.profile == "high"


def test_the_helper_answers_with_overrides(snap: Path, tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "log")
    holder = SnapshotHolder(snap, log=log)
    helper = Helper(AclProtocol(), holder)
    lines = [b"10.20.5.9 kid7 http://games.example/ -", b"10.20.5.9 kid8 http://games.example/ -"]
    lines.append(b"10.20.5.9 - http://social.example/ -")
    # now is outside every override's window: both are blocked, though the host is named
    assert helper.answer_batch(lines) == (
        b"ERR message=category:games log=high/block\n" * 2 + b"OK log=high/default\n"
    )
    assert not helper._hosts["high"]["social.example"][0].overridden
    # the host's verdict is kept, marked: such a line always takes the careful path
    assert helper._hosts["high"]["games.example"][0].overridden
    holder.close()


def test_the_template_policy_still_has_no_overrides() -> None:
    from openaup.engine.policy import DEFAULT_POLICY

    assert load_policy(POLICY).overrides == ()
    assert parse_policy(DEFAULT_POLICY).overrides == ()


def test_an_override_naming_a_profile_covers_its_per_school_variants() -> None:
    policy = parse_policy(POLICY.read_text() + OVERRIDES, origin="policy.toml")
    page = next(ov for ov in policy.overrides if ov.id == "ov-page")
    assert page.applies_to("", "", "elementary", LESSON)
    assert page.applies_to("", "", "elementary@lincoln", LESSON)
    assert not page.applies_to("", "", "middle@lincoln", LESSON)
    assert not page.applies_to("", "", "elementaryx", LESSON)
