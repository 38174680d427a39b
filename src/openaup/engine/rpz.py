"""One profile of the filter as a DNS Response Policy Zone (``aup filter rpz``).

A Response Policy Zone (the "DNS Response Policy Zones" draft, as BIND, Unbound and
PowerDNS Recursor read it) is an ordinary zone file whose owner names are the names to
rewrite, relative to the zone's origin: ``bad.example CNAME .`` answers NXDOMAIN,
``ok.example CNAME rpz-passthru.`` answers the truth, ``www.google.com CNAME
forcesafesearch.google.com.`` answers with that name's addresses. A ``*.name`` owner covers
the sub-domains; a resolver takes the most specific trigger (an exact name before a
wildcard, a longer wildcard before a shorter one).

The zone says what the engine would decide for a host alone, for one profile:

- each listed name takes the strongest state of the active rules that cover it or one of its
  parent domains (the engine's precedence: locked block, locked allow, block, allow; the
  profile's ``default`` where none does);
- a name is written only where its answer differs from the one its nearest listed parent
  gives, so ``kids.a.com`` gets ``rpz-passthru.`` under a blocked ``a.com`` only when its own
  state beats the block, and the sub-domains of a blocked domain take no room;
- a profile whose ``default`` is ``block`` (a walled garden) starts with ``*`` (every name)
  ``CNAME .``;
- SafeSearch and YouTube names are rewritten to the services' restricted addresses unless
  the name is blocked.

What DNS cannot carry is counted and reported, never dropped silently: URL-prefix rules and
list entries (a resolver sees no path), regular expressions, IP literals (a client that
connects to an address asks no resolver), names that are not valid DNS names (a label over
63 characters, a name over 255 octets with the origin), and the per-user, per-network
``[[overrides]]`` of the policy (a resolver sees no user; the zone is for a profile).
Scheduled rules are taken as they stand at one instant (``at``, by default the time the zone
is written): write the zone again when a schedule starts or ends (``docs/dns.md``).
"""

from __future__ import annotations

import datetime
import re
import time
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openaup.engine.decision import RuleState
from openaup.engine.files import write_atomically
from openaup.engine.lists import ListError, discover, read_domains, read_list, url_line
from openaup.engine.policy import STATE_RANK, Policy, Profile, Rule
from openaup.engine.urls import ip_literal

__all__ = [
    "BING_NAMES",
    "DEFAULT_ORIGIN",
    "GOOGLE_NAMES",
    "YOUTUBE_NAMES",
    "RpzError",
    "RpzReport",
    "build_rpz",
    "write_rpz",
]

DEFAULT_ORIGIN = "rpz.openaup."
TTL = 300
NXDOMAIN = "."
PASSTHRU = "rpz-passthru."
GOOGLE_SAFE = "forcesafesearch.google.com."
BING_STRICT = "strict.bing.com."
YOUTUBE_TARGETS = {"strict": "restrict.youtube.com.", "moderate": "restrictmoderate.youtube.com."}

