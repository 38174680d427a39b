"""Invitations and reminders by email, in each recipient's preferred language, on the
campaign's schedule or on demand, never to a guardian without educational rights; every
message is logged as a :class:`~openaup.policies.models.ReminderMessage`.

Who gets a message, for each member still missing something:

- the guardians with educational rights of a minor student whose guardian side is not
  complete: one message per guardian (naming all their children), with a fresh personal
  signing link (which revokes the guardian's older links); a guardian linked without
  educational rights gets nothing and is logged as skipped;
- the student (or staff member, contractor) themself, for their own signature, when they
  have an email address: a link to the signing page, where they sign in.

Texts are Django templates per language, ``policies/email/<name>.<language>.txt`` (first line
the subject, then a blank line, then the body) and ``.html``; a language without templates
falls back to its base language (``es-mx`` to ``es``) and then to English.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from openaup.audit import services as audit
from openaup.directory.choices import PersonStatus
from openaup.directory.models import GuardianLink, Person, School
from openaup.policies.choices import (
    PRIMARY_LANGUAGE,
    MemberKind,
    MessageKind,
    MessageStatus,
    SignerRole,
    SigningStatus,
)
from openaup.policies.models import CampaignMember, ReminderMessage, Signature, SigningCampaign

__all__ = [
    "ReminderError",
    "SendResult",
    "render_email",
    "request_reminders",
    "send_due_reminders",
    "send_invitations",
    "send_reminders",
]

logger = logging.getLogger(__name__)

REMINDERS_REQUESTED = "campaign.reminders_requested"
MESSAGES_SENT = "campaign.messages_sent"

#: Messages prepared, sent on one connection and logged together.
BATCH_SIZE = 100

SKIP_NO_ADDRESS = "No email address."
SKIP_NO_RIGHTS = "Linked without educational rights: never sent."


class ReminderError(Exception):
    """Reminders that cannot be sent, with the reason (a closed campaign)."""


@dataclass(frozen=True)
class SendResult:
    """How many messages went out, failed, or were not sent (and so logged as skipped)."""

    sent: int
    failed: int
    skipped: int


@dataclass
class _Outgoing:
    """One message to one person, before it is sent."""

    recipient: Person
    email: str
    language: str
    template: str
    children: list[Person] = field(default_factory=list)
    link: Any = None
    url: str = ""
    status: str = ""
    detail: str = ""


def _base_url() -> str:
    return str(getattr(settings, "OPENAUP_BASE_URL", "http://localhost:8000")).rstrip("/")


def _own_signing_path() -> str:
    try:
        return reverse("policies:my-signing")
    except NoReverseMatch:
        return "/sign/"


def _language_candidates(language: str) -> list[str]:
    language = (language or PRIMARY_LANGUAGE).lower()
    candidates = [language]
    base = language.split("-")[0].split("_")[0]
    if base != language:
        candidates.append(base)
    if PRIMARY_LANGUAGE not in candidates:
        candidates.append(PRIMARY_LANGUAGE)
    return candidates


def render_email(name: str, language: str, context: dict[str, Any]) -> tuple[str, str, str, str]:
    """``(language, subject, text, html)`` of email ``name`` in ``language``, or in the
    nearest language that has templates."""
    for candidate in _language_candidates(language):
        try:
            text_template = get_template(f"policies/email/{name}.{candidate}.txt")
        except TemplateDoesNotExist:
            continue
        html_template = get_template(f"policies/email/{name}.{candidate}.html")
        with translation.override(candidate):
            text = text_template.render(context)
            html = html_template.render(context)
        subject, _, body = text.lstrip().partition("\n")
        return candidate, subject.strip(), body.strip() + "\n", html
    raise TemplateDoesNotExist(f"policies/email/{name}.{PRIMARY_LANGUAGE}.txt")


def _guardian_signatures(campaign: SigningCampaign) -> set[tuple[int, int]]:
    """(guardian, child) pairs with a live guardian signature in the campaign."""
    return set(
        Signature.objects.live()
        .filter(campaign=campaign, signer_role=SignerRole.GUARDIAN)
        .values_list("signer_id", "on_behalf_of_id")
    )


def _collect(
    campaign: SigningCampaign,
    members: Iterable[CampaignMember],
    *,
    kind: str,
    already: set[int],
) -> list[_Outgoing]:
    """The messages for the members still missing something; people in ``already`` (who
    have had one today) are left out."""
    members = list(members)
    students = [m.person_id for m in members if m.needs_guardian and m.guardians_signed_at is None]
    links = (
        GuardianLink.objects.filter(student_id__in=students, is_active=True)
        .select_related("guardian", "student")
        .order_by("guardian_id", "student__given_name", "student_id")
    )
    guardian_signed = _guardian_signatures(campaign) if campaign.guardian_rule == "all" else set()
    by_guardian: dict[int, _Outgoing] = {}
    skipped: dict[int, _Outgoing] = {}
    for link in links:
        guardian = link.guardian
        if guardian.pk in already or guardian.status != PersonStatus.ACTIVE:
            continue
        if not link.has_educational_rights:
            if guardian.pk not in by_guardian:
                skipped.setdefault(
                    guardian.pk,
                    _Outgoing(
                        recipient=guardian,
                        email="",
                        language=link.preferred_language,
                        template="guardian",
                        status=MessageStatus.SKIPPED,
                        detail=SKIP_NO_RIGHTS,
                    ),
                )
            continue
        if (guardian.pk, link.student_id) in guardian_signed:
            continue
        skipped.pop(guardian.pk, None)
        outgoing = by_guardian.setdefault(
            guardian.pk,
            _Outgoing(
                recipient=guardian,
                email=link.contact_email or guardian.email,
                language=link.preferred_language,
                template="guardian",
            ),
        )
        outgoing.children.append(link.student)
    result = list(by_guardian.values())
    result.extend(out for pk, out in skipped.items() if pk not in by_guardian)
    for member in members:
        if member.person_signed_at is not None or member.person_id in already:
            continue
        person = member.person
        result.append(
            _Outgoing(
                recipient=person,
                email=person.email,
                language=PRIMARY_LANGUAGE,
                template="staff" if member.kind != MemberKind.STUDENT else "student",
            )
        )
    return result


def _missing(campaign: SigningCampaign, school_id: int | None) -> Any:
    members = (
        CampaignMember.objects.filter(campaign=campaign, person__status=PersonStatus.ACTIVE)
        .exclude(status=SigningStatus.SIGNED)
        .select_related("person")
    )
    if school_id is not None:
        members = members.filter(person__school_id=school_id)
    return members


def _prepare(campaign: SigningCampaign, outgoing: list[_Outgoing], kind: str) -> list[Any]:
    """Issue the guardians' links and render every message that has an address."""
    from openaup.policies.services.links import issue_link, link_path

    emails = []
    for out in outgoing:
        if out.status:
            continue
        if not out.email:
            out.status, out.detail = MessageStatus.SKIPPED, SKIP_NO_ADDRESS
            continue
        if out.template == "guardian":
            out.link, token = issue_link(
                campaign=campaign, guardian=out.recipient, sent_to=out.email
            )
            out.url = _base_url() + link_path(token)
        else:
            out.url = _base_url() + _own_signing_path()
        out.language, subject, text, html = render_email(
            out.template,
            out.language,
            {
                "campaign": campaign,
                "recipient": out.recipient,
                "children": out.children,
                "url": out.url,
                "kind": kind,
                "is_invitation": kind == MessageKind.INVITATION,
            },
        )
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [out.email])
        message.attach_alternative(html, "text/html")
        emails.append((out, message))
    return emails


