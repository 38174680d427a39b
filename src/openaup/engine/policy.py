"""The filter policy: a TOML file the engine reads on its own (format: ``docs/filter-policy.md``).

Profiles hold rules; a rule has one of the four states (locked block, locked allow, block,
allow), the categories, hosts and URL prefixes it covers, an optional schedule and the AUP
clause it enforces, and its SafeSearch and YouTube settings (for the DNS side,
``openaup.engine.rpz``). User names and client networks map to profiles; ``default_profile``
applies when nothing matches. Timed ``[[overrides]]`` allow or block hosts and URL prefixes for
some users, networks or profiles between two instants. :data:`DEFAULT_POLICY` is what
``aup filter policy-template`` prints and what ``aup filter compile`` uses without
``--policy``.
"""

from __future__ import annotations

import datetime
import ipaddress
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from openaup.engine.decision import RuleState
from openaup.engine.urls import normalize_host

__all__ = [
    "DEFAULT_POLICY",
    "YOUTUBE_MODES",
    "Override",
    "Policy",
    "PolicyError",
    "Profile",
    "Rule",
    "Schedule",
    "load_policy",
    "parse_policy",
]

STATE_RANK = {
    RuleState.LOCKED_BLOCK: 0,
    RuleState.LOCKED_ALLOW: 1,
    RuleState.BLOCK: 2,
    RuleState.ALLOW: 3,
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
YOUTUBE_MODES = ("strict", "moderate", "off")
OVERRIDE_STATES = (RuleState.ALLOW, RuleState.BLOCK)
ANY_PROFILE = "*"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

EVERY_PROFILE_BLOCKS = [
    "adult",
    "malware",
    "phishing",
    "cryptojacking",
    "ddos",
    "stalkerware",
    "warez",
    "gambling",
    "arjel",
    "agressif",
    "dangerous_material",
    "redirector",
    "strict_redirector",
    "strong_redirector",
    "vpn",
    "residential-proxies",
    "doh",
]
STUDENTS_AND_GUESTS_BLOCK = [
    "mixed_adult",
    "lingerie",
    "dating",
    "drogue",
    "sect",
    "hacking",
    "remote-control",
    "tricheur",
    "tricheur_pix",
    "examen_pix",
    "dynamic-dns",
    "bitcoin",
]
YOUNGER_STUDENTS_BLOCK = ["social_networks", "chat", "games", "forums", "celebrity"]
STREAMING = ("audio-video", "download")


class PolicyError(ValueError):
    """A policy that cannot be used; the message names the file, the table and the key."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekdays (0 = Monday) and a daily window ``start``-``end``; an ``end`` before
    ``start`` runs past midnight (the window belongs to the day it starts)."""

    name: str
    days: frozenset[int]
    start: datetime.time
    end: datetime.time

    def active(self, when: datetime.datetime) -> bool:
        t = when.time().replace(tzinfo=None)
        day = when.weekday()
        if self.start <= self.end:
            return day in self.days and self.start <= t < self.end
        if t >= self.start:
            return day in self.days
        return t < self.end and (day - 1) % 7 in self.days


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    state: RuleState
    categories: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    clause: str = ""
    during: str = ""
    outside: str = ""

    @property
    def rank(self) -> int:
        return STATE_RANK[self.state]


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    rules: tuple[Rule, ...]
    default: str = "allow"
    minor: bool = False
    fail_open: bool = False
    description: str = ""
    safesearch: bool = False
    youtube: str = "off"


@dataclass(frozen=True, slots=True)
class Override:
    """A timed allow or block of ``hosts`` (sub-domains included) and ``urls`` (prefixes)
    for the requests of ``users``, from ``networks`` or under ``profiles`` (``"*"``: every
    profile), from ``starts`` (inclusive) to ``ends`` (exclusive); ``None`` leaves that side
    open. It ranks as the profile's own ``allow``/``block``: it never beats a locked rule."""

    id: str
    state: RuleState
    hosts: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    users: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    profiles: frozenset[str] = frozenset()
    starts: datetime.datetime | None = None
    ends: datetime.datetime | None = None
    clause: str = ""

    @property
    def rank(self) -> int:
        return STATE_RANK[self.state]

    def active(self, when: datetime.datetime) -> bool:
        """Whether ``when`` is inside the override's window (a naive ``when`` is read as
        the machine's local time)."""
        if when.tzinfo is None:
            when = when.astimezone()
        if self.starts is not None and when < self.starts:
            return False
        return self.ends is None or when < self.ends

    def applies_to(self, user: str, client_ip: str, profile: str, when: datetime.datetime) -> bool:
        """Whether the override covers a request of ``user`` from ``client_ip`` decided
        under ``profile`` at ``when`` (the hosts and URLs are the engine's to match). A
        profile named in the override covers its per-school variants too (``high`` covers
        ``high@mvhs``); naming a variant covers that variant only."""
        if not self.active(when):
            return False
        if self.profiles and (
            ANY_PROFILE in self.profiles
            or profile in self.profiles
            or profile.partition("@")[0] in self.profiles
        ):
            return True
        if self.users and user and user != "-" and user.lower() in self.users:
            return True
        if self.networks and client_ip:
            try:
                ip = ipaddress.ip_address(client_ip.split("%", 1)[0])
            except ValueError:
                return False
            return any(ip.version == net.version and ip in net for net in self.networks)
        return False


@dataclass(frozen=True, slots=True)
class Policy:
    profiles: dict[str, Profile]
    default_profile: str
    schedules: dict[str, Schedule] = field(default_factory=dict)
    category_tags: dict[str, str] = field(default_factory=dict)
    category_clauses: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = ()
    timezone: str = ""
    source: str = ""
    overrides: tuple[Override, ...] = ()

    def categories(self) -> set[str]:
        """Every category any rule names."""
        return {c for p in self.profiles.values() for r in p.rules for c in r.categories}

    def fails_open(self, profile: str) -> bool:
        p = self.profiles.get(profile)
        return bool(p and p.fail_open and not p.minor)

    def profile_for(self, user: str = "", client_ip: str = "") -> str:
        """The profile of a user name (exact, case-insensitive), else of the most specific
        network holding ``client_ip``, else the default profile."""
        if user and user != "-":
            name = self.users.get(user.lower())
            if name:
                return name
        if client_ip and self.networks:
            try:
                ip = ipaddress.ip_address(client_ip.split("%", 1)[0])
            except ValueError:
                return self.default_profile
            for net, name in self.networks:
                if ip.version == net.version and ip in net:
                    return name
        return self.default_profile


def _clause_network() -> str:
    return "Network Usage, Filtering & Monitoring"


def _quoted(items: list[str] | tuple[str, ...], indent: str = "  ") -> str:
    lines = []
    line = indent
    for item in items:
        piece = f'"{item}", '
        if len(line) + len(piece) > 92:
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip().rstrip(","))
    return "[\n" + "\n".join(lines) + ",\n]"


