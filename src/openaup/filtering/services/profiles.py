"""Profiles, their rules, categories, schedules and who gets which profile.

Only district administrators and technology staff change them (a ``None`` actor is the
system: the demo loader, a command). Every change here is a draft: nothing reaches the
engine until it is published (:mod:`openaup.filtering.services.publishing`). Each function
checks its input whole, changes the rows and records its ``filter.*`` audit event in one
transaction; bad input is a ``ValidationError`` naming the field and the value.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from openaup.audit.services import record
from openaup.directory.choices import Grade
from openaup.engine.lists import url_line
from openaup.engine.policy import DAYS
from openaup.engine.urls import normalize_host
from openaup.filtering.choices import AssignmentKind, DefaultAction, RuleState, YouTubeMode
from openaup.filtering.models import (
    Category,
    FilterProfile,
    FilterSchedule,
    ProfileAssignment,
    ProfileRule,
)
from openaup.filtering.querysets import manages_filter

__all__ = [
    "AUP_SLUG",
    "GRADE_BANDS",
    "PROFILE_FIELDS",
    "ClauseChoice",
    "aup_clauses",
    "clause_link",
    "clean_hosts",
    "clean_network",
    "clean_urls",
    "create_assignment",
    "delete_assignment",
    "delete_profile",
    "delete_rule",
    "grade_index",
    "profile_in_use",
    "save_profile",
    "save_rule",
    "save_schedule",
    "update_category",
]

#: The policy whose sections rules and categories cite.
AUP_SLUG = "acceptable-use"
#: The default grade bands: (profile, lowest grade, highest grade).
GRADE_BANDS = (
    ("elementary", Grade.PK, Grade.G05),
    ("middle", Grade.G06, Grade.G08),
    ("high", Grade.G09, Grade.G12),
)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_GRADES = [g.value for g in Grade]
PROFILE_FIELDS = (
    "title",
    "description",
    "minor",
    "fail_open",
    "default_action",
    "safesearch",
    "youtube",
    "restricted",
    "position",
)


def grade_index(grade: str) -> int:
    """The place of a CEDS grade code in school order (-1 when unknown)."""
    return _GRADES.index(grade) if grade in _GRADES else -1


def _check_actor(actor: Any) -> None:
    if actor is not None and not manages_filter(actor):
        raise PermissionDenied(
            "Only district administrators and technology staff change the filter."
        )


def _check_name(value: str, field: str, what: str) -> str:
    name = (value or "").strip().lower()
    if not _NAME_RE.match(name):
        raise ValidationError(
            {
                field: f"“{value}” cannot be used as {what}: use lowercase letters, digits, "
                "“-” and “_” (up to 64), such as middle or district-allow-list."
            }
        )
    return name


def clean_hosts(values: Iterable[str], *, field: str = "hosts") -> list[str]:
    """Host names as the engine normalizes them (lower case, punycode, ``*.`` dropped);
    a ``ValidationError`` on ``field`` names every one that is not a host name."""
    hosts: list[str] = []
    bad: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        host = normalize_host(value.lstrip("*."))
        if not host or ("." not in host and not host.startswith("[")):
            bad.append(value)
        elif host not in hosts:
            hosts.append(host)
    if bad:
        raise ValidationError(
            {field: f"Not a host name: {', '.join(repr(b) for b in bad)} (e.g. games.example)."}
        )
    return hosts


def clean_urls(values: Iterable[str], *, field: str = "urls") -> list[str]:
    """URL prefixes as the engine reads them (``host/path``, ``www.`` and the scheme
    dropped); a ``ValidationError`` on ``field`` names every one it cannot use."""
    urls: list[str] = []
    bad: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        key = url_line(value)
        if not key or "/" not in key:
            bad.append(value)
        elif key not in urls:
            urls.append(key)
    if bad:
        raise ValidationError(
            {
                field: f"Not a URL prefix: {', '.join(repr(b) for b in bad)} "
                "(a host and a path, e.g. video.example/watch)."
            }
        )
    return urls


def clean_network(value: str, *, field: str = "network") -> str:
    """A client network in CIDR form (``10.20.0.0/16``)."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValidationError(
            {field: f"“{value}” is not a network: use CIDR form, such as 10.20.0.0/16."}
        ) from None


# -- the AUP's sections ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseChoice:
    anchor: str
    title: str


