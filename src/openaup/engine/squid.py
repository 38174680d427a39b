"""Squid helpers: ``aup filter squid-acl`` and ``aup filter squid-rewrite``.

Both read request lines on stdin and write one answer line per request on stdout, in
Squid 5's helper protocol, with or without concurrency channel IDs (a first field made of
digits is a channel ID; it is echoed in the answer; a client address never is all digits).

``squid-acl`` is an ``external_acl_type`` helper. Its input is ``[channel] client-IP user
URL [more...]`` (each field URL-escaped by Squid, ``-`` when unknown; Squid appends the
ACL's own arguments, ``-`` when none, and those are ignored). It answers ``OK`` when the
request is allowed and ``ERR message=<reason> tag=<tag>`` when it is blocked, values
URL-escaped. Used as ``http_access allow <acl>`` then ``http_access deny all``, a helper
that crashes or hangs denies: this is the fail-closed path (``docs/squid.md``).

``squid-rewrite`` is a ``url_rewrite_program`` helper. Its input is ``[channel] URL
[client-IP/fqdn user method ...]`` (Squid's default ``url_rewrite_extras``). It answers
``OK status=302 url=<block page>`` when the request is blocked and ``OK`` (no change) when
it is allowed. Squid lets a request through unchanged when this helper dies or answers
nonsense, so this path fails open in Squid, whatever the helper does.

Fail closed: with no snapshot, a corrupt snapshot, an unparseable line or an internal
error, the answer is "blocked" unless the profile is marked ``fail_open`` in the policy
(never a minor's profile); such an allowed answer is ``OK`` for the ACL helper and ``ERR``
(keep the URL) for the rewrite helper. A problem is written to stderr (Squid's cache.log)
at most once per :data:`ALARM_SECONDS` per kind, with the count since the last line.

The snapshot file is checked at most every :data:`CHECK_SECONDS` between two lines; a new
file renamed over it is opened, checked and switched to before the next line is answered,
so no line is dropped or answered from a half-loaded snapshot. When the new file is
corrupt the helper keeps answering from the snapshot it has and says so; with no snapshot
at all it answers blocked until one appears.

Input is read as it arrives: every complete line read in one go is answered, and the
answers are written in one write before the helper waits for more input, so an answer is
never held back (one line at a time without concurrency, a batch with it).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import quote, unquote

from openaup.engine import blocktoken
from openaup.engine.decide import HOST_CACHE_SIZE, Engine, HostVerdict, fail_closed_decision
from openaup.engine.decision import Action, Decision, FilterRequest
from openaup.engine.log import DecisionLog, decision_fields, default_log_dir, format_stamp
from openaup.engine.policy import Policy, PolicyError, load_policy
from openaup.engine.snapshot import Snapshot, SnapshotError
from openaup.engine.urls import AUTHORITY, split_url

_AUTHORITY = AUTHORITY.match

__all__ = [
    "ALARM_SECONDS",
    "CHECK_SECONDS",
    "AclProtocol",
    "Alarm",
    "Helper",
    "RewriteProtocol",
    "SnapshotHolder",
    "add_squid_acl",
    "add_squid_rewrite",
    "serve",
]

CHECK_SECONDS = 0.25
ALARM_SECONDS = 30.0
READ_SIZE = 1 << 16
TAIL_CACHE = 1 << 16
HELPER_CACHE_SIZE = HOST_CACHE_SIZE
_FAILED_RULES = frozenset({"fail_closed", "fail_open"})
MAX_LINE = 1 << 16
# Longer lines go the careful way (the log keeps the first 2,000 characters of a URL).
_SHORT_LINE = 1900


class Alarm:
    """Loud, rate-limited problem lines on a text stream (Squid copies a helper's stderr
    into cache.log): one line per kind per ``interval`` seconds, with a count of the
    occurrences since the last line."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interval: float = ALARM_SECONDS,
        name: str = "aup filter",
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.name = name
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}

    def __call__(self, kind: str, message: str) -> None:
        now = time.monotonic()
        self._count[kind] = self._count.get(kind, 0) + 1
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            return
        self._last[kind] = now
        n = self._count.pop(kind)
        times = f" ({n} times since the last report)" if n > 1 else ""
        try:
            self.stream.write(f"{self.name}: ERROR: {message}{times}\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


class SnapshotHolder:
    """The engine of the current snapshot, reopened when another file is renamed in.

    ``fallback`` is a policy used only when no snapshot could ever be opened: it says which
    profile a request belongs to and whether that profile fails open. Once a snapshot has
    been opened, its own policy is used for that."""

    def __init__(
        self,
        path: Path,
        *,
        fallback: Policy | None = None,
        log: DecisionLog | None = None,
        alarm: Alarm | None = None,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        cache_size: int = HOST_CACHE_SIZE,
    ) -> None:
        self.path = path
        self.cache_size = cache_size
        self.fallback = fallback
        self.log = log
        self.alarm = alarm or Alarm()
        self.check_seconds = check_seconds
        self.clock = clock
        self.engine: Engine | None = None
        self.snapshot: Snapshot | None = None
        self.switches = 0
        self._failed: tuple[int, int] | None = None
        self._next_check = 0.0
        self._load()

    @property
    def policy(self) -> Policy | None:
        return self.snapshot.policy if self.snapshot is not None else self.fallback

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _load(self) -> None:
        ident = self._stat()
        try:
            snapshot = Snapshot.open(self.path)
        except SnapshotError as exc:
            self._failed = ident
            if self.snapshot is None:
                self.alarm("snapshot", f"{exc}; answering blocked (fail closed)")
            else:
                self.alarm(
                    "snapshot",
                    f"{exc}; still using the snapshot built "
                    f"{self.snapshot.built:%Y-%m-%d %H:%M:%S}Z",
                )
            return
        try:
            engine = Engine(snapshot, log=self.log, cache_size=self.cache_size)
        except Exception as exc:  # a snapshot that opens but cannot be used
            snapshot.close()
            self._failed = ident
            self.alarm("snapshot", f"snapshot {self.path} cannot be used: {exc!r}")
            return
        old = self.snapshot
        self.snapshot, self.engine = snapshot, engine
        self._failed = None
        if old is not None:
            self.switches += 1
            old.close()

    def refresh(self) -> None:
        """Switch to a new snapshot if one was renamed in (checked at most every
        ``check_seconds``); call between two lines."""
        now = self.clock()
        if now < self._next_check:
            return
        self._next_check = now + self.check_seconds
        snap = self.snapshot
        if snap is not None and not snap.changed():
            return
        ident = self._stat()
        if ident is None:
            if snap is None:
                self.alarm("snapshot", f"snapshot {self.path} does not exist; answering blocked")
            else:
                self.alarm("snapshot-gone", f"snapshot {self.path} is gone; still using the last")
            return
        if ident == self._failed:
            if snap is None:
                self.alarm("snapshot", f"snapshot {self.path} is unusable; answering blocked")
            return
        self._load()

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.close()
            self.snapshot = None
            self.engine = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """One request line taken apart; ``error`` is set when it cannot be understood."""

    channel: str
    request: FilterRequest | None
    error: str = ""
    method: str = ""


def _field(token: str) -> str:
    """A field as Squid sent it: URL-escaped, ``-`` when unknown."""
    if token == "-":
        return ""
    return unquote(token) if "%" in token else token


def _channel(tokens: list[str]) -> str:
    if tokens and tokens[0].isdigit() and tokens[0].isascii():
        return tokens.pop(0)
    return ""


_PLAIN = re.compile(r"[A-Za-z0-9/:._-]+\Z").match


def _enc(value: str) -> str:
    if not value:
        return "-"
    return value if _PLAIN(value) else quote(value, safe="/:._-")


class AclProtocol:
    """``external_acl_type``: ``[channel] client-IP user URL [...]`` in, OK/ERR out."""

    name = "squid-acl"

    def parse(self, line: str) -> Parsed:
        tokens = line.split()
        channel = _channel(tokens)
        if len(tokens) < 3 or not line.isascii():
            # Squid URL-escapes every field: raw bytes outside ASCII mean a foreign line
            return Parsed(channel, None, "bad_request")
        client_ip, user, url = (_field(t) for t in tokens[:3])
        if not url:
            return Parsed(channel, None, "bad_request")
        return Parsed(channel, FilterRequest(url=url, client_ip=client_ip, user=user))

    def answer(self, parsed: Parsed, decision: Decision, failed: bool, token: str = "") -> str:
        """The answer line; ``token`` (a signed block-page token) is the message when given,
        for ``deny_info .../blocked?t=%o``."""
        head = f"{parsed.channel} " if parsed.channel else ""
        message = token or (
            f"{decision.reason}:{decision.category}" if decision.category else (decision.reason)
        )
        parts = [head + ("OK" if decision.action is Action.ALLOW else "ERR")]
        if decision.action is Action.BLOCK or failed:
            parts.append(f"message={_enc(message)}")
        if decision.tag:
            parts.append(f"tag={_enc(decision.tag)}")
        if decision.profile:
            parts.append(f"log={_enc(decision.profile + '/' + (decision.rule or '-'))}")
        return " ".join(parts)


class RewriteProtocol:
    """``url_rewrite_program``: ``[channel] URL [client-IP/fqdn user method ...]`` in,
    ``OK status=302 url=...`` (blocked), ``OK`` (allowed) or ``ERR`` (could not decide,
    profile fails open: keep the URL) out."""

    name = "squid-rewrite"

    def __init__(self, block_url: str) -> None:
        self.block_url = block_url
        self._sep = "&" if "?" in block_url else "?"

    def parse(self, line: str) -> Parsed:
        tokens = line.split()
        channel = _channel(tokens)
        if not tokens:
            return Parsed(channel, None, "bad_request")
        url = _field(tokens[0])
        client_ip = _field(tokens[1]).split("/", 1)[0] if len(tokens) > 1 else ""
        user = _field(tokens[2]) if len(tokens) > 2 else ""
        method = tokens[3] if len(tokens) > 3 else ""
        if not url:
            return Parsed(channel, None, "bad_request")
        return Parsed(channel, FilterRequest(url=url, client_ip=client_ip, user=user), "", method)

    def redirect_url(self, decision: Decision, url: str, token: str = "") -> str:
        """The block page URL for a blocked ``url``: with ``token`` (signed facts), the
        token alone; otherwise the reason, category, profile and URL as parameters."""
        if token:
            return f"{self.block_url}{self._sep}t={token}"
        query = [("reason", decision.reason), ("category", decision.category),
                 ("profile", decision.profile), ("url", url.split("?", 1)[0][:1000])]  # fmt: skip
        encoded = "&".join(f"{k}={quote(v, safe='')}" for k, v in query if v)
        return f"{self.block_url}{self._sep}{encoded}"

    def answer(self, parsed: Parsed, decision: Decision, failed: bool, token: str = "") -> str:
        head = f"{parsed.channel} " if parsed.channel else ""
        if decision.action is Action.ALLOW:
            if failed:
                return f"{head}ERR message={_enc(decision.reason)}"
            return f"{head}OK"
        url = parsed.request.url if parsed.request is not None else ""
        target = self.redirect_url(decision, url, token)
        return f"{head}OK status=302 url={quote(target, safe='')}"


Protocol = AclProtocol | RewriteProtocol
# What the ACL helper keeps per authority: the verdict, the answer, and the log line's text
# from the profile to the host and from the action to the end.
_Entry = tuple[HostVerdict, str, str, str]


class Helper:
    """Answers lines for one protocol from the holder's current engine."""

    def __init__(
        self,
        protocol: Protocol,
        holder: SnapshotHolder,
        *,
        profile: str | None = None,
        alarm: Alarm | None = None,
        block_key: bytes | None = None,
    ) -> None:
        self.protocol = protocol
        self.holder = holder
        self.profile = profile or None
        self.block_key = block_key
        self.alarm = alarm or holder.alarm
        self.lines = 0
        self.failures = 0
        self.cache_size = max(1, holder.cache_size)
        self._engine: Engine | None = None
        self._hosts: dict[str, dict[str, _Entry]] = {}
        self._older: dict[str, dict[str, _Entry]] = {}
        self._literals: dict[str, tuple[str, ...] | None] = {}
        self._profile_of: dict[tuple[str, str], str] = {}
        self._tails: dict[tuple[tuple[str, ...], str], tuple[str, str, str]] = {}

    def _fail(self, parsed: Parsed, reason: str) -> str:
        self.failures += 1
        policy = self.holder.policy
        name = self.profile or ""
        if not name and policy is not None:
            req = parsed.request
            name = policy.profile_for(req.user, req.client_ip) if req else ""
        decision = fail_closed_decision(name, reason, policy)
        log = self.holder.log
        if log is not None and parsed.request is not None:
            log.submit(parsed.request, decision)
        return self.protocol.answer(parsed, decision, True, self._token(parsed, decision))

    def _token(self, parsed: Parsed, decision: Decision) -> str:
        """The signed block-page token of a blocked request (``""`` without a key)."""
        key = self.block_key
        if key is None or decision.action is not Action.BLOCK:
            return ""
        req = parsed.request
        url = req.url if req is not None else ""
        host, path, _query = split_url(url) if url else ("", "", "")
        fields = {
            "host": host,
            "url": f"{host}/{path}" if host else "",
            "profile": decision.profile,
            "category": decision.category,
            "list": decision.list_name,
            "rule": decision.rule,
            "reason": decision.reason,
            "clause": decision.clause,
            "client_ip": req.client_ip if req is not None else "",
            "user": req.user if req is not None else "",
        }
        return blocktoken.sign(fields, key, int(time.time()))

    def _failed_decision(self, decision: Decision, line: str) -> None:
        self.failures += 1
        self.alarm(
            decision.reason,
            f"{self.protocol.name}: no decision ({decision.reason}) for the line "
            f"{line[:200]!r}; answered {decision.action.value}",
        )

    def answer_line(self, raw: bytes) -> str:
        """The answer to one request line (without its newline). Never raises."""
        self.lines += 1
        parsed = Parsed("", None, "error")
        try:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if len(raw) > MAX_LINE:
                parsed = Parsed(_channel(line[:64].split()), None, "bad_request")
            else:
                parsed = self.protocol.parse(line)
            if parsed.request is None:
                self.alarm("bad-line", f"{self.protocol.name}: cannot read the line {line[:200]!r}")
                return self._fail(parsed, parsed.error or "bad_request")
            engine = self.holder.engine
            if engine is None:
                return self._fail(parsed, "no_snapshot")
            decision = engine.decide(parsed.request, self.profile)
            failed = decision.rule in _FAILED_RULES
            if failed:
                self._failed_decision(decision, line)
            return self.protocol.answer(parsed, decision, failed, self._token(parsed, decision))
        except Exception as exc:  # every line gets an answer, blocked on error
            self.alarm("internal", f"{self.protocol.name}: internal error: {exc!r}")
            try:
                return self._fail(parsed, "error")
            except Exception:
                head = f"{parsed.channel} " if parsed.channel else ""
                return (
                    f"{head}ERR message=error"
                    if isinstance(self.protocol, AclProtocol)
                    else f"{head}OK status=302 url={quote(self.protocol.block_url, safe='')}"
                )

    def _reset(self, engine: Engine) -> None:
        """Forget what was kept for another snapshot."""
        self._engine = engine
        self._hosts = {}
        self._older = {}
        self._literals = {}
        self._profile_of = {}
        self._tails = {}

    def _texts(self, decision: Decision) -> tuple[str, str, str] | None:
        """The answer to an ``external_acl_type`` line without its channel (with its
        newline), the log line's profile column and its columns from the action on; kept
        per distinct answer (everything of a decision but its key and clause). ``None`` for
        a decision that failed (it takes the careful path)."""
        d = decision
        key = (d[:6], d.tag)
        texts = self._tails.get(key)
        if texts is None:
            if d.rule in _FAILED_RULES:
                return None
            if len(self._tails) >= TAIL_CACHE:
                self._tails.clear()
            profile, suffix = decision_fields(d)
            texts = (self.protocol.answer(Parsed("", None), d, False) + "\n", profile, suffix)
            self._tails[key] = texts
        return texts

    def _host_entry(self, engine: Engine, name: str, authority: str) -> _Entry | None:
        """What the helper keeps per profile and authority: the verdict, its answer, the
        log columns from the profile to the host, and the columns from the action on."""
        verdict = engine.host_verdict(name, authority)
        if verdict is None:
            return None
        texts = self._texts(verdict.decision)
        if texts is None:
            return None
        tail, profile, suffix = texts
        host = verdict.host
        return verdict, tail, f"\t{profile}\t{host}\t{host}", suffix

    def answer_batch(self, lines: list[bytes]) -> bytes:
        """The answers to ``lines``, each ending with a newline.

        Plain ``external_acl_type`` lines of a profile without schedules take a short path:
        the verdict of each authority is kept (``--cache-size`` of them per profile) with
        its answer text and the fixed part of its log line, so a line costs a split, a dict
        look-up and, when the profile has URL rules or expressions there, the path's check
        (:meth:`Engine.refine`). It gives the same answers and log lines as
        :meth:`answer_line`, which takes everything else (escaped fields, control
        characters, bad lines, profiles with schedules, no snapshot)."""
        engine = self.holder.engine
        if engine is None or not isinstance(self.protocol, AclProtocol):
            return "".join(self.answer_line(raw) + "\n" for raw in lines).encode("utf-8", "replace")
        if engine is not self._engine:
            self._reset(engine)
        log = self.holder.log
        logged: list[str] = []
        stamp = format_stamp(time.time()) if log is not None else ""
        hosts = self._hosts
        fixed = self.profile
        mapped = engine.mapped
        default = engine.policy.default_profile
        profile_of = self._profile_of
        literals = self._literals
        limit = self.cache_size
        half = max(1, limit // 2)
        refine = engine.refine
        signing = self.block_key is not None
        out: list[str] = []
        append = out.append
        fast = 0

        def careful(raw: bytes) -> str:
            # the log keeps the order of the lines: what the short path queued goes first
            if logged and log is not None:
                log.submit_lines(logged)
                logged.clear()
            return self.answer_line(raw) + "\n"

        for raw in lines:
            text = raw.decode("ascii", "replace") if raw.isascii() else ""
            # escaped fields, control characters and very long lines take the careful path
            plain = len(raw) <= _SHORT_LINE and "%" not in text and text.isprintable()
            tokens = text.split() if plain else ()
            head = ""
            if tokens and tokens[0].isdigit():
                head = tokens[0] + " "
                del tokens[0]
            if len(tokens) < 3:
                append(careful(raw))
                continue
            ip, user, url = tokens[0], tokens[1], tokens[2]
            if url == "-":
                append(careful(raw))
                continue
            name = fixed
            if name is None:
                if mapped:
                    who = (user, ip)
                    name = profile_of.get(who)
                    if name is None:
                        name = engine.profile_for("" if user == "-" else user,
                                                  "" if ip == "-" else ip)  # fmt: skip
                        if len(profile_of) >= limit:
                            profile_of.clear()
                        profile_of[who] = name
                else:
                    name = default
            cache = hosts.get(name)
            if cache is None:
                if not engine.fast_profile(name):
                    append(careful(raw))
                    continue
                cache = hosts[name] = {}
                self._older[name] = {}
                literals[name] = engine.expression_literals(name)
            m = _AUTHORITY(url)
            authority = m.group(1) if m is not None else ""
            if authority[-4:] == ":443" and authority.count(":") == 1:
                authority = authority[:-4]  # the same host as HTTP and CONNECT: one entry
            entry = cache.get(authority)
            if entry is None:
                # Two generations: when the young one is full it becomes the old one, and
                # an entry found in the old one moves back (an LRU cache, near enough,
                # at the cost of a dict look-up).
                entry = self._older[name].get(authority) or self._host_entry(
                    engine, name, authority
                )
                if entry is None:
                    append(careful(raw))
                    continue
                if len(cache) >= half:
                    self._older[name] = cache
                    cache = hosts[name] = {}
                cache[authority] = entry
            verdict, tail, middle, suffix = entry
            if verdict.overridden:  # a timed override names the host: user and time matter
                append(careful(raw))
                continue
            rest = url[m.end() :] if m is not None else ""
            if not verdict.final:
                # expression_probe() and the literal search, inline (the line has no "%")
                lits = literals[name]
                probe = ""
                if lits is not None and not verdict.url_hosts:
                    if not rest:
                        probe = verdict.host + "/"
                    elif rest[0] == "/" and not ("\\" in rest or "//" in rest or "/?" in rest):
                        probe = verdict.host + rest.lower()
                if probe and lits is not None and not any(map(probe.__contains__, lits)):
                    decision = verdict.decision
                else:
                    decision = refine(name, verdict, rest)
                if decision is not verdict.decision:
                    refined = self._texts(decision)
                    if refined is None:
                        append(careful(raw))
                        continue
                    tail, _, suffix = refined
            if signing and tail[0] == "E":  # a blocked line carries its own signed token
                append(careful(raw))
                continue
            fast += 1
            append(head + tail)
            if log is not None:
                if "?" in rest or "#" in rest:
                    rest = rest.split("?", 1)[0].split("#", 1)[0]
                logged.append(f"{stamp}\t{ip}\t{user}{middle}{rest}\t{suffix}")
        self.lines += fast
        if logged and log is not None:
            log.submit_lines(logged)
        return "".join(out).encode()


def serve(helper: Helper, stdin: BinaryIO | int, stdout: BinaryIO | int) -> int:
    """Answer lines from ``stdin`` until it closes; returns the exit status (0)."""
    in_fd = stdin if isinstance(stdin, int) else stdin.fileno()
    out_fd = stdout if isinstance(stdout, int) else stdout.fileno()
    pending = b""
    holder = helper.holder
    while True:
        try:
            chunk = os.read(in_fd, READ_SIZE)
        except InterruptedError:
            continue
        if not chunk:
            if pending.strip():
                _write_all(out_fd, (helper.answer_line(pending) + "\n").encode())
            return 0
        pending += chunk
        if b"\n" not in chunk:
            if len(pending) > MAX_LINE * 4:
                # a line that never ends: answer it (blocked) and skip to its end
                _write_all(out_fd, (helper.answer_line(pending) + "\n").encode())
                pending = b""
            continue
        *lines, pending = pending.split(b"\n")
        try:
            holder.refresh()
        except Exception as exc:  # keep answering from what the helper has
            holder.alarm("refresh", f"cannot check the snapshot {holder.path}: {exc!r}")
        _write_all(out_fd, helper.answer_batch(lines))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# -- command line ---------------------------------------------------------------------


def _common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--snapshot", type=Path, required=True, help="snapshot (aup filter compile)")
    p.add_argument(
        "--profile",
        default=None,
        help="use this profile for every request (one proxy port per network)",
    )
    p.add_argument(
        "--policy",
        type=Path,
        default=None,
        help="policy (TOML) used only while no snapshot can be opened, to map requests to "
        "profiles and honour fail_open; without it every request is blocked then",
    )
    p.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        help="decision log folder (default: $OPENAUP_DATA_DIR/filter-log)",
    )
    p.add_argument("--no-log", action="store_true", help="do not write the decision log")
    p.add_argument(
        "--block-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="key that signs block-page tokens (the web app's block.key): a blocked request's "
        "message (squid-acl) or redirect (squid-rewrite) then carries ?t=<token>",
    )
    p.add_argument(
        "--cache-size",
        type=int,
        default=HELPER_CACHE_SIZE,
        metavar="N",
        help=f"host verdicts each helper keeps (default {HELPER_CACHE_SIZE}; "
        "more uses more private memory per helper)",
    )


def _run(args: argparse.Namespace, protocol: Protocol) -> int:
    alarm = Alarm(name=f"aup filter {protocol.name}")
    fallback = None
    if args.policy is not None:
        try:
            fallback = load_policy(args.policy)
        except PolicyError as exc:
            sys.stderr.write(f"aup filter {protocol.name}: {exc}\n")
            return 2
    log = None
    if not args.no_log:
        log = DecisionLog(args.log_dir or default_log_dir()).start()
    if args.cache_size < 0:
        sys.stderr.write(f"aup filter {protocol.name}: --cache-size must be 0 or more\n")
        return 2
    holder = SnapshotHolder(
        args.snapshot, fallback=fallback, log=log, alarm=alarm, cache_size=args.cache_size
    )
    if (
        args.profile
        and holder.snapshot is not None
        and args.profile not in holder.snapshot.profiles
    ):
        sys.stderr.write(
            f"aup filter {protocol.name}: no profile {args.profile!r} in {args.snapshot} "
            f"(profiles: {', '.join(holder.snapshot.profiles)})\n"
        )
        return 2
    block_key = None
    if args.block_key is not None:
        try:
            block_key = blocktoken.load_key(args.block_key)
        except (OSError, ValueError) as exc:
            # Blocking goes on; the block page then says it cannot verify the link.
            alarm("block-key", f"cannot read the block-page key {args.block_key}: {exc}")
    helper = Helper(protocol, holder, profile=args.profile, alarm=alarm, block_key=block_key)
    try:
        return serve(helper, sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        holder.close()
        if log is not None:
            log.close()
            if log.dropped:
                sys.stderr.write(
                    f"aup filter {protocol.name}: decision log: {log.dropped} entries lost\n"
                )


def _squid_acl(args: argparse.Namespace) -> int:
    return _run(args, AclProtocol())


def _squid_rewrite(args: argparse.Namespace) -> int:
    return _run(args, RewriteProtocol(args.block_url))


def add_squid_acl(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "squid-acl",
        help="Squid external_acl_type helper (fails closed)",
        description="Squid external_acl_type helper: input '[channel] client-IP user URL', "
        "answers OK (allowed) or ERR message=<reason> tag=<tag> (blocked). See docs/squid.md.",
    )
    _common_args(p)
    p.set_defaults(handler=_squid_acl)


def add_squid_rewrite(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "squid-rewrite",
        help="Squid url_rewrite_program helper (redirects to the block page)",
        description="Squid url_rewrite_program helper: input '[channel] URL [client-IP/fqdn "
        "user method ...]', answers OK status=302 url=<block page> (blocked) or OK. Squid "
        "lets requests through when this helper fails: see docs/squid.md.",
    )
    _common_args(p)
    p.add_argument("--block-url", required=True,
                   help="block page URL; reason, category, profile and url are added as "
                        "query parameters")  # fmt: skip
    p.set_defaults(handler=_squid_rewrite)