def _default_policy_text() -> str:
    clause = _clause_network()
    every = _quoted(EVERY_PROFILE_BLOCKS)
    students = STUDENTS_AND_GUESTS_BLOCK
    younger = YOUNGER_STUDENTS_BLOCK
    parts = [
        "# OpenAUP filter policy (format: docs/filter-policy.md).",
        "# Rule precedence, strongest first: locked_block, locked_allow, block, allow;",
        "# among rules of the same state, the first one in this file wins.",
        "",
        "[filter]",
        'default_profile = "guest"   # used when no user name or network matches',
        '# timezone = "America/Denver"   # for schedules; default: the machine\'s local time',
        "",
        "[schedules.school_hours]",
        'days = ["mon", "tue", "wed", "thu", "fri"]',
        'start = "07:00"',
        'end = "16:00"',
        "",
        "# Bandwidth tags (Squid delay pools) and the AUP clause per category.",
    ]
    for cat in STREAMING:
        parts += [f'[categories."{cat}"]', 'tag = "streaming"', ""]
    parts += [
        "# Map user names and client networks to profiles (user names win).",
        "[users]",
        '# "jdoe" = "staff"',
        "",
        "[networks]",
        '# "10.20.0.0/16" = "elementary"',
        '# "10.30.0.0/16" = "high"',
        "",
    ]
    profiles = [
        ("elementary", True, students + younger, "Elementary school students", "strict"),
        ("middle", True, students + younger, "Middle school students", "strict"),
        ("high", True, students, "High school students", "moderate"),
        ("guest", True, students, "Guests and unknown devices", "moderate"),
        ("staff", False, [], "District staff", "off"),
    ]
    for name, minor, extra, description, youtube in profiles:
        parts += [
            f"[profiles.{name}]",
            f'description = "{description}"',
            f"minor = {'true' if minor else 'false'}   # a minor's profile never fails open",
            'default = "allow"',
            f"safesearch = {'true' if minor else 'false'}   # Google and Bing SafeSearch (DNS)",
            f'youtube = "{youtube}"   # YouTube restriction (DNS): strict, moderate or off',
            "",
            f"[[profiles.{name}.rules]]",
            'name = "cipa"',
            'state = "locked_block"',
            f'clause = "{clause}"',
            f"categories = {every}",
            "",
        ]
        if extra:
            parts += [
                f"[[profiles.{name}.rules]]",
                'name = "students"',
                'state = "block"',
                f'clause = "{clause}"',
                f"categories = {_quoted(extra)}",
                "",
            ]
        parts += [
            f"[[profiles.{name}.rules]]",
            'name = "district-allow-list"',
            'state = "locked_allow"',
            "hosts = []   # e.g. a false positive the district has checked",
            "",
            f"[[profiles.{name}.rules]]",
            'name = "district-deny-list"',
            'state = "block"',
            "hosts = []",
            "",
        ]
    parts += [
        "# Timed overrides (usually written by the web app when an unblock request is approved):",
        "# [[overrides]]",
        '# id = "lesson-42"',
        '# state = "allow"',
        '# hosts = ["example.org"]',
        '# users = ["jdoe"]   # and/or networks = ["10.20.1.0/24"], profiles = ["middle"]',
        "# starts = 2026-09-01T09:00:00-06:00",
        "# ends = 2026-09-01T10:00:00-06:00",
    ]
    return "\n".join(parts).rstrip() + "\n"


