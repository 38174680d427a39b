"""Signing and withdrawing. A signature is recorded once: signing again is idempotent (the
existing signature comes back). Each function records ``signature.recorded`` (or
``signature.withdrawn``) in the same transaction, and brings the member's status up to
date there (:func:`refresh_member`)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from openaup.accounts.access import access_for
from openaup.audit.services import record
from openaup.directory.models import Enrollment, GuardianLink, Person, Section
from openaup.policies.choices import (
    CampaignStatus,
    GuardianRule,
    MemberKind,
    SignatureMethod,
    SignerRole,
    SigningStatus,
)
from openaup.policies.models import (
    CampaignMember,
    PolicyText,
    PolicyVersion,
    Signature,
    SignatureWithdrawal,
    SigningCampaign,
    SigningLink,
)
from openaup.policies.services import documents
from openaup.policies.services.links import LinkError, check_link

__all__ = [
    "MAX_SCAN_BYTES",
    "ChildToSign",
    "children_to_sign",
    "may_record_for",
    "record_paper_signature",
    "refresh_member",
    "sign_as_self",
    "sign_for_children",
    "sign_in_class",
    "withdraw_signature",
]

MAX_SCAN_BYTES = 10 * 1024 * 1024
#: The first bytes of the scan formats accepted: PDF, PNG, JPEG.
_SCAN_MAGIC = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
_SELF_ROLE = {
    MemberKind.STUDENT: SignerRole.STUDENT,
    MemberKind.STAFF: SignerRole.STAFF,
    MemberKind.CONTRACTOR: SignerRole.CONTRACTOR,
}


@dataclass(frozen=True)
class ChildToSign:
    """One of a guardian's children in a campaign, as the guardian's signing page shows it."""

    child: Person
    member: CampaignMember
    version: PolicyVersion
    signed_by_guardian: Signature | None
    signed_by_child: bool


def _rights_guardian_ids(student_id: int) -> set[int]:
    return set(
        GuardianLink.objects.filter(
            student_id=student_id, is_active=True, has_educational_rights=True
        ).values_list("guardian_id", flat=True)
    )


def refresh_member(member: CampaignMember, guardian_rule: str | None = None) -> CampaignMember:
    """Recompute ``member``'s status and dates from its live (not withdrawn) signatures.

    Adult students, staff and contractors need only their own signature. A minor needs
    their own and their guardians' under the campaign's rule: ``one``, any guardian with
    educational rights; ``all``, every guardian with an active link with educational rights
    (as the links stand now). ``partly_signed``: some signature is there, not all."""
    rule = guardian_rule or member.campaign.guardian_rule
    live = list(
        Signature.objects.filter(member=member, withdrawal__isnull=True)
        .order_by("signed_at", "pk")
        .values_list("signer_id", "signer_role", "signed_at")
    )
    own = [at for signer, _role, at in live if signer == member.person_id]
    person_signed_at = own[0] if own else None
    guardians_signed_at = None
    if member.needs_guardian:
        first_by_guardian: dict[int, datetime.datetime] = {}
        for signer, role, at in live:
            if role == SignerRole.GUARDIAN:
                first_by_guardian.setdefault(signer, at)
        if rule == GuardianRule.ALL:
            required = _rights_guardian_ids(member.person_id)
            if required and required <= set(first_by_guardian):
                guardians_signed_at = max(first_by_guardian[g] for g in required)
        elif first_by_guardian:
            guardians_signed_at = min(first_by_guardian.values())
        complete = person_signed_at is not None and guardians_signed_at is not None
    else:
        complete = person_signed_at is not None
    if complete:
        status = SigningStatus.SIGNED
        moments = [at for at in (person_signed_at, guardians_signed_at) if at is not None]
        completed_at = max(moments)
    else:
        status = SigningStatus.PARTLY_SIGNED if live else SigningStatus.NOT_SIGNED
        completed_at = None
    member.status = status
    member.person_signed_at = person_signed_at
    member.guardians_signed_at = guardians_signed_at
    member.completed_at = completed_at
    member.save(
        update_fields=[
            "status",
            "person_signed_at",
            "guardians_signed_at",
            "completed_at",
            "updated_at",
        ]
    )
    return member


def _member(campaign: SigningCampaign, person: Person, *, field: str) -> CampaignMember:
    member = (
        # Lock the member row only: signatures of other members go on in parallel.
        CampaignMember.objects.select_for_update(of=("self",))
        .select_related("version", "campaign", "person")
        .filter(campaign=campaign, person=person)
        .first()
    )
    if member is None:
        raise ValidationError({field: f"{person} is not asked to sign {campaign}."})
    return member


def _check_signable(campaign: SigningCampaign, member: CampaignMember) -> PolicyVersion:
    """The member's version, if the campaign is open and the version signable (both as
    just read with the member, not as the caller's objects say)."""
    if member.campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"campaign": f"{campaign} is not open for signing."})
    version = member.version
    if version is None:
        raise ValidationError({"version": f"{campaign} has no policy version for {member.person}."})
    if not version.is_signable:
        raise ValidationError(
            {
                "version": f"{version} is {version.get_status_display().lower()} and can no "
                "longer be signed."
            }
        )
    return version


