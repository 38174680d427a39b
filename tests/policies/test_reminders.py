"""Reminders: in the guardian's language, one per guardian naming all their children with a
fresh personal link, never to a guardian without educational rights, idempotent per day,
every message logged, one failure does not stop the rest; "send a reminder now"."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from openaup.audit.models import AuditEvent
from openaup.directory.models import GuardianLink, Person
from openaup.policies.choices import CampaignStatus, MemberKind, MessageStatus
from openaup.policies.models import ReminderMessage, SigningLink
from openaup.policies.services import reminders
from openaup.policies.services.links import resolve_link
from openaup.policies.services.signatures import refresh_member
from tests.directory.factories import StaffFactory
from tests.personas import World
from tests.policies.factories import (
    CampaignMemberFactory,
    PolicyVersionFactory,
    SignatureFactory,
    SigningCampaignFactory,
)

pytestmark = pytest.mark.django_db


class FlakyBackend(LocmemBackend):
    """The test outbox, refusing mail to one address."""

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            if "bounce@" in message.to[0]:
                raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


@pytest.fixture
def campaign(world: World) -> Any:
    version = PolicyVersionFactory()
    campaign = SigningCampaignFactory(versions=[version])
    for person in Person.objects.filter(kind="student"):
        CampaignMemberFactory(campaign=campaign, person=person, version=version)
    GuardianLink.objects.filter(guardian=world.guardian_person).update(preferred_language="es")
    return campaign


def messages_to(person: Any) -> list[ReminderMessage]:
    return list(ReminderMessage.objects.filter(recipient=person))


def test_spanish_guardian_gets_one_spanish_email_for_both_children_with_a_fresh_link(
    world: World, campaign: Any
) -> None:
    old_link, _ = reminders_link(campaign, world.guardian_person)
    result = reminders.send_reminders(campaign=campaign)
    (email,) = [m for m in mail.outbox if world.guardian_person.email in m.to]
    assert email.subject.startswith("Recordatorio")
    assert "Ava" in email.subject
    assert "Dee" in email.subject
    assert "Todavía no hemos recibido su firma" in email.body
    html = email.alternatives[0][0]
    assert 'lang="es"' in html
    token = re.search(r"/sign/([\w-]+)/", email.body)
    assert token is not None
    link = resolve_link(token.group(1))
    assert link.guardian == world.guardian_person
    old_link.refresh_from_db()
    assert old_link.revoked_at is not None  # the older link no longer works
    (logged,) = messages_to(world.guardian_person)
    assert (logged.status, logged.language, logged.link) == (MessageStatus.SENT, "es", link)
    assert result.sent >= 1


def reminders_link(campaign: Any, guardian: Any) -> tuple[SigningLink, str]:
    from openaup.policies.services.links import issue_link

    return issue_link(campaign=campaign, guardian=guardian)


def test_english_is_the_fallback_for_a_language_without_templates(
    world: World, campaign: Any
) -> None:
    GuardianLink.objects.filter(guardian=world.guardian_person).update(preferred_language="vi")
    reminders.send_reminders(campaign=campaign)
    (email,) = [m for m in mail.outbox if world.guardian_person.email in m.to]
    assert email.subject.startswith("Reminder")
    assert messages_to(world.guardian_person)[0].language == "en"


def test_es_mx_uses_the_spanish_templates() -> None:
    language, subject, _text, _html = reminders.render_email(
        "student",
        "es-mx",
        {"campaign": SigningCampaignFactory.build(), "recipient": None, "url": "x"},
    )
    assert language == "es"
    assert subject.startswith("Recordatorio")


def test_never_a_guardian_without_educational_rights(world: World, campaign: Any) -> None:
    reminders.send_invitations(campaign=campaign)
    reminders.send_reminders(campaign=campaign)
    other = world.other_guardian_person
    assert not [m for m in mail.outbox if other.email in m.to]
    assert not SigningLink.objects.filter(guardian=other).exists()
    logged = messages_to(other)
    assert logged
    assert {m.status for m in logged} == {MessageStatus.SKIPPED}
    assert "educational rights" in logged[0].detail


def test_students_and_staff_get_their_own_reminder_and_no_address_is_logged(
    world: World, campaign: Any
) -> None:
    Person.objects.filter(pk=world.student_a2.pk).update(email="ben@students.example")
    staff = StaffFactory(school=world.school_a)
    CampaignMemberFactory(campaign=campaign, person=staff, kind="staff", needs_guardian=False)
    reminders.send_reminders(campaign=campaign)
    (ben,) = [m for m in mail.outbox if "ben@students.example" in m.to]
    assert "/sign/" in ben.body
    (to_staff,) = [m for m in mail.outbox if staff.email in m.to]
    assert "employees confirm" in to_staff.body
    (ava,) = messages_to(world.student_a1)
    assert (ava.status, ava.detail) == (MessageStatus.SKIPPED, reminders.SKIP_NO_ADDRESS)


def test_signed_members_and_the_signed_side_are_not_reminded(world: World, campaign: Any) -> None:
    member = campaign.members.get(person=world.student_a1)
    SignatureFactory(
        member=member,
        version=member.version,
        signer=world.guardian_person,
        signer_role="guardian",
        went_over_with_child=True,
    )
    refresh_member(member)
    reminders.send_reminders(campaign=campaign)
    (email,) = [m for m in mail.outbox if world.guardian_person.email in m.to]
    assert "Dee" in email.subject
    assert "Ava" not in email.subject


def test_scheduled_reminders_are_idempotent_per_campaign_and_day(
    world: World, campaign: Any
) -> None:
    day = campaign.due_on - datetime.timedelta(days=7)
    assert reminders.send_due_reminders(day - datetime.timedelta(days=1)) == {}
    first = reminders.send_due_reminders(day)
    assert first[campaign.pk].sent >= 1
    sent = len(mail.outbox)
    assert reminders.send_due_reminders(day) == {}
    assert len(mail.outbox) == sent
    assert ReminderMessage.objects.filter(scheduled_for=day, status="sent").count() == sent
    # An on-demand reminder the same day does not email the same people again.
    reminders.send_reminders(campaign=campaign)
    assert len(mail.outbox) == sent


def test_a_closed_campaign_sends_nothing(world: World, campaign: Any) -> None:
    campaign.status = CampaignStatus.CLOSED
    campaign.save()
    assert reminders.send_reminders(campaign=campaign) == reminders.SendResult(0, 0, 0)
    assert mail.outbox == []


def test_one_failure_is_logged_and_the_rest_go_on(
    world: World, campaign: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.policies.test_reminders.FlakyBackend"
    Person.objects.filter(pk=world.guardian_person.pk).update(email="bounce@example.net")
    GuardianLink.objects.filter(guardian=world.guardian_person).update(contact_email="")
    Person.objects.filter(pk=world.student_a2.pk).update(email="ben@students.example")
    result = reminders.send_reminders(campaign=campaign)
    assert result.failed == 1
    assert result.sent == 1
    (failed,) = messages_to(world.guardian_person)
    assert failed.status == MessageStatus.FAILED
    assert "550" in failed.detail
    assert [m.to for m in mail.outbox] == [["ben@students.example"]]


def test_invitations_go_once(world: World, campaign: Any) -> None:
    reminders.send_invitations(campaign=campaign)
    sent = len(mail.outbox)
    assert sent >= 1
    assert mail.outbox[0].subject.startswith(("Firme", "Please sign"))
    reminders.send_invitations(campaign=campaign)
    assert len(mail.outbox) == sent


def test_request_reminders_records_and_enqueues_after_commit(
    world: World,
    campaign: Any,
    principal_a: Any,
    principal_b: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        reminders.request_reminders(actor=principal_a, campaign=campaign, school=world.school_a)
    job = DBTaskResult.objects.get()
    assert job.task_path.endswith("send_reminders")
    assert job.args_kwargs["args"] == [campaign.pk, world.school_a.pk, principal_a.pk]
    event = AuditEvent.objects.get(action="campaign.reminders_requested")
    assert event.changes == {"school": world.school_a.pk}
    with pytest.raises(PermissionDenied):
        reminders.request_reminders(actor=principal_b, campaign=campaign, school=world.school_a)
    with pytest.raises(PermissionDenied):
        reminders.request_reminders(actor=principal_a, campaign=campaign)


def test_the_reminder_task_sends_for_one_school(world: World, campaign: Any) -> None:
    from openaup.policies.tasks import send_reminders

    send_reminders.call(campaign.pk, world.school_b.pk, None)
    (email,) = mail.outbox
    assert "Dee" in email.subject
    assert "Ava" not in email.subject


def test_remind_button_on_the_dashboard(
    world: World, campaign: Any, district_admin: Any, records_officer: Any
) -> None:
    page = Client()
    page.force_login(district_admin)
    url = reverse("policies:campaign-remind", args=[campaign.pk])
    response = page.post(url, {"school": ""})
    assert response.status_code == 302
    assert DBTaskResult.objects.count() == 0  # enqueued after commit: the test never commits
    assert AuditEvent.objects.filter(action="campaign.reminders_requested").count() == 1
    bad = page.post(url, {"school": "nope"}, follow=True)
    assert "School: choose a school" in bad.content.decode()
    assert AuditEvent.objects.filter(action="campaign.reminders_requested").count() == 1
    reader = Client()
    reader.force_login(records_officer)
    assert reader.post(url, {"school": ""}).status_code == 403


def test_message_log_page(world: World, campaign: Any, principal_a: Any, principal_b: Any) -> None:
    reminders.send_reminders(campaign=campaign)
    page = Client()
    page.force_login(principal_a)
    response = page.get(reverse("policies:campaign-messages", args=[campaign.pk]))
    assert response.status_code == 200
    recipients = {m.recipient_id for m in response.context["log"]}
    assert world.guardian_person.pk in recipients
    assert world.student_b1.pk not in recipients
    other = Client()
    other.force_login(principal_b)
    response = other.get(reverse("policies:campaign-messages", args=[campaign.pk]))
    assert world.student_a1.pk not in {m.recipient_id for m in response.context["log"]}


def test_staff_without_an_address_is_logged_as_not_sent(world: World, campaign: Any) -> None:
    staff = StaffFactory(school=world.school_a, email="")
    CampaignMemberFactory(
        campaign=campaign, person=staff, kind=MemberKind.STAFF, needs_guardian=False
    )
    reminders.send_reminders(campaign=campaign)
    (logged,) = messages_to(staff)
    assert (logged.status, logged.detail) == (MessageStatus.SKIPPED, reminders.SKIP_NO_ADDRESS)


def test_batches_send_and_log_everyone(world: World, campaign: Any, monkeypatch: Any) -> None:
    Person.objects.filter(pk=world.student_a2.pk).update(email="ben@students.example")
    monkeypatch.setattr(reminders, "BATCH_SIZE", 1)
    result = reminders.send_reminders(campaign=campaign)
    assert result.sent == len(mail.outbox) == 2  # Gina (both children) and Ben
    assert ReminderMessage.objects.count() == result.sent + result.skipped + result.failed
    assert AuditEvent.objects.get(action="campaign.messages_sent").changes["sent"] == 2
