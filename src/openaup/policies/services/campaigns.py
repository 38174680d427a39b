"""Signing campaigns: creating one (or carrying last year's over), opening and closing it,
keeping its members in step with the roster, and answering whether someone has signed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from openaup.accounts.access import access_for
from openaup.audit.services import record
from openaup.directory.choices import GRADE_ORDER, Grade, PersonKind, PersonStatus
from openaup.directory.models import Person, School
from openaup.directory.querysets import adult_birth_cutoff
from openaup.policies.choices import (
    Audience,
    CampaignStatus,
    GuardianRule,
    MemberKind,
    OverdueAction,
    SigningStatus,
    VersionStatus,
)
from openaup.policies.models import CampaignMember, PolicyVersion, SigningCampaign

__all__ = [
    "SyncResult",
    "carry_over_campaign",
    "close_campaign",
    "create_campaign",
    "has_signed",
    "may_manage_campaigns",
    "open_campaign",
    "overdue_restriction_applies",
    "school_year_label",
    "sync_members",
    "update_campaign",
    "version_for",
]

DEFAULT_REMINDER_DAYS = (14, 7, 1, -7)
#: Reminder days are days before the due date; a week or two after it is the latest useful.
REMINDER_DAY_RANGE = (-60, 365)
LINK_VALID_DAYS_RANGE = (1, 365)
#: What may still change once a campaign is open (the rest would change who must sign what).
OPEN_CAMPAIGN_FIELDS = frozenset({"opens_on", "due_on", "reminder_days", "overdue_action"})
SETTINGS_FIELDS = (
    "name",
    "school_year",
    "opens_on",
    "due_on",
    "include_students",
    "grades",
    "include_staff",
    "include_contractors",
    "guardian_rule",
    "reminder_days",
    "link_valid_days",
    "overdue_action",
)
_BULK_BATCH = 2000


@dataclass(frozen=True)
class SyncResult:
    """What :func:`sync_members` changed."""

    added: int
    kept: int


def may_manage_campaigns(user: Any) -> bool:
    """District administrators and technology staff (and the system: ``None``)."""
    if user is None:
        return True
    access = access_for(user)
    return access.is_district_admin or access.is_tech_staff


def _require_manager(actor: Any) -> None:
    if not may_manage_campaigns(actor):
        raise PermissionDenied(
            "Only district administrators and technology staff can manage campaigns."
        )


def school_year_label(school_year: int) -> str:
    """``2027`` -> ``"2026-27"``."""
    return f"{school_year - 1}-{school_year % 100:02d}"


def _band(version: PolicyVersion) -> tuple[int, int]:
    """The grade positions a version covers (every grade for a version without a band)."""
    if version.audience != Audience.STUDENTS or not version.grade_low:
        return (0, len(GRADE_ORDER))
    low = GRADE_ORDER[version.grade_low]
    return (low, GRADE_ORDER.get(version.grade_high or version.grade_low, low))


def _check_versions(versions: Sequence[PolicyVersion]) -> None:
    if not versions:
        raise ValidationError({"versions": "Choose at least one published policy version."})
    for version in versions:
        if version.status != VersionStatus.PUBLISHED:
            raise ValidationError(
                {
                    "versions": f"{version} is {version.get_status_display().lower()}: "
                    "only published versions can be signed."
                }
            )
    for index, version in enumerate(versions):
        for other in versions[index + 1 :]:
            if version.audience != other.audience:
                continue
            if version.audience == Audience.STUDENTS:
                low, high = _band(version)
                other_low, other_high = _band(other)
                overlaps = low <= other_high and other_low <= high
            else:
                overlaps = True
            if overlaps:
                raise ValidationError(
                    {
                        "versions": f"{version} and {other} are for the same audience: "
                        "choose one version per audience and grade band."
                    }
                )


def _check_settings(values: dict[str, Any]) -> None:
    """Refuse settings that make no sense; each error names its field."""
    if not str(values["name"]).strip():
        raise ValidationError({"name": "Give the campaign a name."})
    year = values["school_year"]
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError({"school_year": "The school year is a year such as 2027."})
    opens_on, due_on = values["opens_on"], values["due_on"]
    if due_on < opens_on:
        raise ValidationError(
            {"due_on": f"The due date ({due_on}) is before the opening date ({opens_on})."}
        )
    grades = list(values["grades"])
    unknown = [g for g in grades if g not in Grade.values]
    if unknown:
        raise ValidationError({"grades": f"Not a grade: {', '.join(map(str, unknown))}."})
    low, high = REMINDER_DAY_RANGE
    for day in values["reminder_days"]:
        if not isinstance(day, int) or isinstance(day, bool) or not low <= day <= high:
            raise ValidationError(
                {
                    "reminder_days": f"Reminder days are whole numbers of days before the due "
                    f"date, from {low} to {high}; {day!r} is not."
                }
            )
    days = values["link_valid_days"]
    first, last = LINK_VALID_DAYS_RANGE
    if not isinstance(days, int) or isinstance(days, bool) or not first <= days <= last:
        raise ValidationError({"link_valid_days": f"Links are valid for {first} to {last} days."})
    if values["guardian_rule"] not in GuardianRule.values:
        raise ValidationError({"guardian_rule": "Choose one or all guardians."})
    if values["overdue_action"] not in OverdueAction.values:
        raise ValidationError({"overdue_action": "Choose what happens after the due date."})
    if not (values["include_students"] or values["include_staff"] or values["include_contractors"]):
        raise ValidationError(
            {"include_students": "Choose who must sign: students, staff or contractors."}
        )


def _snapshot(campaign: SigningCampaign) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        value = getattr(campaign, name)
        values[name] = value.isoformat() if isinstance(value, datetime.date) else value
    values["versions"] = sorted(campaign.versions.values_list("pk", flat=True))
    values["schools"] = sorted(campaign.schools.values_list("pk", flat=True))
    return values


@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    name: str,
    school_year: int,
    opens_on: datetime.date,
    due_on: datetime.date,
    versions: Iterable[PolicyVersion],
    include_students: bool = True,
    schools: Iterable[School] = (),
    grades: Sequence[str] = (),
    include_staff: bool = True,
    include_contractors: bool = False,
    guardian_rule: str = "one",
    reminder_days: Sequence[int] = DEFAULT_REMINDER_DAYS,
    link_valid_days: int = 30,
    overdue_action: str = "report",
    carried_over_from: SigningCampaign | None = None,
) -> SigningCampaign:
    """A draft campaign. District administrators and technology staff only. Refuses a due
    date before the opening date, versions that are not published, two versions for one
    audience or grade band, unknown grades and reminder days out of range. Records
    ``campaign.created`` with the settings."""
    _require_manager(actor)
    chosen_versions = list(versions)
    values: dict[str, Any] = {
        "name": name.strip(),
        "school_year": school_year,
        "opens_on": opens_on,
        "due_on": due_on,
        "include_students": include_students,
        "grades": sorted(set(grades), key=lambda g: GRADE_ORDER.get(g, -1)),
        "include_staff": include_staff,
        "include_contractors": include_contractors,
        "guardian_rule": guardian_rule,
        "reminder_days": sorted(set(reminder_days), reverse=True)
        if all(isinstance(d, int) for d in reminder_days)
        else list(reminder_days),
        "link_valid_days": link_valid_days,
        "overdue_action": overdue_action,
    }
    _check_settings(values)
    _check_versions(chosen_versions)
    campaign = SigningCampaign.objects.create(
        **values,
        status=CampaignStatus.DRAFT,
        carried_over_from=carried_over_from,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    campaign.versions.set(chosen_versions)
    campaign.schools.set(list(schools))
    changes = _snapshot(campaign)
    if carried_over_from is not None:
        changes["carried_over_from"] = carried_over_from.pk
    record("campaign.created", actor=actor, obj=campaign, changes=changes)
    return campaign


def _comparable(name: str, value: Any) -> Any:
    """``value`` as :func:`_snapshot` writes the setting ``name``."""
    if name in ("versions", "schools"):
        return sorted(getattr(item, "pk", item) for item in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if name in ("grades", "reminder_days"):
        return list(value)
    return value


@transaction.atomic
def update_campaign(*, actor: Any, campaign: SigningCampaign, **changes: Any) -> SigningCampaign:
    """Change a campaign's settings: any setting of a draft; of an open campaign only its
    dates, reminder days and overdue action; nothing of a closed one. Records
    ``campaign.changed`` with the values before and after."""
    _require_manager(actor)
    campaign = SigningCampaign.objects.select_for_update().get(pk=campaign.pk)
    known = {*SETTINGS_FIELDS, "versions", "schools"}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValidationError({unknown[0]: "This is not a campaign setting."})
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"status": "A closed campaign cannot be changed."})
    before = _snapshot(campaign)
    if campaign.status == CampaignStatus.OPEN:
        locked = sorted(
            name
            for name in set(changes) - OPEN_CAMPAIGN_FIELDS
            if _comparable(name, changes[name]) != before[name]
        )
        if locked:
            raise ValidationError(
                {
                    locked[0]: "Once a campaign is open only its dates, reminder days and "
                    "overdue action can change."
                }
            )
    values = {name: getattr(campaign, name) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        if name in changes:
            values[name] = changes[name]
    if isinstance(values["name"], str):
        values["name"] = values["name"].strip()
    values["grades"] = list(values["grades"])
    values["reminder_days"] = list(values["reminder_days"])
    _check_settings(values)
    if "versions" in changes:
        _check_versions(list(changes["versions"]))
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.save()
    if "versions" in changes and campaign.status == CampaignStatus.DRAFT:
        campaign.versions.set(list(changes["versions"]))
    if "schools" in changes and campaign.status == CampaignStatus.DRAFT:
        campaign.schools.set(list(changes["schools"]))
    after = _snapshot(campaign)
    diff = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if diff:
        record("campaign.changed", actor=actor, obj=campaign, changes=diff)
    return campaign


@transaction.atomic
def open_campaign(*, actor: Any, campaign: SigningCampaign, notify: bool = True) -> SigningCampaign:
    """Open a draft campaign: add its members and, after commit, queue the invitations
    (``notify=False`` sends none: the demo district). Records ``campaign.opened`` with the
    number of members."""
    _require_manager(actor)
    campaign = SigningCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError({"status": f"The campaign is already {campaign.status}."})
    _check_versions(list(campaign.versions.all()))
    campaign.status = CampaignStatus.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["status", "opened_at", "updated_at"])
    result = sync_members(campaign=campaign)
    record(
        "campaign.opened",
        actor=actor,
        obj=campaign,
        changes={"members": result.added, "notify": notify},
    )
    if notify:
        campaign_id = campaign.pk

        def enqueue() -> None:
            from openaup.policies.tasks import send_invitations

            send_invitations.enqueue(campaign_id)

        transaction.on_commit(enqueue)
    return campaign


@transaction.atomic
def close_campaign(*, actor: Any, campaign: SigningCampaign) -> SigningCampaign:
    """Close a campaign: no more signatures or reminders. Records ``campaign.closed``."""
    _require_manager(actor)
    campaign = SigningCampaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"status": "Only an open campaign can be closed."})
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at", "updated_at"])
    record("campaign.closed", actor=actor, obj=campaign)
    return campaign


def _years_on(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def _newest_published(version: PolicyVersion) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(
            policy_id=version.policy_id,
            audience=version.audience,
            grade_low=version.grade_low,
            grade_high=version.grade_high,
            status=VersionStatus.PUBLISHED,
        )
        .order_by("-published_at", "-created_at", "-pk")
        .first()
    )


@transaction.atomic
def carry_over_campaign(
    *, actor: Any, campaign: SigningCampaign, school_year: int | None = None
) -> SigningCampaign:
    """Next school year's campaign, one action: the same settings, dates a year on, and the
    newest published version of each policy and audience. Records ``campaign.created``."""
    _require_manager(actor)
    year = school_year if school_year is not None else campaign.school_year + 1
    if not isinstance(year, int) or year <= campaign.school_year:
        raise ValidationError(
            {"school_year": f"Carry over to a year after {campaign.school_year}."}
        )
    shift = year - campaign.school_year
    versions: list[PolicyVersion] = []
    missing: list[str] = []
    for old in campaign.versions.all():
        newest = _newest_published(old)
        if newest is None:
            missing.append(str(old))
        elif newest not in versions:
            versions.append(newest)
    if not versions:
        raise ValidationError(
            {"versions": f"No published version to carry over ({', '.join(missing)})."}
        )
    old_label, new_label = school_year_label(campaign.school_year), school_year_label(year)
    name = (
        campaign.name.replace(old_label, new_label)
        if old_label in campaign.name
        else f"{campaign.name} ({new_label})"
    )
    return create_campaign(
        actor=actor,
        name=name,
        school_year=year,
        opens_on=_years_on(campaign.opens_on, shift),
        due_on=_years_on(campaign.due_on, shift),
        versions=versions,
        include_students=campaign.include_students,
        schools=list(campaign.schools.all()),
        grades=list(campaign.grades),
        include_staff=campaign.include_staff,
        include_contractors=campaign.include_contractors,
        guardian_rule=campaign.guardian_rule,
        reminder_days=list(campaign.reminder_days),
        link_valid_days=campaign.link_valid_days,
        overdue_action=campaign.overdue_action,
        carried_over_from=campaign,
    )


def _pick_version(versions: Sequence[PolicyVersion], kind: str, grade: str) -> PolicyVersion | None:
    """The version for a person of ``kind`` (a directory kind or member kind) and ``grade``
    among ``versions``."""
    by_audience: dict[str, list[PolicyVersion]] = {}
    for version in versions:
        by_audience.setdefault(version.audience, []).append(version)
    everyone = next(iter(by_audience.get(Audience.ALL, [])), None)
    if kind == PersonKind.STUDENT:
        position = GRADE_ORDER.get(grade)
        banded = [v for v in by_audience.get(Audience.STUDENTS, []) if v.grade_low]
        if position is not None:
            for version in banded:
                low, high = _band(version)
                if low <= position <= high:
                    return version
        unbanded = [v for v in by_audience.get(Audience.STUDENTS, []) if not v.grade_low]
        return unbanded[0] if unbanded else everyone
    staff = next(iter(by_audience.get(Audience.STAFF, [])), None)
    if kind == PersonKind.CONTRACTOR:
        return everyone or staff
    return staff or everyone


def version_for(campaign: SigningCampaign, person: Person) -> PolicyVersion | None:
    """The campaign's version that applies to ``person``: the student-friendly version of
    their grade band, else the students' or all-users version; for staff the staff
    version, else the all-users version (contractors: the all-users version, else staff)."""
    return _pick_version(list(campaign.versions.all()), person.kind, person.grade)


def sync_members(*, campaign: SigningCampaign) -> SyncResult:
    """Add the people the campaign expects signatures from and does not have yet (students
    who arrived, new staff). Departed people stay members but are not counted.

    Who is expected: active students of the chosen schools and grades (all when none are
    chosen), active staff with ``include_staff``, active contractors with
    ``include_contractors``. A student is a minor (``needs_guardian``) unless their birth
    date makes them 18 today; with no birth date on file they count as a minor. A handful
    of queries whatever the number of people: existing members are read once and the new
    ones inserted in bulk. A minor member who has turned 18 since signs alone from then on."""
    versions = list(campaign.versions.all())
    existing = set(
        CampaignMember.objects.filter(campaign=campaign).values_list("person_id", flat=True)
    )
    cutoff = adult_birth_cutoff()
    active = Person.objects.filter(status=PersonStatus.ACTIVE)
    candidates: list[tuple[int, str, str, Any]] = []
    kind: str
    if campaign.include_students:
        students = active.filter(kind=PersonKind.STUDENT)
        school_ids = list(campaign.schools.values_list("pk", flat=True))
        if school_ids:
            students = students.filter(school_id__in=school_ids)
        if campaign.grades:
            students = students.filter(grade__in=list(campaign.grades))
        candidates += [
            (pk, PersonKind.STUDENT, grade, born)
            for pk, grade, born in students.values_list("pk", "grade", "birth_date")
        ]
    for include, kind in (
        (campaign.include_staff, PersonKind.STAFF),
        (campaign.include_contractors, PersonKind.CONTRACTOR),
    ):
        if include:
            candidates += [
                (pk, kind, "", None) for pk in active.filter(kind=kind).values_list("pk", flat=True)
            ]
    new_members = []
    kept = 0
    chosen: dict[tuple[str, str], PolicyVersion | None] = {}
    for pk, kind, grade, born in candidates:
        if pk in existing:
            kept += 1
            continue
        is_student = kind == PersonKind.STUDENT
        if (kind, grade) not in chosen:
            chosen[(kind, grade)] = _pick_version(versions, kind, grade)
        version = chosen[(kind, grade)]
        new_members.append(
            CampaignMember(
                campaign=campaign,
                person_id=pk,
                kind=MemberKind.STUDENT if is_student else MemberKind(kind),
                version_id=version.pk if version is not None else None,
                needs_guardian=is_student and (born is None or born > cutoff),
                status=SigningStatus.NOT_SIGNED,
            )
        )
    CampaignMember.objects.bulk_create(new_members, batch_size=_BULK_BATCH)
    _members_who_came_of_age(campaign, cutoff)
    return SyncResult(added=len(new_members), kept=kept)


def _members_who_came_of_age(campaign: SigningCampaign, cutoff: datetime.date) -> None:
    """A student who turned 18 during the campaign now signs alone: their status no longer
    waits for their guardians."""
    from openaup.policies.services.signatures import refresh_member

    grown = CampaignMember.objects.filter(
        campaign=campaign,
        kind=MemberKind.STUDENT,
        needs_guardian=True,
        person__birth_date__lte=cutoff,
    ).select_related("campaign")
    for member in grown:
        member.needs_guardian = False
        member.save(update_fields=["needs_guardian", "updated_at"])
        refresh_member(member)


def has_signed(person: Person, campaign: SigningCampaign) -> bool:
    """Whether everything ``campaign`` needs for ``person`` is signed (for a minor student:
    their own signature and their guardians' under the campaign's rule). Someone the
    campaign does not expect a signature from has not signed it."""
    return CampaignMember.objects.filter(
        campaign=campaign, person=person, status=SigningStatus.SIGNED
    ).exists()


def overdue_restriction_applies(person: Person, today: datetime.date | None = None) -> bool:
    """Whether ``person`` is a student past the due date of an open campaign that restricts
    the filter profile of students who have not signed, and has not signed."""
    day = today or timezone.localdate()
    return (
        CampaignMember.objects.filter(
            person=person,
            kind=MemberKind.STUDENT,
            campaign__status=CampaignStatus.OPEN,
            campaign__overdue_action=OverdueAction.RESTRICT,
            campaign__due_on__lt=day,
        )
        .exclude(status=SigningStatus.SIGNED)
        .exists()
    )