def _previous(campaign: SigningCampaign, signer: Person, on_behalf_of: Person) -> list[Signature]:
    """The signatures ``signer`` has made for ``on_behalf_of`` in ``campaign``, newest
    attempt first, withdrawn or not."""
    return list(
        Signature.objects.filter(campaign=campaign, signer=signer, on_behalf_of=on_behalf_of)
        .select_related("withdrawal")
        .order_by("-attempt")
    )


def _live_among(signatures: list[Signature]) -> Signature | None:
    for signature in signatures:
        if not hasattr(signature, "withdrawal"):
            return signature
    return None


def _sign(
    *,
    actor: Any,
    member: CampaignMember,
    version: PolicyVersion,
    signer: Person,
    signer_role: str,
    language: str,
    method: str,
    client_ip: str | None,
    user_agent: str,
    recorded_by: Any = None,
    link: SigningLink | None = None,
    went_over_with_child: bool = False,
    paper_signed_on: datetime.date | None = None,
    scan: UploadedFile | None = None,
) -> Signature:
    """Record one signature (or return the live one already there) and refresh the member."""
    campaign = member.campaign
    on_behalf_of = member.person
    previous = _previous(campaign, signer, on_behalf_of)
    existing = _live_among(previous)
    if existing is not None:
        return existing
    try:
        text = documents.text_for(version, language)
    except PolicyText.DoesNotExist as error:
        raise ValidationError({"version": f"{version} has no text to sign."}) from error
    attempt = (previous[0].attempt if previous else 0) + 1
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                campaign=campaign,
                member=member,
                signer=signer,
                on_behalf_of=on_behalf_of,
                signer_role=signer_role,
                version=version,
                language=text.language,
                text_sha256=text.sha256,
                method=method,
                paper_signed_on=paper_signed_on,
                scan=scan or "",
                went_over_with_child=went_over_with_child,
                recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
                link=link,
                client_ip=client_ip or None,
                user_agent=(user_agent or "")[:500],
                attempt=attempt,
            )
    except IntegrityError:
        # The same person signed at the same moment in another request: theirs stands.
        concurrent = _live_among(_previous(campaign, signer, on_behalf_of))
        if concurrent is None:
            raise
        return concurrent
    record(
        "signature.recorded",
        actor=actor,
        obj=signature,
        person=on_behalf_of,
        changes={
            "signer": signer.pk,
            "signer_role": signer_role,
            "method": method,
            "version": version.pk,
            "version_sha256": version.sha256,
            "text_sha256": text.sha256,
            "language": text.language,
            "attempt": attempt,
        },
        role="" if actor is not None else signer_role,
    )
    refresh_member(member, campaign.guardian_rule)
    return signature


def children_to_sign(guardian: Person, campaign: SigningCampaign) -> list[ChildToSign]:
    """The guardian's children (links with educational rights, minors) who are members of
    the campaign, with what each still needs."""
    child_ids = GuardianLink.objects.filter(
        guardian=guardian, is_active=True, has_educational_rights=True
    ).values("student_id")
    members = list(
        CampaignMember.objects.filter(
            campaign=campaign,
            person_id__in=child_ids,
            needs_guardian=True,
            kind=MemberKind.STUDENT,
            version__isnull=False,
        )
        .select_related("person", "version")
        .order_by("person__given_name", "person__family_name", "pk")
    )
    ids = [m.person_id for m in members]
    live = Signature.objects.filter(
        campaign=campaign, on_behalf_of_id__in=ids, withdrawal__isnull=True
    )
    by_guardian = {s.on_behalf_of_id: s for s in live.filter(signer=guardian)}
    by_child = set(live.filter(signer_id__in=ids).values_list("on_behalf_of_id", flat=True))
    result = []
    for member in members:
        if member.person.is_adult:
            continue
        assert member.version is not None
        result.append(
            ChildToSign(
                child=member.person,
                member=member,
                version=member.version,
                signed_by_guardian=by_guardian.get(member.person_id),
                signed_by_child=member.person_id in by_child,
            )
        )
    return result


