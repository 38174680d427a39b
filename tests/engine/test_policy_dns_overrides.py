"""The policy's SafeSearch/YouTube settings and its timed overrides: parsing, defaults, the
errors that name what and where, and who an override applies to when."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest

from openaup.engine.compiler import compile_snapshot
from openaup.engine.decision import RuleState
from openaup.engine.policy import PolicyError, load_policy, parse_policy
from openaup.engine.snapshot import Snapshot

from .conftest import LISTS

BASE = '[filter]\ndefault_profile = "p"\n[profiles.p]\n[profiles.q]\n'
UTC = datetime.UTC
MDT = datetime.timezone(datetime.timedelta(hours=-6))

OVERRIDE = """
[[overrides]]
id = "ov-1"
state = "allow"
hosts = ["*.Example.ORG", "video.example.net."]
urls = ["docs.example.com/lesson/"]
users = ["JDoe", "asmith"]
networks = ["10.20.1.0/24", "2001:db8::/32"]
profiles = ["q"]
starts = 2026-09-01T09:00:00-06:00
ends = 2026-09-01T10:00:00-06:00
clause = "Network Usage, Filtering & Monitoring"
"""


def test_old_policy_gets_the_defaults() -> None:
    policy = parse_policy(BASE)
    assert policy.profiles["p"].safesearch is False
    assert policy.profiles["p"].youtube == "off"
    assert policy.overrides == ()


@pytest.mark.parametrize(
    ("profile", "safesearch", "youtube"),
    [
        ("elementary", True, "strict"),
        ("middle", True, "strict"),
        ("high", True, "moderate"),
        ("guest", True, "moderate"),
        ("staff", False, "off"),
    ],
)
def test_default_template_sets_safesearch_and_youtube(
    profile: str, safesearch: bool, youtube: str
) -> None:
    p = load_policy(None).profiles[profile]
    assert (p.safesearch, p.youtube) == (safesearch, youtube)


@pytest.mark.parametrize("mode", ["strict", "moderate", "off"])
def test_youtube_modes_parse(mode: str) -> None:
    policy = parse_policy(
        BASE.replace("[profiles.q]", f'safesearch = true\nyoutube = "{mode}"\n[profiles.q]')
    )
    assert policy.profiles["p"].youtube == mode
    assert policy.profiles["p"].safesearch is True
    assert policy.profiles["q"].youtube == "off"


def test_override_parsed_and_normalized() -> None:
    (ov,) = parse_policy(BASE + OVERRIDE).overrides
    assert ov.id == "ov-1"
    assert ov.state is RuleState.ALLOW
    assert ov.hosts == ("example.org", "video.example.net")
    assert ov.urls == ("docs.example.com/lesson/",)
    assert ov.users == frozenset({"jdoe", "asmith"})
    assert ov.networks == (
        ipaddress.ip_network("10.20.1.0/24"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert ov.profiles == frozenset({"q"})
    assert ov.starts == datetime.datetime(2026, 9, 1, 9, tzinfo=MDT)
    assert ov.ends == datetime.datetime(2026, 9, 1, 16, tzinfo=UTC)
    assert ov.clause == "Network Usage, Filtering & Monitoring"


def _ov(**lines: str) -> str:
    spec = {"id": '"x"', "state": '"block"', "hosts": '["example.org"]', "users": '["a"]'}
    spec.update(lines)
    return BASE + "[[overrides]]\n" + "".join(f"{k} = {v}\n" for k, v in spec.items() if v)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE.replace("[profiles.q]", "safesearch = 1\n[profiles.q]"),
         "[profiles.p] safesearch: must be true or false, not 1"),
        (BASE.replace("[profiles.q]", 'youtube = "loose"\n[profiles.q]'),
         "[profiles.p] youtube: must be one of strict, moderate, off, not 'loose'"),
        (BASE + "[overrides]\nid = 'x'\n", "[overrides]: must be an array of tables"),
        (_ov(id=""), "[[overrides]][0] id: is needed"),
        (_ov(id='" "'), "[[overrides]][0] id: is needed"),
        (_ov() + '[[overrides]]\nid = "x"\nstate = "allow"\nhosts = ["a.org"]\nusers = ["b"]\n',
         "[[overrides]] 'x' id: is used by another override"),
        (_ov(state='"locked_allow"'), "[[overrides]] 'x' state: must be \"allow\" or \"block\""),
        (_ov(state=""), "[[overrides]] 'x' state: must be \"allow\" or \"block\", not None"),
        (_ov(hosts='["bad host"]'), "[[overrides]] 'x' hosts: 'bad host' is not a host name"),
        (_ov(hosts='"example.org"'), "[[overrides]] 'x' hosts: must be a list of strings"),
        (_ov(hosts=""), "[[overrides]] 'x': names no hosts and no urls"),
        (_ov(users=""), "[[overrides]] 'x': applies to nobody"),
        (_ov(networks='["10.0.0.0/33"]'),
         "[[overrides]] 'x' networks: '10.0.0.0/33' is not a network (CIDR)"),
        (_ov(profiles='["nope"]'), "[[overrides]] 'x' profiles: no profile named 'nope'"),
        (_ov(starts='"tomorrow"'), "[[overrides]] 'x' starts: must be a TOML date and time"),
        (_ov(ends="2026-09-01T10:00:00"),
         "[[overrides]] 'x' ends: must be a TOML date and time with an offset"),
        (_ov(starts="2026-09-01T10:00:00Z", ends="2026-09-01T10:00:00Z"),
         "[[overrides]] 'x' ends: ends must be after starts"),
        (_ov(starts="2026-09-01T10:00:00Z", ends="2026-09-01T11:00:00+02:00"),
         "[[overrides]] 'x' ends: ends must be after starts"),
        (_ov(until="2026-09-01T10:00:00Z"), "[[overrides]] 'x' until: unknown key"),
    ],
)  # fmt: skip
def test_errors_name_what_and_where(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, origin="district.toml")
    assert str(exc.value).startswith("district.toml ")
    assert message in str(exc.value)


NINE = datetime.datetime(2026, 9, 1, 15, tzinfo=UTC)  # 09:00-06:00


@pytest.mark.parametrize(
    ("user", "ip", "profile", "when", "applies"),
    [
        ("jdoe", "", "p", NINE, True),  # user, at the start (inclusive)
        ("JDOE", "", "p", NINE, True),  # user names compare case-insensitively
        ("jdoe", "", "p", NINE - datetime.timedelta(seconds=1), False),  # before the start
        ("jdoe", "", "p", NINE + datetime.timedelta(minutes=59), True),
        ("jdoe", "", "p", NINE + datetime.timedelta(hours=1), False),  # the end is exclusive
        ("other", "", "p", NINE, False),
        ("-", "", "p", NINE, False),
        ("", "10.20.1.7", "p", NINE, True),  # network
        ("", "10.20.2.7", "p", NINE, False),
        ("", "2001:db8::5", "p", NINE, True),
        ("", "fe80::1%eth0", "p", NINE, False),
        ("", "not-an-ip", "p", NINE, False),
        ("", "", "q", NINE, True),  # profile
        ("", "", "q", NINE + datetime.timedelta(hours=2), False),
    ],
)
def test_applies_to(
    user: str, ip: str, profile: str, when: datetime.datetime, applies: bool
) -> None:
    (ov,) = parse_policy(BASE + OVERRIDE).overrides
    assert ov.applies_to(user, ip, profile, when) is applies


def test_every_profile_and_open_windows() -> None:
    (ov,) = parse_policy(_ov(users="", profiles='["*"]')).overrides
    assert ov.starts is None
    assert ov.ends is None
    assert ov.applies_to("", "", "p", NINE)
    assert ov.applies_to("", "", "q", datetime.datetime(2030, 1, 1, tzinfo=UTC))
    (ov,) = parse_policy(_ov(ends="2026-09-01T10:00:00Z")).overrides
    assert ov.applies_to("a", "", "p", datetime.datetime(2000, 1, 1, tzinfo=UTC))
    assert not ov.applies_to("a", "", "p", datetime.datetime(2026, 9, 1, 10, tzinfo=UTC))
    # a naive time is the machine's local time, never a TypeError
    assert ov.applies_to("a", "", "p", datetime.datetime(2000, 1, 1))


def test_snapshot_round_trips_the_new_fields(tmp_path: Path) -> None:
    text = BASE.replace("[profiles.q]", 'safesearch = true\nyoutube = "strict"\n[profiles.q]')
    policy = parse_policy(text + OVERRIDE)
    out = tmp_path / "filter.snap"
    compile_snapshot([LISTS], policy, out)
    snap = Snapshot.open(out)
    try:
        assert snap.policy.profiles["p"].safesearch is True
        assert snap.policy.profiles["p"].youtube == "strict"
        assert snap.policy.overrides == policy.overrides
    finally:
        snap.close()
