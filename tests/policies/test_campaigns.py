"""Campaigns: creating, changing, opening, closing, carrying over; members; has_signed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openaup.audit.models import AuditEvent
from openaup.directory.choices import PersonStatus
from openaup.policies import services
from openaup.policies.choices import (
    CampaignStatus,
    MemberKind,
    OverdueAction,
    SignatureMethod,
    SignerRole,
    SigningStatus,
    VersionStatus,
)
from openaup.policies.models import CampaignMember, SigningCampaign
from tests.directory.factories import PersonFactory, StaffFactory, StudentFactory
from tests.personas import World
from tests.policies.campaign_setup import Versions, make_versions, open_campaign
from tests.policies.factories import PolicyVersionFactory, SignatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(world: World) -> Versions:
    return make_versions()


def _create(actor: Any, versions: Versions, /, **overrides: Any) -> SigningCampaign:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "name": "2026-27 AUP",
        "school_year": 2027,
        "opens_on": today,
        "due_on": today + datetime.timedelta(days=21),
        "versions": [versions.everyone, versions.grades_3_5, versions.staff],
    }
    values.update(overrides)
    return services.create_campaign(actor=actor, **values)


def test_create_campaign_is_a_draft_and_audited(district_admin: Any, versions: Versions) -> None:
    campaign = _create(district_admin, versions, reminder_days=[1, 14, 7])
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.reminder_days == [14, 7, 1]
    assert set(campaign.versions.all()) == {versions.everyone, versions.grades_3_5, versions.staff}
    event = AuditEvent.objects.get(action="campaign.created")
    assert event.object_id == str(campaign.pk)
    assert event.changes["due_on"] == campaign.due_on.isoformat()


def test_due_before_opening_is_refused_naming_due_on(
    district_admin: Any, versions: Versions
) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        _create(district_admin, versions, opens_on=today, due_on=today - datetime.timedelta(1))
    assert "due_on" in error.value.message_dict
    assert "before the opening date" in error.value.message_dict["due_on"][0]
    assert not SigningCampaign.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grades": ["03", "14"]}, "grades"),
        ({"reminder_days": [7, 1000]}, "reminder_days"),
        ({"reminder_days": ["7"]}, "reminder_days"),
        ({"link_valid_days": 0}, "link_valid_days"),
        ({"guardian_rule": "most"}, "guardian_rule"),
        ({"overdue_action": "expel"}, "overdue_action"),
        ({"name": "  "}, "name"),
        ({"versions": []}, "versions"),
        ({"include_students": False, "include_staff": False}, "include_students"),
    ],
)
def test_bad_settings_are_refused_by_field(
    district_admin: Any, versions: Versions, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _create(district_admin, versions, **overrides)
    assert field in error.value.message_dict
    assert not SigningCampaign.objects.exists()


def test_draft_and_retired_versions_cannot_be_chosen(
    district_admin: Any, versions: Versions
) -> None:
    draft = PolicyVersionFactory(status=VersionStatus.DRAFT, audience="staff", label="next")
    retired = PolicyVersionFactory(status=VersionStatus.RETIRED, audience="staff", label="old")
    for version in (draft, retired):
        with pytest.raises(ValidationError) as error:
            _create(district_admin, versions, versions=[versions.everyone, version])
        assert "only published versions" in error.value.message_dict["versions"][0]


def test_one_version_per_audience_and_grade_band(district_admin: Any, versions: Versions) -> None:
    overlapping = PolicyVersionFactory(audience="students", grade_low="05", grade_high="08")
    with pytest.raises(ValidationError) as error:
        _create(district_admin, versions, versions=[versions.grades_3_5, overlapping])
    assert "same audience" in error.value.message_dict["versions"][0]
    second_staff = PolicyVersionFactory(audience="staff")
    with pytest.raises(ValidationError):
        _create(district_admin, versions, versions=[versions.staff, second_staff])


def test_only_district_admins_and_tech_staff_manage_campaigns(
    principal_a: Any, teacher: Any, tech_staff: Any, versions: Versions
) -> None:
    for user in (principal_a, teacher):
        with pytest.raises(PermissionDenied):
            _create(user, versions)
    assert _create(tech_staff, versions).status == CampaignStatus.DRAFT


def test_open_adds_members_and_queues_invitations_after_commit(
    district_admin: Any,
    versions: Versions,
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    departed = StudentFactory(
        school=world.school_a, grade="03", status=PersonStatus.DEPARTED, departed_on="2026-06-01"
    )
    adult = StudentFactory(school=world.school_b, grade="12", birth_date=datetime.date(2000, 1, 1))
    contractor = PersonFactory(kind="contractor")
    campaign = _create(district_admin, versions)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.open_campaign(actor=district_admin, campaign=campaign)
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("send_invitations")
    assert queued.args_kwargs["args"] == [campaign.pk]

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    members = {m.person_id: m for m in campaign.members.all()}
    assert departed.pk not in members
    assert contractor.pk not in members  # contractors were not included
    assert members[world.student_a1.pk].kind == MemberKind.STUDENT
    assert members[world.student_a1.pk].needs_guardian is True
    assert members[world.student_a1.pk].version == versions.grades_3_5
    assert members[world.student_b1.pk].version == versions.everyone
    assert members[adult.pk].needs_guardian is False
    assert members[world.teacher_person.pk].kind == MemberKind.STAFF
    assert members[world.teacher_person.pk].version == versions.staff
    assert world.guardian_person.pk not in members
    assert all(m.status == SigningStatus.NOT_SIGNED for m in members.values())


def test_open_without_notify_queues_nothing(
    district_admin: Any, versions: Versions, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        open_campaign(district_admin, versions)
    assert not DBTaskResult.objects.exists()


def test_schools_and_grades_narrow_who_must_sign(
    district_admin: Any, versions: Versions, world: World
) -> None:
    campaign = _create(
        district_admin, versions, schools=[world.school_a], grades=["03"], include_staff=False
    )
    services.open_campaign(actor=district_admin, campaign=campaign, notify=False)
    people = set(campaign.members.values_list("person_id", flat=True))
    assert people == {world.student_a1.pk, world.student_a2.pk}


def test_sync_members_is_idempotent_and_adds_newcomers(
    district_admin: Any, versions: Versions, world: World
) -> None:
    campaign = open_campaign(district_admin, versions)
    count = campaign.members.count()
    again = services.sync_members(campaign=campaign)
    assert (again.added, again.kept) == (0, count)
    newcomer = StaffFactory(school=world.school_b)
    result = services.sync_members(campaign=campaign)
    assert result.added == 1
    assert campaign.members.filter(person=newcomer, kind=MemberKind.STAFF).exists()


def test_sync_members_queries_do_not_grow_with_students(
    district_admin: Any,
    versions: Versions,
    world: World,
    django_assert_max_num_queries: Any,
) -> None:
    campaign = _create(district_admin, versions, include_staff=False)
    for _ in range(40):
        StudentFactory(school=world.school_a, grade="04")
    with django_assert_max_num_queries(8):
        result = services.sync_members(campaign=campaign)
    assert result.added == CampaignMember.objects.filter(campaign=campaign).count() >= 44


def test_update_draft_and_open_campaign(
    district_admin: Any, versions: Versions, world: World
) -> None:
    campaign = _create(district_admin, versions)
    services.update_campaign(actor=district_admin, campaign=campaign, guardian_rule="all")
    campaign.refresh_from_db()
    assert campaign.guardian_rule == "all"
    event = AuditEvent.objects.get(action="campaign.changed")
    assert event.changes["guardian_rule"] == {"from": "one", "to": "all"}

    services.open_campaign(actor=district_admin, campaign=campaign, notify=False)
    later = campaign.due_on + datetime.timedelta(days=7)
    services.update_campaign(
        actor=district_admin,
        campaign=campaign,
        due_on=later,
        overdue_action=OverdueAction.RESTRICT,
    )
    campaign.refresh_from_db()
    assert campaign.due_on == later
    with pytest.raises(ValidationError) as error:
        services.update_campaign(actor=district_admin, campaign=campaign, guardian_rule="one")
    assert "guardian_rule" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.update_campaign(
            actor=district_admin,
            campaign=campaign,
            due_on=campaign.opens_on - datetime.timedelta(1),
        )
    assert "due_on" in error.value.message_dict


def test_close_campaign(district_admin: Any, versions: Versions) -> None:
    campaign = open_campaign(district_admin, versions)
    services.close_campaign(actor=district_admin, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.closed_at is not None
    with pytest.raises(ValidationError):
        services.close_campaign(actor=district_admin, campaign=campaign)
    with pytest.raises(ValidationError):
        services.update_campaign(actor=district_admin, campaign=campaign, reminder_days=[3])


def test_carry_over_moves_dates_a_year_and_takes_the_newest_versions(
    district_admin: Any, versions: Versions
) -> None:
    campaign = _create(
        district_admin,
        versions,
        opens_on=datetime.date(2028, 2, 29),
        due_on=datetime.date(2028, 3, 31),
        school_year=2028,
        name="2027-28 AUP",
        guardian_rule="all",
        reminder_days=[10, 2],
    )
    newer = PolicyVersionFactory(
        policy=versions.staff.policy,
        audience="staff",
        label="2028-29",
        published_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    services.open_campaign(actor=district_admin, campaign=campaign, notify=False)
    carried = services.carry_over_campaign(actor=district_admin, campaign=campaign)
    assert carried.status == CampaignStatus.DRAFT
    assert carried.name == "2028-29 AUP"
    assert carried.school_year == 2029
    assert carried.opens_on == datetime.date(2029, 2, 28)
    assert carried.due_on == datetime.date(2029, 3, 31)
    assert carried.carried_over_from == campaign
    assert carried.guardian_rule == "all"
    assert carried.reminder_days == [10, 2]
    assert set(carried.versions.all()) == {versions.everyone, versions.grades_3_5, newer}
    assert not carried.members.exists()


def test_version_for_picks_the_grade_band(versions: Versions, district_admin: Any) -> None:
    campaign = _create(district_admin, versions)
    assert services.version_for(campaign, StudentFactory(grade="04")) == versions.grades_3_5
    assert services.version_for(campaign, StudentFactory(grade="09")) == versions.everyone
    assert services.version_for(campaign, StaffFactory()) == versions.staff
    assert services.version_for(campaign, PersonFactory(kind="contractor")) == versions.everyone


def test_has_signed_and_overdue_restriction(
    district_admin: Any, versions: Versions, world: World
) -> None:
    today = timezone.localdate()
    campaign = open_campaign(
        district_admin,
        versions,
        opens_on=today - datetime.timedelta(days=30),
        due_on=today - datetime.timedelta(days=1),
        overdue_action=OverdueAction.RESTRICT,
    )
    student = world.student_a2
    assert services.has_signed(student, campaign) is False
    assert services.overdue_restriction_applies(student) is True
    assert (
        services.overdue_restriction_applies(student, today - datetime.timedelta(days=2)) is False
    )
    assert services.overdue_restriction_applies(world.teacher_person) is False
    member = campaign.members.get(person=student)
    SignatureFactory(member=member, version=versions.grades_3_5)
    guardian = PersonFactory(kind="guardian")
    SignatureFactory(
        member=member,
        signer=guardian,
        signer_role=SignerRole.GUARDIAN,
        method=SignatureMethod.PAPER,
        version=versions.grades_3_5,
    )
    from openaup.policies.services.signatures import refresh_member

    refresh_member(member)
    assert services.has_signed(student, campaign) is True
    assert services.overdue_restriction_applies(student) is False


def test_a_student_who_turns_18_signs_alone_from_then_on(
    district_admin: Any, versions: Versions, world: World
) -> None:
    from openaup.directory.querysets import adult_birth_cutoff

    campaign = open_campaign(district_admin, versions)
    member = campaign.members.get(person=world.student_b1)
    assert member.needs_guardian is True
    SignatureFactory(member=member, version=versions.everyone)
    from openaup.policies.services.signatures import refresh_member

    refresh_member(member)
    assert member.status == SigningStatus.PARTLY_SIGNED
    type(world.student_b1).objects.filter(pk=world.student_b1.pk).update(
        birth_date=adult_birth_cutoff()
    )
    services.sync_members(campaign=campaign)
    member.refresh_from_db()
    assert member.needs_guardian is False
    assert member.status == SigningStatus.SIGNED
