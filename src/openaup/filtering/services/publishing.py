"""Publishing the filter: the settings rows become the engine's policy file, which is
compiled into the snapshot the Squid helpers read.

- :func:`build_policy` writes the TOML (``docs/filter-policy.md``) from the rows: profiles
  and rules, categories' tags and clauses, schedules, ``[networks]`` and ``[users]`` (from
  the directory) and the timed overrides.
- :func:`publish_policy` checks it with the engine, records a :class:`PolicyRevision`
  (``compiling``), writes ``policy.toml`` and enqueues the compile
  (:func:`openaup.filtering.tasks.compile_policy`), which runs :func:`compile_revision`: the
  snapshot is renamed in, the revision becomes live, the one before it superseded. A compile
  that fails leaves the live snapshot in place and keeps the error on the revision.
- :func:`rollback_to` publishes an earlier revision's policy again and brings the settings
  rows back to what they were then; :func:`recompile_live` compiles the live policy again
  with the current lists.

Per-school hours: when a school has its own schedule of the same name as a district one
(``school_hours``), every profile whose rules use that schedule gets a per-school variant,
``<profile>@<school>``, using ``<schedule>@<school>``; that school's students, staff and
networks are mapped to the variant.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from openaup.audit.services import record
from openaup.engine.files import write_atomically
from openaup.engine.policy import Policy, PolicyError, parse_policy
from openaup.filtering import paths
from openaup.filtering.choices import AssignmentKind, RevisionStatus, RuleState
from openaup.filtering.models import (
    Category,
    FilterProfile,
    FilterSchedule,
    PolicyRevision,
    ProfileAssignment,
    ProfileRule,
)
from openaup.filtering.querysets import manages_filter
from openaup.filtering.services.profiles import DEFAULT_PROFILE, grade_index

__all__ = [
    "DiffLine",
    "FilterStatus",
    "build_policy",
    "check_policy",
    "compile_revision",
    "diff_policies",
    "filter_status",
    "minors_blocking_nothing",
    "people_profiles",
    "publish_policy",
    "recompile_if_outdated",
    "recompile_live",
    "refresh_people",
    "rollback_to",
    "settings_snapshot",
    "with_people",
]

_BLOCKING = (RuleState.LOCKED_BLOCK, RuleState.BLOCK)


def _check_actor(actor: Any) -> None:
    if actor is not None and not manages_filter(actor):
        raise PermissionDenied(
            "Only district administrators and technology staff publish the filter."
        )


# -- the policy file --------------------------------------------------------------------------


def _q(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _school_key(school: Any) -> str:
    return slugify(school.identifier or "") or f"school{school.pk}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return _list(str(v) for v in value)
    return _q(str(value))


def _people_profiles(
    profiles: dict[str, FilterProfile], variants: dict[tuple[str, int], str]
) -> dict[str, str]:
    """``{user name: profile}`` from the directory: a person's exception first, then the
    restricted profile (students past the due date of a campaign that restricts), then the
    grade band of their school (a school's own band before a district-wide one), then staff."""
    from openaup.directory.choices import PersonKind, PersonStatus
    from openaup.directory.models import Person
    from openaup.policies.choices import (
        CampaignStatus,
        MemberKind,
        OverdueAction,
        SigningStatus,
    )
    from openaup.policies.models import CampaignMember

    now = timezone.now()
    ids = {p.pk: name for name, p in profiles.items()}
    exceptions: dict[int, str] = {}
    for person_id, profile_id in (
        ProfileAssignment.objects.filter(kind=AssignmentKind.PERSON, person__isnull=False)
        .exclude(ends_at__lte=now)
        .order_by("created_at", "pk")
        .values_list("person_id", "profile_id")
    ):
        exceptions[person_id] = ids[profile_id]
    restricted = next((n for n, p in profiles.items() if p.restricted), "")
    overdue: set[int] = set()
    if restricted:
        overdue = set(
            CampaignMember.objects.filter(
                kind=MemberKind.STUDENT,
                campaign__status=CampaignStatus.OPEN,
                campaign__overdue_action=OverdueAction.RESTRICT,
                campaign__due_on__lt=timezone.localdate(),
            )
            .exclude(status=SigningStatus.SIGNED)
            .values_list("person_id", flat=True)
        )
    bands: list[tuple[int | None, int, int, str]] = []
    staff: dict[int | None, str] = {}
    for row in ProfileAssignment.objects.filter(
        kind__in=[AssignmentKind.GRADES, AssignmentKind.STAFF]
    ).order_by("pk"):
        name = ids[row.profile_id]
        if row.kind == AssignmentKind.GRADES:
            bands.append(
                (row.school_id, grade_index(row.grade_low), grade_index(row.grade_high), name)
            )
        else:
            staff.setdefault(row.school_id, name)
    bands.sort(key=lambda b: b[0] is None)

    def with_school(name: str, school_id: int | None) -> str:
        return variants.get((name, school_id or 0), name)

    users: dict[str, str] = {}
    people = (
        Person.objects.filter(status=PersonStatus.ACTIVE, enabled=True)
        .exclude(username="")
        .order_by("pk")
        .values_list("pk", "username", "kind", "grade", "school_id")
    )
    for pk, username, kind, grade, school_id in people:
        user = username.strip().lower()
        if not user or user == "-":
            continue
        name = exceptions.get(pk, "")
        if not name and kind == PersonKind.STUDENT:
            if pk in overdue:
                name = restricted
            else:
                g = grade_index(grade)
                name = next(
                    (
                        n
                        for s, lo, hi, n in bands
                        if (s is None or s == school_id) and lo <= g <= hi and g >= 0
                    ),
                    "",
                )
        elif not name and kind == PersonKind.STAFF:
            name = staff.get(school_id, staff.get(None, "")) if school_id else staff.get(None, "")
        if name:
            users[user] = with_school(name, school_id)
    return users


def _variants_full(
    profiles: dict[str, FilterProfile],
) -> tuple[
    dict[int, list[ProfileRule]],
    list[FilterSchedule],
    dict[str, FilterSchedule],
    dict[tuple[str, int], str],
    list[tuple[str, FilterProfile, dict[str, str]]],
]:
    """The rules by profile, the schedules, and the per-school variants of profiles whose
    rules use a schedule a school has its own hours for."""
    rules: dict[int, list[ProfileRule]] = {}
    for rule in ProfileRule.objects.select_related("schedule").order_by(
        "profile_id", "position", "pk"
    ):
        rules.setdefault(rule.profile_id, []).append(rule)
    schedules = list(FilterSchedule.objects.select_related("school").order_by("name", "pk"))
    district = {s.name: s for s in schedules if s.school_id is None}
    own: dict[int, dict[str, FilterSchedule]] = {}
    for s in schedules:
        if s.school_id is not None:
            own.setdefault(s.school_id, {})[s.name] = s
    # (profile name, school id) -> the per-school variant's name
    variants: dict[tuple[str, int], str] = {}
    variant_specs: list[tuple[str, FilterProfile, dict[str, str]]] = []
    for school_id, named in sorted(own.items()):
        school = next(iter(named.values())).school
        key = _school_key(school)
        for pname, profile in profiles.items():
            used = {r.schedule.name for r in rules.get(profile.pk, []) if r.schedule is not None}
            swap = {n: f"{n}@{key}" for n in used if n in named}
            if swap:
                vname = f"{pname}@{key}"
                variants[(pname, school_id)] = vname
                variant_specs.append((vname, profile, swap))

    return rules, schedules, district, variants, variant_specs


def _variants(
    profiles: dict[str, FilterProfile],
) -> tuple[dict[tuple[str, int], str], list[tuple[str, FilterProfile, dict[str, str]]]]:
    _rules, _schedules, _district, variants, specs = _variants_full(profiles)
    return variants, specs


def people_profiles() -> dict[str, str]:
    """``{user name: profile}`` as the draft policy maps the directory's people."""
    profiles = {p.name: p for p in FilterProfile.objects.all()}
    return _people_profiles(profiles, _variants(profiles)[0])


def build_policy(now: datetime.datetime | None = None) -> str:
    """The engine's policy (TOML) from the settings rows, the directory and the current
    overrides. The default profile is ``guest`` when it exists, else the first profile."""
    from openaup.filtering.services.requests import override_tables

    now = now or timezone.now()
    profiles = {p.name: p for p in FilterProfile.objects.order_by("position", "name")}
    rules, schedules, district, variants, variant_specs = _variants_full(profiles)
    out = [
        "# OpenAUP filter policy, written by the web app (format: docs/filter-policy.md).",
        "# Edit the profiles in the app and publish; changes made here are overwritten.",
        "",
        "[filter]",
        "default_profile = "
        + _q(DEFAULT_PROFILE if DEFAULT_PROFILE in profiles else next(iter(profiles), "")),
        f"timezone = {_q(settings.TIME_ZONE)}",
        "",
    ]
    for s in schedules:
        name = s.name if s.school_id is None else f"{s.name}@{_school_key(s.school)}"
        if s.school_id is not None and s.name not in district:
            continue
        out += [
            f"[schedules.{_q(name)}]",
            f"days = {_list(s.days)}",
            f"start = {_q(s.start.isoformat('minutes'))}",
            f"end = {_q(s.end.isoformat('minutes'))}",
            "",
        ]
    for cat in Category.objects.exclude(tag="", clause="").order_by("name"):
        out.append(f"[categories.{_q(cat.name)}]")
        if cat.tag:
            out.append(f"tag = {_q(cat.tag)}")
        if cat.clause:
            out.append(f"clause = {_q(cat.clause)}")
        out.append("")
    out += ["[users]"]
    out += [f"{_q(u)} = {_q(p)}" for u, p in sorted(_people_profiles(profiles, variants).items())]
    out += ["", "[networks]"]
    for row in ProfileAssignment.objects.filter(kind=AssignmentKind.NETWORK).select_related(
        "profile"
    ):
        pname = variants.get((row.profile.name, row.school_id or 0), row.profile.name)
        label = f"   # {row.name}" if row.name else ""
        out.append(f"{_q(row.network)} = {_q(pname)}{label.replace(chr(10), ' ')}")
    out.append("")

    def profile_block(name: str, profile: FilterProfile, swap: dict[str, str]) -> list[str]:
        block = [
            f"[profiles.{_q(name)}]",
            f"description = {_q(profile.title or profile.description or profile.name)}",
            f"minor = {_toml_value(profile.minor)}",
            f"fail_open = {_toml_value(profile.fail_open)}",
            f"default = {_q(profile.default_action)}",
            f"safesearch = {_toml_value(profile.safesearch)}",
            f"youtube = {_q(profile.youtube)}",
            "",
        ]
        for rule in rules.get(profile.pk, []):
            block += [
                f"[[profiles.{_q(name)}.rules]]",
                f"name = {_q(rule.name)}",
                f"state = {_q(rule.state)}",
            ]
            if rule.clause:
                block.append(f"clause = {_q(rule.clause)}")
            for key in ("categories", "hosts", "urls"):
                values = getattr(rule, key)
                if values:
                    block.append(f"{key} = {_list(values)}")
            if rule.schedule is not None:
                sname = swap.get(rule.schedule.name, rule.schedule.name)
                block.append(f"{'outside' if rule.outside_schedule else 'during'} = {_q(sname)}")
            block.append("")
        return block

    for name, profile in profiles.items():
        out += profile_block(name, profile, {})
    for vname, profile, swap in variant_specs:
        out += profile_block(vname, profile, swap)
    for table in override_tables(now):
        out.append("[[overrides]]")
        out += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def check_policy(text: str) -> Policy:
    """The policy parsed by the engine; a ``ValidationError`` on ``policy`` with the
    engine's message when it is refused."""
    try:
        return parse_policy(text, origin="policy.toml")
    except PolicyError as exc:
        raise ValidationError({"policy": f"The engine refuses the policy: {exc}"}) from None


def minors_blocking_nothing(policy: Policy) -> list[str]:
    """Minors' profiles whose rules block nothing and whose default is to allow."""
    empty = []
    for name, profile in policy.profiles.items():
        if not profile.minor or profile.default == "block":
            continue
        if not any(
            r.state in _BLOCKING and (r.categories or r.hosts or r.urls) for r in profile.rules
        ):
            empty.append(name)
    return empty


def settings_snapshot() -> dict[str, Any]:
    """The settings rows as plain data, kept on each revision for rolling back."""
    return {
        "profiles": [
            {
                "name": p.name,
                "title": p.title,
                "description": p.description,
                "minor": p.minor,
                "fail_open": p.fail_open,
                "default_action": p.default_action,
                "safesearch": p.safesearch,
                "youtube": p.youtube,
                "restricted": p.restricted,
                "position": p.position,
                "rules": [
                    {
                        "name": r.name,
                        "state": r.state,
                        "categories": r.categories,
                        "hosts": r.hosts,
                        "urls": r.urls,
                        "clause": r.clause,
                        "schedule": r.schedule_id,
                        "outside_schedule": r.outside_schedule,
                        "position": r.position,
                    }
                    for r in p.rules.all()
                ],
            }
            for p in FilterProfile.objects.prefetch_related("rules")
        ],
        "schedules": [
            {
                "id": s.pk,
                "name": s.name,
                "school": s.school_id,
                "days": s.days,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
            }
            for s in FilterSchedule.objects.all()
        ],
        "categories": {c.name: [c.tag, c.clause] for c in Category.objects.all()},
        "assignments": [
            {
                "kind": a.kind,
                "profile": a.profile.name,
                "school": a.school_id,
                "grade_low": a.grade_low,
                "grade_high": a.grade_high,
                "network": a.network,
                "name": a.name,
                "person": a.person_id,
                "reason": a.reason,
                "ends_at": a.ends_at.isoformat() if a.ends_at else None,
            }
            for a in ProfileAssignment.objects.select_related("profile")
        ],
    }


def _restore_settings(data: dict[str, Any]) -> None:
    """Bring the settings rows back to ``data`` (:func:`settings_snapshot`)."""
    from openaup.directory.models import Person, School

    schools = set(School.objects.values_list("pk", flat=True))
    people = set(
        Person.objects.filter(
            pk__in=[a["person"] for a in data["assignments"] if a["person"]]
        ).values_list("pk", flat=True)
    )
    ProfileAssignment.objects.all().delete()
    ProfileRule.objects.all().delete()
    schedule_ids: dict[int, FilterSchedule] = {}
    keep_schedules = []
    for s in data["schedules"]:
        if s["school"] is not None and s["school"] not in schools:
            continue
        row, _ = FilterSchedule.objects.update_or_create(
            name=s["name"],
            school_id=s["school"],
            defaults={
                "days": s["days"],
                "start": datetime.time.fromisoformat(s["start"]),
                "end": datetime.time.fromisoformat(s["end"]),
            },
        )
        schedule_ids[s["id"]] = row
        keep_schedules.append(row.pk)
    FilterSchedule.objects.exclude(pk__in=keep_schedules).delete()
    names = []
    for p in data["profiles"]:
        fields = {k: v for k, v in p.items() if k not in ("name", "rules")}
        profile, _ = FilterProfile.objects.update_or_create(name=p["name"], defaults=fields)
        names.append(profile.name)
        for r in p["rules"]:
            ProfileRule.objects.create(
                profile=profile,
                **{k: v for k, v in r.items() if k != "schedule"},
                schedule=schedule_ids.get(r["schedule"]) if r["schedule"] else None,
            )
    FilterProfile.objects.exclude(name__in=names).delete()
    for name, (tag, clause) in data["categories"].items():
        Category.objects.filter(name=name).update(tag=tag, clause=clause)
    by_name = {p.name: p for p in FilterProfile.objects.all()}
    for a in data["assignments"]:
        if (a["school"] is not None and a["school"] not in schools) or (
            a["person"] is not None and a["person"] not in people
        ):
            continue
        ends = datetime.datetime.fromisoformat(a["ends_at"]) if a["ends_at"] else None
        ProfileAssignment.objects.create(
            **{k: v for k, v in a.items() if k not in ("profile", "school", "person", "ends_at")},
            profile=by_name[a["profile"]],
            school_id=a["school"],
            person_id=a["person"],
            ends_at=ends,
        )


# -- publishing -------------------------------------------------------------------------------


def _settings_for(toml: str | None, rollback_of: PolicyRevision | None) -> dict[str, Any]:
    """The settings a revision publishes: the rows, for a draft; the earlier revision's, for
    a rollback; the live revision's, for its policy published again (with new overrides)."""
    if toml is None:
        return settings_snapshot()
    if rollback_of is not None:
        return rollback_of.settings
    live = PolicyRevision.objects.live().first()
    return live.settings if live is not None else settings_snapshot()


def _enqueue(revision_id: int, *, sync: bool) -> None:
    if sync:
        compile_revision(revision=PolicyRevision.objects.get(pk=revision_id))
        return
    from openaup.filtering.tasks import compile_policy

    compile_policy.enqueue(revision_id)


@transaction.atomic
def publish_policy(
    *,
    actor: Any,
    note: str,
    confirm_reason: str = "",
    sync: bool = False,
    _toml: str | None = None,
    _rollback_of: PolicyRevision | None = None,
) -> PolicyRevision:
    """Publish the draft: check it with the engine, refuse a minors' profile that blocks
    nothing unless ``confirm_reason`` says why, record a revision (``compiling``) with the
    settings it publishes, and after the commit write ``policy.toml`` and compile (in the
    worker; with ``sync``, at once, before returning). Records ``filter.policy.published``
    (with the confirmation reason, if any). ``_toml`` publishes a given policy text instead
    of the draft (a rollback; the live policy again with new overrides)."""
    _check_actor(actor)
    text = build_policy() if _toml is None else _toml
    policy = check_policy(text)
    empty = minors_blocking_nothing(policy)
    confirm_reason = confirm_reason.strip()
    if empty and not confirm_reason:
        raise ValidationError(
            {
                "confirm_reason": "These minors' profiles would block nothing: "
                f"{', '.join(empty)}. Give a reason to publish anyway."
            }
        )
    # Revisions are numbered under a lock on the live one, so two publishes never clash.
    list(PolicyRevision.objects.select_for_update().filter(status=RevisionStatus.LIVE))
    number = (PolicyRevision.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = PolicyRevision.objects.create(
        number=number,
        toml=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        note=note.strip()[:500],
        published_at=timezone.now(),
        published_by=actor if actor is not None and actor.is_authenticated else None,
        rollback_of=_rollback_of,
        confirmed_reason=confirm_reason[:500] if empty else "",
        settings=_settings_for(_toml, _rollback_of),
    )
    record(
        "filter.policy.published",
        actor=actor,
        obj=revision,
        reason=revision.confirmed_reason,
        changes={
            "number": number,
            "sha256": revision.sha256,
            "note": revision.note,
            "rollback_of": _rollback_of.number if _rollback_of else None,
            "minors_blocking_nothing": empty,
        },
    )
    policy_file = paths.policy_path()

    def after_commit() -> None:
        write_atomically(policy_file, text)
        _enqueue(revision.pk, sync=sync)

    if sync:  # the demo loader and commands: compiled before this returns
        after_commit()
        revision.refresh_from_db()
    else:
        transaction.on_commit(after_commit)
    return revision


@transaction.atomic
def rollback_to(
    *,
    actor: Any,
    revision: PolicyRevision,
    note: str = "",
    confirm_reason: str = "",
    sync: bool = False,
) -> PolicyRevision:
    """Publish ``revision``'s policy again, as a new revision, and bring the settings rows
    back to what it published. Records ``filter.policy.rolled_back`` and the publication."""
    _check_actor(actor)
    if revision.settings:
        _restore_settings(revision.settings)
    record(
        "filter.policy.rolled_back",
        actor=actor,
        obj=revision,
        changes={"to": revision.number},
    )
    return publish_policy(
        actor=actor,
        note=note or f"Roll back to revision {revision.number}",
        confirm_reason=confirm_reason or revision.confirmed_reason,
        sync=sync,
        _toml=revision.toml,
        _rollback_of=revision,
    )


@transaction.atomic
def recompile_live(*, actor: Any, reason: str, sync: bool = False) -> PolicyRevision | None:
    """Compile the live revision's policy again with the lists as they are now (after a
    list update). Records ``filter.policy.recompiled``; ``None`` when nothing is live."""
    _check_actor(actor)
    live = PolicyRevision.objects.live().first()
    if live is None:
        return None
    record("filter.policy.recompiled", actor=actor, obj=live, reason=reason)
    if sync:
        _enqueue(live.pk, sync=True)
        live.refresh_from_db()
    else:
        transaction.on_commit(lambda: _enqueue(live.pk, sync=False))
    return live


def recompile_if_outdated(*, sync: bool = False) -> PolicyRevision | None:
    """Compile the live policy again when the snapshot on disk was written in another
    format version (after an upgrade of OpenAUP: the helpers refuse such a file and block).
    ``None`` when the snapshot is readable, missing, or nothing is live."""
    from openaup.engine.snapshot import Snapshot, SnapshotError

    path = paths.snapshot_path()
    if not path.exists():
        return None
    try:
        Snapshot.open(path, verify=False).close()
    except SnapshotError as exc:
        if "format version" not in str(exc):
            return None
        return recompile_live(actor=None, reason=f"snapshot of another version: {exc}", sync=sync)
    return None


_USERS_TABLE = re.compile(r"^\[users\]\n(?:.*\n)*?\n(?=\[networks\])", re.MULTILINE)


def with_people(policy_text: str) -> str:
    """``policy_text`` (a policy written by the web app) with its ``[users]`` table as the
    directory, the exceptions and the signing campaigns map people now; user names whose
    profile the policy does not have are left out."""
    known = parse_policy(policy_text).profiles
    mapping = sorted((u, p) for u, p in people_profiles().items() if p in known)
    table = "[users]\n" + "".join(f"{_q(u)} = {_q(p)}\n" for u, p in mapping) + "\n"
    return _USERS_TABLE.sub(lambda _match: table, policy_text, count=1)


def refresh_people(*, sync: bool = False) -> PolicyRevision | None:
    """Publish the live policy again when the people's profiles have changed since (a roster
    import, an exception that ended, a student who signed or passed the due date), with
    nothing else of the drafts. ``None`` when nothing is live, a publication is still
    compiling, or nobody's profile changed. Records the publication as the system."""
    live = PolicyRevision.objects.live().first()
    if (
        live is None
        or PolicyRevision.objects.filter(
            number__gt=live.number, status=RevisionStatus.COMPILING
        ).exists()
    ):
        return None
    text = with_people(live.toml)
    if text == live.toml:
        return None
    return publish_policy(
        actor=None,
        note="People's profiles brought up to date",
        confirm_reason=live.confirmed_reason,
        sync=sync,
        _toml=text,
    )


def _list_dirs() -> list[Path]:
    folder = paths.lists_dir()
    return [folder] if folder.is_dir() else []


def compile_revision(*, revision: PolicyRevision) -> PolicyRevision:
    """Compile ``revision`` into the snapshot (the engine renames it in), then mark it live
    and the one before it superseded, and bring the :class:`Category` rows in step with the
    lists compiled. A revision overtaken by a newer publication is superseded without
    compiling. A failure keeps the live snapshot and stores the error on the revision.
    Records ``filter.policy.live`` or ``filter.policy.failed``."""
    from openaup.engine.compiler import compile_snapshot
    from openaup.engine.snapshot import Snapshot, SnapshotError

    newer = PolicyRevision.objects.filter(number__gt=revision.number).exclude(
        status=RevisionStatus.FAILED
    )
    if newer.exists():
        if revision.status == RevisionStatus.COMPILING:
            PolicyRevision.objects.filter(pk=revision.pk).update(status=RevisionStatus.SUPERSEDED)
            revision.refresh_from_db()
        return revision
    recompiling = revision.status == RevisionStatus.LIVE
    out = paths.snapshot_path()
    started = time.perf_counter()
    try:
        policy = parse_policy(revision.toml, origin=f"revision {revision.number}")
        out.parent.mkdir(parents=True, exist_ok=True)
        report = compile_snapshot(_list_dirs(), policy, out)
        snap = Snapshot.open(out, verify=False)
        try:
            lists = [(i.name, i.category, i.kind, i.entries, i.bad) for i in snap.lists]
            keys = snap.key_count
        finally:
            snap.close()
        digest = hashlib.sha256()
        with out.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (PolicyError, SnapshotError, OSError, ValueError) as exc:
        with transaction.atomic():
            if recompiling:
                PolicyRevision.objects.filter(pk=revision.pk).update(
                    error=f"Recompiling failed: {exc}"
                )
            else:
                PolicyRevision.objects.filter(pk=revision.pk).update(
                    status=RevisionStatus.FAILED, error=str(exc)
                )
            record("filter.policy.failed", actor=None, obj=revision, reason=str(exc)[:500])
        revision.refresh_from_db()
        return revision
    seconds = time.perf_counter() - started
    now = timezone.now()
    with transaction.atomic():
        PolicyRevision.objects.filter(status=RevisionStatus.LIVE).exclude(pk=revision.pk).update(
            status=RevisionStatus.SUPERSEDED
        )
        revision.status = RevisionStatus.LIVE
        revision.compiled_at = now
        revision.compile_seconds = seconds
        if not recompiling or revision.live_at is None:
            revision.live_at = now
        revision.snapshot_bytes = report.size
        revision.snapshot_sha256 = digest.hexdigest()
        revision.error = ""
        revision.report = {
            "lists": report.lists,
            "entries": report.entries,
            "keys": keys,
            "bad": report.bad,
            "problems": report.problems[:50],
            "missing_categories": report.unknown_categories,
            "engine_seconds": round(report.seconds, 3),
        }
        revision.save()
        _update_categories(lists)
        if settings.OPENAUP_FILTER_DNS_ZONES:
            from openaup.filtering.tasks import write_dns_zones as zones_task

            number = revision.number
            transaction.on_commit(lambda: zones_task.enqueue(number))
        record(
            "filter.policy.live",
            actor=None,
            obj=revision,
            changes={
                "number": revision.number,
                "seconds": round(seconds, 3),
                "bytes": report.size,
                "recompiled": recompiling,
            },
        )
    return revision


def zone_origin(profile: str) -> str:
    """The origin of a profile's automatic zone: ``<profile>.rpz.openaup.``, the profile's
    name lower-cased with each character a DNS label cannot hold made ``-``
    (``high@mvhs`` -> ``high-mvhs.rpz.openaup.``)."""
    label = re.sub(r"[^a-z0-9-]", "-", profile.lower()).strip("-")[:63] or "profile"
    return f"{label}.rpz.openaup."


def write_dns_zones(*, revision: PolicyRevision) -> dict[str, int]:
    """Write a Response Policy Zone for every profile of ``revision`` (the live one) to
    ``rpz_dir()/<profile>.rpz`` under :func:`zone_origin`, so a resolver can load several
    at once, from the same lists as its snapshot; each is written
    atomically, so a resolver reloading sees the old zone or the new one. A newer live
    revision makes this a no-op. Returns the names blocked per profile; records
    ``filter.dns_zones.written`` (or ``filter.dns_zones.failed`` with the error)."""
    from openaup.engine.rpz import RpzError, write_rpz

    revision.refresh_from_db()
    if revision.status != RevisionStatus.LIVE:
        return {}
    policy = parse_policy(revision.toml, origin=f"revision {revision.number}")
    folder = paths.rpz_dir()
    written: dict[str, int] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in policy.profiles:
            report = write_rpz(
                _list_dirs(), policy, name, folder / f"{name}.rpz", origin=zone_origin(name)
            )
            written[name] = report.blocked
    except (RpzError, OSError) as exc:
        record("filter.dns_zones.failed", actor=None, obj=revision, reason=str(exc)[:500])
        raise
    record("filter.dns_zones.written", actor=None, obj=revision, changes={"blocked": written})
    return written


def _update_categories(lists: list[tuple[str, str, str, int, int]]) -> None:
    """Entries, bad lines and list names per category, as just compiled."""
    totals: dict[str, list[Any]] = {}
    for name, category, kind, entries, bad in lists:
        if kind == "policy" or not category:
            continue
        item = totals.setdefault(category, [0, 0, []])
        item[0] += entries
        item[1] += bad
        item[2].append(name)
    existing = {c.name: c for c in Category.objects.all()}
    for name, (entries, bad, names) in totals.items():
        cat = existing.get(name)
        if cat is None:
            Category.objects.create(name=name, entries=entries, bad_lines=bad, list_names=names)
        elif (cat.entries, cat.bad_lines, cat.list_names) != (entries, bad, names):
            cat.entries, cat.bad_lines, cat.list_names = entries, bad, names
            cat.save(update_fields=["entries", "bad_lines", "list_names", "updated_at"])
    Category.objects.exclude(name__in=totals).exclude(entries=0, list_names=[]).update(
        entries=0, bad_lines=0, list_names=[]
    )


# -- showing it -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "skipped"
    text: str
    count: int = 0


def diff_policies(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """A line diff of two policy files, unchanged runs beyond ``context`` lines around a
    change collapsed; empty when they are the same."""
    a, b = old.splitlines(), new.splitlines()
    codes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if all(tag == "equal" for tag, *_ in codes):
        return []
    out: list[DiffLine] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag != "equal":
            out += [DiffLine("removed", line) for line in a[i1:i2]]
            out += [DiffLine("added", line) for line in b[j1:j2]]
            continue
        run = a[i1:i2]
        head = run[:context] if n > 0 else []
        tail = run[-context:] if n < len(codes) - 1 else []
        if len(run) <= len(head) + len(tail) + 1:
            out += [DiffLine("same", line) for line in run]
            continue
        out += [DiffLine("same", line) for line in head]
        out.append(DiffLine("skipped", "", len(run) - len(head) - len(tail)))
        out += [DiffLine("same", line) for line in tail]
    return out


@dataclass(frozen=True)
class FilterStatus:
    path: Path
    exists: bool
    built: datetime.datetime | None = None
    size: int = 0
    keys: int = 0
    profiles: tuple[str, ...] = ()
    error: str = ""


def filter_status() -> FilterStatus:
    """The snapshot the helpers read: when it was built, its size and key count."""
    from openaup.engine.snapshot import Snapshot, SnapshotError

    path = paths.snapshot_path()
    if not path.exists():
        return FilterStatus(path=path, exists=False)
    try:
        snap = Snapshot.open(path, verify=False)
    except SnapshotError as exc:
        return FilterStatus(path=path, exists=True, error=str(exc))
    try:
        return FilterStatus(
            path=path,
            exists=True,
            built=snap.built,
            size=snap.size,
            keys=snap.key_count,
            profiles=snap.profiles,
        )
    finally:
        snap.close()