def aup_clauses() -> list[ClauseChoice]:
    """The sections of the newest published all-users Acceptable Use Policy, to choose the
    clause a rule or category enforces (empty when none is published)."""
    from openaup.policies.choices import Audience, VersionStatus
    from openaup.policies.models import PolicyText, PolicyVersion
    from openaup.policies.rendering import render_markdown
    from openaup.policies.services.documents import text_for

    version = (
        PolicyVersion.objects.filter(
            policy__slug=AUP_SLUG, status=VersionStatus.PUBLISHED, audience=Audience.ALL
        )
        .prefetch_related("texts")
        .order_by("-published_at", "-pk")
        .first()
    )
    if version is None:
        return []
    try:
        text = text_for(version, version.primary_language)
    except PolicyText.DoesNotExist:
        return []
    return [ClauseChoice(s.anchor, s.title) for s in render_markdown(text.body).sections]


def clause_link(anchor: str, *, language: str = "") -> tuple[str, str] | None:
    """``(section title, address)`` of a clause of the published AUP, or ``None``."""
    from openaup.policies.services.documents import clause_url, find_section

    if not anchor:
        return None
    found = find_section(AUP_SLUG, anchor, language=language)
    if found is None:
        return None
    version, _text, section = found
    return section.title, clause_url(version, anchor, language=language)


def _check_clause(anchor: str, field: str = "clause") -> str:
    anchor = (anchor or "").strip()
    if not anchor:
        return ""
    clauses = aup_clauses()
    if clauses and anchor not in {c.anchor for c in clauses}:
        raise ValidationError(
            {field: f"“{anchor}” is not a section of the published Acceptable Use Policy."}
        )
    return anchor


# -- profiles -------------------------------------------------------------------------------


@transaction.atomic
def save_profile(
    *, actor: Any, profile: FilterProfile | None = None, name: str = "", **fields: Any
) -> FilterProfile:
    """Create a profile (``name`` given) or change one. A minor's profile never fails open.
    Records ``filter.profile.created`` or ``filter.profile.changed`` with the changes."""
    _check_actor(actor)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    creating = profile is None
    if profile is None:
        name = _check_name(name, "name", "a profile name")
        if FilterProfile.objects.filter(name=name).exists():
            raise ValidationError({"name": f"A profile named “{name}” already exists."})
        profile = FilterProfile(name=name)
    before = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    for key, value in fields.items():
        setattr(profile, key, value.strip() if isinstance(value, str) else value)
    if profile.default_action not in DefaultAction.values:
        raise ValidationError({"default_action": f"“{profile.default_action}” is not allowed."})
    if profile.youtube not in YouTubeMode.values:
        raise ValidationError(
            {"youtube": f"“{profile.youtube}” is not one of strict, moderate, off."}
        )
    if profile.minor and profile.fail_open:
        raise ValidationError(
            {
                "fail_open": "A profile used by minors cannot fail open: when the filter "
                "cannot decide, minors are blocked (CIPA)."
            }
        )
    profile.save()
    changes = {
        f: [str(before[f]), str(getattr(profile, f))]
        for f in PROFILE_FIELDS
        if before[f] != getattr(profile, f)
    }
    record(
        "filter.profile.created" if creating else "filter.profile.changed",
        actor=actor,
        obj=profile,
        changes=changes,
    )
    return profile


#: The profile of requests that no user name or network maps (the policy's default).
DEFAULT_PROFILE = "guest"


def profile_in_use(profile: FilterProfile) -> list[str]:
    """Why ``profile`` cannot be deleted now, one sentence each (empty: it can be)."""
    from django.utils import timezone

    from openaup.filtering.models import Override

    reasons: list[str] = []
    if profile.name == DEFAULT_PROFILE:
        reasons.append(
            f"“{profile.name}” is the profile of requests that no user name or network maps."
        )
    if profile.restricted:
        reasons.append(
            "It is the restricted profile of students who have not signed the AUP: make "
            "another profile the restricted one first."
        )
    assigned = profile.assignments.count()
    if assigned:
        reasons.append(
            f"It is given to {assigned} grade band(s), staff group(s), network(s) or "
            "person(s): remove those assignments first."
        )
    now = timezone.now()
    named = [
        o
        for o in Override.objects.current_or_future(now).filter(scope="district")
        if profile.name in (o.profiles or [])
    ]
    if named:
        reasons.append(f"{len(named)} timed override(s) name it: end them first.")
    if not FilterProfile.objects.exclude(pk=profile.pk).exists():
        reasons.append("It is the only profile.")
    return reasons


@transaction.atomic
def delete_profile(*, actor: Any, profile: FilterProfile) -> None:
    """Delete a profile and its rules from the draft (the engine keeps it until the policy
    is published). Refused, with every reason (:func:`profile_in_use`), while something
    depends on it. Records ``filter.profile.deleted`` with its settings and rule names."""
    _check_actor(actor)
    reasons = profile_in_use(profile)
    if reasons:
        raise ValidationError({"name": f"“{profile.name}” cannot be deleted. " + " ".join(reasons)})
    record(
        "filter.profile.deleted",
        actor=actor,
        obj=profile,
        object_repr=profile.name,
        changes={
            **{f: str(getattr(profile, f)) for f in PROFILE_FIELDS},
            "rules": sorted(profile.rules.values_list("name", flat=True)),
        },
    )
    profile.delete()


