"""The TOML policy: the default policy as the district asked for it, and clear errors."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest

from openaup.engine.decision import RuleState
from openaup.engine.policy import DEFAULT_POLICY, PolicyError, load_policy, parse_policy

EVERY = {
    "adult", "malware", "phishing", "cryptojacking", "ddos", "stalkerware", "warez", "gambling",
    "arjel", "agressif", "dangerous_material", "redirector", "strict_redirector",
    "strong_redirector", "vpn", "residential-proxies", "doh",
}  # fmt: skip
STUDENTS = {
    "mixed_adult", "lingerie", "dating", "drogue", "sect", "hacking", "remote-control",
    "tricheur", "tricheur_pix", "examen_pix", "dynamic-dns", "bitcoin",
}  # fmt: skip
YOUNGER = {"social_networks", "chat", "games", "forums", "celebrity"}


def _blocked(profile: str) -> set[str]:
    policy = load_policy(None)
    return {
        c
        for rule in policy.profiles[profile].rules
        if rule.state in (RuleState.BLOCK, RuleState.LOCKED_BLOCK)
        for c in rule.categories
    }


def test_default_policy_profiles_and_categories() -> None:
    policy = load_policy(None)
    assert list(policy.profiles) == ["elementary", "middle", "high", "guest", "staff"]
    assert _blocked("elementary") == EVERY | STUDENTS | YOUNGER
    assert _blocked("middle") == EVERY | STUDENTS | YOUNGER
    assert _blocked("high") == EVERY | STUDENTS
    assert _blocked("guest") == EVERY | STUDENTS
    assert _blocked("staff") == EVERY
    assert policy.category_tags == {"audio-video": "streaming", "download": "streaming"}
    assert policy.default_profile == "guest"
    for name in ("elementary", "middle", "high", "guest"):
        assert policy.profiles[name].minor
        assert not policy.fails_open(name)
    # the template is valid TOML on its own and is the default policy
    assert tomllib.loads(DEFAULT_POLICY)["filter"]["default_profile"] == "guest"


def test_locked_block_rules_cover_every_profile_set() -> None:
    policy = load_policy(None)
    for profile in policy.profiles.values():
        cipa = profile.rules[0]
        assert cipa.state is RuleState.LOCKED_BLOCK
        assert set(cipa.categories) == EVERY


BASE = '[filter]\ndefault_profile = "p"\n[profiles.p]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [toml", "not valid TOML"),
        ('[filter]\ndefault_profile = "x"\n[profiles.p]\n', "default_profile: 'x' is not one"),
        ("[filter]\n", "at least one profile"),
        ("[oops]\n" + BASE, "[oops]: unknown table"),
        (BASE + '[[profiles.p.rules]]\nstate = "maybe"\n', "rules[0] state: must be one of"),
        (BASE + '[[profiles.p.rules]]\nstate = "block"\nhosts = ["bad host"]\n',
         "rules[0] hosts: 'bad host' is not a host name"),
        (BASE + '[[profiles.p.rules]]\nstate = "block"\ncategories = "games"\n',
         "categories: must be a list of strings"),
        (BASE + '[[profiles.p.rules]]\nstate = "block"\nduring = "lunch"\n',
         "during: no schedule named 'lunch'"),
        (BASE + "minor = true\nfail_open = true\n", "a minor's profile cannot fail open"),
        (BASE + 'default = "maybe"\n', 'default: must be "allow" or "block"'),
        (BASE + '[users]\n"a" = "q"\n', "[users] 'a': no profile named 'q'"),
        (BASE + '[networks]\n"10.0.0.0/33" = "p"\n', "'10.0.0.0/33' is not a network"),
        (BASE + '[schedules.s]\ndays = ["funday"]\n', "unknown weekday 'funday'"),
        (BASE + '[schedules.s]\nstart = "25:00"\n', 'start: must be a time "HH:MM"'),
        ('[filter]\ndefault_profile = "p"\ntimezone = "Mars/Base"\n[profiles.p]\n',
         "unknown time zone"),
    ],
)  # fmt: skip
def test_policy_errors_name_what_and_where(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, origin="district.toml")
    assert str(exc.value).startswith("district.toml")
    assert message in str(exc.value)


def test_load_policy_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy"):
        load_policy(tmp_path / "none.toml")


def test_schedule_windows() -> None:
    policy = parse_policy(
        BASE + '[schedules.day]\ndays = ["mon"]\nstart = "08:00"\nend = "15:00"\n'
        '[schedules.night]\ndays = ["fri"]\nstart = "22:00"\nend = "06:00"\n'
    )
    day, night = policy.schedules["day"], policy.schedules["night"]
    monday = datetime.datetime(2026, 11, 30)
    assert day.active(monday.replace(hour=8))
    assert not day.active(monday.replace(hour=15))
    assert not day.active(monday.replace(hour=7, minute=59))
    assert not day.active((monday + datetime.timedelta(days=1)).replace(hour=9))
    friday = datetime.datetime(2026, 11, 27)
    assert night.active(friday.replace(hour=23))
    assert night.active((friday + datetime.timedelta(days=1)).replace(hour=5))  # Saturday 5:00
    assert not night.active((friday + datetime.timedelta(days=1)).replace(hour=7))
    assert not night.active(friday.replace(hour=5))  # Friday 5:00 belongs to Thursday night