@transaction.atomic
def sign_as_self(
    *,
    user: Any,
    campaign: SigningCampaign,
    language: str,
    client_ip: str | None,
    user_agent: str,
) -> Signature:
    """The signed-in person signs for themself: a student, an adult student (alone), a staff
    member (the staff attestation) or a contractor."""
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    if person is None:
        raise PermissionDenied("Your account is not linked to a person in the directory.")
    member = _member(campaign, person, field="campaign")
    version = _check_signable(campaign, member)
    return _sign(
        actor=user,
        member=member,
        version=version,
        signer=person,
        signer_role=_SELF_ROLE[MemberKind(member.kind)],
        language=language,
        method=SignatureMethod.SIGNED_IN,
        client_ip=client_ip,
        user_agent=user_agent,
    )


def _check_guardian_may_sign(guardian: Person, child: Person, member: CampaignMember) -> None:
    if guardian.pk not in _rights_guardian_ids(child.pk):
        raise PermissionDenied(
            f"{guardian} does not hold educational rights for {child} and cannot sign for them."
        )
    if not member.needs_guardian or child.is_adult:
        raise ValidationError({"children": f"{child} is 18 or older and signs the policy alone."})


@transaction.atomic
def sign_for_children(
    *,
    guardian: Person,
    campaign: SigningCampaign,
    children: Sequence[Person],
    went_over_with_child: bool,
    language: str,
    client_ip: str | None,
    user_agent: str,
    link: SigningLink | None = None,
    user: Any = None,
) -> list[Signature]:
    """A guardian signs for each of ``children`` (one signature per child), through a
    personal ``link`` (which is used up) or signed in as ``user``. Refused without
    educational rights, for an adult child, or without ``went_over_with_child``; a child
    already signed for comes back with their existing signature. Everything is checked
    before anything is recorded."""
    if link is not None:
        link = (
            SigningLink.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=link.pk)
        )
        if link.guardian_id != guardian.pk or link.campaign_id != campaign.pk:
            raise LinkError("unknown")
        check_link(link)
        method = SignatureMethod.LINK
    elif user is not None:
        if getattr(user, "person_id", None) != guardian.pk:
            raise PermissionDenied("You can sign only as yourself.")
        method = SignatureMethod.SIGNED_IN
    else:
        raise PermissionDenied("A guardian signs through their personal link or signed in.")
    if not children:
        raise ValidationError({"children": "Choose at least one child to sign for."})
    if not went_over_with_child:
        raise ValidationError(
            {"went_over_with_child": "Confirm that you went over the policy with your child."}
        )
    plan = []
    for child in dict.fromkeys(children):
        member = _member(campaign, child, field="children")
        _check_guardian_may_sign(guardian, child, member)
        plan.append((member, _check_signable(campaign, member)))
    signatures = [
        _sign(
            actor=user,
            member=member,
            version=version,
            signer=guardian,
            signer_role=SignerRole.GUARDIAN,
            language=language,
            method=method,
            client_ip=client_ip,
            user_agent=user_agent,
            link=link,
            went_over_with_child=True,
        )
        for member, version in plan
    ]
    if link is not None:
        link.used_at = timezone.now()
        link.save(update_fields=["used_at", "updated_at"])
    return signatures


@transaction.atomic
def sign_in_class(
    *,
    teacher: Any,
    section: Section,
    student: Person,
    campaign: SigningCampaign,
    language: str,
    client_ip: str | None,
    user_agent: str,
) -> Signature:
    """A student signs on a teacher's "sign in class" page for one of the teacher's
    sections; the teacher is recorded as present."""
    teacher_person_id = getattr(teacher, "person_id", None)
    teaches = (
        teacher_person_id is not None
        and Enrollment.objects.filter(
            section=section,
            person_id=teacher_person_id,
            role__in=["teacher", "aide"],
            is_active=True,
        ).exists()
    )
    if not teaches:
        raise PermissionDenied(f"You do not teach {section}.")
    enrolled = Enrollment.objects.filter(
        section=section, person=student, role="student", is_active=True
    ).exists()
    if not enrolled:
        raise PermissionDenied(f"{student} is not in {section}, one of your sections.")
    member = _member(campaign, student, field="student")
    version = _check_signable(campaign, member)
    return _sign(
        actor=teacher,
        member=member,
        version=version,
        signer=student,
        signer_role=SignerRole.STUDENT,
        language=language,
        method=SignatureMethod.IN_CLASS,
        client_ip=client_ip,
        user_agent=user_agent,
        recorded_by=teacher,
    )