@transaction.atomic
def save_rule(
    *,
    actor: Any,
    profile: FilterProfile,
    rule: ProfileRule | None = None,
    name: str,
    state: str,
    categories: Iterable[str] = (),
    hosts: Iterable[str] = (),
    urls: Iterable[str] = (),
    clause: str = "",
    schedule: FilterSchedule | None = None,
    outside_schedule: bool = False,
    position: int | None = None,
) -> ProfileRule:
    """Create or change a rule of ``profile``: its state, the categories (known
    :class:`Category` rows), hosts and URL prefixes (checked with the engine's
    normalizers), the AUP clause and an optional district schedule. Records
    ``filter.rule.created`` or ``filter.rule.changed``."""
    _check_actor(actor)
    errors: dict[str, list[str]] = {}

    def collect(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    name = collect(_check_name, name, "name", "a rule name") or ""
    if state not in RuleState.values:
        errors["state"] = [f"“{state}” is not one of {', '.join(RuleState.values)}."]
    cats = [c.strip() for c in categories if c.strip()]
    known = set(Category.objects.filter(name__in=cats).values_list("name", flat=True))
    missing = [c for c in cats if c not in known]
    if missing:
        errors["categories"] = [f"No category named {', '.join(repr(c) for c in missing)}."]
    clean_h = collect(clean_hosts, hosts) or []
    clean_u = collect(clean_urls, urls) or []
    clause = collect(_check_clause, clause) or ""
    if schedule is not None and schedule.school_id is not None:
        errors["schedule"] = [
            "Choose a district schedule; a school's own hours replace it for that school."
        ]
    same_name = ProfileRule.objects.filter(profile=profile, name=name)
    if rule is not None:
        same_name = same_name.exclude(pk=rule.pk)
    if name and same_name.exists():
        errors["name"] = [f"The profile already has a rule named “{name}”."]
    if errors:
        raise ValidationError(errors)
    creating = rule is None
    if rule is None:
        rule = ProfileRule(profile=profile)
        if position is None:
            position = profile.rules.count()
    before = _rule_dict(rule) if not creating else {}
    rule.name = name
    rule.state = state
    rule.categories = list(dict.fromkeys(cats))
    rule.hosts = clean_h
    rule.urls = clean_u
    rule.clause = clause
    rule.schedule = schedule
    rule.outside_schedule = bool(outside_schedule and schedule is not None)
    if position is not None:
        rule.position = position
    rule.save()
    after = _rule_dict(rule)
    record(
        "filter.rule.created" if creating else "filter.rule.changed",
        actor=actor,
        obj=rule,
        object_repr=f"{profile.name}/{rule.name}",
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return rule


def _rule_dict(rule: ProfileRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "state": rule.state,
        "categories": list(rule.categories),
        "hosts": list(rule.hosts),
        "urls": list(rule.urls),
        "clause": rule.clause,
        "schedule": rule.schedule.name if rule.schedule is not None else "",
        "outside_schedule": rule.outside_schedule,
    }


@transaction.atomic
def delete_rule(*, actor: Any, rule: ProfileRule) -> None:
    """Remove a rule from its profile. Records ``filter.rule.deleted``."""
    _check_actor(actor)
    record(
        "filter.rule.deleted",
        actor=actor,
        obj=rule,
        object_repr=f"{rule.profile.name}/{rule.name}",
        changes=_rule_dict(rule),
    )
    rule.delete()


# -- categories and schedules -----------------------------------------------------------------


@transaction.atomic
def update_category(*, actor: Any, category: Category, tag: str, clause: str) -> Category:
    """A category's bandwidth tag and AUP clause. Records ``filter.category.changed``."""
    _check_actor(actor)
    tag = (tag or "").strip().lower()
    if tag and not _NAME_RE.match(tag):
        raise ValidationError(
            {"tag": f"“{tag}” cannot be a tag: use lowercase letters, digits, “-” and “_”."}
        )
    clause = _check_clause(clause)
    changes = {}
    if category.tag != tag:
        changes["tag"] = [category.tag, tag]
    if category.clause != clause:
        changes["clause"] = [category.clause, clause]
    category.tag = tag
    category.clause = clause
    category.save(update_fields=["tag", "clause", "updated_at"])
    record("filter.category.changed", actor=actor, obj=category, changes=changes)
    return category


@transaction.atomic
def save_schedule(
    *,
    actor: Any,
    schedule: FilterSchedule | None = None,
    name: str,
    school: Any = None,
    days: Iterable[str],
    start: datetime.time,
    end: datetime.time,
) -> FilterSchedule:
    """Create or change a window (``school_hours``) for the district or, with ``school``,
    that school's own hours (which replace the district's for its people and networks).
    Records ``filter.schedule.created`` or ``filter.schedule.changed``."""
    _check_actor(actor)
    name = _check_name(name, "name", "a schedule name")
    day_list = [d.strip().lower()[:3] for d in days if d.strip()]
    bad = [d for d in day_list if d not in DAYS]
    if bad or not day_list:
        raise ValidationError({"days": "Choose one or more weekdays (mon … sun)."})
    if start == end:
        raise ValidationError({"end": "The window must not start and end at the same time."})
    clash = FilterSchedule.objects.filter(name=name, school=school)
    if schedule is not None:
        clash = clash.exclude(pk=schedule.pk)
    if clash.exists():
        where = f"for {school}" if school is not None else "for the district"
        raise ValidationError({"name": f"A schedule named “{name}” exists {where}."})
    creating = schedule is None
    schedule = schedule or FilterSchedule()
    schedule.name = name
    schedule.school = school
    schedule.days = [d for d in DAYS if d in day_list]
    schedule.start = start
    schedule.end = end
    schedule.save()
    record(
        "filter.schedule.created" if creating else "filter.schedule.changed",
        actor=actor,
        obj=schedule,
        changes={
            "days": schedule.days,
            "start": start.isoformat("minutes"),
            "end": end.isoformat("minutes"),
            "school": str(school or ""),
        },
    )
    return schedule


# -- who gets which profile -------------------------------------------------------------------


@transaction.atomic
def create_assignment(
    *,
    actor: Any,
    kind: str,
    profile: FilterProfile,
    school: Any = None,
    grade_low: str = "",
    grade_high: str = "",
    network: str = "",
    name: str = "",
    person: Any = None,
    reason: str = "",
    ends_at: datetime.datetime | None = None,
) -> ProfileAssignment:
    """Who gets ``profile``: students of a grade band (at a school or everywhere), staff, a
    client network (CIDR), or one person (an exception, with a reason and an optional end).
    Records ``filter.assignment.created`` (with the person, for an exception)."""
    _check_actor(actor)
    row = ProfileAssignment(kind=kind, profile=profile, school=school, name=name.strip())
    if kind == AssignmentKind.GRADES:
        low, high = grade_index(grade_low), grade_index(grade_high or grade_low)
        if low < 0:
            raise ValidationError({"grade_low": f"“{grade_low}” is not a grade."})
        if high < low:
            raise ValidationError(
                {"grade_high": "The highest grade must not come before the lowest."}
            )
        row.grade_low, row.grade_high = grade_low, grade_high or grade_low
    elif kind == AssignmentKind.STAFF:
        pass
    elif kind == AssignmentKind.NETWORK:
        row.network = clean_network(network)
        if ProfileAssignment.objects.filter(kind=kind, network=row.network).exists():
            raise ValidationError({"network": f"{row.network} already has a profile."})
    elif kind == AssignmentKind.PERSON:
        if person is None:
            raise ValidationError({"person": "Choose the person this exception is for."})
        if not reason.strip():
            raise ValidationError({"reason": "Say why this person gets another profile."})
        if ends_at is not None and ends_at <= datetime.datetime.now(datetime.UTC):
            raise ValidationError({"ends_at": "The end must be in the future."})
        row.person, row.reason, row.ends_at = person, reason.strip(), ends_at
    else:
        raise ValidationError({"kind": f"“{kind}” is not a kind of assignment."})
    row.save()
    record(
        "filter.assignment.created",
        actor=actor,
        obj=row,
        person=person,
        reason=row.reason,
        changes={
            "kind": kind,
            "profile": profile.name,
            "school": str(school or ""),
            "grades": f"{row.grade_low}-{row.grade_high}" if row.grade_low else "",
            "network": row.network,
            "ends_at": ends_at.isoformat() if ends_at else "",
        },
    )
    return row


@transaction.atomic
def delete_assignment(*, actor: Any, assignment: ProfileAssignment) -> None:
    """Remove who-gets-what row. Records ``filter.assignment.deleted``."""
    _check_actor(actor)
    record(
        "filter.assignment.deleted",
        actor=actor,
        obj=assignment,
        person=assignment.person,
        changes={"kind": assignment.kind, "profile": assignment.profile.name},
    )
    assignment.delete()