DEFAULT_POLICY = _default_policy_text()


def _err(where: str, what: str) -> PolicyError:
    return PolicyError(f"{where}: {what}")


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(where, "must be a list of strings")
    return tuple(value)


def _time(value: object, where: str) -> datetime.time:
    if not isinstance(value, str):
        raise _err(where, 'must be a time "HH:MM"')
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise _err(where, f'must be a time "HH:MM", not {value!r}') from None


def parse_policy(text: str, *, origin: str = "policy") -> Policy:
    """Parse and check a policy; :class:`PolicyError` names what is wrong and where."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{origin}: not valid TOML: {exc}") from None
    known = {"filter", "schedules", "categories", "profiles", "users", "networks", "overrides"}
    for key in data:
        if key not in known:
            raise _err(f"{origin} [{key}]", f"unknown table (known: {', '.join(sorted(known))})")
    head = data.get("filter", {})
    if not isinstance(head, dict):
        raise _err(f"{origin} [filter]", "must be a table")
    schedules: dict[str, Schedule] = {}
    for name, spec in data.get("schedules", {}).items():
        where = f"{origin} [schedules.{name}]"
        if not isinstance(spec, dict):
            raise _err(where, "must be a table")
        days = _str_list(spec.get("days", list(DAYS[:5])), f"{where} days")
        bad = [d for d in days if d.lower()[:3] not in DAYS]
        if bad:
            raise _err(f"{where} days", f"unknown weekday {bad[0]!r} (use mon ... sun)")
        schedules[name] = Schedule(
            name,
            frozenset(DAYS.index(d.lower()[:3]) for d in days),
            _time(spec.get("start", "00:00"), f"{where} start"),
            _time(spec.get("end", "23:59:59"), f"{where} end"),
        )
    tags: dict[str, str] = {}
    clauses: dict[str, str] = {}
    for name, spec in data.get("categories", {}).items():
        where = f"{origin} [categories.{name}]"
        if not isinstance(spec, dict):
            raise _err(where, "must be a table")
        if "tag" in spec:
            tags[name] = str(spec["tag"])
        if "clause" in spec:
            clauses[name] = str(spec["clause"])
    profiles: dict[str, Profile] = {}
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict) or not raw_profiles:
        raise _err(f"{origin} [profiles]", "at least one profile is needed")
    for pname, spec in raw_profiles.items():
        where = f"{origin} [profiles.{pname}]"
        if not isinstance(spec, dict):
            raise _err(where, "must be a table")
        default = spec.get("default", "allow")
        if default not in ("allow", "block"):
            raise _err(f"{where} default", f'must be "allow" or "block", not {default!r}')
        minor = spec.get("minor", False)
        fail_open = spec.get("fail_open", False)
        if not isinstance(minor, bool) or not isinstance(fail_open, bool):
            raise _err(where, "minor and fail_open must be true or false")
        if minor and fail_open:
            raise _err(f"{where} fail_open", "a minor's profile cannot fail open")
        safesearch = spec.get("safesearch", False)
        if not isinstance(safesearch, bool):
            raise _err(f"{where} safesearch", f"must be true or false, not {safesearch!r}")
        youtube = spec.get("youtube", "off")
        if youtube not in YOUTUBE_MODES:
            raise _err(
                f"{where} youtube", f"must be one of {', '.join(YOUTUBE_MODES)}, not {youtube!r}"
            )
        rules = []
        raw_rules = spec.get("rules", [])
        if not isinstance(raw_rules, list):
            raise _err(f"{where} rules", "must be an array of tables ([[...rules]])")
        for i, r in enumerate(raw_rules):
            rwhere = f"{where} rules[{i}]"
            if not isinstance(r, dict):
                raise _err(rwhere, "must be a table")
            state = str(r.get("state", ""))
            try:
                rstate = RuleState(state)
            except ValueError:
                choices = ", ".join(s.value for s in RuleState)
                raise _err(f"{rwhere} state", f"must be one of {choices}, not {state!r}") from None
            hosts = _hosts(r.get("hosts", []), f"{rwhere} hosts")
            for key in ("during", "outside"):
                ref = r.get(key, "")
                if ref and ref not in schedules:
                    raise _err(f"{rwhere} {key}", f"no schedule named {ref!r}")
            rules.append(
                Rule(
                    name=str(r.get("name", f"rule{i + 1}")),
                    state=rstate,
                    categories=_str_list(r.get("categories", []), f"{rwhere} categories"),
                    hosts=hosts,
                    urls=_str_list(r.get("urls", []), f"{rwhere} urls"),
                    clause=str(r.get("clause", "")),
                    during=str(r.get("during", "")),
                    outside=str(r.get("outside", "")),
                )
            )
        profiles[pname] = Profile(
            name=pname,
            rules=tuple(rules),
            default=default,
            minor=minor,
            fail_open=fail_open,
            description=str(spec.get("description", "")),
            safesearch=safesearch,
            youtube=youtube,
        )
    default_profile = head.get("default_profile", "")
    if default_profile not in profiles:
        raise _err(
            f"{origin} [filter] default_profile",
            f"{default_profile!r} is not one of the profiles ({', '.join(profiles)})",
        )
    users: dict[str, str] = {}
    for user, prof in data.get("users", {}).items():
        if prof not in profiles:
            raise _err(f"{origin} [users] {user!r}", f"no profile named {prof!r}")
        users[user.lower()] = prof
    networks = []
    for net, prof in data.get("networks", {}).items():
        if prof not in profiles:
            raise _err(f"{origin} [networks] {net!r}", f"no profile named {prof!r}")
        try:
            networks.append((ipaddress.ip_network(net, strict=False), prof))
        except ValueError:
            raise _err(f"{origin} [networks]", f"{net!r} is not a network (CIDR)") from None
    networks.sort(key=lambda item: -item[0].prefixlen)
    timezone = str(head.get("timezone", ""))
    if timezone:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise _err(f"{origin} [filter] timezone", f"unknown time zone {timezone!r}") from None
    return Policy(
        profiles=profiles,
        default_profile=default_profile,
        schedules=schedules,
        category_tags=tags,
        category_clauses=clauses,
        users=users,
        networks=tuple(networks),
        timezone=timezone,
        source=text,
        overrides=_overrides(data.get("overrides", []), profiles, origin),
    )


def _hosts(value: object, where: str) -> tuple[str, ...]:
    hosts = []
    for h in _str_list(value, where):
        nh = normalize_host(h.lstrip("*."))
        if not nh:
            raise _err(where, f"{h!r} is not a host name")
        hosts.append(nh)
    return tuple(hosts)


def _instant(value: object, where: str) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value
    raise _err(
        where,
        f"must be a TOML date and time with an offset (2026-09-01T09:00:00-06:00), not {value!r}",
    )


def _overrides(raw: object, profiles: dict[str, Profile], origin: str) -> tuple[Override, ...]:
    if not isinstance(raw, list):
        raise _err(f"{origin} [overrides]", "must be an array of tables ([[overrides]])")
    known = {"id", "state", "hosts", "urls", "users", "networks", "profiles", "starts", "ends",
             "clause"}  # fmt: skip
    seen: set[str] = set()
    out = []
    for i, spec in enumerate(raw):
        where = f"{origin} [[overrides]][{i}]"
        if not isinstance(spec, dict):
            raise _err(where, "must be a table")
        oid = spec.get("id")
        if not isinstance(oid, str) or not oid.strip():
            raise _err(f"{where} id", "is needed (a non-empty string)")
        where = f"{origin} [[overrides]] {oid!r}"
        if oid in seen:
            raise _err(f"{where} id", "is used by another override (ids must be unique)")
        seen.add(oid)
        for key in spec:
            if key not in known:
                raise _err(f"{where} {key}", f"unknown key (known: {', '.join(sorted(known))})")
        state = spec.get("state")
        if state not in [s.value for s in OVERRIDE_STATES]:
            raise _err(f"{where} state", f'must be "allow" or "block", not {state!r}')
        hosts = _hosts(spec.get("hosts", []), f"{where} hosts")
        urls = _str_list(spec.get("urls", []), f"{where} urls")
        if not hosts and not urls:
            raise _err(where, "names no hosts and no urls")
        users = frozenset(u.lower() for u in _str_list(spec.get("users", []), f"{where} users"))
        networks = []
        for net in _str_list(spec.get("networks", []), f"{where} networks"):
            try:
                networks.append(ipaddress.ip_network(net, strict=False))
            except ValueError:
                raise _err(f"{where} networks", f"{net!r} is not a network (CIDR)") from None
        names = frozenset(_str_list(spec.get("profiles", []), f"{where} profiles"))
        unknown = sorted(names - set(profiles) - {ANY_PROFILE})
        if unknown:
            raise _err(
                f"{where} profiles",
                f'no profile named {unknown[0]!r} (profiles: {", ".join(profiles)}, or "*")',
            )
        if not users and not networks and not names:
            raise _err(where, "applies to nobody: give users, networks or profiles")
        starts = _instant(spec.get("starts"), f"{where} starts")
        ends = _instant(spec.get("ends"), f"{where} ends")
        if starts is not None and ends is not None and ends <= starts:
            raise _err(f"{where} ends", "ends must be after starts")
        out.append(
            Override(
                id=oid,
                state=RuleState(state),
                hosts=hosts,
                urls=urls,
                users=users,
                networks=tuple(networks),
                profiles=names,
                starts=starts,
                ends=ends,
                clause=str(spec.get("clause", "")),
            )
        )
    return tuple(out)


def load_policy(path: Path | str | None) -> Policy:
    """The policy in ``path``; the default policy when ``path`` is ``None``."""
    if path is None:
        return parse_policy(DEFAULT_POLICY, origin="default policy")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy: {exc.strerror}") from None
    return parse_policy(text, origin=str(path))
