"""Decisions: which profile applies, which lists match, which rule wins, and why.

Matching is exact per label: the host and each parent domain (down to two labels) is one
hash lookup in the snapshot, so a listed ``a.com`` blocks ``y.a.com`` whatever else the
list holds. URL prefixes are looked up only under hosts flagged as having some; regular
expressions are compiled once per engine and run only for profiles whose rules name a list
that has them. The verdict for a host is kept in a small per-process LRU cache (per
profile and authority, as Squid's own external ACL cache does for whole answers): for a
repeated host only URL prefixes and expressions are checked again.
"""

from __future__ import annotations

import datetime
import functools
import gc
import hashlib
import struct
import sys
import zoneinfo
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from openaup.engine.decision import Action, Decision, FilterRequest, RuleState
from openaup.engine.expressions import FEW_LITERALS, ExpressionSet, compile_expression
from openaup.engine.lists import url_line
from openaup.engine.policy import Override, Policy, Rule
from openaup.engine.snapshot import SET_MASK, URL_FLAG, Snapshot, key_hash
from openaup.engine.urls import (
    AUTHORITY,
    authority_host,
    ip_literal,
    path_prefixes,
    split_rest,
    split_url,
)

if TYPE_CHECKING:
    from openaup.engine.log import DecisionLog

__all__ = [
    "Engine",
    "HostVerdict",
    "expression_probe",
    "fail_closed_decision",
    "tune_for_helper",
]

# Verdicts kept per process (profile, authority): about 500 bytes each, 4 MB in all.
HOST_CACHE_SIZE = 8192
# Raw lookups of parent domains kept per process (about 100 bytes each).
PARENT_CACHE_SIZE = 16384
_blake2b = hashlib.blake2b
_AUTHORITY = AUTHORITY.match
_ALLOW_STATES = (RuleState.LOCKED_ALLOW, RuleState.ALLOW)
_LOCKED = frozenset({RuleState.LOCKED_BLOCK.value, RuleState.LOCKED_ALLOW.value})
_U64 = struct.Struct("<Q").unpack_from