# Google's search domains. Google documents forcing SafeSearch on a network by answering
# www.google.com (and the country domains its users reach) with forcesafesearch.google.com
# (Google Search Help, "Lock SafeSearch for devices & networks you manage", answer 186669);
# the country domains are the ones Google publishes at google.com/supported_domains.
# Each suffix gives google.<suffix> and www.google.<suffix>.
_GOOGLE_SUFFIXES = [
    "com", "ad", "ae", "com.af", "com.ag", "al", "am", "co.ao", "com.ar", "as", "at", "com.au",
    "az", "ba", "com.bd", "be", "bf", "bg", "com.bh", "bi", "bj", "com.bn", "com.bo", "com.br",
    "bs", "bt", "co.bw", "by", "com.bz", "ca", "cat", "cd", "cf", "cg", "ch", "ci", "co.ck",
    "cl", "cm", "cn", "com.co", "co.cr", "com.cu", "cv", "com.cy", "cz", "de", "dj", "dk",
    "dm", "com.do", "dz", "com.ec", "ee", "com.eg", "es", "com.et", "fi", "com.fj", "fm", "fr",
    "ga", "ge", "gg", "com.gh", "com.gi", "gl", "gm", "gr", "com.gt", "gy", "com.hk", "hn",
    "hr", "ht", "hu", "co.id", "ie", "co.il", "im", "co.in", "iq", "is", "it", "je", "com.jm",
    "jo", "co.jp", "co.ke", "com.kh", "ki", "kg", "co.kr", "com.kw", "kz", "la", "com.lb",
    "li", "lk", "co.ls", "lt", "lu", "lv", "com.ly", "co.ma", "md", "me", "mg", "mk", "ml",
    "com.mm", "mn", "com.mt", "mu", "mv", "mw", "com.mx", "com.my", "co.mz", "com.na",
    "com.ng", "com.ni", "ne", "nl", "no", "com.np", "nr", "nu", "co.nz", "com.om", "com.pa",
    "com.pe", "com.pg", "com.ph", "com.pk", "pl", "pn", "com.pr", "ps", "pt", "com.py",
    "com.qa", "ro", "rs", "ru", "rw", "com.sa", "com.sb", "sc", "se", "com.sg", "sh", "si",
    "sk", "com.sl", "sn", "so", "sm", "sr", "st", "com.sv", "td", "tg", "co.th", "com.tj",
    "tl", "tm", "tn", "to", "com.tr", "tt", "com.tw", "co.tz", "com.ua", "co.ug", "co.uk",
    "com.uy", "co.uz", "com.vc", "co.ve", "co.vi", "com.vn", "vu", "ws", "co.za", "co.zm",
    "co.zw",
]  # fmt: skip
GOOGLE_NAMES: tuple[str, ...] = tuple(
    name for suffix in _GOOGLE_SUFFIXES for name in (f"google.{suffix}", f"www.google.{suffix}")
)
# Bing: "Block adult content with SafeSearch or Family Safety" (Microsoft Support).
BING_NAMES: tuple[str, ...] = ("bing.com", "www.bing.com")
# YouTube: "Manage YouTube settings for your organization" (Google Workspace Admin Help).
YOUTUBE_NAMES: tuple[str, ...] = (
    "www.youtube.com",
    "m.youtube.com",
    "youtubei.googleapis.com",
    "youtube.googleapis.com",
    "www.youtube-nocookie.com",
)

_BLOCKING = frozenset({STATE_RANK[RuleState.LOCKED_BLOCK], STATE_RANK[RuleState.BLOCK]})
_LABEL = re.compile(r"[a-z0-9_-]{1,63}")
_NAME = re.compile(r"(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}").fullmatch
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+").fullmatch
_MAX_WIRE = 255


class RpzError(ValueError):
    """A zone that cannot be written (unknown profile, bad origin, unreadable lists)."""


@dataclass(slots=True)
class RpzReport:
    """What :func:`write_rpz` wrote and what it could not express in DNS."""

    path: Path | None
    profile: str
    origin: str
    serial: int
    at: datetime.datetime
    lists: int = 0
    entries: int = 0
    names: int = 0
    blocked: int = 0
    passthru: int = 0
    covered: int = 0
    safesearch: int = 0
    safesearch_blocked: int = 0
    walled_garden: bool = False
    url_rules: int = 0
    expressions: int = 0
    ip_literals: int = 0
    invalid_names: int = 0
    overrides: int = 0
    inactive_rules: list[str] = field(default_factory=list)
    unknown_categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        where = self.path or "stdout"
        return (
            f"{where}: profile {self.profile}, origin {self.origin}, serial {self.serial}: "
            f"{self.blocked} blocked, {self.passthru} passthru, {self.safesearch} SafeSearch/"
            f"YouTube names ({self.lists} lists, {self.entries} entries, {self.covered} covered "
            f"by a parent domain), {self.size} bytes, {self.seconds:.2f} s"
        )

    def notes(self) -> list[str]:
        """One line per thing the zone does not carry (for stderr)."""
        out = list(self.problems)
        counted = [
            (self.url_rules, "URL-prefix rule(s) and list entries", "a resolver sees no path"),
            (self.expressions, "regular expression(s)", "a resolver sees no URL"),
            (self.ip_literals, "IP literal(s)",
             "a client connecting to an address asks no resolver"),
            (self.invalid_names, "name(s) that are not valid DNS names",
             "a label over 63 characters, a name over 255 octets with the origin"),
            (self.overrides, "timed override(s)", "a resolver sees no user"),
            (self.safesearch_blocked, "SafeSearch/YouTube name(s) left blocked",
             "the profile blocks them"),
        ]  # fmt: skip
        for count, what, why in counted:
            if count:
                out.append(f"not in the zone: {count} {what} ({why})")
        if self.inactive_rules:
            out.append(
                f"scheduled rule(s) not active at {self.at.isoformat(timespec='minutes')} "
                f"left out: {', '.join(self.inactive_rules)} (write the zone again when the "
                "schedule changes)"
            )
        if self.unknown_categories:
            out.append(
                "the policy names categories no list provides (nothing matches them): "
                + ", ".join(self.unknown_categories)
            )
        if self.walled_garden:
            out.append("the profile's default is block: the zone answers NXDOMAIN for every name")
        return out


