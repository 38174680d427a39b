"""The demo district's signing campaign."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from openaup.accounts.models import User
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import load_demo_district
from openaup.directory.models import GuardianLink
from openaup.policies import services
from openaup.policies.choices import CampaignStatus, SignatureMethod, SigningStatus
from openaup.policies.demo_campaign import DEMO_CAMPAIGN_NAME, load_demo_campaign
from openaup.policies.models import CampaignMember, Signature, SigningCampaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: None, django_capture_on_commit_callbacks: Any) -> SigningCampaign:
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_district(actor=None, district=generate(120, seed=7))
    return SigningCampaign.objects.get(name=DEMO_CAMPAIGN_NAME)


def test_the_demo_campaign_is_open_with_some_families_signed(demo: SigningCampaign) -> None:
    assert demo.status == CampaignStatus.OPEN
    assert demo.opens_on < demo.due_on
    members = CampaignMember.objects.filter(campaign=demo)
    students = members.filter(kind="student")
    statuses = Counter(students.values_list("status", flat=True))
    with_something = statuses[SigningStatus.SIGNED] + statuses[SigningStatus.PARTLY_SIGNED]
    assert 0.5 <= with_something / students.count() <= 0.7
    assert statuses[SigningStatus.PARTLY_SIGNED] > 0
    methods = set(Signature.objects.filter(campaign=demo).values_list("method", flat=True))
    assert {SignatureMethod.LINK, SignatureMethod.PAPER, SignatureMethod.IN_CLASS} <= methods
    assert Signature.objects.filter(campaign=demo, withdrawal__isnull=False).exists()
    assert members.filter(kind="staff", status=SigningStatus.SIGNED).exists()
    assert not DBTaskResult.objects.exists()  # the demo sends no invitations


def test_the_numbers_equal_the_signatures(demo: SigningCampaign) -> None:
    """Each member's status is what its live signatures say, recounted from scratch."""
    live = Signature.objects.filter(campaign=demo, withdrawal__isnull=True)
    by_member: dict[int, list[tuple[int, str]]] = {}
    for member_id, signer_id, role in live.values_list("member_id", "signer_id", "signer_role"):
        by_member.setdefault(member_id, []).append((signer_id, role))
    rights: dict[int, set[int]] = {}
    for student_id, guardian_id in GuardianLink.objects.filter(
        is_active=True, has_educational_rights=True
    ).values_list("student_id", "guardian_id"):
        rights.setdefault(student_id, set()).add(guardian_id)
    expected: Counter[str] = Counter()
    for member in CampaignMember.objects.filter(campaign=demo):
        signed = by_member.get(member.pk, [])
        own = any(signer == member.person_id for signer, _ in signed)
        guardians = {
            s
            for s, role in signed
            if role == "guardian" and s in rights.get(member.person_id, set())
        }
        complete = own and (bool(guardians) or not member.needs_guardian)
        status = "signed" if complete else ("partly_signed" if signed else "not_signed")
        assert member.status == status, member
        expected[status] += 1
    assert (
        expected["signed"] == CampaignMember.objects.filter(campaign=demo, status="signed").count()
    )
    assert sum(expected.values()) == CampaignMember.objects.filter(campaign=demo).count()


def test_the_demo_sign_ins_have_something_to_sign(demo: SigningCampaign) -> None:
    guardian = User.objects.get(username="guardian").person
    children = services.children_to_sign(guardian, demo)
    assert len(children) == 2
    assert any(child.signed_by_guardian is None for child in children)
    student_hs = User.objects.get(username="student.hs").person
    assert not Signature.objects.filter(campaign=demo, signer=student_hs).exists()
    assert CampaignMember.objects.get(campaign=demo, person=student_hs).status != "signed"
    teacher = User.objects.get(username="teacher.es").person
    assert CampaignMember.objects.get(campaign=demo, person=teacher).status == "not_signed"


def test_loading_again_changes_nothing(demo: SigningCampaign) -> None:
    count = Signature.objects.count()
    assert load_demo_campaign() is None
    assert SigningCampaign.objects.count() == 1
    assert Signature.objects.count() == count
