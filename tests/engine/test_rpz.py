"""The Response Policy Zone of a profile: what it answers for each name, what it leaves out
and says so, and that it agrees with the engine's own decisions."""

from __future__ import annotations

import datetime
import random
import re
from pathlib import Path

import pytest

from openaup.engine import cli
from openaup.engine.compiler import compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.decision import Action, FilterRequest
from openaup.engine.lists import discover, read_domains
from openaup.engine.policy import Policy, parse_policy
from openaup.engine.rpz import (
    GOOGLE_NAMES,
    RpzError,
    RpzReport,
    build_rpz,
    write_rpz,
)
from openaup.engine.snapshot import Snapshot

from .conftest import UT1, needs_ut1

LONG_LABEL = "a" * 64
LISTS = {
    "adult/domains": (
        f"bad.example\n1.2.3.4\n2001:db8::1\n{LONG_LABEL}.example\nunder_score.example\n"
    ),
    "adult/urls": "good.example/private\nplainhost.example\n",
    "adult/expressions": "casino[0-9]+\n",
    "games/domains": (
        "arcade.example\nteacher.arcade.example\nlevel.arcade.example\nx.free.example\n"
    ),
    "child/domains": "kids.arcade.example\nkids.bad.example\n",
    "child/usage": "white\n",
    "free/domains": "free.example\n",
    "video/domains": "video.example\n",
    "tube/domains": "youtube.com\n",
}

POLICY = """
[filter]
default_profile = "middle"
timezone = "America/Denver"

[schedules.school]
days = ["mon", "tue", "wed", "thu", "fri"]
start = "08:00"
end = "15:00"

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
[[profiles.middle.rules]]
name = "teacher"
state = "allow"
categories = ["free"]
hosts = ["teacher.arcade.example"]
[[profiles.middle.rules]]
name = "streaming"
state = "block"
categories = ["video"]
during = "school"
[[profiles.middle.rules]]
name = "deny"
state = "locked_block"
hosts = ["denied.example"]
urls = ["docs.example/private"]

[profiles.high]
minor = true
safesearch = true
youtube = "moderate"
[[profiles.high.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]
[[profiles.high.rules]]
name = "district-allow"
state = "locked_allow"
hosts = ["arcade.example"]
[[profiles.high.rules]]
name = "students"
state = "block"
categories = ["games"]

[profiles.staff]
[[profiles.staff.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]

[profiles.garden]
minor = true
default = "block"
safesearch = true
[[profiles.garden.rules]]
name = "allowed"
state = "allow"
hosts = ["allowed.example", "www.google.com"]

[profiles.notube]
minor = true
youtube = "strict"
[[profiles.notube.rules]]
name = "no-youtube"
state = "block"
categories = ["tube"]

[[overrides]]
id = "ov-1"
state = "allow"
hosts = ["arcade.example"]
users = ["jdoe"]
"""

MONDAY_10 = datetime.datetime(
    2026, 11, 30, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=-7))
)
MONDAY_18 = MONDAY_10.replace(hour=18)
NX, PASS = ".", "rpz-passthru."
SAFE, STRICT_BING = "forcesafesearch.google.com.", "strict.bing.com."
YT_STRICT, YT_MODERATE = "restrict.youtube.com.", "restrictmoderate.youtube.com."


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rpz-lists")
    for rel, text in LISTS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="module")
def policy() -> Policy:
    return parse_policy(POLICY, origin="rpz-test.toml")


def parse_zone(text: str) -> dict[str, str]:
    """``{owner (relative): CNAME target}`` of the zone's policy records."""
    records: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line[0] in ";$@":
            continue
        owner, rtype, target = line.split()
        assert rtype == "CNAME", line
        assert owner not in records, f"two records for {owner}"
        records[owner] = target
    return records


def resolve(records: dict[str, str], name: str) -> str | None:
    """What a resolver takes from the zone for ``name``: the exact owner, else the longest
    wildcard above it, else ``*`` (the apex wildcard); ``None`` when nothing triggers."""
    if name in records:
        return records[name]
    labels = name.split(".")
    for i in range(1, len(labels)):
        hit = records.get("*." + ".".join(labels[i:]))
        if hit is not None:
            return hit
    return records.get("*")


def zone(
    lists: Path, policy: Policy, profile: str, at: datetime.datetime = MONDAY_10
) -> tuple[dict[str, str], RpzReport]:
    text, report = build_rpz([lists], policy, profile, at=at, serial=2026113001)
    return parse_zone(text), report