def _origin(origin: str) -> str:
    origin = origin.strip().lower()
    if not origin.endswith("."):
        origin += "."
    labels = origin[:-1].split(".")
    if not origin[:-1] or not all(_LABEL.fullmatch(label) for label in labels):
        raise RpzError(f"origin {origin!r} is not a DNS name (e.g. {DEFAULT_ORIGIN})")
    return origin


def _rule_active(rule: Rule, policy: Policy, now: datetime.datetime) -> bool:
    if rule.during:
        return policy.schedules[rule.during].active(now)
    if rule.outside:
        return not policy.schedules[rule.outside].active(now)
    return True


def _local(policy: Policy, at: datetime.datetime) -> datetime.datetime:
    if policy.timezone:
        return at.astimezone(zoneinfo.ZoneInfo(policy.timezone))
    return at.astimezone()


@dataclass(slots=True)
class _Names:
    """Listed names and the strongest rank that covers each one directly."""

    ranks: dict[str, int] = field(default_factory=dict)
    by_rank: dict[int, list[Iterable[str]]] = field(default_factory=dict)

    def add(self, rank: int, names: Iterable[str]) -> None:
        self.by_rank.setdefault(rank, []).append(names)

    def merge(self) -> dict[str, int]:
        ranks = self.ranks
        for rank in sorted(self.by_rank, reverse=True):  # weakest first: stronger overwrite
            for names in self.by_rank[rank]:
                ranks.update(dict.fromkeys(names, rank))
        self.by_rank.clear()
        return ranks


def _collect(
    sources: Sequence[Path | str], policy: Policy, profile: Profile, now: datetime.datetime,
    report: RpzReport,
) -> _Names:  # fmt: skip
    names = _Names()
    by_category: dict[str, int] = {}
    for rule in profile.rules:
        if not _rule_active(rule, policy, now):
            when = f"during {rule.during}" if rule.during else f"outside {rule.outside}"
            report.inactive_rules.append(f"{rule.name} ({when})")
            continue
        for category in rule.categories:
            by_category[category] = min(rule.rank, by_category.get(category, rule.rank))
        hosts = list(rule.hosts)
        for url in rule.urls:
            key = url_line(url)
            if key and "/" not in key:
                hosts.append(key)
            else:
                report.url_rules += 1
        names.add(rule.rank, hosts)
        report.entries += len(hosts)
    found: set[str] = set()
    for root in sources:
        for source in discover(Path(root)):
            rank = by_category.get(source.category)
            if rank is None:
                continue
            found.add(source.category)
            report.lists += 1
            if source.kind == "domains":
                raw, content = read_domains(source.path)
                entries = b"\n".join(raw).decode().split("\n") if raw else []
            else:
                content = read_list(source)
                if source.kind == "expressions":
                    report.expressions += len(content.entries)
                    continue
                entries = [e for e in content.entries if "/" not in e]
                report.url_rules += len(content.entries) - len(entries)
            if content.bad:
                report.problems.append(
                    f"{source.path}: {content.bad} bad line(s) skipped, "
                    f"e.g. {content.bad_examples[0]}"
                )
            report.entries += len(entries)
            names.add(rank, entries)
    report.unknown_categories = sorted(set(by_category) - found)
    return names


