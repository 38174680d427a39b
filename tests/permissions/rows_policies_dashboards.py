"""Matrix rows: campaign dashboards, the staff attestation report, the message log, "send a
reminder now", and the campaigns and signatures API.

Dashboards are for the district's staff, principals and teachers (each sees their own scope
inside); a student, guardian or contractor who may see the campaign gets a 403. A draft
campaign is visible only to district administrators and technology staff (404 for the rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    BAD_REQUEST,
    FORBIDDEN,
    GUARDIAN_HS_CHILD,
    NOT_FOUND,
    SIGN_IN,
    TARGETS,
    Demo,
    Row,
    by_role,
    target,
)

OPEN_CAMPAIGN = "an open signing campaign"
DRAFT_CAMPAIGN = "a draft signing campaign"
SIGNATURE_OF_HS_CHILD = "a signature of the guardian's high-school child"


def _open_campaign(demo: Demo) -> Any:
    from openaup.directory.models import Person
    from openaup.policies.models import SigningCampaign
    from tests.policies.factories import (
        CampaignMemberFactory,
        PolicyVersionFactory,
        SigningCampaignFactory,
    )

    campaign = SigningCampaign.objects.open().order_by("pk").first()
    if campaign is None:
        version = PolicyVersionFactory()
        campaign = SigningCampaignFactory(versions=[version], name="Matrix campaign")
        for person in Person.objects.filter(kind__in=["student", "staff"]):
            CampaignMemberFactory(
                campaign=campaign,
                person=person,
                version=version,
                kind=person.kind,
                needs_guardian=person.kind == "student",
            )
    return campaign


@target(OPEN_CAMPAIGN)
def _open(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _open_campaign(demo).pk}


@target(DRAFT_CAMPAIGN)
def _draft(demo: Demo) -> Mapping[str, Any]:
    from tests.policies.factories import SigningCampaignFactory

    return {"pk": SigningCampaignFactory(status="draft", name="Matrix draft").pk}


@target(SIGNATURE_OF_HS_CHILD)
def _signature(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Person
    from openaup.policies.models import CampaignMember, Signature
    from tests.policies.factories import CampaignMemberFactory, SignatureFactory

    campaign = _open_campaign(demo)
    child = Person.objects.get(pk=TARGETS[GUARDIAN_HS_CHILD](demo)["pk"])
    existing = Signature.objects.filter(campaign=campaign, signer=child, on_behalf_of=child)
    if existing.exists():
        return {"pk": existing.first().pk}  # type: ignore[union-attr]
    member = CampaignMember.objects.filter(campaign=campaign, person=child).first()
    if member is None:
        member = CampaignMemberFactory(campaign=campaign, person=child)
    version = member.version or campaign.versions.first()
    return {"pk": SignatureFactory(member=member, version=version).pk}


DISTRICT = {"admin": ALLOW, "tech": ALLOW, "records": ALLOW}
PRINCIPALS = {"principal_es": ALLOW, "principal_ms": ALLOW, "principal_hs": ALLOW}
TEACHERS = {"teacher_es": ALLOW, "teacher_hs": ALLOW}
#: Signed in and able to see an open campaign but not its dashboard (a student, a guardian,
#: a contractor): 403.
DASHBOARD = by_role(FORBIDDEN, anonymous=SIGN_IN, **DISTRICT, **PRINCIPALS, **TEACHERS)
STAFF_REPORT = by_role(FORBIDDEN, anonymous=SIGN_IN, **DISTRICT, **PRINCIPALS)
DRAFT_PAGE = by_role(NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
API_SIGNED_IN = by_role(ALLOW, anonymous=FORBIDDEN)
#: Whoever may see the child's record sees the signature made for them.
SIGNATURE_SEEN = by_role(
    NOT_FOUND,
    anonymous=FORBIDDEN,
    **DISTRICT,
    principal_hs=ALLOW,
    teacher_hs=ALLOW,
    guardian=ALLOW,
)


def _school_es(demo: Demo) -> Mapping[str, Any]:
    return {"school": demo.school("es").pk}


ROWS = [
    Row("policies:campaign-dashboard", target=OPEN_CAMPAIGN, expect=DASHBOARD),
    Row("policies:campaign-dashboard", target=DRAFT_CAMPAIGN, expect=DRAFT_PAGE),
    Row("policies:campaign-missing-export", target=OPEN_CAMPAIGN, expect=DASHBOARD),
    Row("policies:campaign-missing-export", target=DRAFT_CAMPAIGN, expect=DRAFT_PAGE),
    Row(
        "policies:campaign-missing-export",
        target=OPEN_CAMPAIGN,
        query="grade=nonsense",
        expect=by_role(
            FORBIDDEN,
            anonymous=SIGN_IN,
            **dict.fromkeys(["admin", "tech", "records"], BAD_REQUEST),
            **dict.fromkeys(["principal_es", "principal_ms", "principal_hs"], BAD_REQUEST),
            **dict.fromkeys(["teacher_es", "teacher_hs"], BAD_REQUEST),
        ),
    ),
    Row("policies:campaign-staff-report", target=OPEN_CAMPAIGN, expect=STAFF_REPORT),
    Row("policies:campaign-staff-report", target=DRAFT_CAMPAIGN, expect=DRAFT_PAGE),
    Row("policies:campaign-staff-export", target=OPEN_CAMPAIGN, expect=STAFF_REPORT),
    Row("policies:campaign-messages", target=OPEN_CAMPAIGN, expect=STAFF_REPORT),
    Row("policies:campaign-messages", target=DRAFT_CAMPAIGN, expect=DRAFT_PAGE),
    Row(
        "policies:campaign-remind",
        method="post",
        target=OPEN_CAMPAIGN,
        data={"school": ""},
        label="the whole district",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW),
    ),
    Row(
        "policies:campaign-remind",
        method="post",
        target=OPEN_CAMPAIGN,
        data=_school_es,
        label="the elementary school",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW, principal_es=ALLOW),
    ),
    Row(
        "policies:campaign-remind",
        method="post",
        target=DRAFT_CAMPAIGN,
        data={"school": ""},
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW),
    ),
    Row("campaign-list", expect=API_SIGNED_IN),
    Row("campaign-list", suffix=".json", expect=API_SIGNED_IN),
    Row("campaign-detail", target=OPEN_CAMPAIGN, expect=API_SIGNED_IN),
    Row("campaign-detail", target=OPEN_CAMPAIGN, suffix=".json", expect=API_SIGNED_IN),
    Row(
        "campaign-detail",
        target=DRAFT_CAMPAIGN,
        expect=by_role(NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW),
    ),
    Row("signature-list", expect=API_SIGNED_IN),
    Row("signature-list", suffix=".json", expect=API_SIGNED_IN),
    Row("signature-detail", target=SIGNATURE_OF_HS_CHILD, expect=SIGNATURE_SEEN),
    Row("signature-detail", target=SIGNATURE_OF_HS_CHILD, suffix=".json", expect=SIGNATURE_SEEN),
    # An empty form: 400 naming the campaign, for every signed-in caller.
    Row(
        "signature-list",
        method="post",
        data={},
        extra={"json": True},
        label="record",
        expect=by_role(BAD_REQUEST, anonymous=FORBIDDEN),
    ),
]