@pytest.mark.parametrize(
    ("profile", "name", "exact", "answer"),
    [
        # a blocked domain and its sub-domains: one name, one wildcard
        ("middle", "bad.example", NX, NX),
        ("middle", "www.bad.example", None, NX),
        ("middle", "under_score.example", NX, NX),  # a valid DNS name, kept
        # locked allow under locked block: the block stands, nothing written
        ("middle", "kids.bad.example", None, NX),
        # a URL-list line without a path is a domain
        ("middle", "plainhost.example", NX, NX),
        ("middle", "good.example", None, None),
        # locked allow under block: passthru, for its sub-domains too
        ("middle", "arcade.example", NX, NX),
        ("middle", "kids.arcade.example", PASS, PASS),
        ("middle", "play.kids.arcade.example", None, PASS),
        # allow under block: block beats allow, the parent's wildcard answers
        ("middle", "teacher.arcade.example", None, NX),
        ("middle", "level.arcade.example", None, NX),
        # block under allow: written, the allowed parent stays open
        ("middle", "x.free.example", NX, NX),
        ("middle", "free.example", None, None),
        # a rule during school hours, at 10:00 Monday in the district's time zone
        ("middle", "video.example", NX, NX),
        # the profile's own hosts; URL prefixes cannot be in DNS
        ("middle", "denied.example", NX, NX),
        ("middle", "docs.example", None, None),
        ("middle", "unlisted.example", None, None),
        # SafeSearch and YouTube
        ("middle", "www.google.com", SAFE, SAFE),
        ("middle", "google.com", SAFE, SAFE),
        ("middle", "www.google.de", SAFE, SAFE),
        ("middle", "www.google.co.uk", SAFE, SAFE),
        ("middle", "mail.google.com", None, None),
        ("middle", "www.bing.com", STRICT_BING, STRICT_BING),
        ("middle", "bing.com", STRICT_BING, STRICT_BING),
        ("middle", "www.youtube.com", YT_STRICT, YT_STRICT),
        ("middle", "m.youtube.com", YT_STRICT, YT_STRICT),
        ("middle", "youtubei.googleapis.com", YT_STRICT, YT_STRICT),
        ("middle", "youtube.googleapis.com", YT_STRICT, YT_STRICT),
        ("middle", "www.youtube-nocookie.com", YT_STRICT, YT_STRICT),
        ("high", "www.youtube.com", YT_MODERATE, YT_MODERATE),
        ("high", "www.google.com", SAFE, SAFE),
        # block under locked allow: allowed, nothing written
        ("high", "arcade.example", None, None),
        ("high", "level.arcade.example", None, None),
        ("high", "x.free.example", NX, NX),
        ("high", "bad.example", NX, NX),
        ("staff", "www.google.com", None, None),
        ("staff", "www.youtube.com", None, None),
        ("staff", "bad.example", NX, NX),
        ("staff", "arcade.example", None, None),
        # a walled garden: everything NXDOMAIN but what is allowed
        ("garden", "anything.example", None, NX),
        ("garden", "allowed.example", PASS, PASS),
        ("garden", "www.allowed.example", None, PASS),
        ("garden", "www.google.com", SAFE, SAFE),
        ("garden", "www.bing.com", None, NX),
        # YouTube blocked outright: the restriction does not reopen it
        ("notube", "youtube.com", NX, NX),
        ("notube", "www.youtube.com", None, NX),
        ("notube", "m.youtube.com", None, NX),
        ("notube", "youtubei.googleapis.com", YT_STRICT, YT_STRICT),
        ("notube", "www.google.com", None, None),
    ],
)
def test_zone_answers(
    lists: Path, policy: Policy, profile: str, name: str, exact: str | None, answer: str | None
) -> None:
    records, _ = zone(lists, policy, profile)
    assert records.get(name) == exact
    assert resolve(records, name) == answer


def test_schedules_are_taken_at_one_instant(lists: Path, policy: Policy) -> None:
    records, report = zone(lists, policy, "middle", MONDAY_10)
    assert report.inactive_rules == []
    assert records["video.example"] == NX
    records, report = zone(lists, policy, "middle", MONDAY_18)
    assert "video.example" not in records
    assert report.inactive_rules == ["streaming (during school)"]
    assert any("not active at 2026-11-30T18:00" in note for note in report.notes())