def build_rpz(
    sources: Sequence[Path | str],
    policy: Policy,
    profile: str,
    *,
    origin: str = DEFAULT_ORIGIN,
    at: datetime.datetime | None = None,
    serial: int | None = None,
) -> tuple[str, RpzReport]:
    """The zone text for ``profile`` and its report (see the module's docstring)."""
    started = time.perf_counter()
    prof = policy.profiles.get(profile)
    if prof is None:
        raise RpzError(f"no profile {profile!r} (profiles: {', '.join(policy.profiles)})")
    origin = _origin(origin)
    at = at or datetime.datetime.now(datetime.UTC)
    if at.tzinfo is None:  # the district's time, as schedules are read
        at = (
            at.replace(tzinfo=zoneinfo.ZoneInfo(policy.timezone))
            if policy.timezone
            else at.astimezone()
        )
    if serial is None:
        serial = int(time.time()) & 0xFFFFFFFF
    report = RpzReport(None, profile, origin, serial, at)
    report.overrides = len(policy.overrides)
    try:
        ranks = _collect(sources, policy, prof, _local(policy, at), report).merge()
    except ListError as exc:
        raise RpzError(str(exc)) from None
    default_blocked = prof.default == "block"
    report.walled_garden = default_blocked
    origin_octets = len(origin)

    blocking = _BLOCKING
    get = ranks.get
    answers: dict[str, str] = {}  # name -> NXDOMAIN or PASSTHRU, for the name and *.name

    def effective(name: str) -> tuple[int | None, int | None]:
        """The name's own-or-inherited rank and the rank it inherits (strongest wins)."""
        inherited: int | None = None
        i = name.find(".")
        while i >= 0:
            rank = get(name[i + 1 :])
            if rank is not None and (inherited is None or rank < inherited):
                inherited = rank
            i = name.find(".", i + 1)
        own = get(name)
        if own is None:
            return inherited, inherited
        return (own if inherited is None or own < inherited else inherited), inherited

    # the longest name that fits: the wire length of "*.<name>.<origin>" is its text's
    # length plus one (each label's length octet takes the place of a dot; the root adds one)
    longest = _MAX_WIRE - 4 - origin_octets
    name_ok = _NAME
    # single-label keys (a policy's "intranet") are rare: look TLDs up only when there are
    tlds = any("." not in name for name in ranks)
    for name, own in ranks.items():
        if len(name) > longest or not name_ok(name) or (name[-1].isdigit() and _IPV4(name)):
            if name[0] == "[" or ip_literal(name):
                report.ip_literals += 1
            else:
                report.invalid_names += 1
            continue
        # the strongest rank among the listed parent domains (the hot loop, inlined)
        inherited: int | None = None
        i = name.find(".")
        while i >= 0:
            j = name.find(".", i + 1)
            if j < 0 and not tlds:
                break
            rank = get(name[i + 1 :])
            if rank is not None and (inherited is None or rank < inherited):
                inherited = rank
            i = j
        if inherited is None:
            blocked = own in blocking
            context = default_blocked
        else:
            blocked = (own if own < inherited else inherited) in blocking
            context = inherited in blocking
        if blocked == context:
            report.covered += 1
            continue
        answers[name] = NXDOMAIN if blocked else PASSTHRU
    report.names = len(ranks)

    rewrites: dict[str, str] = {}
    wanted: list[tuple[Iterable[str], str]] = []
    if prof.safesearch:
        wanted += [(GOOGLE_NAMES, GOOGLE_SAFE), (BING_NAMES, BING_STRICT)]
    if prof.youtube in YOUTUBE_TARGETS:
        wanted.append((YOUTUBE_NAMES, YOUTUBE_TARGETS[prof.youtube]))
    for group, target in wanted:
        for name in group:
            rank, _ = effective(name)
            if rank in blocking if rank is not None else default_blocked:
                report.safesearch_blocked += 1
            else:
                rewrites[name] = target

    lines = [
        f"; OpenAUP filter, profile {profile}: a DNS Response Policy Zone written by",
        f"; aup filter rpz at {at.isoformat(timespec='seconds')} (docs/dns.md).",
        f"$ORIGIN {origin}",
        f"$TTL {TTL}",
        f"@ IN SOA localhost. hostmaster.localhost. {serial} 3600 600 604800 {TTL}",
        "@ IN NS localhost.",
    ]
    if default_blocked:
        lines.append(f"* CNAME {NXDOMAIN}")
    for name in sorted(answers.keys() | rewrites.keys()):
        answer = answers.get(name)
        rewrite = rewrites.get(name)
        if rewrite is not None:
            lines.append(f"{name} CNAME {rewrite}")
            report.safesearch += 1
        elif answer is not None:
            lines.append(f"{name} CNAME {answer}")
        if answer is not None:
            lines.append(f"*.{name} CNAME {answer}")
            if answer == NXDOMAIN:
                report.blocked += 1
            else:
                report.passthru += 1
    text = "\n".join(lines) + "\n"
    report.size = len(text.encode())
    report.seconds = time.perf_counter() - started
    return text, report


def write_rpz(
    sources: Sequence[Path | str],
    policy: Policy,
    profile: str,
    out: Path | str,
    origin: str = DEFAULT_ORIGIN,
    *,
    at: datetime.datetime | None = None,
    serial: int | None = None,
) -> RpzReport:
    """Write the zone of ``profile`` to ``out`` atomically (a temporary file beside it,
    flushed to disk, renamed over it): a resolver that reloads sees the old zone or the new
    one, never half of one. Raises :class:`RpzError` when it cannot."""
    started = time.perf_counter()
    text, report = build_rpz(sources, policy, profile, origin=origin, at=at, serial=serial)
    out = Path(out)
    try:
        write_atomically(out, text)
    except OSError as exc:
        raise RpzError(f"cannot write {out}: {exc.strerror or exc}") from None
    report.path = out
    report.seconds = time.perf_counter() - started
    return report
