"""Campaign pages: list, create, settings, edit, open, close, carry over, members, paper
signatures, withdrawal, receipts."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openaup.audit.models import AuditEvent
from openaup.policies import services
from openaup.policies.choices import CampaignStatus, SignatureMethod, SigningStatus
from openaup.policies.models import (
    CampaignMember,
    Signature,
    SignatureWithdrawal,
    SigningCampaign,
)
from tests.personas import World
from tests.policies.campaign_setup import Versions, make_versions, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(world: World) -> Versions:
    return make_versions()


@pytest.fixture
def campaign(district_admin: Any, versions: Versions) -> SigningCampaign:
    return open_campaign(district_admin, versions)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def listing_html(client: Client) -> str:
    return client.get(reverse("policies:campaign-list")).content.decode()


def test_students_and_guardians_get_no_dashboard_link(
    campaign: SigningCampaign, student: Any, guardian: Any
) -> None:
    for user in (student, guardian):
        html = listing_html(signed_in(user))
        assert "2026-27 AUP" in html
        assert reverse("policies:campaign-dashboard", args=[campaign.pk]) not in html


def test_create_a_campaign_from_the_form(district_admin: Any, versions: Versions) -> None:
    client = signed_in(district_admin)
    page = client.get(reverse("policies:campaign-create"))
    assert page.status_code == 200
    today = timezone.localdate()
    data = {
        "name": "2026-27 AUP",
        "school_year": "2027",
        "opens_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=20)).isoformat(),
        "versions": [versions.everyone.pk, versions.staff.pk],
        "include_students": "on",
        "include_staff": "on",
        "guardian_rule": "all",
        "reminder_days": "7, 1",
        "link_valid_days": "14",
        "overdue_action": "report",
    }
    response = client.post(reverse("policies:campaign-create"), data)
    campaign = SigningCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("policies:campaign-detail", args=[campaign.pk])
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.reminder_days == [7, 1]
    assert campaign.guardian_rule == "all"
    detail = text_of(client.get(response["Location"]))
    assert "2026-27 AUP" in detail
    assert "7 days before; 1 day before" in detail


def test_due_before_opening_shows_the_error_on_the_field(
    district_admin: Any, versions: Versions
) -> None:
    today = timezone.localdate()
    response = signed_in(district_admin).post(
        reverse("policies:campaign-create"),
        {
            "name": "2026-27 AUP",
            "school_year": "2027",
            "opens_on": today.isoformat(),
            "due_on": (today - datetime.timedelta(days=1)).isoformat(),
            "versions": [versions.everyone.pk],
            "include_students": "on",
            "guardian_rule": "one",
            "reminder_days": "zero",
            "link_valid_days": "30",
            "overdue_action": "report",
        },
    )
    assert response.status_code == 400
    assert "&#x27;zero&#x27; is not a whole number" in response.content.decode()
    response = signed_in(district_admin).post(
        reverse("policies:campaign-create"),
        {
            "name": "2026-27 AUP",
            "school_year": "2027",
            "opens_on": today.isoformat(),
            "due_on": (today - datetime.timedelta(days=1)).isoformat(),
            "versions": [versions.everyone.pk],
            "include_students": "on",
            "guardian_rule": "one",
            "reminder_days": "7",
            "link_valid_days": "30",
            "overdue_action": "report",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_due_on-error"' in html
    assert "is before the opening date" in html
    assert not SigningCampaign.objects.exists()


def test_campaign_pages_for_a_principal(
    campaign: SigningCampaign, principal_a: Any, principal_b: Any, world: World
) -> None:
    client = signed_in(principal_a)
    listing = text_of(client.get(reverse("policies:campaign-list")))
    assert "2026-27 AUP" in listing
    assert "New campaign" not in listing
    detail = client.get(reverse("policies:campaign-detail", args=[campaign.pk]))
    assert "Change settings" not in text_of(detail)
    assert client.get(reverse("policies:campaign-create")).status_code == 403
    assert client.get(reverse("policies:campaign-edit", args=[campaign.pk])).status_code == 403
    close = client.post(reverse("policies:campaign-close", args=[campaign.pk]))
    assert close.status_code == 403
    members = text_of(client.get(reverse("policies:campaign-members", args=[campaign.pk])))
    assert world.student_a1.sort_name in members
    assert world.student_b1.sort_name not in members
    assert reverse("policies:campaign-dashboard", args=[campaign.pk]) in listing_html(client)
    other = CampaignMember.objects.get(campaign=campaign, person=world.student_b1)
    assert client.get(reverse("policies:member-detail", args=[other.pk])).status_code == 404
    assert (
        signed_in(principal_b)
        .get(reverse("policies:campaign-members", args=[campaign.pk]), {"q": "Ava"})
        .content.decode()
        .count(world.student_a1.sort_name)
        == 0
    )


def test_open_close_and_carry_over_buttons(
    district_admin: Any, versions: Versions, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    draft = services.create_campaign(
        actor=district_admin,
        name="2026-27 AUP",
        school_year=2027,
        opens_on=today,
        due_on=today + datetime.timedelta(days=10),
        versions=[versions.everyone],
    )
    client = signed_in(district_admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("policies:campaign-open", args=[draft.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.OPEN
    assert draft.members.exists()

    edit = client.get(reverse("policies:campaign-edit", args=[draft.pk]))
    assert 'name="due_on"' in edit.content.decode()
    assert 'name="guardian_rule"' not in edit.content.decode()
    later = draft.due_on + datetime.timedelta(days=3)
    response = client.post(
        reverse("policies:campaign-edit", args=[draft.pk]),
        {
            "opens_on": draft.opens_on.isoformat(),
            "due_on": later.isoformat(),
            "reminder_days": "3",
            "overdue_action": "restrict",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.due_on, draft.reminder_days, draft.overdue_action) == (later, [3], "restrict")

    client.post(reverse("policies:campaign-carry-over", args=[draft.pk]))
    carried = SigningCampaign.objects.get(carried_over_from=draft)
    assert carried.name == "2027-28 AUP"
    client.post(reverse("policies:campaign-close", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == CampaignStatus.CLOSED
    assert client.get(reverse("policies:campaign-edit", args=[draft.pk])).status_code == 403


def test_paper_signature_and_withdrawal_by_the_principal(
    campaign: SigningCampaign, principal_a: Any, world: World
) -> None:
    member = CampaignMember.objects.get(campaign=campaign, person=world.student_a1)
    client = signed_in(principal_a)
    page = client.get(reverse("policies:member-detail", args=[member.pk]))
    html = page.content.decode()
    assert "Record a paper signature" in html
    assert world.guardian_person.display_name in html
    assert world.other_guardian_person.display_name not in html  # no educational rights
    scan = SimpleUploadedFile("form.png", b"\x89PNG\r\n\x1a\n....", content_type="image/png")
    response = client.post(
        reverse("policies:member-paper", args=[member.pk]),
        {
            "signer": world.guardian_person.pk,
            "signed_on": timezone.localdate().isoformat(),
            "language": "en",
            "went_over_with_child": "on",
            "scan": scan,
        },
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.method == SignatureMethod.PAPER
    assert signature.signer == world.guardian_person
    member.refresh_from_db()
    assert member.status == SigningStatus.PARTLY_SIGNED

    future = client.post(
        reverse("policies:member-paper", args=[member.pk]),
        {
            "signer": world.student_a1.pk,
            "signed_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
            "language": "en",
        },
    )
    assert future.status_code == 400
    assert "is in the future" in future.content.decode()
    assert Signature.objects.count() == 1

    viewed = AuditEvent.objects.filter(action="student.viewed", person=world.student_a1).count()
    receipt = client.get(reverse("policies:signature-receipt", args=[signature.pk]))
    assert receipt.status_code == 200
    assert (
        AuditEvent.objects.filter(action="student.viewed", person=world.student_a1).count()
        == viewed + 1
    )
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")

    client.post(reverse("policies:signature-withdraw", args=[signature.pk]), {"reason": ""})
    assert not SignatureWithdrawal.objects.exists()
    member.refresh_from_db()
    assert member.status == SigningStatus.PARTLY_SIGNED
    client.post(
        reverse("policies:signature-withdraw", args=[signature.pk]),
        {"reason": "Entered for the wrong student."},
    )
    member.refresh_from_db()
    assert member.status == SigningStatus.NOT_SIGNED
    after = text_of(client.get(reverse("policies:member-detail", args=[member.pk])))
    assert "Withdrawn: Entered for the wrong student." in after


def test_others_cannot_record_or_withdraw(
    campaign: SigningCampaign, teacher: Any, principal_b: Any, world: World, student: Any
) -> None:
    member = CampaignMember.objects.get(campaign=campaign, person=world.student_a1)
    signature = services.sign_as_self(
        user=student, campaign=campaign, language="en", client_ip=None, user_agent="t"
    )
    paper = {"signer": world.student_a1.pk, "signed_on": timezone.localdate().isoformat()}
    teacher_client = signed_in(teacher)
    page = teacher_client.get(reverse("policies:member-detail", args=[member.pk]))
    assert page.status_code == 200
    assert "Record a paper signature" not in page.content.decode()
    url = reverse("policies:member-paper", args=[member.pk])
    assert teacher_client.post(url, paper).status_code == 403
    assert signed_in(principal_b).post(url, paper).status_code == 404
    withdraw = reverse("policies:signature-withdraw", args=[signature.pk])
    assert teacher_client.post(withdraw, {"reason": "x"}).status_code == 403
    assert signed_in(principal_b).post(withdraw, {"reason": "x"}).status_code == 404
    receipt = reverse("policies:signature-receipt", args=[signature.pk])
    assert signed_in(student).get(receipt).status_code == 200
    assert signed_in(principal_b).get(receipt).status_code == 404
    assert Signature.objects.count() == 1


def test_the_campaign_list_query_count_does_not_grow(
    district_admin: Any, versions: Versions, django_assert_max_num_queries: Any
) -> None:
    for year in range(2027, 2033):
        services.create_campaign(
            actor=district_admin,
            name=f"{year} AUP",
            school_year=year,
            opens_on=datetime.date(year - 1, 9, 1),
            due_on=datetime.date(year - 1, 10, 1),
            versions=[versions.everyone],
        )
    client = signed_in(district_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("policies:campaign-list"))
    assert text_of(response).count(" AUP ") >= 6
