"""The demo district's signing campaign: "2026-27 AUP", open, for every school's students
with their guardians and for staff, with a deterministic share of families signed.

Everything goes through the services, as a district's own use would, except that no email
is sent. Who has signed is decided by a fixed rule on database ids (no randomness), so the
same district always gets the same campaign. Kept unsigned on purpose, for trying the
signing pages: the ``guardian`` sign-in's two children (by their guardian, and the
``student.hs`` student by themself), and the ``teacher.es`` staff attestation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from openaup.accounts.models import User
from openaup.directory.models import GuardianLink, Person
from openaup.policies import services
from openaup.policies.choices import MemberKind, VersionStatus
from openaup.policies.models import CampaignMember, PolicyVersion, Signature, SigningCampaign

__all__ = ["DEMO_CAMPAIGN_NAME", "DemoCampaign", "load_demo_campaign"]

DEMO_CAMPAIGN_NAME = "2026-27 AUP"
_DEMO_AGENT = "Mozilla/5.0 (Linux; Android 14) demo"
#: Demo sign-ins left unsigned, so the signing pages have something to do.
_UNSIGNED_SIGN_INS = ("guardian", "student.hs", "teacher.es")
#: Demo sign-ins whose staff attestation is signed online.
_SIGNED_IN_STAFF = ("tech", "principal.ms", "teacher.hs")


@dataclass(frozen=True)
class DemoCampaign:
    """What :func:`load_demo_campaign` made (``None`` when the campaign was there already)."""

    campaign: SigningCampaign
    signatures: int
    withdrawn: int


def _bucket(pk: int) -> int:
    """A fixed, well-spread number from 0 to 99 for a database id."""
    return (pk * 7919 + 13) % 100


def load_demo_campaign(*, today: datetime.date | None = None) -> DemoCampaign | None:
    """Create and open the demo campaign and sign for about 60% of families: about 40% of
    students fully signed (the student and a guardian), 10% by a guardian only and 10% by
    the student only (partly signed), a few guardians' signatures withdrawn; half of the
    staff attested. Methods are mixed: personal link, signed in, in class, paper. Does
    nothing when the campaign exists."""
    from openaup.policies.demo import load_demo_policies

    if SigningCampaign.objects.filter(name=DEMO_CAMPAIGN_NAME).exists():
        return None
    day = today or timezone.localdate()
    load_demo_policies()
    versions = list(
        PolicyVersion.objects.filter(
            policy__slug="acceptable-use", label="2026-27", status=VersionStatus.PUBLISHED
        )
    )
    with transaction.atomic():
        campaign = services.create_campaign(
            actor=None,
            name=DEMO_CAMPAIGN_NAME,
            school_year=2027,
            opens_on=day - datetime.timedelta(days=14),
            due_on=day + datetime.timedelta(days=21),
            versions=versions,
            include_staff=True,
        )
        campaign = services.open_campaign(actor=None, campaign=campaign, notify=False)
        signatures, withdrawn = _sign_demo(campaign, day)
    return DemoCampaign(campaign=campaign, signatures=signatures, withdrawn=withdrawn)


def _sign_demo(campaign: SigningCampaign, day: datetime.date) -> tuple[int, int]:
    users = {u.username: u for u in User.objects.filter(person__isnull=False)}
    reserved = {users[name].person_id for name in _UNSIGNED_SIGN_INS if name in users}
    guardian_user = users.get("guardian")
    if guardian_user is not None:
        reserved |= set(
            GuardianLink.objects.filter(guardian_id=guardian_user.person_id).values_list(
                "student_id", flat=True
            )
        )
    teacher = users.get("teacher.es")
    taught = _sections_by_student(teacher) if teacher is not None else {}
    links = _first_guardians(campaign)
    members = list(
        CampaignMember.objects.filter(campaign=campaign)
        .select_related("person")
        .order_by("person_id")
    )
    count = withdrawn = 0
    for member in members:
        person = member.person
        if person.pk in reserved:
            continue
        bucket = _bucket(person.pk)
        if member.kind != MemberKind.STUDENT:
            if bucket < 50:
                _paper(campaign, person, person, day, bucket)
                count += 1
            continue
        if not member.needs_guardian:
            if bucket < 60:
                _paper(campaign, person, person, day, bucket)
                count += 1
            continue
        student_signs = bucket < 40 or 50 <= bucket < 60
        guardian_signs = bucket < 50
        link = links.get(person.pk)
        if student_signs:
            section = taught.get(person.pk)
            if section is not None and teacher is not None:
                services.sign_in_class(
                    teacher=teacher,
                    section=section,
                    student=person,
                    campaign=campaign,
                    language="en",
                    client_ip="198.51.100.20",
                    user_agent=_DEMO_AGENT,
                )
            else:
                _paper(campaign, person, person, day, bucket)
            count += 1
        if guardian_signs and link is not None:
            guardian, language = link
            if bucket % 4 == 3:
                signature = _paper(campaign, guardian, person, day, bucket, language=language)
            else:
                token_link, _token = services.issue_link(campaign=campaign, guardian=guardian)
                [signature] = services.sign_for_children(
                    guardian=guardian,
                    campaign=campaign,
                    children=[person],
                    went_over_with_child=True,
                    language=language,
                    client_ip=f"203.0.113.{bucket + 1}",
                    user_agent=_DEMO_AGENT,
                    link=token_link,
                )
            count += 1
            if bucket < 3:
                services.withdraw_signature(
                    actor=None,
                    signature=signature,
                    reason="Signed for the wrong child; the family will sign again.",
                )
                withdrawn += 1
    for name in _SIGNED_IN_STAFF:
        user = users.get(name)
        if user is None or user.person_id is None or user.person_id in reserved:
            continue
        if Signature.objects.filter(campaign=campaign, signer_id=user.person_id).exists():
            continue
        if CampaignMember.objects.filter(campaign=campaign, person_id=user.person_id).exists():
            services.sign_as_self(
                user=user,
                campaign=campaign,
                language="en",
                client_ip="198.51.100.7",
                user_agent=_DEMO_AGENT,
            )
            count += 1
    return count, withdrawn


def _paper(
    campaign: SigningCampaign,
    signer: Person,
    on_behalf_of: Person,
    day: datetime.date,
    bucket: int,
    *,
    language: str = "en",
) -> Signature:
    earliest = max(campaign.opens_on, day - datetime.timedelta(days=13))
    signed_on = earliest + datetime.timedelta(days=bucket % max(1, (day - earliest).days + 1))
    return services.record_paper_signature(
        actor=None,
        campaign=campaign,
        signer=signer,
        on_behalf_of=on_behalf_of,
        signed_on=min(signed_on, day),
        language=language,
        went_over_with_child=signer.pk != on_behalf_of.pk,
    )


def _first_guardians(campaign: SigningCampaign) -> dict[int, tuple[Person, str]]:
    """For each student of the campaign, their first guardian with educational rights and
    that guardian's preferred language."""
    first: dict[int, tuple[Person, str]] = {}
    links = (
        GuardianLink.objects.filter(
            is_active=True,
            has_educational_rights=True,
            student__campaign_memberships__campaign=campaign,
        )
        .select_related("guardian")
        .order_by("student_id", "guardian_id")
    )
    for link in links:
        first.setdefault(link.student_id, (link.guardian, link.preferred_language or "en"))
    return first


def _sections_by_student(teacher: Any) -> dict[int, Any]:
    """The students of ``teacher``'s sections, each with one of those sections."""
    from openaup.directory.models import Enrollment

    taught = Enrollment.objects.filter(
        person_id=teacher.person_id, role__in=["teacher", "aide"], is_active=True
    ).values("section_id")
    sections: dict[int, Any] = {}
    for enrollment in (
        Enrollment.objects.filter(section_id__in=taught, role="student", is_active=True)
        .select_related("section")
        .order_by("person_id", "section_id")
    ):
        sections.setdefault(enrollment.person_id, enrollment.section)
    return sections