def _deliver(emails: list[tuple[_Outgoing, Any]]) -> None:
    """Send on one connection, one message at a time: a message that fails is logged as
    failed and the rest go on."""
    if not emails:
        return
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        logger.warning("The email connection failed: %s", exc)
        for out, _message in emails:
            out.status, out.detail = MessageStatus.FAILED, _reason(exc)
        return
    try:
        for out, message in emails:
            _deliver_one(connection, out, message)
    finally:
        connection.close()


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:300]


def _deliver_one(connection: Any, out: _Outgoing, message: Any) -> None:
    try:
        connection.send_messages([message])
    except Exception as exc:
        logger.warning("Email to person %s failed: %s", out.recipient.pk, exc)
        out.status, out.detail = MessageStatus.FAILED, _reason(exc)
    else:
        out.status = MessageStatus.SENT


def _send(
    campaign: SigningCampaign,
    *,
    kind: str,
    members: Any,
    already: set[int],
    actor: Any = None,
    scheduled_for: datetime.date | None = None,
    school_id: int | None = None,
) -> SendResult:
    outgoing = _collect(campaign, members, kind=kind, already=already)
    requested_by = actor if getattr(actor, "is_authenticated", False) else None
    counts = {MessageStatus.SENT: 0, MessageStatus.FAILED: 0, MessageStatus.SKIPPED: 0}
    # Batch by batch: the links of a batch are written in a short transaction (signing goes
    # on meanwhile), its messages sent on one connection, and its log rows written at once.
    for start in range(0, len(outgoing), BATCH_SIZE):
        batch = outgoing[start : start + BATCH_SIZE]
        with transaction.atomic():
            emails = _prepare(campaign, batch, kind)
        _deliver(emails)
        now = timezone.now()
        rows = [
            ReminderMessage(
                campaign=campaign,
                recipient=out.recipient,
                email=out.email,
                language=out.language,
                kind=kind,
                status=out.status or MessageStatus.FAILED,
                detail=out.detail[:300],
                link=out.link,
                scheduled_for=scheduled_for,
                requested_by=requested_by,
                sent_at=now if out.status == MessageStatus.SENT else None,
            )
            for out in batch
        ]
        ReminderMessage.objects.bulk_create(rows)
        for row in rows:
            counts[MessageStatus(row.status)] += 1
    result = SendResult(
        sent=counts[MessageStatus.SENT],
        failed=counts[MessageStatus.FAILED],
        skipped=counts[MessageStatus.SKIPPED],
    )
    audit.record(
        MESSAGES_SENT,
        actor=actor,
        obj=campaign,
        changes={
            "kind": kind,
            "school": school_id,
            "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
            "sent": result.sent,
            "failed": result.failed,
            "skipped": result.skipped,
        },
    )
    return result


