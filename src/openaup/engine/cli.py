"""``aup filter ...``: the engine's commands, without Django.

Each subcommand is registered by its own ``add_<name>(subparsers)`` function listed in
:data:`COMMANDS`; the function sets ``handler`` to a callable taking the parsed arguments
and returning the exit status.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from openaup.engine.policy import DEFAULT_POLICY, PolicyError, load_policy
from openaup.engine.squid import add_squid_acl, add_squid_rewrite

# The compiler, the RPZ writer and the lists reader are imported by the commands that use
# them: a Squid helper starts without them (Squid starts and restarts helpers often).

__all__ = ["COMMANDS", "build_parser", "main"]


def _policy_template(args: argparse.Namespace) -> int:
    sys.stdout.write(DEFAULT_POLICY)
    return 0


def add_policy_template(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("policy-template", help="print the default policy (TOML)")
    p.set_defaults(handler=_policy_template)


def _compile(args: argparse.Namespace) -> int:
    from openaup.engine.compiler import compile_snapshot
    from openaup.engine.lists import ListError

    try:
        policy = load_policy(args.policy)
        report = compile_snapshot(args.lists, policy, args.out)
    except (PolicyError, ListError) as exc:
        sys.stderr.write(f"aup filter compile: {exc}\n")
        return 2
    for problem in report.problems:
        sys.stderr.write(f"warning: {problem}\n")
    if report.unknown_categories:
        sys.stderr.write(
            "warning: the policy names categories no list provides (nothing will match them): "
            + ", ".join(report.unknown_categories)
            + "\n"
        )
    sys.stdout.write(report.summary() + "\n")
    return 1 if args.strict and report.unknown_categories else 0


def add_compile(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("compile", help="compile category lists and a policy into a snapshot")
    p.add_argument(
        "--lists",
        nargs="+",
        required=True,
        type=Path,
        metavar="DIR",
        help="list folders (UT1/squidGuard layout, plain or hosts-file lists)",
    )
    p.add_argument("--policy", type=Path, default=None,
                   help="policy file (TOML); default: the built-in default policy")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="snapshot file to write")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the policy names a category no list provides")  # fmt: skip
    p.set_defaults(handler=_compile)


def _check(args: argparse.Namespace) -> int:
    from openaup.engine.decide import Engine
    from openaup.engine.decision import FilterRequest
    from openaup.engine.snapshot import Snapshot, SnapshotError

    try:
        snapshot = Snapshot.open(args.snapshot)
    except SnapshotError as exc:
        sys.stderr.write(f"aup filter check: {exc}\n")
        return 2
    with snapshot:
        if args.profile and args.profile not in snapshot.profiles:
            sys.stderr.write(
                f"aup filter check: no profile {args.profile!r} "
                f"(profiles: {', '.join(snapshot.profiles)})\n"
            )
            return 2
        engine = Engine(snapshot)
        for url in args.urls:
            d = engine.decide(
                FilterRequest(url=url, client_ip=args.client_ip, user=args.user),
                profile=args.profile,
            )
            out = {
                "url": url,
                "action": d.action.value,
                "profile": d.profile,
                "category": d.category,
                "list": d.list_name,
                "rule": d.rule,
                "clause": d.clause,
                "key": d.key,
                "reason": d.reason,
                "tag": d.tag,
            }
            sys.stdout.write(json.dumps(out) + "\n")
    return 0


def add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="print the decision for each URL as one JSON line")
    p.add_argument("--snapshot", type=Path, required=True)
    p.add_argument(
        "--profile",
        default=None,
        help="profile to use (default: from --user/--client-ip, or the default profile)",
    )
    p.add_argument("--user", default="")
    p.add_argument("--client-ip", default="")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.set_defaults(handler=_check)


def _rpz(args: argparse.Namespace) -> int:
    from openaup.engine.rpz import DEFAULT_ORIGIN, RpzError, build_rpz, write_rpz

    args.origin = args.origin or DEFAULT_ORIGIN
    at = None
    if args.at:
        try:
            at = datetime.datetime.fromisoformat(args.at)
        except ValueError:
            sys.stderr.write(
                f"aup filter rpz: --at {args.at!r} is not a date and time "
                "(e.g. 2026-09-01T10:00-06:00)\n"
            )
            return 2
    try:
        policy = load_policy(args.policy)
        if args.out is None:
            text, report = build_rpz(args.lists, policy, args.profile, origin=args.origin, at=at)
            sys.stdout.write(text)
        else:
            report = write_rpz(args.lists, policy, args.profile, args.out, args.origin, at=at)
    except (PolicyError, RpzError) as exc:
        sys.stderr.write(f"aup filter rpz: {exc}\n")
        return 2
    for note in report.notes():
        sys.stderr.write(f"warning: {note}\n")
    (sys.stderr if args.out is None else sys.stdout).write(report.summary() + "\n")
    return 0


def add_rpz(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rpz", help="write a DNS Response Policy Zone for one profile (BIND, Unbound, PowerDNS)"
    )
    p.add_argument("--lists", nargs="+", required=True, type=Path, metavar="DIR",
                   help="list folders, as for compile")  # fmt: skip
    p.add_argument("--policy", type=Path, default=None,
                   help="policy file (TOML); default: the built-in default policy")  # fmt: skip
    p.add_argument("--profile", required=True, help="the profile the zone is for")
    p.add_argument("--origin", default=None,
                   help="the zone's name (default rpz.openaup.)")  # fmt: skip
    p.add_argument("--out", type=Path, default=None,
                   help="zone file to write atomically; default: standard output")  # fmt: skip
    p.add_argument("--at", default="",
                   help="take scheduled rules as at this date and time (default: now)")  # fmt: skip
    p.set_defaults(handler=_rpz)


COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_policy_template,
    add_compile,
    add_check,
    add_squid_acl,
    add_squid_rewrite,
    add_rpz,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aup filter", description="OpenAUP filter engine")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
