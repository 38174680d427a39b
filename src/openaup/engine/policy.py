"""The filter policy: a TOML file the engine reads on its own (format: ``docs/filter-policy.md``).

Profiles hold rules; a rule has one of the four states (locked block, locked allow, block,
allow), the categories, hosts and URL prefixes it covers, an optional schedule and the AUP
clause it enforces. User names and client networks map to profiles; ``default_profile``
applies when nothing matches. :data:`DEFAULT_POLICY` is what ``aup filter policy-template``
prints and what ``aup filter compile`` uses without ``--policy``.
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
        ("elementary", True, students + younger, "Elementary school students"),
        ("middle", True, students + younger, "Middle school students"),
        ("high", True, students, "High school students"),
        ("guest", True, students, "Guests and unknown devices"),
        ("staff", False, [], "District staff"),
    ]
    for name, minor, extra, description in profiles:
        parts += [
            f"[profiles.{name}]",
            f'description = "{description}"',
            f"minor = {'true' if minor else 'false'}   # a minor's profile never fails open",
            'default = "allow"',
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
    known = {"filter", "schedules", "categories", "profiles", "users", "networks"}
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
            hosts = []
            for h in _str_list(r.get("hosts", []), f"{rwhere} hosts"):
                nh = normalize_host(h.lstrip("*."))
                if not nh:
                    raise _err(f"{rwhere} hosts", f"{h!r} is not a host name")
                hosts.append(nh)
            for key in ("during", "outside"):
                ref = r.get(key, "")
                if ref and ref not in schedules:
                    raise _err(f"{rwhere} {key}", f"no schedule named {ref!r}")
            rules.append(
                Rule(
                    name=str(r.get("name", f"rule{i + 1}")),
                    state=rstate,
                    categories=_str_list(r.get("categories", []), f"{rwhere} categories"),
                    hosts=tuple(hosts),
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
    )


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
