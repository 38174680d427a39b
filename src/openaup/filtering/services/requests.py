"""Unblock requests from the block page, their review, and timed overrides.

- :func:`create_unblock_request`: a review asked for from the block page, from the facts of
  its verified token. It is tied to the proxy user (a :class:`Person` by user name) or, for
  someone the filter did not know, the client address, and it goes to its approvers: a
  student's request to their teachers (of the student's sections), their principal and
  technology staff; a staff member's to their principal and technology staff; an unknown
  person's to technology staff only (who sees which is in
  :class:`openaup.filtering.querysets.UnblockRequestQuerySet`).
- :func:`approve_unblock_request` / :func:`deny_unblock_request`: a teacher approves for one
  of their sections, for one lesson (``OPENAUP_LESSON_MINUTES``) or one day (to the end of
  the school day); a principal for their school, until an end they choose (one day by
  default); technology staff for the district, a school, a section or one person, until
  any end. Approving creates an :class:`Override`; the requester is told the outcome.
- :func:`create_override` (a teacher's own allow or block for a section, for a lesson) and
  :func:`revoke_override`.
- :func:`expire_overrides`: the periodic job that marks ended overrides and republishes.
- :func:`override_tables`: the engine policy's ``[[overrides]]`` tables, for the policy
  writer (the engine checks each window itself, so an override ends on time without a
  republish).

Locked blocks (a ``locked_block`` rule: adult content, malware...) are never overridden:
the request and the override are refused. Every change records its audit event in its
transaction; mail and republishing run after the commit.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.audit.services import record
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Enrollment, Person, School, Section
from openaup.engine import blocktoken
from openaup.engine.urls import split_url
from openaup.filtering.choices import (
    AssignmentKind,
    OverrideAction,
    OverrideScope,
    RequestStatus,
)
from openaup.filtering.models import FilterSchedule, Override, ProfileAssignment, UnblockRequest
from openaup.filtering.paths import block_key_path, snapshot_path

__all__ = [
    "DURATIONS",
    "LOCKED_RULES",
    "approve_unblock_request",
    "create_override",
    "create_unblock_request",
    "deciding_options",
    "deny_unblock_request",
    "ensure_block_key",
    "expire_overrides",
    "is_locked",
    "lesson_end",
    "may_override_section",
    "override_tables",
    "revoke_override",
    "school_day_end",
    "verify_block_token",
    "with_overrides",
]

logger = logging.getLogger("openaup.filtering")

#: Rules a school or a teacher can never override.
LOCKED_RULES = frozenset({"locked_block"})
#: How long a teacher's override lasts.
DURATIONS = ("lesson", "day")
#: The end of the school day when no ``school_hours`` schedule says otherwise.
DEFAULT_DAY_END = datetime.time(16, 0)
MAX_MESSAGE = 2000
TEACHING_ROLES = ("teacher", "aide")


# -- the block-page key and tokens -----------------------------------------------------------


def ensure_block_key() -> bytes:
    """The key that signs block-page links (``block.key`` in the filter folder), made of
    32 random bytes, readable by its owner only, when it is missing. Safe when several
    processes start at once: the file appears whole or not at all."""
    path = block_key_path()
    try:
        return blocktoken.load_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(blocktoken.KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
    return blocktoken.load_key(path)


def verify_block_token(
    token: str, *, now: datetime.datetime | None = None
) -> dict[str, str] | None:
    """The facts of a block-page token signed with the district's key and not older than
    ``OPENAUP_BLOCK_LINK_HOURS``, or ``None``."""
    moment = now or timezone.now()
    return blocktoken.verify(
        token,
        ensure_block_key(),
        now=int(moment.timestamp()),
        max_age=settings.OPENAUP_BLOCK_LINK_HOURS * 3600,
    )


def is_locked(rule: str) -> bool:
    return rule in LOCKED_RULES


# -- time ----------------------------------------------------------------------------------


def lesson_end(now: datetime.datetime) -> datetime.datetime:
    """The end of one lesson started at ``now`` (``OPENAUP_LESSON_MINUTES``)."""
    return now + datetime.timedelta(minutes=settings.OPENAUP_LESSON_MINUTES)


def school_day_end(school: School | None, now: datetime.datetime) -> datetime.datetime:
    """The end of the school day: today's end of the school's ``school_hours`` schedule (or
    the district's, else 16:00), in local time. After that hour, the end of today."""
    schedule = (
        FilterSchedule.objects.filter(name="school_hours")
        .filter(Q(school=school) | Q(school__isnull=True))
        .order_by("school_id")  # the school's own (not null) after the district's: take last
        .last()
    )
    end_time = schedule.end if schedule is not None else DEFAULT_DAY_END
    local = timezone.localtime(now)
    end = local.replace(hour=end_time.hour, minute=end_time.minute, second=0, microsecond=0)
    if end <= local:
        end = (local + datetime.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    return end


# -- who ---------------------------------------------------------------------------------


def _person_for_user_name(user_name: str) -> Person | None:
    name = user_name.strip()
    if not name or name == "-":
        return None
    return (
        Person.objects.filter(username__iexact=name, status=PersonStatus.ACTIVE)
        .exclude(kind=PersonKind.GUARDIAN)
        .order_by("pk")
        .first()
    )


def _student_sections(person_id: Any) -> Any:
    return Enrollment.objects.filter(
        person_id=person_id, role="student", is_active=True, section__is_active=True
    ).values("section_id")


def _taught_sections(access: Any) -> Any:
    return Enrollment.objects.filter(
        person_id=access.person_id, role__in=TEACHING_ROLES, is_active=True
    ).values("section_id")


def deciding_options(*, actor: Any, unblock_request: UnblockRequest) -> dict[str, Any]:
    """What ``actor`` may choose when approving: ``scopes`` (override scopes), ``sections``
    (for a teacher, their sections the requester is in), ``schools``, ``durations``
    (``lesson``/``day`` for a teacher), ``any_end`` (a principal or technology staff picks
    the end), and ``locked`` (the block cannot be overridden)."""
    access = access_for(actor)
    options: dict[str, Any] = {
        "scopes": [],
        "sections": Section.objects.none(),
        "schools": School.objects.none(),
        "durations": (),
        "any_end": False,
        "locked": is_locked(unblock_request.rule),
    }
    if access.is_district_admin or access.is_tech_staff:
        options["scopes"] = [s.value for s in OverrideScope]
        options["schools"] = School.objects.filter(is_active=True)
        options["any_end"] = True
        if unblock_request.person_id:
            options["sections"] = Section.objects.filter(
                pk__in=_student_sections(unblock_request.person_id)
            )
        return options
    schools = access.schools_with(Role.SCHOOL_ADMIN)
    if unblock_request.school_id in schools:
        options["scopes"] = [OverrideScope.SCHOOL.value]
        options["schools"] = School.objects.filter(pk=unblock_request.school_id)
        options["any_end"] = True
        if unblock_request.person_id:
            options["scopes"].append(OverrideScope.PERSON.value)
    if (
        unblock_request.person_id
        and access.person_id is not None
        and access.has(Role.TEACHER)
        and unblock_request.scope == OverrideScope.SECTION
    ):
        sections = Section.objects.filter(
            pk__in=_taught_sections(access), school=unblock_request.school
        ).filter(pk__in=_student_sections(unblock_request.person_id))
        if sections.exists():
            options["sections"] = sections
            options["durations"] = DURATIONS
            if OverrideScope.SECTION.value not in options["scopes"]:
                options["scopes"].append(OverrideScope.SECTION.value)
    return options


# -- unblock requests --------------------------------------------------------------------


def _language(code: str) -> str:
    base = (code or "").lower().split("-")[0]
    return base if base in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@transaction.atomic
def create_unblock_request(
    *,
    actor: Any,
    facts: Mapping[str, str],
    message: str,
    contact: str = "",
    language: str = "en",
    client_ip: str | None = None,
) -> UnblockRequest:
    """Ask for a review of the block described by ``facts`` (a verified block-page token).
    ``actor`` is the signed-in user or ``None``; ``client_ip`` is the address the form came
    from. Refused (``ValidationError`` naming the field) without a reason, with a contact
    that is not an email address, for a locked block, or past
    ``OPENAUP_UNBLOCK_REQUESTS_PER_HOUR`` requests from one address in an hour. Records
    ``filtering.unblock_request.created``."""
    message = (message or "").strip()
    contact = (contact or "").strip()
    errors: dict[str, list[str]] = {}
    if not message:
        errors["message"] = [_("Say why you need this site.")]
    elif len(message) > MAX_MESSAGE:
        errors["message"] = [_("Keep it under %(n)d characters.") % {"n": MAX_MESSAGE}]
    if contact:
        try:
            validate_email(contact)
        except ValidationError:
            errors["contact"] = [_("Enter an email address, or leave this empty.")]
    if is_locked(facts.get("rule", "")):
        errors["__all__"] = [
            _("This site is blocked by a rule that cannot be overridden, so it cannot be reviewed.")
        ]
    if errors:
        raise ValidationError(errors)

    proxy_ip = facts.get("client_ip", "") or None
    since = timezone.now() - datetime.timedelta(hours=1)
    addresses = {ip for ip in (proxy_ip, client_ip) if ip}
    recent = UnblockRequest.objects.filter(created_at__gte=since, client_ip__in=addresses).count()
    if addresses and recent >= settings.OPENAUP_UNBLOCK_REQUESTS_PER_HOUR:
        too_many = _(
            "Too many review requests from this device in the last hour. Please try again later."
        )
        raise ValidationError({"__all__": [ValidationError(too_many, code="rate_limited")]})

    proxy_user = facts.get("user", "")
    person = _person_for_user_name(proxy_user)
    if person is None and actor is not None and getattr(actor, "person_id", None):
        person = actor.person
    school_id = person.school_id if person is not None else None
    if person is not None and person.kind == PersonKind.STUDENT:
        scope = OverrideScope.SECTION
    elif person is not None and school_id is not None:
        scope = OverrideScope.SCHOOL
    else:
        scope = OverrideScope.DISTRICT
        school_id = None

    issued = int(facts.get("issued") or 0)
    unblock_request = UnblockRequest.objects.create(
        url=facts.get("url", "")[:2000],
        host=facts.get("host", "")[:253],
        category=facts.get("category", "")[:100],
        list_name=facts.get("list", "")[:200],
        profile=facts.get("profile", "")[:64],
        rule=facts.get("rule", "")[:32],
        reason=facts.get("reason", "")[:64],
        blocked_at=datetime.datetime.fromtimestamp(issued, tz=datetime.UTC)
        if issued
        else timezone.now(),
        client_ip=proxy_ip or client_ip,
        proxy_user=proxy_user if proxy_user != "-" else "",
        person=person,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
        message=message,
        contact=contact,
        language=_language(language),
        scope=scope,
        school_id=school_id,
    )
    record(
        "filtering.unblock_request.created",
        actor=unblock_request.requested_by,
        obj=unblock_request,
        object_repr=unblock_request.host,
        person=person,
        changes={"host": unblock_request.host, "category": unblock_request.category},
        reason=message[:500],
    )
    request_id = unblock_request.pk
    transaction.on_commit(lambda: _enqueue_notice(request_id))
    return unblock_request


def _enqueue_notice(request_id: int) -> None:
    """Email the approvers in the worker: a slow mail server never holds up the block
    page, and one message per teacher can take a while."""
    from openaup.filtering.tasks import notify_review_request

    notify_review_request.enqueue(request_id)


def approvers_to_notify(unblock_request: UnblockRequest) -> list[tuple[str, str]]:
    """Who is emailed about a new request, as ``(address, why)``: for a student's request,
    the teachers of the student's sections at the request's school; for a staff member's,
    or a student's without a teacher to email, the school's principal; for anyone else,
    ``OPENAUP_UNBLOCK_NOTIFY_EMAIL`` (the technology office's address), if set. People
    without an email address are left out."""
    out: list[tuple[str, str]] = []
    school_id = unblock_request.school_id
    if (
        unblock_request.scope == OverrideScope.SECTION
        and unblock_request.person_id
        and school_id is not None
    ):
        teachers = (
            Person.objects.filter(
                enrollments__role__in=TEACHING_ROLES,
                enrollments__is_active=True,
                enrollments__section__is_active=True,
                enrollments__section__school_id=school_id,
                enrollments__section_id__in=_student_sections(unblock_request.person_id),
                status=PersonStatus.ACTIVE,
            )
            .exclude(email="")
            .distinct()
            .order_by("pk")
        )
        out = [(t.email, "a teacher of the student") for t in teachers]
    if not out and school_id is not None:
        school = School.objects.select_related("principal").get(pk=school_id)
        if school.principal is not None and school.principal.email:
            out = [(school.principal.email, f"the principal of {school.name}")]
    if not out and unblock_request.scope == OverrideScope.DISTRICT:
        address = settings.OPENAUP_UNBLOCK_NOTIFY_EMAIL
        if address:
            out = [(address, "the district's technology office")]
    return out


def notify_approvers(request_id: int) -> list[str]:
    """Email the people who may decide a new request (:func:`approvers_to_notify`), one
    message each, with a link to it; nothing when ``OPENAUP_UNBLOCK_NOTIFY`` is off or the
    request was decided already. Records ``filtering.unblock_request.approvers_notified``
    with the addresses. Returns the addresses an email went to."""
    unblock_request = UnblockRequest.objects.select_related("person").filter(pk=request_id).first()
    if (
        not settings.OPENAUP_UNBLOCK_NOTIFY
        or unblock_request is None
        or unblock_request.status != RequestStatus.PENDING
    ):
        return []
    person = unblock_request.person
    who = (
        person.display_name
        if person is not None
        else f"Someone at {unblock_request.client_ip or 'an unknown address'}"
    )
    link = settings.OPENAUP_BASE_URL.rstrip("/") + reverse(
        "filtering:request-detail", args=[unblock_request.pk]
    )
    sent: list[str] = []
    for address, because in approvers_to_notify(unblock_request):
        body = render_to_string(
            "filtering/email/review_request.txt",
            {"request": unblock_request, "who": who, "link": link, "because": because},
        )
        try:
            send_mail(
                f"Review request: {unblock_request.host} ({who})",
                body,
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except Exception:
            logger.exception("could not email %s about unblock request %s", address, request_id)
            continue
        sent.append(address)
    if sent:
        record(
            "filtering.unblock_request.approvers_notified",
            obj=unblock_request,
            object_repr=unblock_request.host,
            changes={"to": sent},
        )
    return sent


def _check_may_decide(actor: Any, unblock_request: UnblockRequest) -> None:
    visible = UnblockRequest.objects.visible_to(actor, "change")
    if not visible.filter(pk=unblock_request.pk).exists():
        raise PermissionDenied("You may not decide this request.")
    if unblock_request.status != RequestStatus.PENDING:
        raise ValidationError(
            {"__all__": [_("This request has already been decided.")]}, code="decided"
        )


@transaction.atomic
def approve_unblock_request(
    *,
    actor: Any,
    unblock_request: UnblockRequest,
    scope: str = "",
    section: Section | None = None,
    school: School | None = None,
    duration: str = "",
    ends_at: datetime.datetime | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Override:
    """Approve a pending request: an allow override of its host for ``scope`` until
    ``ends_at`` (or for a ``duration``: ``lesson``, ``day``), within what ``actor`` may
    decide (:func:`deciding_options`). Records ``filtering.unblock_request.approved`` and
    ``filtering.override.created``; tells the requester and republishes after the commit."""
    unblock_request = UnblockRequest.objects.select_for_update().get(pk=unblock_request.pk)
    _check_may_decide(actor, unblock_request)
    options = deciding_options(actor=actor, unblock_request=unblock_request)
    if options["locked"]:
        raise ValidationError(
            {"__all__": [_("A locked block cannot be overridden.")]}, code="locked"
        )
    scope = scope or (options["scopes"][0] if options["scopes"] else "")
    if scope not in options["scopes"]:
        raise ValidationError({"scope": [_("You may not approve for this scope.")]}, code="scope")
    moment = now or timezone.now()
    person = None
    if scope == OverrideScope.SECTION:
        section_choices = options["sections"]
        if section is None:
            section = section_choices.order_by("pk").first()
        if section is None or not section_choices.filter(pk=section.pk).exists():
            raise ValidationError(
                {"section": [_("Choose one of your sections this student is in.")]},
                code="section",
            )
    elif scope == OverrideScope.SCHOOL:
        school = school or unblock_request.school
        if school is None or not options["schools"].filter(pk=school.pk).exists():
            raise ValidationError({"school": [_("Choose a school you manage.")]}, code="school")
    elif scope == OverrideScope.PERSON:
        person = unblock_request.person
        if person is None:
            raise ValidationError(
                {"scope": [_("The filter did not know who asked: choose another scope.")]},
                code="scope",
            )
    if not options["any_end"]:
        if duration not in DURATIONS:
            raise ValidationError(
                {"duration": [_("Choose one lesson or one day.")]}, code="duration"
            )
        ends_at = None
    if ends_at is None:
        the_school = school or (section.school if section is not None else None)
        if duration == "lesson":
            ends_at = lesson_end(moment)
        else:
            ends_at = school_day_end(the_school or unblock_request.school, moment)
    override = _make_override(
        actor=actor,
        action=OverrideAction.ALLOW,
        host=unblock_request.host,
        scope=scope,
        section=section,
        school=school if scope == OverrideScope.SCHOOL else None,
        person=person,
        starts_at=moment,
        ends_at=ends_at,
        reason=note or unblock_request.message[:500],
        unblock_request=unblock_request,
    )
    unblock_request.status = RequestStatus.APPROVED
    unblock_request.decided_by = actor
    unblock_request.decided_at = moment
    unblock_request.decision_note = note
    unblock_request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    record(
        "filtering.unblock_request.approved",
        actor=actor,
        obj=unblock_request,
        object_repr=unblock_request.host,
        person=unblock_request.person,
        changes={"override": override.pk, "scope": scope, "ends_at": ends_at.isoformat()},
        reason=note,
    )
    _after_commit_notify(unblock_request.pk)
    return override


@transaction.atomic
def deny_unblock_request(*, actor: Any, unblock_request: UnblockRequest, note: str) -> None:
    """Deny a pending request with a note the requester reads. Records
    ``filtering.unblock_request.denied``; tells the requester after the commit."""
    unblock_request = UnblockRequest.objects.select_for_update().get(pk=unblock_request.pk)
    _check_may_decide(actor, unblock_request)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why, for the person who asked.")]}, code="required")
    unblock_request.status = RequestStatus.DENIED
    unblock_request.decided_by = actor
    unblock_request.decided_at = timezone.now()
    unblock_request.decision_note = note[:2000]
    unblock_request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    record(
        "filtering.unblock_request.denied",
        actor=actor,
        obj=unblock_request,
        object_repr=unblock_request.host,
        person=unblock_request.person,
        reason=note[:500],
    )
    _after_commit_notify(unblock_request.pk)


def _after_commit_notify(request_id: int) -> None:
    transaction.on_commit(lambda: notify_requester(request_id))


def notify_requester(request_id: int) -> bool:
    """Email the outcome of a decided request to the person's address or the contact given,
    in the language of the block page. Marks ``notified_at``; False when there is no
    address or sending failed (the "my requests" page still shows it)."""
    unblock_request = UnblockRequest.objects.select_related("person").filter(pk=request_id).first()
    if unblock_request is None or unblock_request.status == RequestStatus.PENDING:
        return False
    address = unblock_request.contact or (
        unblock_request.person.email if unblock_request.person is not None else ""
    )
    if not address:
        return False
    with translation.override(unblock_request.language):
        if unblock_request.status == RequestStatus.APPROVED:
            subject = _("Your request to open %(host)s was approved") % {
                "host": unblock_request.host
            }
            override = unblock_request.overrides.order_by("-pk").first()
            until = (
                timezone.localtime(override.ends_at).strftime("%Y-%m-%d %H:%M")
                if override is not None
                else ""
            )
            body = _("You may open %(host)s until %(until)s.") % {
                "host": unblock_request.host,
                "until": until,
            }
        else:
            subject = _("Your request to open %(host)s was not approved") % {
                "host": unblock_request.host
            }
            body = _("The site stays blocked.")
        if unblock_request.decision_note:
            body += "\n\n" + _("Note from the reviewer:") + "\n" + unblock_request.decision_note
        body += "\n\n" + _("Your requests: %(url)s") % {
            "url": settings.OPENAUP_BASE_URL.rstrip("/") + reverse("filtering:my-requests")
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:
        logger.exception("could not email the outcome of unblock request %s", request_id)
        return False
    UnblockRequest.objects.filter(pk=request_id).update(notified_at=timezone.now())
    return True


# -- overrides -----------------------------------------------------------------------------


def _normalized_target(text: str) -> str:
    """``host`` or ``host/path`` from what someone typed (a URL, a host, a prefix), or
    raise a ``ValidationError`` on ``host``."""
    raw = (text or "").strip()
    host, path, _query = split_url(raw)
    if not host or "." not in host:
        raise ValidationError(
            {"host": [_("Enter a site such as example.org or example.org/page.")]}, code="host"
        )
    if host.startswith("www."):
        host = host[4:]
    return f"{host}/{path}" if path else host


def _locked_for_host(target: str) -> bool:
    """Whether the live snapshot blocks ``target`` with a locked rule for some profile."""
    from openaup.engine.decide import Engine
    from openaup.engine.decision import FilterRequest
    from openaup.engine.snapshot import Snapshot, SnapshotError

    path = snapshot_path()
    if not path.exists():
        return False
    try:
        engine = Engine(Snapshot.open(path))
    except (OSError, SnapshotError):
        return False
    request = FilterRequest(url=f"http://{target}")
    return any(is_locked(engine.decide(request, profile=name).rule) for name in engine.profiles)


def _check_may_override(
    access: Any, *, scope: str, section: Section | None, school: School | None
) -> None:
    if access.is_district_admin or access.is_tech_staff:
        return
    principal_of = access.schools_with(Role.SCHOOL_ADMIN)
    if scope == OverrideScope.SCHOOL and school is not None and school.pk in principal_of:
        return
    if scope == OverrideScope.SECTION and section is not None:
        if section.school_id in access.schools_with(Role.SCHOOL_ADMIN):
            return
        if (
            access.person_id is not None
            and Enrollment.objects.filter(
                person_id=access.person_id,
                section=section,
                role__in=TEACHING_ROLES,
                is_active=True,
            ).exists()
        ):
            return
    raise PermissionDenied("You may not make this override.")


def may_override_section(user: Any, section: Section) -> bool:
    """Whether ``user`` may allow or block a site for ``section`` (its teachers, the
    school's principal, technology staff)."""
    try:
        _check_may_override(
            access_for(user), scope=OverrideScope.SECTION, section=section, school=None
        )
    except PermissionDenied:
        return False
    return True


def _make_override(
    *,
    actor: Any,
    action: str,
    host: str,
    scope: str,
    section: Section | None,
    school: School | None,
    person: Person | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str,
    unblock_request: UnblockRequest | None = None,
) -> Override:
    target = _normalized_target(host)
    if ends_at <= starts_at:
        raise ValidationError(
            {"ends_at": [_("The end must be after the start.")]}, code="ends_before_start"
        )
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": [_("The end must be in the future.")]}, code="ended")
    if action == OverrideAction.ALLOW and _locked_for_host(target):
        raise ValidationError(
            {
                "host": [
                    _("%(host)s is blocked by a locked rule, which cannot be overridden.")
                    % {"host": target}
                ]
            },
            code="locked",
        )
    if scope == OverrideScope.SECTION and section is not None:
        school = section.school  # so that the school's principal sees and may end it
    override = Override.objects.create(
        action=action,
        host=target,
        scope=scope,
        section=section,
        school=school,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason[:500],
        request=unblock_request,
        created_by=actor,
    )
    record(
        "filtering.override.created",
        actor=actor,
        obj=override,
        object_repr=str(override),
        person=person,
        changes={
            "action": action,
            "host": target,
            "scope": scope,
            "section": section.pk if section is not None else None,
            "school": school.pk if school is not None else None,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
        reason=reason[:500],
    )
    _after_commit_republish(f"override {override.pk}: {action} {target} ({scope})")
    return override


@transaction.atomic
def create_override(
    *,
    actor: Any,
    action: str,
    host: str,
    scope: str,
    section: Section | None = None,
    school: School | None = None,
    person: Person | None = None,
    duration: str = "",
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    reason: str = "",
) -> Override:
    """An allow or block of ``host`` (a domain or a ``host/path`` prefix) for a section, a
    school, the district or one person. A teacher: for one of their sections, for a
    ``lesson`` or a ``day``; a principal: their school or its sections, until ``ends_at``;
    technology staff: anything. An end before the start, an ended window or an allow of a
    locked block is refused. Records ``filtering.override.created``."""
    access = access_for(actor)
    if action not in OverrideAction.values:
        raise ValidationError({"action": [_("Choose allow or block.")]}, code="action")
    if scope not in OverrideScope.values:
        raise ValidationError({"scope": [_("Choose who it applies to.")]}, code="scope")
    if scope == OverrideScope.SECTION and section is None:
        raise ValidationError({"section": [_("Choose a section.")]}, code="section")
    if scope == OverrideScope.SCHOOL and school is None:
        raise ValidationError({"school": [_("Choose a school.")]}, code="school")
    if scope == OverrideScope.PERSON and person is None:
        raise ValidationError({"person": [_("Choose a person.")]}, code="person")
    if scope == OverrideScope.DISTRICT and not (access.is_district_admin or access.is_tech_staff):
        raise PermissionDenied("Only technology staff override for the whole district.")
    if scope == OverrideScope.PERSON and not (access.is_district_admin or access.is_tech_staff):
        raise PermissionDenied("Only technology staff override for one person.")
    _check_may_override(access, scope=scope, section=section, school=school)
    moment = starts_at or timezone.now()
    schools_here = {s.pk for s in (school, section.school if section else None) if s}
    chooses_end = (
        access.is_district_admin
        or access.is_tech_staff
        or bool(access.schools_with(Role.SCHOOL_ADMIN) & schools_here)
    )
    if not chooses_end or duration:
        if duration not in DURATIONS:
            raise ValidationError(
                {"duration": [_("Choose one lesson or one day.")]}, code="duration"
            )
        the_school = school or (section.school if section is not None else None)
        ends_at = lesson_end(moment) if duration == "lesson" else school_day_end(the_school, moment)
    if ends_at is None:
        raise ValidationError({"ends_at": [_("Choose when it ends.")]}, code="required")
    return _make_override(
        actor=actor,
        action=action,
        host=host,
        scope=scope,
        section=section,
        school=school if scope == OverrideScope.SCHOOL else None,
        person=person if scope == OverrideScope.PERSON else None,
        starts_at=moment,
        ends_at=ends_at,
        reason=reason,
    )


@transaction.atomic
def revoke_override(*, actor: Any, override: Override) -> Override:
    """End an override now. Whoever may change it (its maker, the school's principal,
    technology staff). Records ``filtering.override.revoked``; republishes after the commit."""
    if not Override.objects.visible_to(actor, "change").filter(pk=override.pk).exists():
        raise PermissionDenied("You may not revoke this override.")
    override = Override.objects.select_for_update().get(pk=override.pk)
    if override.revoked_at is not None or override.ends_at <= timezone.now():
        raise ValidationError({"__all__": [_("This override has already ended.")]}, code="ended")
    override.revoked_at = timezone.now()
    override.revoked_by = actor
    override.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    record(
        "filtering.override.revoked",
        actor=actor,
        obj=override,
        object_repr=str(override),
        person=override.person,
    )
    _after_commit_republish(f"override {override.pk} revoked")
    return override


@transaction.atomic
def expire_overrides(*, now: datetime.datetime | None = None) -> int:
    """Mark the overrides that have ended (the engine already stopped applying them) and
    republish once, so the policy file drops them. Records ``filtering.override.expired``
    for each. Returns how many ended."""
    moment = now or timezone.now()
    ended = list(
        Override.objects.select_for_update()
        .filter(expired_at__isnull=True, revoked_at__isnull=True, ends_at__lte=moment)
        .order_by("pk")
    )
    for override in ended:
        override.expired_at = moment
        override.save(update_fields=["expired_at", "updated_at"])
        record(
            "filtering.override.expired",
            actor=None,
            obj=override,
            object_repr=str(override),
            person=override.person,
            changes={"ends_at": override.ends_at.isoformat()},
        )
    if ended:
        _after_commit_republish(f"{len(ended)} override(s) ended")
    return len(ended)


def _after_commit_republish(note: str) -> None:
    transaction.on_commit(lambda: _republish(note))


def _republish(note: str) -> None:
    """Publish the live policy again with the current overrides (after the commit that
    changed them). The live revision's own text is kept, so that drafts of the profiles
    that nobody has published yet do not go live with a teacher's override; before
    anything is published, the first publication carries the overrides."""
    from openaup.filtering.models import PolicyRevision
    from openaup.filtering.services.publishing import publish_policy

    live = PolicyRevision.objects.live().first()
    if live is None:
        return
    try:
        publish_policy(
            actor=None,
            note=note,
            confirm_reason=live.confirmed_reason,
            _toml=with_overrides(live.toml, timezone.now()),
        )
    except Exception:
        logger.exception("could not republish the filter policy after: %s", note)


def _toml(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def with_overrides(policy_text: str, now: datetime.datetime) -> str:
    """``policy_text`` (a policy written by the web app) with its ``[[overrides]]`` tables
    replaced by the current ones (:func:`override_tables`)."""
    head = policy_text.split("\n[[overrides]]\n", 1)[0].rstrip() + "\n"
    for table in override_tables(now):
        head += "\n[[overrides]]\n"
        head += "".join(f"{key} = {_toml(value)}\n" for key, value in table.items())
    return head


# -- the engine's tables -----------------------------------------------------------------


def _user_names(people: Any) -> list[str]:
    names = people.exclude(username="").values_list("username", flat=True)
    return sorted({name.lower() for name in names})


def override_tables(now: datetime.datetime) -> list[dict[str, Any]]:
    """The ``[[overrides]]`` tables of the engine policy for every override that is not
    revoked and has not ended at ``now`` (future ones too: the engine checks each window).
    An override that reaches nobody (a section without students) is left out."""
    tables: list[dict[str, Any]] = []
    overrides = (
        Override.objects.current_or_future(now)
        .select_related("person", "school", "section")
        .order_by("starts_at", "pk")
    )
    for override in overrides:
        who: dict[str, list[str]] = {}
        if override.scope == OverrideScope.SECTION and override.section_id:
            students = Person.objects.filter(
                enrollments__section_id=override.section_id,
                enrollments__role="student",
                enrollments__is_active=True,
                status=PersonStatus.ACTIVE,
            )
            who["users"] = _user_names(students)
        elif override.scope == OverrideScope.SCHOOL and override.school_id:
            students = Person.objects.filter(
                school_id=override.school_id, kind=PersonKind.STUDENT, status=PersonStatus.ACTIVE
            )
            who["users"] = _user_names(students)
            who["networks"] = sorted(
                set(
                    ProfileAssignment.objects.filter(
                        kind=AssignmentKind.NETWORK, school_id=override.school_id
                    )
                    .exclude(network="")
                    .values_list("network", flat=True)
                )
            )
        elif override.scope == OverrideScope.DISTRICT:
            who["profiles"] = list(override.profiles) or ["*"]
        elif override.scope == OverrideScope.PERSON and override.person is not None:
            who["users"] = _user_names(Person.objects.filter(pk=override.person_id))
        who = {key: value for key, value in who.items() if value}
        if not who:
            continue
        host = override.host.strip().lower()
        table: dict[str, Any] = {
            "id": f"ov-{override.pk}",
            "state": override.action,
            "hosts": [host] if "/" not in host else [],
            "urls": [host] if "/" in host else [],
            **who,
            "starts": override.starts_at,
            "ends": override.ends_at,
        }
        tables.append({key: value for key, value in table.items() if value != []})
    return tables