def test_what_dns_cannot_carry_is_counted(lists: Path, policy: Policy) -> None:
    records, report = zone(lists, policy, "middle")
    assert "1.2.3.4" not in records
    assert f"{LONG_LABEL}.example" not in records
    assert report.ip_literals == 2
    assert report.invalid_names == 1
    assert report.url_rules == 2  # good.example/private and the rule's docs.example/private
    assert report.expressions == 1
    assert report.overrides == 1
    notes = "\n".join(report.notes())
    assert "2 URL-prefix rule(s)" in notes
    assert "1 regular expression(s)" in notes
    assert "2 IP literal(s)" in notes
    assert "1 name(s) that are not valid DNS names" in notes
    assert "1 timed override(s)" in notes
    _, garden = zone(lists, policy, "garden")
    assert garden.walled_garden
    assert garden.safesearch_blocked == len(GOOGLE_NAMES) - 1 + 2  # all but www.google.com; Bing
    _, notube = zone(lists, policy, "notube")
    assert notube.safesearch_blocked == 2  # www. and m.youtube.com


def test_counts_and_header(lists: Path, policy: Policy) -> None:
    text, report = build_rpz([lists], policy, "middle", at=MONDAY_10, serial=2026113001)
    records = parse_zone(text)
    assert report.blocked == sum(1 for k, v in records.items() if v == NX and k[0] != "*")
    assert report.passthru == 1
    assert report.safesearch == len(GOOGLE_NAMES) + 2 + 5
    header = [line for line in text.splitlines() if line.startswith(("$", "@"))]
    assert header == [
        "$ORIGIN rpz.openaup.",
        "$TTL 300",
        "@ IN SOA localhost. hostmaster.localhost. 2026113001 3600 600 604800 300",
        "@ IN NS localhost.",
    ]
    owners = [line.split()[0] for line in text.splitlines() if line and line[0] not in ";$@"]
    assert owners == sorted(owners, key=lambda o: (o.removeprefix("*."), o.startswith("*.")))


def test_serial_is_the_build_time(lists: Path, policy: Policy) -> None:
    before = int(datetime.datetime.now(datetime.UTC).timestamp())
    _, report = build_rpz([lists], policy, "staff")
    assert before <= report.serial <= before + 5


def test_origin(lists: Path, policy: Policy) -> None:
    text, report = build_rpz([lists], policy, "staff", origin="High.RPZ.district.org")
    assert report.origin == "high.rpz.district.org."
    assert "$ORIGIN high.rpz.district.org." in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"profile": "nope"}, "no profile 'nope' (profiles: middle, high, staff, garden, notube)"),
        ({"origin": "bad origin"}, "origin 'bad origin.' is not a DNS name"),
        ({"origin": "."}, "is not a DNS name"),
        ({"sources": ["/nonexistent/lists"]}, "list folder /nonexistent/lists does not exist"),
    ],
)
def test_refused(lists: Path, policy: Policy, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"sources": [lists], "profile": "middle", "origin": "rpz.openaup."}
    args.update(kwargs)
    with pytest.raises(RpzError, match=re.escape(message)):
        build_rpz(args["sources"], policy, str(args["profile"]), origin=str(args["origin"]))  # type: ignore[arg-type]


def test_write_is_atomic_and_deterministic(lists: Path, policy: Policy, tmp_path: Path) -> None:
    out = tmp_path / "zones" / "middle.rpz"
    first = write_rpz([lists], policy, "middle", out, at=MONDAY_10, serial=7)
    data = out.read_bytes()
    assert first.path == out
    assert first.size == len(data)
    out.write_text("old zone\n")
    inode = out.stat().st_ino
    write_rpz([lists], policy, "middle", out, at=MONDAY_10, serial=7)
    assert out.read_bytes() == data  # same input, same bytes
    assert out.stat().st_ino != inode  # renamed over, never rewritten in place
    assert sorted(p.name for p in out.parent.iterdir()) == ["middle.rpz"]
    assert oct(out.stat().st_mode & 0o777) == "0o644"


