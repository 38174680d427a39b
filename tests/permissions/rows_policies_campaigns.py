"""Matrix rows: campaign pages (list, create, settings, edit, open, close, carry over,
members), a member's page with paper signatures, withdrawal, and receipts.

Campaigns are managed by district administrators and technology staff (403 for everyone
else, who may still see open campaigns). A member, a signature and its receipt are seen by
whoever may see the student; paper signatures and withdrawal are for district staff and the
principal of the student's school (403 for others who see the student).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    MS_STUDENT,
    NOT_FOUND,
    SIGN_IN,
    TARGETS,
    Demo,
    Row,
    by_role,
    target,
)
from tests.permissions.rows_policies_dashboards import DRAFT_CAMPAIGN, OPEN_CAMPAIGN

MS_MEMBER = "the open campaign's member for a middle-school student"
MS_SIGNATURE = "a signature of a middle-school student in the open campaign"


def _ms_member(demo: Demo) -> Any:
    from openaup.policies.models import CampaignMember, SigningCampaign
    from tests.policies.factories import CampaignMemberFactory, PolicyTextFactory

    campaign = SigningCampaign.objects.get(pk=TARGETS[OPEN_CAMPAIGN](demo)["pk"])
    student_id = TARGETS[MS_STUDENT](demo)["pk"]
    member = CampaignMember.objects.filter(campaign=campaign, person_id=student_id).first()
    if member is None:
        member = CampaignMemberFactory(
            campaign=campaign, person_id=student_id, version=campaign.versions.first()
        )
    if member.version is not None and not member.version.texts.exists():
        PolicyTextFactory(version=member.version, sha256=member.version.sha256)
    return member


@target(MS_MEMBER)
def _member(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _ms_member(demo).pk}


@target(MS_SIGNATURE)
def _signature(demo: Demo) -> Mapping[str, Any]:
    from openaup.policies.models import Signature
    from tests.policies.factories import SignatureFactory

    member = _ms_member(demo)
    existing = Signature.objects.live().filter(member=member).order_by("pk").first()
    if existing is None:
        existing = SignatureFactory(member=member, version=member.version)
    return {"pk": existing.pk}


def _new_campaign(demo: Demo) -> Mapping[str, Any]:
    from openaup.policies.models import PolicyVersion

    today = timezone.localdate()
    from tests.policies.factories import PolicyVersionFactory

    version = PolicyVersion.objects.signable().order_by("pk").first() or PolicyVersionFactory()
    return {
        "name": "2027-28 AUP",
        "school_year": "2028",
        "opens_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        "versions": [version.pk],
        "include_students": "on",
        "guardian_rule": "one",
        "reminder_days": "7, 1",
        "link_valid_days": "30",
        "overdue_action": "report",
    }


def _paper(demo: Demo) -> Mapping[str, Any]:
    return {
        "signer": TARGETS[MS_STUDENT](demo)["pk"],
        "signed_on": timezone.localdate().isoformat(),
        "language": "en",
    }


MANAGERS = {"admin": ALLOW, "tech": ALLOW}
#: Managers only; everyone else signed in may see the campaign but not change it.
MANAGE = by_role(FORBIDDEN, anonymous=SIGN_IN, **MANAGERS)
SIGNED_IN = by_role(ALLOW, anonymous=SIGN_IN)
DRAFT_SEEN = by_role(NOT_FOUND, anonymous=SIGN_IN, **MANAGERS)
#: Who sees the middle-school student: the district's staff, the school's principal, and
#: the contractor (a live grant to the middle school's student directory).
MS_SEEN = by_role(
    NOT_FOUND, anonymous=SIGN_IN, **MANAGERS, records=ALLOW, principal_ms=ALLOW, contractor=ALLOW
)
#: Who records and withdraws for the middle-school student.
MS_RECORD = by_role(
    NOT_FOUND,
    anonymous=SIGN_IN,
    **MANAGERS,
    principal_ms=ALLOW,
    records=FORBIDDEN,
    contractor=FORBIDDEN,
)

ROWS = [
    Row("policies:campaign-list", expect=SIGNED_IN),
    Row("policies:campaign-create", expect=MANAGE),
    Row("policies:campaign-create", method="post", data=_new_campaign, expect=MANAGE),
    Row("policies:campaign-detail", target=OPEN_CAMPAIGN, expect=SIGNED_IN),
    Row("policies:campaign-detail", target=DRAFT_CAMPAIGN, expect=DRAFT_SEEN),
    Row("policies:campaign-edit", target=OPEN_CAMPAIGN, expect=MANAGE),
    Row("policies:campaign-edit", target=DRAFT_CAMPAIGN, expect=MANAGE),
    Row("policies:campaign-open", method="post", target=DRAFT_CAMPAIGN, expect=DRAFT_SEEN),
    Row("policies:campaign-close", method="post", target=OPEN_CAMPAIGN, expect=MANAGE),
    Row("policies:campaign-carry-over", method="post", target=OPEN_CAMPAIGN, expect=MANAGE),
    Row("policies:campaign-members", target=OPEN_CAMPAIGN, expect=SIGNED_IN),
    Row(
        "policies:campaign-members",
        target=OPEN_CAMPAIGN,
        query="q=a&status=not_signed&kind=student",
        expect=SIGNED_IN,
    ),
    Row("policies:campaign-members", target=DRAFT_CAMPAIGN, expect=DRAFT_SEEN),
    Row("policies:member-detail", target=MS_MEMBER, expect=MS_SEEN),
    Row("policies:member-paper", method="post", target=MS_MEMBER, data=_paper, expect=MS_RECORD),
    Row("policies:signature-receipt", target=MS_SIGNATURE, expect=MS_SEEN),
    Row(
        "policies:signature-withdraw",
        method="post",
        target=MS_SIGNATURE,
        data={"reason": "Recorded for the wrong student."},
        expect=MS_RECORD,
    ),
]
