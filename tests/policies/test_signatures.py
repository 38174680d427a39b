"""Signing and withdrawing: who may sign for whom, statuses, idempotence, paper, the
records that cannot be changed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.directory.models import GuardianLink
from openaup.policies import services
from openaup.policies.choices import SignatureMethod, SignerRole, SigningStatus, VersionStatus
from openaup.policies.models import CampaignMember, Signature, SignatureWithdrawal, SigningCampaign
from tests.directory.factories import GuardianFactory, GuardianLinkFactory, StudentFactory
from tests.personas import World
from tests.policies.campaign_setup import Versions, make_versions, open_campaign

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (test)"


@pytest.fixture
def versions(world: World) -> Versions:
    return make_versions()


@pytest.fixture
def campaign(district_admin: Any, versions: Versions) -> SigningCampaign:
    return open_campaign(district_admin, versions)


def member(campaign: SigningCampaign, person: Any) -> CampaignMember:
    return CampaignMember.objects.get(campaign=campaign, person=person)


def guardian_signs(campaign: SigningCampaign, guardian: Any, *children: Any) -> list[Signature]:
    link, _token = services.issue_link(campaign=campaign, guardian=guardian)
    return services.sign_for_children(
        guardian=guardian,
        campaign=campaign,
        children=list(children),
        went_over_with_child=True,
        language="es",
        client_ip="203.0.113.9",
        user_agent=UA,
        link=link,
    )


def student_signs(campaign: SigningCampaign, student_user: Any) -> Signature:
    return services.sign_as_self(
        user=student_user, campaign=campaign, language="en", client_ip="198.51.100.1", user_agent=UA
    )


def test_student_then_guardian_goes_partly_then_signed(
    campaign: SigningCampaign, world: World, student: Any, versions: Versions
) -> None:
    signature = student_signs(campaign, student)
    assert signature.signer_role == SignerRole.STUDENT
    assert signature.method == SignatureMethod.SIGNED_IN
    assert signature.version == versions.grades_3_5
    assert signature.text_sha256 == versions.grades_3_5.sha256
    assert signature.client_ip == "198.51.100.1"
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED
    assert services.has_signed(world.student_a1, campaign) is False

    [by_guardian] = guardian_signs(campaign, world.guardian_person, world.student_a1)
    assert by_guardian.language == "es"
    assert by_guardian.text_sha256 == versions.grades_3_5.texts.get(language="es").sha256
    assert by_guardian.went_over_with_child is True
    assert by_guardian.method == SignatureMethod.LINK
    done = member(campaign, world.student_a1)
    assert done.status == SigningStatus.SIGNED
    assert done.completed_at == by_guardian.signed_at
    assert services.has_signed(world.student_a1, campaign) is True
    event = AuditEvent.objects.filter(action="signature.recorded").order_by("sequence").last()
    assert event is not None
    assert event.changes["signer_role"] == "guardian"
    assert event.changes["language"] == "es"
    assert event.person_id == world.student_a1.pk


def test_guardian_first_is_partly_signed(campaign: SigningCampaign, world: World) -> None:
    guardian_signs(campaign, world.guardian_person, world.student_a1, world.student_b1)
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED
    assert member(campaign, world.student_b1).status == SigningStatus.PARTLY_SIGNED
    assert Signature.objects.filter(signer=world.guardian_person).count() == 2


def test_rule_all_needs_every_guardian_with_rights(
    district_admin: Any, versions: Versions, world: World, student: Any
) -> None:
    second = GuardianFactory(given_name="Sam")
    GuardianLinkFactory(student=world.student_a1, guardian=second)
    campaign = open_campaign(district_admin, versions, guardian_rule="all")
    student_signs(campaign, student)
    guardian_signs(campaign, world.guardian_person, world.student_a1)
    # The guardian without educational rights (Otto) is not waited for; Sam is.
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED
    guardian_signs(campaign, second, world.student_a1)
    assert member(campaign, world.student_a1).status == SigningStatus.SIGNED


def test_rule_one_is_met_by_any_guardian(
    campaign: SigningCampaign, world: World, student: Any
) -> None:
    second = GuardianFactory()
    GuardianLinkFactory(student=world.student_a1, guardian=second)
    student_signs(campaign, student)
    guardian_signs(campaign, second, world.student_a1)
    assert member(campaign, world.student_a1).status == SigningStatus.SIGNED


def test_adult_student_signs_alone_and_guardians_are_refused(
    district_admin: Any, versions: Versions, world: World
) -> None:
    from tests.accounts.factories import UserFactory

    adult = StudentFactory(school=world.school_b, grade="12", birth_date=datetime.date(2000, 5, 1))
    GuardianLinkFactory(student=adult, guardian=world.guardian_person)
    campaign = open_campaign(district_admin, versions)
    assert member(campaign, adult).needs_guardian is False
    with pytest.raises(ValidationError) as error:
        guardian_signs(campaign, world.guardian_person, adult)
    assert "signs the policy alone" in str(error.value)
    assert not Signature.objects.exists()
    services.sign_as_self(
        user=UserFactory(person=adult),
        campaign=campaign,
        language="en",
        client_ip=None,
        user_agent=UA,
    )
    assert member(campaign, adult).status == SigningStatus.SIGNED


def test_guardian_without_rights_is_refused(campaign: SigningCampaign, world: World) -> None:
    with pytest.raises(PermissionDenied) as error:
        guardian_signs(campaign, world.other_guardian_person, world.student_a1)
    assert "educational rights" in str(error.value)
    assert not Signature.objects.exists()


def test_a_refused_child_refuses_the_whole_page(campaign: SigningCampaign, world: World) -> None:
    # Ben is not the guardian's child: nothing is recorded for Ava either.
    with pytest.raises(PermissionDenied):
        guardian_signs(campaign, world.guardian_person, world.student_a1, world.student_a2)
    assert not Signature.objects.exists()


def test_guardian_must_confirm_going_over_the_policy(
    campaign: SigningCampaign, world: World
) -> None:
    link, _ = services.issue_link(campaign=campaign, guardian=world.guardian_person)
    with pytest.raises(ValidationError) as error:
        services.sign_for_children(
            guardian=world.guardian_person,
            campaign=campaign,
            children=[world.student_a1],
            went_over_with_child=False,
            language="en",
            client_ip=None,
            user_agent=UA,
            link=link,
        )
    assert "went_over_with_child" in error.value.message_dict
    link.refresh_from_db()
    assert link.used_at is None


def test_child_not_in_campaign_is_refused(
    district_admin: Any, versions: Versions, world: World
) -> None:
    from tests.policies.campaign_setup import open_campaign as make

    campaign = make(district_admin, versions, schools=[world.school_a])
    with pytest.raises(ValidationError) as error:
        guardian_signs(campaign, world.guardian_person, world.student_b1)
    assert "is not asked to sign" in str(error.value)


def test_signing_twice_returns_the_one_signature(
    campaign: SigningCampaign, world: World, student: Any, guardian: Any
) -> None:
    first = student_signs(campaign, student)
    again = student_signs(campaign, student)
    assert again.pk == first.pk
    [by_link] = guardian_signs(campaign, world.guardian_person, world.student_a1)
    signed_in = services.sign_for_children(
        guardian=world.guardian_person,
        campaign=campaign,
        children=[world.student_a1],
        went_over_with_child=True,
        language="en",
        client_ip=None,
        user_agent=UA,
        user=guardian,
    )
    assert [s.pk for s in signed_in] == [by_link.pk]
    assert Signature.objects.count() == 2
    assert AuditEvent.objects.filter(action="signature.recorded").count() == 2


def test_a_concurrent_duplicate_comes_back_as_the_existing_signature(
    campaign: SigningCampaign, world: World, student: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openaup.policies.services import signatures as module

    first = student_signs(campaign, student)
    # As if the other request's signature was not yet visible when this one looked.
    real_previous = module._previous
    calls = {"n": 0}

    def previous_once_missing(*args: Any) -> list[Signature]:
        calls["n"] += 1
        if calls["n"] == 1:
            return []
        return real_previous(*args)

    monkeypatch.setattr(module, "_previous", previous_once_missing)
    again = student_signs(campaign, student)
    assert again.pk == first.pk
    assert Signature.objects.count() == 1


def test_retired_version_cannot_be_signed(
    campaign: SigningCampaign, versions: Versions, student: Any
) -> None:
    type(versions.grades_3_5).objects.filter(pk=versions.grades_3_5.pk).update(
        status=VersionStatus.RETIRED
    )
    with pytest.raises(ValidationError) as error:
        student_signs(campaign, student)
    assert "retired and can no longer be signed" in error.value.message_dict["version"][0]
    assert not Signature.objects.exists()


def test_closed_campaign_cannot_be_signed(
    campaign: SigningCampaign, district_admin: Any, student: Any
) -> None:
    services.close_campaign(actor=district_admin, campaign=campaign)
    with pytest.raises(ValidationError) as error:
        student_signs(campaign, student)
    assert "campaign" in error.value.message_dict


def test_staff_attestation(campaign: SigningCampaign, teacher: Any, versions: Versions) -> None:
    signature = services.sign_as_self(
        user=teacher, campaign=campaign, language="en", client_ip=None, user_agent=UA
    )
    assert signature.signer_role == SignerRole.STAFF
    assert signature.version == versions.staff
    assert member(campaign, teacher.person).status == SigningStatus.SIGNED


def test_sign_in_class(
    campaign: SigningCampaign, teacher: Any, world: World, principal_a: Any
) -> None:
    signature = services.sign_in_class(
        teacher=teacher,
        section=world.section_a,
        student=world.student_a2,
        campaign=campaign,
        language="en",
        client_ip=None,
        user_agent=UA,
    )
    assert signature.method == SignatureMethod.IN_CLASS
    assert signature.recorded_by == teacher
    assert signature.signer == world.student_a2
    cal = StudentFactory(school=world.school_a, grade="04")
    services.sync_members(campaign=campaign)
    with pytest.raises(PermissionDenied) as error:
        services.sign_in_class(
            teacher=teacher,
            section=world.section_a,
            student=cal,
            campaign=campaign,
            language="en",
            client_ip=None,
            user_agent=UA,
        )
    assert "is not in" in str(error.value)
    with pytest.raises(PermissionDenied):
        services.sign_in_class(
            teacher=principal_a,
            section=world.section_a,
            student=world.student_a2,
            campaign=campaign,
            language="en",
            client_ip=None,
            user_agent=UA,
        )


def test_paper_signature_by_principal_with_scan(
    campaign: SigningCampaign, world: World, principal_a: Any
) -> None:
    scan = SimpleUploadedFile("form.pdf", b"%PDF-1.4\n...", content_type="application/pdf")
    signature = services.record_paper_signature(
        actor=principal_a,
        campaign=campaign,
        signer=world.guardian_person,
        on_behalf_of=world.student_a1,
        signed_on=timezone.localdate(),
        went_over_with_child=True,
        scan=scan,
    )
    assert signature.method == SignatureMethod.PAPER
    assert signature.recorded_by == principal_a
    assert signature.paper_signed_on == timezone.localdate()
    assert signature.scan.name.endswith(".pdf")
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED


def test_paper_signature_refusals(
    campaign: SigningCampaign,
    world: World,
    principal_b: Any,
    teacher: Any,
    district_admin: Any,
) -> None:
    def paper(actor: Any, **overrides: Any) -> Signature:
        values: dict[str, Any] = {
            "campaign": campaign,
            "signer": world.student_a1,
            "on_behalf_of": world.student_a1,
            "signed_on": timezone.localdate(),
        }
        values.update(overrides)
        return services.record_paper_signature(actor=actor, **values)

    for outsider in (principal_b, teacher):
        with pytest.raises(PermissionDenied):
            paper(outsider)
    with pytest.raises(ValidationError) as error:
        paper(district_admin, signed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "in the future" in error.value.message_dict["signed_on"][0]
    with pytest.raises(ValidationError) as error:
        paper(district_admin, signed_on=campaign.opens_on - datetime.timedelta(days=1))
    assert "before the campaign opened" in error.value.message_dict["signed_on"][0]
    fake = SimpleUploadedFile("form.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        paper(district_admin, scan=fake)
    assert "PDF, PNG or JPEG" in error.value.message_dict["scan"][0]
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        paper(district_admin, scan=big)
    assert "10 MB" in error.value.message_dict["scan"][0]
    with pytest.raises(PermissionDenied):
        paper(district_admin, signer=world.other_guardian_person, went_over_with_child=True)
    assert not Signature.objects.exists()


def test_withdrawal_sends_the_status_back_and_allows_signing_again(
    campaign: SigningCampaign, world: World, student: Any, principal_a: Any, principal_b: Any
) -> None:
    first = student_signs(campaign, student)
    [by_guardian] = guardian_signs(campaign, world.guardian_person, world.student_a1)
    assert member(campaign, world.student_a1).status == SigningStatus.SIGNED
    with pytest.raises(PermissionDenied):
        services.withdraw_signature(actor=principal_b, signature=by_guardian, reason="Error")
    with pytest.raises(ValidationError) as error:
        services.withdraw_signature(actor=principal_a, signature=by_guardian, reason="  ")
    assert "reason" in error.value.message_dict
    services.withdraw_signature(
        actor=principal_a, signature=by_guardian, reason="Signed for the wrong child."
    )
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED
    event = AuditEvent.objects.get(action="signature.withdrawn")
    assert event.reason == "Signed for the wrong child."
    with pytest.raises(ValidationError):
        services.withdraw_signature(actor=principal_a, signature=by_guardian, reason="Again")
    services.withdraw_signature(actor=principal_a, signature=first, reason="Wrong account.")
    assert member(campaign, world.student_a1).status == SigningStatus.NOT_SIGNED
    again = student_signs(campaign, student)
    assert again.pk != first.pk
    assert again.attempt == 2
    assert member(campaign, world.student_a1).status == SigningStatus.PARTLY_SIGNED


def test_children_to_sign(campaign: SigningCampaign, world: World, student: Any) -> None:
    student_signs(campaign, student)
    children = services.children_to_sign(world.guardian_person, campaign)
    assert [c.child for c in children] == [world.student_a1, world.student_b1]
    assert children[0].signed_by_child is True
    assert children[0].signed_by_guardian is None
    assert services.children_to_sign(world.other_guardian_person, campaign) == []
    GuardianLink.objects.filter(guardian=world.guardian_person, student=world.student_b1).update(
        has_educational_rights=False
    )
    assert [c.child for c in services.children_to_sign(world.guardian_person, campaign)] == [
        world.student_a1
    ]


def test_signatures_cannot_be_changed_or_deleted(
    campaign: SigningCampaign, student: Any, principal_a: Any
) -> None:
    signature = student_signs(campaign, student)
    signature.language = "es"
    with pytest.raises(PermissionError):
        signature.save()
    with pytest.raises(PermissionError):
        signature.delete()
    with pytest.raises(PermissionError):
        Signature.objects.filter(pk=signature.pk).update(language="es")
    with pytest.raises(PermissionError):
        Signature.objects.all().delete()
    withdrawal = services.withdraw_signature(actor=principal_a, signature=signature, reason="x")
    with pytest.raises(PermissionError):
        withdrawal.delete()
    with pytest.raises(PermissionError):
        SignatureWithdrawal.objects.all().update(reason="y")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE policies_signature SET language = 'xx'",
        "DELETE FROM policies_signature WHERE id = %s",
        "UPDATE policies_signaturewithdrawal SET reason = 'changed'",
        (
            "DELETE FROM policies_signaturewithdrawal"
            " WHERE id = (SELECT MAX(id) FROM policies_signaturewithdrawal)"
        ),
    ],
)
def test_raw_sql_cannot_change_or_delete_signatures(
    campaign: SigningCampaign, world: World, student: Any, principal_a: Any, statement: str
) -> None:
    student_signs(campaign, student)
    [newest] = guardian_signs(campaign, world.guardian_person, world.student_a1)
    services.withdraw_signature(actor=principal_a, signature=newest, reason="Error")
    # A second withdrawal, so that the newest one is not also the oldest.
    [again] = guardian_signs(campaign, world.guardian_person, world.student_a1)
    services.withdraw_signature(actor=principal_a, signature=again, reason="Error again")
    params = [newest.pk] if "%s" in statement else []
    with (
        pytest.raises(DatabaseError, match="cannot be"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)
    assert Signature.objects.filter(language="xx").count() == 0
    assert Signature.objects.count() == 3
    assert SignatureWithdrawal.objects.filter(reason="changed").count() == 0
    assert SignatureWithdrawal.objects.count() == 2


def test_a_version_without_text_cannot_be_signed(
    campaign: SigningCampaign, versions: Versions, student: Any
) -> None:
    from openaup.policies.models import PolicyText

    PolicyText.objects.filter(version=versions.grades_3_5).delete()
    with pytest.raises(ValidationError) as error:
        student_signs(campaign, student)
    assert "has no text to sign" in error.value.message_dict["version"][0]
    assert not Signature.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_test_database_with_signatures_can_still_be_emptied(
    district_admin: Any, world: World, student: Any, principal_a: Any
) -> None:
    """Tests that commit are followed by emptying every table: the triggers allow that
    (TRUNCATE on PostgreSQL, oldest row first on SQLite) and nothing else."""
    campaign = open_campaign(district_admin, make_versions())
    first = student_signs(campaign, student)
    guardian_signs(campaign, world.guardian_person, world.student_a1)
    services.withdraw_signature(actor=principal_a, signature=first, reason="Error")
    student_signs(campaign, student)
    assert Signature.objects.count() == 3