def test_unwritable_target(lists: Path, policy: Policy, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(RpzError, match="cannot write"):
        write_rpz([lists], policy, "middle", tmp_path / "file" / "zone.rpz")


def _engine_blocks(engine: Engine, profile: str, host: str, when: datetime.datetime) -> bool:
    d = engine.decide(FilterRequest(url=f"http://{host}/", time=when), profile=profile)
    return d.action is Action.BLOCK


@pytest.mark.parametrize("profile", ["middle", "high", "staff", "garden", "notube"])
def test_zone_agrees_with_the_engine(
    lists: Path, policy: Policy, tmp_path: Path, profile: str
) -> None:
    snap_path = tmp_path / "filter.snap"
    compile_snapshot([lists], policy, snap_path)
    records, _ = zone(lists, policy, profile)
    hosts = {line for t in LISTS.values() for line in t.split() if "/" not in line}
    hosts -= {"1.2.3.4", "2001:db8::1", f"{LONG_LABEL}.example", "white", "casino[0-9]+"}
    hosts |= {f"www.{h}" for h in hosts} | {"denied.example", "unlisted.example"}
    with Snapshot.open(snap_path) as snap:
        engine = Engine(snap)
        for host in sorted(hosts):
            blocked = resolve(records, host) == NX
            assert blocked == _engine_blocks(engine, profile, host, MONDAY_10), host


UT1_POLICY = """
[filter]
default_profile = "middle"
[profiles.middle]
minor = true
safesearch = true
youtube = "strict"
[[profiles.middle.rules]]
name = "cipa"
state = "locked_block"
categories = ["agressif", "dangerous_material", "doh", "gambling", "dating", "drogue"]
[[profiles.middle.rules]]
name = "white"
state = "locked_allow"
categories = ["child", "liste_blanche", "liste_bu"]
[[profiles.middle.rules]]
name = "students"
state = "block"
categories = ["games", "social_networks", "chat", "forums", "celebrity", "audio-video"]
[[profiles.middle.rules]]
name = "teachers"
state = "allow"
categories = ["educational_games", "press", "bank"]
"""


@needs_ut1()
def test_ut1_zone_agrees_with_the_engine(tmp_path: Path) -> None:
    """Every state over the real UT1 lists (the categories where allow and block lists
    overlap): a sample of listed names and their sub-domains answer in the zone as the
    engine decides them."""
    policy = parse_policy(UT1_POLICY)
    wanted = {c for rule in policy.profiles["middle"].rules for c in rule.categories}
    ut1 = tmp_path / "ut1"  # the categories the policy names, linked: a faster compile
    ut1.mkdir()
    for category in wanted:
        (ut1 / category).symlink_to(UT1 / "blacklists" / category)
    snap_path = tmp_path / "filter.snap"
    compile_snapshot([ut1], policy, snap_path)
    text, report = build_rpz([ut1], policy, "middle")
    records = parse_zone(text)
    assert report.blocked > 10_000
    assert report.passthru > 0
    rng = random.Random(6)
    names: list[str] = []
    for source in discover(ut1):
        if source.kind == "domains" and source.category in wanted:
            raw, _ = read_domains(source.path)
            names += rng.sample([r.decode() for r in raw], min(200, len(raw)))
    names = [n for n in names if not n[-1].isdigit() and len(n) < 200]
    now = datetime.datetime.now(datetime.UTC)
    with Snapshot.open(snap_path) as snap:
        engine = Engine(snap)
        for host in names + [f"www.{n}" for n in names]:
            blocked = resolve(records, host) == NX
            assert blocked == _engine_blocks(engine, "middle", host, now), host


def test_cli_stdout_and_out(
    lists: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(POLICY)
    base = ["rpz", "--lists", str(lists), "--policy", str(policy_file), "--profile", "middle",
            "--at", "2026-11-30T18:00-07:00"]  # fmt: skip
    assert cli.main(base) == 0
    out, err = capsys.readouterr()
    records = parse_zone(out)
    assert records["bad.example"] == NX
    assert "video.example" not in records  # 18:00: outside school hours
    assert "warning: not in the zone: 2 URL-prefix rule(s)" in err
    assert "profile middle, origin rpz.openaup." in err
    zone_file = tmp_path / "middle.rpz"
    assert cli.main([*base, "--out", str(zone_file), "--origin", "middle.rpz.district"]) == 0
    out, err = capsys.readouterr()
    assert f"{zone_file}: profile middle, origin middle.rpz.district." in out
    assert "$ORIGIN middle.rpz.district." in zone_file.read_text()
    # an --at without an offset is the policy's time zone (America/Denver): 10:00 there
    assert cli.main([*base[:-2], "--at", "2026-11-30T10:00"]) == 0
    assert parse_zone(capsys.readouterr().out)["video.example"] == NX
    assert cli.main([*base[:-2], "--at", "soon"]) == 2
    assert "--at 'soon' is not a date and time" in capsys.readouterr().err
    assert cli.main([*base[:-4], "--profile", "nope"]) == 2
    assert "aup filter rpz: no profile 'nope'" in capsys.readouterr().err