def tune_for_helper() -> None:
    """Garbage-collector settings for a long-running helper process; call once after
    start-up (and again after a new snapshot is opened, if you like).

    What is loaded is frozen (never scanned again), and young objects are collected in
    batches of 50,000 allocations instead of 700: each decision makes a few short-lived
    objects, and the default threshold makes the collector run very often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def expression_probe(host: str, rest: str) -> str:
    """A text that holds every run of characters of the normalized ``host/path?query``
    that expressions search (:meth:`Engine.refine`), made without normalizing: ``""`` when
    ``rest`` is not plain enough to say.

    A plain rest (it starts with ``/``; no escapes, no backslash, no doubled slash, no
    slash before the query) normalizes to a prefix of itself in lower case: dropping the
    fragment and a trailing slash only cuts the end. So a literal that is not in the probe
    is not in the normalized URL either, and an expression that needs it cannot match."""
    if not rest:
        return host + "/"
    if rest[0] == "/" and not ("%" in rest or "\\" in rest or "//" in rest or "/?" in rest):
        return host + rest.lower()
    return ""


def fail_closed_decision(profile: str, reason: str, policy: Policy | None = None) -> Decision:
    """The answer when no proper decision can be made (no snapshot, corrupt snapshot, bad
    input, internal error): blocked, unless ``policy`` marks ``profile`` ``fail_open``
    (never a minor's profile). ``reason`` is the code shown on the block page."""
    if policy is not None and policy.fails_open(profile):
        return Decision(Action.ALLOW, profile, reason, rule="fail_open")
    return Decision(Action.BLOCK, profile, reason, rule="fail_closed")


@dataclass(frozen=True, slots=True)
class _Candidate:
    rank: int
    order: int
    rule: Rule


class _Match(NamedTuple):
    list_id: int
    key: str
    specificity: int


_NO_MATCHES: tuple[_Match, ...] = ()
_NO_HOSTS: tuple[str, ...] = ()


class HostVerdict(NamedTuple):
    """What a host alone decides for one profile (see :meth:`Engine.host_verdict`)."""

    host: str
    decision: Decision
    hits: tuple[_Match, ...]
    url_hosts: tuple[str, ...]
    final: bool
    overridden: bool = False


class _CompiledProfile:
    """One profile's rules indexed by list id: ``by_list[lid]`` is the rules that name the
    list, strongest first; ``expressions`` the regular expressions of the lists those rules
    name."""

    __slots__ = (
        "by_list",
        "default_action",
        "default_decision",
        "expressions",
        "has_expressions",
        "name",
        "scheduled",
    )

    def __init__(self, name: str, snapshot: Snapshot) -> None:
        policy = snapshot.policy
        profile = policy.profiles[name]
        self.name = name
        by_category: dict[str, list[int]] = {}
        by_name: dict[str, int] = {}
        for lid, info in enumerate(snapshot.lists):
            by_category.setdefault(info.category, []).append(lid)
            by_name[info.name] = lid
        table: dict[int, list[_Candidate]] = {}
        for order, rule in enumerate(profile.rules):
            cand = _Candidate(rule.rank, order, rule)
            lids = [lid for c in rule.categories for lid in by_category.get(c, ())]
            own = by_name.get(f"policy:{name}/{rule.name}")
            if own is not None:
                lids.append(own)
            for lid in lids:
                table.setdefault(lid, []).append(cand)
        self.by_list = {
            lid: tuple(sorted(c, key=lambda x: (x.rank, x.order))) for lid, c in table.items()
        }
        self.expressions = ExpressionSet(
            tuple(
                compile_expression(lid, expr)
                for lid in sorted(self.by_list)
                if snapshot.lists[lid].kind == "expressions"
                for expr in snapshot.lists[lid].expressions
            )
        )
        self.has_expressions = bool(self.expressions)
        self.scheduled = any(r.during or r.outside for r in profile.rules)
        self.default_action = Action.BLOCK if profile.default == "block" else Action.ALLOW
        self.default_decision = Decision(self.default_action, name, "default", rule="default")


class Engine:
    """Decides requests against one opened :class:`Snapshot`. Cheap to create; keeps a
    per-process cache of host verdicts. Thread-safe for concurrent :meth:`decide` calls."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        log: DecisionLog | None = None,
        cache_size: int = HOST_CACHE_SIZE,
    ) -> None:
        self.snapshot = snapshot
        self.policy = snapshot.policy
        self.log = log
        self._profiles = {name: _CompiledProfile(name, snapshot) for name in self.policy.profiles}
        self._list_names = tuple(info.name for info in snapshot.lists)
        self._list_categories = tuple(info.category for info in snapshot.lists)
        self._list_policy = tuple(info.kind == "policy" for info in snapshot.lists)
        self._tags = self.policy.category_tags
        self._clauses = self.policy.category_clauses
        self._tz = zoneinfo.ZoneInfo(self.policy.timezone) if self.policy.timezone else None
        self._tables = snapshot.tables()
        self._filter = snapshot.parent_filter()
        self._parents: dict[str, int] = {}
        self.mapped = bool(self.policy.users or self.policy.networks)
        # timed overrides by listed host: (override, URL path prefix or "" for the host)
        self._overrides: dict[str, list[tuple[Override, str]]] = {}
        for ov in self.policy.overrides:
            for h in ov.hosts:
                self._overrides.setdefault(h, []).append((ov, ""))
            for u in ov.urls:
                key = url_line(u)
                if key:
                    h, _, path = key.partition("/")
                    self._overrides.setdefault(h, []).append((ov, path))
        self._verdict = functools.lru_cache(maxsize=cache_size)(self.host_verdict)

    @property
    def profiles(self) -> tuple[str, ...]:
        return self.snapshot.profiles

    # -- profile -----------------------------------------------------------------------
    def profile_for(self, user: str = "", client_ip: str = "") -> str:
        """The profile of a user name, else of the client's network, else the default."""
        return self.policy.profile_for(user, client_ip)

    # -- lookups -----------------------------------------------------------------------
    def _lookup_host(self, host: str) -> tuple[tuple[_Match, ...], tuple[str, ...]]:
        # The hot path for a host not seen before: Snapshot.lookup() and key_hash() inlined.
        # The suffixes are walked from the last two labels up (a.com, y.a.com, x.y.a.com),
        # taken in place, and the walk stops at the first one that no longer host key ends
        # with (the snapshot's parent filter): most hosts are under a domain seen before
        # with nothing listed below it, and cost one dict look-up. Parent domains recur
        # across hosts: their raw look-ups and filter bits are kept in a small dict.
        index, keys, values = self._tables
        bits, mask = self._filter
        parents = self._parents
        blake = _blake2b
        unpack = _U64
        if host[0] == "[" or (host[-1].isdigit() and ip_literal(host)):
            start = 0  # an IP literal: itself only
        else:
            dot = host.rfind(".")
            start = host.rfind(".", 0, dot) + 1 if dot > 0 else 0
        spec = 1
        found: list[tuple[str, int, int]] | None = None
        while True:
            suffix = host[start:] if start else host
            # cached: 2 * value + (1 if a longer host key may end with the suffix)
            cached = parents.get(suffix, -4) if start else -4
            if cached == -4:
                value = -1
                h = unpack(blake(suffix.encode()).digest())[0]
                b = h >> 48
                lo = index[b]
                hi = index[b + 1]
                if lo != hi:
                    i = bisect_left(keys, h, lo, hi)
                    if i < hi and keys[i] == h:
                        value = values[i]
                if not start:
                    longer = False
                else:
                    bit = h & mask
                    longer = bool(bits[bit >> 3] >> (bit & 7) & 1)
                    if len(parents) >= PARENT_CACHE_SIZE:
                        parents.clear()
                    parents[suffix] = 2 * value + longer
            else:
                value = cached >> 1
                longer = bool(cached & 1)
            if value >= 0:
                if found is None:
                    found = []
                found.append((suffix, value, spec))
            if not longer:
                break
            start = host.rfind(".", 0, start - 1) + 1
            spec += 1
        if found is None:
            return _NO_MATCHES, _NO_HOSTS
        found.reverse()  # most specific first
        sets = self.snapshot.category_sets
        matches = tuple(
            _Match(lid, key, level) for key, value, level in found for lid in sets[value & SET_MASK]
        )
        url_hosts = tuple(key for key, value, _ in found if value & URL_FLAG)
        return matches, url_hosts

    def _lookup_urls(self, url_hosts: tuple[str, ...], path: str, query: str) -> list[_Match]:
        snap = self.snapshot
        out: list[_Match] = []
        prefixes = path_prefixes(path, query)
        for suffix in url_hosts:
            for n, prefix in enumerate(prefixes):
                key = f"{suffix}/{prefix}"
                value = snap.lookup(key_hash(key))
                if value >= 0:
                    spec = 1000 + len(prefixes) - n
                    out.extend(_Match(lid, key, spec) for lid in snap.lists_for(value))
        return out

    def matches(self, url: str) -> list[tuple[str, str, str]]:
        """Every list holding the URL's host, a parent domain or a URL prefix, as
        ``(list name, category, key)``; for ``aup filter check`` and tests."""
        host, path, query = split_url(url)
        if not host:
            return []
        hits, url_hosts = self._lookup_host(host)
        found = list(hits)
        if url_hosts and path:
            found.extend(self._lookup_urls(url_hosts, path, query))
        return [
            (self._list_names[m.list_id], self._list_categories[m.list_id], m.key) for m in found
        ]

    # -- decisions ---------------------------------------------------------------------
    def _now(self, when: datetime.datetime | None) -> datetime.datetime:
        if when is None:
            return datetime.datetime.now(self._tz)
        if self._tz is not None and when.tzinfo is not None:
            return when.astimezone(self._tz)
        return when

    def decide(self, request: FilterRequest, profile: str | None = None) -> Decision:
        """The decision for ``request``; ``profile`` forces a profile (otherwise it comes
        from the user name and client address). Never raises: an internal error gives
        :func:`fail_closed_decision`. Hands the decision to the log when there is one."""
        name = profile or ""
        host = rest = ""
        try:
            if not name:
                name = (
                    self.profile_for(request.user, request.client_ip)
                    if self.mapped
                    else self.policy.default_profile
                )
            decision, host, rest = self._decide(request, name)
        except Exception as exc:  # a decision must always come back
            sys.stderr.write(f"aup filter: error deciding {request.url[:200]!r}: {exc!r}\n")
            decision = fail_closed_decision(name, "error", self.policy)
        if self.log is not None:
            self.log.submit(request, decision, host, rest)
        return decision

    def _schedule_key(self, when: datetime.datetime | None) -> tuple[bool, ...]:
        now = self._now(when)
        return tuple(s.active(now) for s in self.policy.schedules.values())

    def fast_profile(self, name: str) -> bool:
        """Whether a decision of profile ``name`` depends only on the URL: the profile
        exists and has no scheduled rule. For such a profile a caller may keep
        :meth:`host_verdict` per authority itself and finish each request with
        :meth:`refine` (what the Squid helper does)."""
        prof = self._profiles.get(name)
        return prof is not None and not prof.scheduled

    def expression_literals(self, name: str) -> tuple[str, ...] | None:
        """The literals of profile ``name``'s expression pre-check when looking for each of
        them in :func:`expression_probe`'s text is the whole pre-check (every expression has
        literals, and there are few); ``()`` when the profile has no expressions; ``None``
        otherwise (use :meth:`refine`)."""
        prof = self._profiles.get(name)
        if prof is None:
            return None
        exprs = prof.expressions
        if not exprs:
            return ()
        if exprs.always or len(exprs.literals) > FEW_LITERALS:
            return None
        return exprs.literals

    def host_verdict(
        self, name: str, authority: str, active: tuple[bool, ...] = ()
    ) -> HostVerdict | None:
        """The verdict of profile ``name`` for an authority (``user@host:port``) from the
        host's own matches: the normalized host, the decision, the matches and the hosts
        that have URL rules, and whether the path can change the decision (``final`` is
        false then: finish with :meth:`refine`). ``None`` when there is no usable host.
        Not cached: :meth:`decide` keeps these per profile, authority and active schedules."""
        host = authority_host(authority)
        if not host:
            return None
        prof = self._profiles[name]
        hits, url_hosts = self._lookup_host(host)
        decision = self._evaluate(prof, list(hits), active) if hits else prof.default_decision
        if self._overrides and self._override_candidates(host):
            return HostVerdict(host, decision, hits, url_hosts, False, True)
        return HostVerdict(
            host, decision, hits, url_hosts, not url_hosts and not prof.has_expressions
        )

    def refine(
        self, name: str, verdict: HostVerdict, rest: str, active: tuple[bool, ...] = ()
    ) -> Decision:
        """The decision for a request of profile ``name`` whose authority has ``verdict``
        and whose URL goes on with ``rest`` (path, query, fragment): URL prefixes under the
        hosts that have some, and the profile's regular expressions, may change it."""
        if verdict.final:
            return verdict.decision
        prof = self._profiles[name]
        host = verdict.host
        if not verdict.url_hosts:
            # only expressions can change the verdict
            probe = expression_probe(host, rest)
            if probe and not prof.expressions.may_match(probe):
                return verdict.decision
        path, query = split_rest(rest) if rest else ("", "")
        extra: list[_Match] = []
        if verdict.url_hosts and path:
            extra = self._lookup_urls(verdict.url_hosts, path, query)
        expressions = prof.expressions
        if expressions:
            target = f"{host}/{path}?{query}" if query else f"{host}/{path}"
            for lid in expressions.matching(target):
                extra.append(_Match(lid, "", 0))
        if not extra:
            return verdict.decision
        return self._evaluate(prof, [*verdict.hits, *extra], active)

    def _decide(self, request: FilterRequest, name: str) -> tuple[Decision, str, str]:
        """The decision, the host and what follows the authority (for the log)."""
        prof = self._profiles.get(name)
        if prof is None:
            return fail_closed_decision(name, "unknown_profile", self.policy), "", ""
        url = request.url
        m = _AUTHORITY(url)
        authority = m.group(1) if m is not None else ""
        rest = url[m.end() :] if m is not None else ""
        active = self._schedule_key(request.time) if prof.scheduled else ()
        verdict = self._verdict(name, authority, active)
        if verdict is None:
            return fail_closed_decision(name, "bad_url", self.policy), "", ""
        decision = self.refine(name, verdict, rest, active)
        if verdict.overridden:
            decision = self._override(decision, verdict.host, rest, request, name)
        return decision, verdict.host, rest

    def _override_candidates(self, host: str) -> list[tuple[Override, str, int]]:
        """The overrides naming the host or a parent domain, with the specificity."""
        found = []
        level = host.count(".") + 1
        suffix = host
        while True:
            for ov, path in self._overrides.get(suffix, ()):
                found.append((ov, path, level))
            dot = suffix.find(".")
            if dot < 0:
                return found
            suffix = suffix[dot + 1 :]
            level -= 1

    def _override(
        self, decision: Decision, host: str, rest: str, request: FilterRequest, name: str
    ) -> Decision:
        """``decision`` changed by a timed override that covers this request, if any.

        An override ranks with the profile's unlocked rules: it lets through what a block
        rule or a block default stops and blocks what an allow rule or the default lets
        through, but a locked rule's decision stands. Among the overrides that apply, a
        block wins over an allow, then the most specific (a URL prefix, then the longest
        domain), then the first in the file."""
        if decision.rule in _LOCKED:
            return decision
        when = self._now(request.time)
        path = query = ""
        if rest:
            path, query = split_rest(rest)
        prefixes = set(path_prefixes(path, query)) if path else set()
        best: tuple[int, int, int] | None = None
        chosen: tuple[Override, str] | None = None
        for order, (ov, prefix, level) in enumerate(self._override_candidates(host)):
            if prefix and prefix not in prefixes:
                continue
            if not ov.applies_to(request.user, request.client_ip, name, when):
                continue
            specific = level + 1000 if prefix else level
            score = (0 if ov.state is RuleState.BLOCK else 1, -specific, order)
            if best is None or score < best:
                best, chosen = score, (ov, prefix)
        if chosen is None:
            return decision
        ov, prefix = chosen
        return Decision(
            Action.BLOCK if ov.state is RuleState.BLOCK else Action.ALLOW,
            name,
            "override",
            rule=ov.state.value,
            category=decision.category,
            list_name=f"override:{ov.id}",
            key=f"{host}/{prefix}" if prefix else host,
            clause=ov.clause or decision.clause,
            tag=decision.tag,
        )

    def _evaluate(
        self, prof: _CompiledProfile, matches: list[_Match], active: tuple[bool, ...]
    ) -> Decision:
        name = prof.name
        if not matches:
            return prof.default_decision
        by_list = prof.by_list
        schedules = self.policy.schedules
        on = dict(zip(schedules, active, strict=True)) if prof.scheduled else {}
        best: tuple[int, int, int] | None = None
        best_rule: Rule | None = None
        best_match: _Match | None = None
        tag = ""
        categories = self._list_categories
        for m in matches:
            if not tag:
                tag = self._tags.get(categories[m.list_id], "")
            cands = by_list.get(m.list_id)
            if not cands:
                continue
            for cand in cands:
                rule = cand.rule
                if on:
                    if rule.during and not on[rule.during]:
                        continue
                    if rule.outside and on[rule.outside]:
                        continue
                score = (cand.rank, cand.order, -m.specificity)
                if best is None or score < best:
                    best, best_rule, best_match = score, rule, m
                break
        if best_rule is None or best_match is None:
            m0 = matches[0]
            return Decision(
                prof.default_action, name, "default", rule="default",
                category=categories[m0.list_id], list_name=self._list_names[m0.list_id],
                key=m0.key, tag=tag,
            )  # fmt: skip
        lid = best_match.list_id
        category = categories[lid]
        state = best_rule.state
        action = Action.ALLOW if state in _ALLOW_STATES else Action.BLOCK
        if self._list_policy[lid]:
            reason = "allow_list" if action is Action.ALLOW else "deny_list"
        elif not best_match.key:
            reason = "expression"
        else:
            reason = "category"
        return Decision(
            action,
            name,
            reason,
            rule=state.value,
            category=category,
            list_name=self._list_names[lid],
            key=best_match.key,
            clause=best_rule.clause or self._clauses.get(category, ""),
            tag=tag or self._tags.get(category, ""),
        )