def may_record_for(user: Any, person: Person) -> bool:
    """District administrators, technology staff, and the principal of ``person``'s school
    may record paper signatures and withdraw signatures for them."""
    if user is None:
        return True
    access = access_for(user)
    if access.is_district_admin or access.is_tech_staff:
        return True
    return person.school_id is not None and person.school_id in access.schools_with("school_admin")


def check_scan(scan: UploadedFile) -> None:
    """Refuse a scan that is not a PDF, PNG or JPEG of at most 10 MB (by its content)."""
    if scan.size is not None and scan.size > MAX_SCAN_BYTES:
        raise ValidationError({"scan": "The scan is larger than 10 MB."})
    scan.seek(0)
    head = scan.read(16)
    scan.seek(0)
    if not any(head.startswith(magic) for magic in _SCAN_MAGIC):
        raise ValidationError({"scan": "The scan must be a PDF, PNG or JPEG file."})


@transaction.atomic
def record_paper_signature(
    *,
    actor: Any,
    campaign: SigningCampaign,
    signer: Person,
    on_behalf_of: Person,
    signed_on: datetime.date,
    language: str = "en",
    went_over_with_child: bool = False,
    scan: UploadedFile | None = None,
) -> Signature:
    """Office staff record a paper form signed by ``signer`` (for ``on_behalf_of``) on
    ``signed_on``, with an optional scan (PDF, PNG or JPEG, at most 10 MB). District
    administrators, technology staff or the principal of the student's school; the date
    can be neither in the future nor before the campaign opened."""
    if not may_record_for(actor, on_behalf_of):
        raise PermissionDenied(
            "Only district staff or the principal of the school can record paper signatures."
        )
    member = _member(campaign, on_behalf_of, field="on_behalf_of")
    today = timezone.localdate()
    if signed_on > today:
        raise ValidationError(
            {"signed_on": f"The date on the form ({signed_on}) is in the future."}
        )
    if signed_on < campaign.opens_on:
        raise ValidationError(
            {
                "signed_on": f"The date on the form ({signed_on}) is before the campaign "
                f"opened ({campaign.opens_on})."
            }
        )
    if signer.pk == on_behalf_of.pk:
        role = _SELF_ROLE[MemberKind(member.kind)]
    else:
        _check_guardian_may_sign(signer, on_behalf_of, member)
        if not went_over_with_child:
            raise ValidationError(
                {
                    "went_over_with_child": "The form must say the guardian went over the "
                    "policy with the child."
                }
            )
        role = SignerRole.GUARDIAN
    if scan is not None:
        check_scan(scan)
    version = _check_signable(campaign, member)
    return _sign(
        actor=actor,
        member=member,
        version=version,
        signer=signer,
        signer_role=role,
        language=language,
        method=SignatureMethod.PAPER,
        client_ip=None,
        user_agent="",
        recorded_by=actor,
        went_over_with_child=role == SignerRole.GUARDIAN,
        paper_signed_on=signed_on,
        scan=scan,
    )


@transaction.atomic
def withdraw_signature(*, actor: Any, signature: Signature, reason: str) -> SignatureWithdrawal:
    """Withdraw a signature made in error, with a reason; the member's status goes back and
    the signer may sign again. District administrators, technology staff or the principal
    of the school. Records ``signature.withdrawn`` with the reason."""
    if not may_record_for(actor, signature.on_behalf_of):
        raise PermissionDenied(
            "Only district staff or the principal of the school can withdraw signatures."
        )
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the signature is withdrawn."})
    member = CampaignMember.objects.select_for_update().get(pk=signature.member_id)
    if SignatureWithdrawal.objects.filter(signature=signature).exists():
        raise ValidationError({"signature": "This signature has already been withdrawn."})
    withdrawal = SignatureWithdrawal.objects.create(
        signature=signature,
        reason=reason.strip(),
        withdrawn_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        "signature.withdrawn",
        actor=actor,
        obj=signature,
        person=signature.on_behalf_of,
        changes={"signer": signature.signer_id, "method": signature.method},
        reason=withdrawal.reason,
    )
    refresh_member(member)
    return withdrawal