def _sent_on(campaign: SigningCampaign, day: datetime.date) -> set[int]:
    """Who has had a message of this campaign sent today (one email per person and day)."""
    return set(
        ReminderMessage.objects.filter(
            campaign=campaign, status=MessageStatus.SENT, sent_at__date=day
        ).values_list("recipient_id", flat=True)
    )


def send_invitations(*, campaign: SigningCampaign) -> SendResult:
    """The first message of an opened campaign to everyone it expects a signature from (or
    from whose children). Someone already invited is not invited again."""
    if not campaign.is_open:
        return SendResult(0, 0, 0)
    invited = set(
        ReminderMessage.objects.filter(
            campaign=campaign, kind=MessageKind.INVITATION, status=MessageStatus.SENT
        ).values_list("recipient_id", flat=True)
    )
    return _send(
        campaign, kind=MessageKind.INVITATION, members=_missing(campaign, None), already=invited
    )


def send_reminders(
    *,
    campaign: SigningCampaign,
    actor: Any = None,
    school_id: int | None = None,
    scheduled_for: datetime.date | None = None,
) -> SendResult:
    """A reminder to everyone who still has something to sign, now (on demand from a
    dashboard: ``actor`` is who asked, ``school_id`` narrows it to one school). Nobody gets
    two messages of one campaign on one day."""
    if not campaign.is_open:
        return SendResult(0, 0, 0)
    today = timezone.localdate()
    return _send(
        campaign,
        kind=MessageKind.REMINDER,
        members=_missing(campaign, school_id),
        already=_sent_on(campaign, today),
        actor=actor,
        scheduled_for=scheduled_for,
        school_id=school_id,
    )


def send_due_reminders(today: datetime.date | None = None) -> dict[int, SendResult]:
    """The reminders of every open campaign whose schedule names ``today``, at most once per
    campaign and day (the day is claimed with a ``campaign.scheduled_reminders`` audit event
    while the campaign row is locked, so two workers never both send). Returns the results by
    campaign id."""
    day = today or timezone.localdate()
    results: dict[int, SendResult] = {}
    for campaign in SigningCampaign.objects.open().order_by("pk"):
        if (campaign.due_on - day).days not in set(campaign.reminder_days or []):
            continue
        if _claim_day(campaign, day):
            results[campaign.pk] = send_reminders(campaign=campaign, scheduled_for=day)
    return results


SCHEDULED_REMINDERS = "campaign.scheduled_reminders"


@transaction.atomic
def _claim_day(campaign: SigningCampaign, day: datetime.date) -> bool:
    from openaup.audit.models import AuditEvent

    SigningCampaign.objects.select_for_update().filter(pk=campaign.pk).first()
    claimed = AuditEvent.objects.filter(
        action=SCHEDULED_REMINDERS,
        object_type=SigningCampaign._meta.label_lower,
        object_id=str(campaign.pk),
        changes__day=day.isoformat(),
    ).exists()
    if claimed:
        return False
    audit.record(SCHEDULED_REMINDERS, obj=campaign, changes={"day": day.isoformat()})
    return True


@transaction.atomic
def request_reminders(
    *, actor: Any, campaign: SigningCampaign, school: School | None = None
) -> None:
    """Send a reminder now to those who have not signed, in the whole district or at one
    school: district administrators and technology staff, or a principal for their school.
    Records ``campaign.reminders_requested``; the reminders go out in the background after
    commit."""
    from openaup.policies import dashboards, tasks

    if not dashboards.may_remind(actor, school.pk if school else None):
        raise PermissionDenied("You may not send reminders for this campaign.")
    if not campaign.is_open:
        raise ReminderError(f"Campaign {campaign}: reminders go out only while it is open.")
    audit.record(
        REMINDERS_REQUESTED,
        actor=actor,
        obj=campaign,
        changes={"school": school.pk if school else None},
    )
    campaign_id, school_id, actor_id = campaign.pk, school.pk if school else None, actor.pk
    transaction.on_commit(lambda: tasks.send_reminders.enqueue(campaign_id, school_id, actor_id))
