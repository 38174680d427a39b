"""Unblock requests: routing to approvers, approving and denying, overrides and expiry."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.filtering.models import FilterSchedule, Override, UnblockRequest
from openaup.filtering.services import requests as svc
from tests.accounts.factories import UserFactory
from tests.directory.factories import (
    EnrollmentFactory,
    PersonRoleFactory,
    SectionFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db(transaction=False)


def facts(**changes: str) -> dict[str, str]:
    values = {
        "host": "games.example",
        "url": "http://games.example/play",
        "profile": "elementary",
        "category": "games",
        "list": "ut1/games",
        "rule": "block",
        "reason": "category",
        "clause": "Network Usage, Filtering & Monitoring",
        "client_ip": "10.20.3.4",
        "user": "ava.s",
        "issued": str(int(timezone.now().timestamp())),
    }
    values.update(changes)
    return values


@pytest.fixture
def people(world: Any, teacher: Any, student: Any, principal_a: Any, principal_b: Any) -> Any:
    world.student_a1.username = "ava.s"
    world.student_a1.email = "ava@students.example"
    world.student_a1.save()
    return world


def ask(**changes: str) -> UnblockRequest:
    return svc.create_unblock_request(
        actor=None, facts=facts(**changes), message="For the fractions lesson.", language="es"
    )


def run_worker() -> None:
    """What ``aup worker`` does with the queued jobs (the approvers' emails); it closes the
    database connection, so a test that calls it runs with ``transaction=True``."""
    call_command("worker", "--batch", "--interval", "0")


def visible(user: Any) -> set[int]:
    return set(UnblockRequest.objects.visible_to(user, "view").values_list("pk", flat=True))


def test_a_students_request_goes_to_their_teacher_principal_and_tech(
    people: Any, teacher: Any, principal_a: Any, principal_b: Any, tech_staff: Any, student: Any
) -> None:
    request = ask()
    assert request.person == people.student_a1
    assert request.scope == "section"
    assert request.school == people.school_a
    assert request.url == "http://games.example/play"
    for user in (teacher, principal_a, tech_staff, student):
        assert request.pk in visible(user), user
    assert request.pk not in visible(principal_b)
    other_teacher = UserFactory(person=StaffFactory(school=people.school_a))
    PersonRoleFactory(person=other_teacher.person, role="teacher", school=people.school_a)
    assert request.pk not in visible(other_teacher)
    assert AuditEvent.objects.filter(action="filtering.unblock_request.created").count() == 1


def test_staff_and_unknown_people_are_routed_up(
    people: Any, teacher: Any, principal_a: Any, tech_staff: Any
) -> None:
    people.teacher_person.username = "tess.t"
    people.teacher_person.save()
    staff_request = ask(user="TESS.T")
    assert staff_request.person == people.teacher_person
    assert staff_request.scope == "school"
    unknown = ask(user="-", client_ip="10.99.0.7")
    assert unknown.person is None
    assert unknown.scope == "district"
    assert str(unknown.client_ip) == "10.99.0.7"
    assert staff_request.pk in visible(principal_a)
    assert unknown.pk not in visible(principal_a)
    assert unknown.pk not in visible(teacher)
    assert unknown.pk in visible(tech_staff)


def test_bad_requests_are_refused_and_change_nothing(people: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        svc.create_unblock_request(actor=None, facts=facts(), message="  ", contact="nope")
    assert set(caught.value.message_dict) == {"message", "contact"}
    with pytest.raises(ValidationError, match="cannot be overridden"):
        ask(rule="locked_block", category="adult")
    assert UnblockRequest.objects.count() == 0


@override_settings(OPENAUP_UNBLOCK_REQUESTS_PER_HOUR=2)
def test_requests_are_rate_limited_per_address(people: Any) -> None:
    ask()
    ask()
    with pytest.raises(ValidationError, match="Too many"):
        ask()
    ask(client_ip="10.20.3.5")
    assert UnblockRequest.objects.count() == 3


@override_settings(OPENAUP_LESSON_MINUTES=45)
def test_a_teacher_approves_for_one_lesson_and_the_student_is_told_in_spanish(
    people: Any, teacher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = ask()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        override = svc.approve_unblock_request(
            actor=teacher, unblock_request=request, duration="lesson", note="Solo hoy."
        )
    assert override.scope == "section"
    assert override.section == people.section_a
    assert override.action == "allow"
    assert override.host == "games.example"
    minutes = (override.ends_at - override.starts_at).total_seconds() / 60
    assert minutes == 45
    assert override.starts_at >= before
    request.refresh_from_db()
    assert request.status == "approved"
    assert request.decided_by == teacher
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ava@students.example"]
    assert "aprob" in mail.outbox[0].subject
    assert "Solo hoy." in mail.outbox[0].body
    request.refresh_from_db()
    assert request.notified_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"filtering.unblock_request.approved", "filtering.override.created"} <= actions


def test_one_day_ends_with_the_school_day(people: Any, teacher: Any) -> None:
    FilterSchedule.objects.create(
        name="school_hours",
        school=people.school_a,
        days=["mon"],
        start=datetime.time(8),
        end=datetime.time(15, 30),
    )
    morning = timezone.make_aware(datetime.datetime(2030, 3, 4, 9, 0))
    request = ask()
    override = svc.approve_unblock_request(
        actor=teacher, unblock_request=request, duration="day", now=morning
    )
    assert timezone.localtime(override.ends_at).time() == datetime.time(15, 30)
    assert timezone.localtime(override.ends_at).date() == morning.date()


def test_a_teacher_may_not_pick_any_end_or_another_scope(people: Any, teacher: Any) -> None:
    request = ask()
    with pytest.raises(ValidationError, match="lesson or one day"):
        svc.approve_unblock_request(actor=teacher, unblock_request=request)
    with pytest.raises(ValidationError, match="scope"):
        svc.approve_unblock_request(
            actor=teacher, unblock_request=request, scope="district", duration="day"
        )
    other = SectionFactory(school=people.school_a)
    with pytest.raises(ValidationError, match="your sections"):
        svc.approve_unblock_request(
            actor=teacher, unblock_request=request, section=other, duration="lesson"
        )
    assert Override.objects.count() == 0


def test_principals_decide_only_their_school(
    people: Any, principal_a: Any, principal_b: Any
) -> None:
    request = ask()
    with pytest.raises(PermissionDenied):
        svc.approve_unblock_request(actor=principal_b, unblock_request=request)
    ends = timezone.now() + datetime.timedelta(days=3)
    override = svc.approve_unblock_request(
        actor=principal_a, unblock_request=request, scope="school", ends_at=ends
    )
    assert override.school == people.school_a
    assert override.ends_at == ends
    with pytest.raises(ValidationError, match="already been decided"):
        svc.deny_unblock_request(actor=principal_a, unblock_request=request, note="No")


def test_the_student_cannot_decide_their_own_request(people: Any, student: Any) -> None:
    request = ask()
    with pytest.raises(PermissionDenied):
        svc.approve_unblock_request(actor=student, unblock_request=request, duration="day")


def test_deny_needs_a_note_and_tells_the_contact(
    people: Any, tech_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = svc.create_unblock_request(
        actor=None,
        facts=facts(user=""),
        message="Research",
        contact="someone@example.net",
        language="en",
    )
    with pytest.raises(ValidationError, match="Say why"):
        svc.deny_unblock_request(actor=tech_staff, unblock_request=request, note=" ")
    with django_capture_on_commit_callbacks(execute=True):
        svc.deny_unblock_request(actor=tech_staff, unblock_request=request, note="Use the library.")
    request.refresh_from_db()
    assert request.status == "denied"
    assert mail.outbox[0].to == ["someone@example.net"]
    assert "not approved" in mail.outbox[0].subject
    assert "Use the library." in mail.outbox[0].body


def test_tech_staff_sets_any_scope_and_end_but_never_before_the_start(
    people: Any, tech_staff: Any
) -> None:
    request = ask()
    past = timezone.now() - datetime.timedelta(minutes=5)
    with pytest.raises(ValidationError) as caught:
        svc.approve_unblock_request(
            actor=tech_staff, unblock_request=request, scope="district", ends_at=past
        )
    assert "ends_at" in caught.value.message_dict
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError, match="after the start"):
        svc.create_override(
            actor=tech_staff,
            action="allow",
            host="maps.example",
            scope="district",
            starts_at=start,
            ends_at=start - datetime.timedelta(hours=1),
        )
    assert Override.objects.count() == 0
    override = svc.approve_unblock_request(
        actor=tech_staff, unblock_request=request, scope="person", ends_at=start
    )
    assert override.person == people.student_a1


def test_a_teacher_allows_or_blocks_a_site_for_a_lesson(people: Any, teacher: Any) -> None:
    override = svc.create_override(
        actor=teacher,
        action="block",
        host="https://www.Video.example/live?x=1",
        scope="section",
        section=people.section_a,
        duration="lesson",
        reason="Test today",
    )
    assert override.host == "video.example/live"
    assert override.created_by == teacher
    with pytest.raises(PermissionDenied):
        svc.create_override(
            actor=teacher,
            action="allow",
            host="maps.example",
            scope="section",
            section=SectionFactory(school=people.school_a),
            duration="lesson",
        )
    with pytest.raises(ValidationError, match=r"example\.org"):
        svc.create_override(
            actor=teacher,
            action="allow",
            host="not a site",
            scope="section",
            section=people.section_a,
            duration="lesson",
        )
    with pytest.raises(PermissionDenied):
        svc.create_override(
            actor=teacher, action="allow", host="maps.example", scope="district", duration="day"
        )


def test_revoking_and_expiry(people: Any, teacher: Any, principal_b: Any) -> None:
    override = svc.create_override(
        actor=teacher,
        action="allow",
        host="maps.example",
        scope="section",
        section=people.section_a,
        duration="lesson",
    )
    with pytest.raises(PermissionDenied):
        svc.revoke_override(actor=principal_b, override=override)
    svc.revoke_override(actor=teacher, override=override)
    assert svc.override_tables(timezone.now()) == []
    with pytest.raises(ValidationError, match="already ended"):
        svc.revoke_override(actor=teacher, override=override)

    lesson = svc.create_override(
        actor=teacher,
        action="allow",
        host="atlas.example",
        scope="section",
        section=people.section_a,
        duration="lesson",
    )
    assert svc.expire_overrides(now=lesson.ends_at - datetime.timedelta(seconds=1)) == 0
    assert svc.expire_overrides(now=lesson.ends_at) == 1
    assert svc.expire_overrides(now=lesson.ends_at) == 0
    lesson.refresh_from_db()
    assert lesson.expired_at == lesson.ends_at
    assert AuditEvent.objects.filter(action="filtering.override.expired").count() == 1
    assert AuditEvent.objects.filter(action="filtering.override.revoked").count() == 1


def test_the_block_key_is_made_once_and_private(settings: Any, tmp_path: Any) -> None:
    settings.OPENAUP_FILTER_DIR = tmp_path / "filter"
    key = svc.ensure_block_key()
    assert len(key) == 32
    assert svc.ensure_block_key() == key
    assert (tmp_path / "filter" / "block.key").stat().st_mode & 0o777 == 0o600
    assert list((tmp_path / "filter").iterdir()) == [tmp_path / "filter" / "block.key"]


def test_the_worker_runs_the_expiry_every_five_minutes(people: Any, teacher: Any) -> None:
    from openaup.core.management.commands.worker import PERIODIC_JOBS
    from openaup.filtering.tasks import expire_overrides

    (job,) = [job for job in PERIODIC_JOBS if job.name == "filter override expiry"]
    assert job.every_minutes == 5
    assert job.task() is expire_overrides
    Override.objects.create(
        action="allow",
        host="ended.example",
        scope="district",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert expire_overrides.call(period="2026-11-30T10:05") == {"ended": 1}


def test_a_locked_block_in_the_live_snapshot_cannot_be_allowed(
    people: Any, tech_staff: Any, settings: Any, tmp_path: Any
) -> None:
    from openaup.engine.compiler import compile_snapshot
    from openaup.engine.policy import DEFAULT_POLICY, parse_policy
    from openaup.filtering.paths import snapshot_path

    settings.OPENAUP_FILTER_DIR = tmp_path / "filter"
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "adult.txt").write_text("adult.example\n")
    (lists / "games.txt").write_text("games.example\n")
    snapshot_path().parent.mkdir(parents=True)
    compile_snapshot([lists], parse_policy(DEFAULT_POLICY, origin="test"), snapshot_path())
    end = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError, match="locked rule"):
        svc.create_override(
            actor=tech_staff,
            action="allow",
            host="www.adult.example",
            scope="district",
            ends_at=end,
        )
    # A locked block may still be made stricter, and a plain block may be allowed.
    svc.create_override(
        actor=tech_staff, action="block", host="adult.example", scope="district", ends_at=end
    )
    svc.create_override(
        actor=tech_staff, action="allow", host="games.example", scope="district", ends_at=end
    )
    assert Override.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_students_teachers_are_emailed_a_link_to_the_new_request(
    people: Any, teacher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people.teacher_person.email = "tess@school.example"
    people.teacher_person.save()
    # a teacher of the same school who does not teach the student is not emailed
    other = StaffFactory(school=people.school_a, email="other@school.example")
    EnrollmentFactory(person=other, section=SectionFactory(school=people.school_a), role="teacher")
    with django_capture_on_commit_callbacks(execute=True):
        request = ask()
    assert mail.outbox == []  # sent by the worker, not while the block page waits
    run_worker()
    assert [m.to for m in mail.outbox] == [["tess@school.example"]]
    message = mail.outbox[0]
    assert "games.example" in message.subject
    assert people.student_a1.display_name in message.subject
    assert f"/filter/requests/{request.pk}/" in message.body
    assert "For the fractions lesson." in message.body
    event = AuditEvent.objects.get(action="filtering.unblock_request.approvers_notified")
    assert event.changes["to"] == ["tess@school.example"]


@pytest.mark.django_db(transaction=True)
def test_without_a_teacher_to_email_the_principal_is_told_and_unknown_people_go_to_it(
    people: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people.teacher_person.email = ""
    people.teacher_person.save()
    principal = people.school_a.principal
    with django_capture_on_commit_callbacks(execute=True):
        ask()
    run_worker()
    assert [m.to for m in mail.outbox] == [[principal.email]]
    settings.OPENAUP_UNBLOCK_NOTIFY_EMAIL = "helpdesk@district.example"
    with django_capture_on_commit_callbacks(execute=True):
        ask(user="-", client_ip="10.99.0.7")
    run_worker()
    assert mail.outbox[-1].to == ["helpdesk@district.example"]
    assert "10.99.0.7" in mail.outbox[-1].subject
    settings.OPENAUP_UNBLOCK_NOTIFY = False
    with django_capture_on_commit_callbacks(execute=True):
        ask(user="-", client_ip="10.99.0.8")
    run_worker()
    assert len(mail.outbox) == 2
