"""Granting, extending and revoking contractors' access to student data; adult students'
consent to their guardians' access. Each function checks who may act, changes the rows in one
transaction and records the audit event in it."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from openaup.access.choices import MAX_GRANT_DAYS
from openaup.access.models import AccessGrant, GuardianAccessGrant
from openaup.accounts.access import access_for
from openaup.audit.services import record
from openaup.core.services import ensure_in_scope
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import GuardianLink, Person, School

__all__ = [
    "extend_access",
    "give_guardian_access",
    "grant_access",
    "grantable_schools",
    "may_grant",
    "revoke_access",
    "withdraw_guardian_access",
]


def may_grant(user: Any) -> bool:
    """Technology staff (for the district or a school) and district administrators."""
    access = access_for(user)
    return access.is_district_admin or access.has("tech_staff")


def grantable_schools(user: Any) -> tuple[bool, list[School]]:
    """Where ``user`` may grant access: (the whole district?, the schools)."""
    access = access_for(user)
    if access.is_district_admin or access.is_tech_staff:
        return True, list(School.objects.order_by("name"))
    ids = access.schools_with("tech_staff")
    return False, list(School.objects.filter(pk__in=ids).order_by("name"))


def _check_term(starts_on: datetime.date, ends_on: datetime.date, *, today: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The end date is before the start date."})
    if ends_on < today:
        raise ValidationError({"ends_on": "The end date has already passed."})
    latest = today + datetime.timedelta(days=MAX_GRANT_DAYS)
    if ends_on > latest:
        raise ValidationError(
            {"ends_on": f"Access can be given for at most {MAX_GRANT_DAYS} days (until {latest})."}
        )


def _grant_fields(grant: AccessGrant) -> dict[str, Any]:
    return {
        "contractor": grant.contractor_id,
        "sponsor": grant.sponsor_id,
        "school": grant.school_id,
        "categories": [str(c) for c in grant.categories],
        "purpose": grant.purpose,
        "starts_on": grant.starts_on.isoformat(),
        "ends_on": grant.ends_on.isoformat(),
    }


@transaction.atomic
def grant_access(
    *,
    actor: Any,
    contractor: Person,
    sponsor: Person,
    school: School | None,
    categories: list[str],
    purpose: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> AccessGrant:
    """Give a contractor access to student data of a school (or, with no school, the
    district) in the given data categories, for a purpose, from ``starts_on`` to ``ends_on``
    (at most :data:`MAX_GRANT_DAYS` ahead), sponsored by an active district employee.

    Technology staff and district administrators only; technology staff of one school only
    for that school. Records ``access_grant.created`` with the grant's terms.
    """
    if actor is not None and not may_grant(actor):
        raise PermissionDenied("Only technology staff can give access.")
    if contractor.kind != PersonKind.CONTRACTOR or contractor.status != PersonStatus.ACTIVE:
        raise ValidationError({"contractor": "Access is given to active contractors only."})
    if sponsor.kind != PersonKind.STAFF or sponsor.status != PersonStatus.ACTIVE:
        raise ValidationError({"sponsor": "The sponsor must be an active district employee."})
    known = {"directory", "guardian_contacts"}
    if not categories or not set(categories) <= known:
        raise ValidationError({"categories": "Choose what the contractor may see."})
    if "guardian_contacts" in categories and "directory" not in categories:
        raise ValidationError(
            {"categories": "Guardian contact details need the student directory too."}
        )
    if not purpose.strip():
        raise ValidationError({"purpose": "Say what the access is for."})
    _check_term(starts_on, ends_on, today=timezone.localdate())
    if starts_on < timezone.localdate():
        raise ValidationError({"starts_on": "Access cannot start in the past."})
    grant = AccessGrant.objects.create(
        contractor=contractor,
        sponsor=sponsor,
        school=school,
        includes_directory="directory" in categories,
        includes_guardian_contacts="guardian_contacts" in categories,
        purpose=purpose.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    # A school's technology staff may not give access beyond their school.
    ensure_in_scope(AccessGrant.objects, grant, actor)
    record(
        "access_grant.created",
        actor=actor,
        obj=grant,
        person=contractor,
        changes=_grant_fields(grant),
        reason=grant.purpose,
    )
    return grant


@transaction.atomic
def extend_access(
    *, actor: Any, grant: AccessGrant, ends_on: datetime.date, reason: str
) -> AccessGrant:
    """Move a grant's end date later (at most :data:`MAX_GRANT_DAYS` from today). A revoked
    grant cannot be extended. Records ``access_grant.extended`` with the dates before and
    after, and the reason."""
    ensure_in_scope(AccessGrant.objects, grant, actor)
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ValidationError("A revoked grant cannot be extended; give a new one.")
    if ends_on <= grant.ends_on:
        raise ValidationError({"ends_on": "The new end date must be later than the current one."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the access is extended."})
    _check_term(grant.starts_on, ends_on, today=timezone.localdate())
    before = grant.ends_on
    grant.ends_on = ends_on
    grant.save(update_fields=["ends_on", "updated_at"])
    ensure_in_scope(AccessGrant.objects, grant, actor)
    record(
        "access_grant.extended",
        actor=actor,
        obj=grant,
        person=grant.contractor,
        changes={"ends_on": [before.isoformat(), ends_on.isoformat()]},
        reason=reason.strip(),
    )
    return grant


@transaction.atomic
def revoke_access(*, actor: Any, grant: AccessGrant, reason: str) -> AccessGrant:
    """End a grant now, whatever its end date. Records ``access_grant.revoked`` with the
    reason; revoking a revoked grant changes nothing."""
    ensure_in_scope(AccessGrant.objects, grant, actor)
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    if not reason.strip():
        raise ValidationError({"reason": "Say why the access is revoked."})
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor if getattr(actor, "pk", None) else None
    grant.revoke_reason = reason.strip()
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    record(
        "access_grant.revoked",
        actor=actor,
        obj=grant,
        person=grant.contractor,
        changes={"revoked_at": [None, grant.revoked_at.isoformat()]},
        reason=grant.revoke_reason,
    )
    return grant


def _own_link(actor: Any, link: GuardianLink) -> GuardianLink:
    """The link, if ``actor`` is the adult student it belongs to."""
    person_id = access_for(actor).person_id
    if person_id is None or link.student_id != person_id:
        raise PermissionDenied("Only the student decides who sees their records.")
    if not link.student.is_adult:
        raise ValidationError("Students under 18 do not decide this; their guardians hold it.")
    return link


@transaction.atomic
def give_guardian_access(*, actor: Any, link: GuardianLink) -> GuardianAccessGrant:
    """An adult student lets one of their guardians see their records again. Only the
    student may do this. Records ``guardian_access.given``; giving it twice changes
    nothing."""
    link = _own_link(actor, link)
    live = GuardianAccessGrant.objects.live().filter(link=link).first()
    if live is not None:
        return live
    consent = GuardianAccessGrant.objects.create(link=link, granted_by=actor)
    record(
        "guardian_access.given",
        actor=actor,
        obj=consent,
        person=link.student,
        changes={"guardian": link.guardian_id, "live": [False, True]},
    )
    return consent


@transaction.atomic
def withdraw_guardian_access(*, actor: Any, link: GuardianLink) -> GuardianAccessGrant | None:
    """An adult student withdraws a guardian's access to their records. Only the student may
    do this. Records ``guardian_access.withdrawn``; returns ``None`` if none was given."""
    link = _own_link(actor, link)
    consent = GuardianAccessGrant.objects.live().select_for_update().filter(link=link).first()
    if consent is None:
        return None
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record(
        "guardian_access.withdrawn",
        actor=actor,
        obj=consent,
        person=link.student,
        changes={"guardian": link.guardian_id, "live": [True, False]},
    )
    return consent
