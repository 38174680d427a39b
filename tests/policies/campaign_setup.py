"""Set-up shared by the campaign and signature tests: a published policy with an all-users,
a student (grades 3-5) and a staff version, each with English and Spanish texts, and an open
campaign over the personas' world."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from openaup.policies import services
from openaup.policies.choices import Audience
from openaup.policies.models import PolicyVersion, SigningCampaign
from tests.policies.factories import PolicyTextFactory, PolicyVersionFactory


@dataclass
class Versions:
    everyone: PolicyVersion
    grades_3_5: PolicyVersion
    staff: PolicyVersion


def make_versions(label: str = "2026-27") -> Versions:
    def version(audience: str, low: str = "", high: str = "") -> PolicyVersion:
        made = PolicyVersionFactory(label=label, audience=audience, grade_low=low, grade_high=high)
        PolicyTextFactory(version=made, language="en", sha256=made.sha256)
        PolicyTextFactory(
            version=made,
            language="es",
            title="Política de uso aceptable",
            body="# Política\n\nLa tecnología es para aprender.",
        )
        return made

    return Versions(
        everyone=version(Audience.ALL),
        grades_3_5=version(Audience.STUDENTS, "03", "05"),
        staff=version(Audience.STAFF),
    )


def open_campaign(
    actor: Any, versions: Versions, *, guardian_rule: str = "one", **settings: Any
) -> SigningCampaign:
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=actor,
        name="2026-27 AUP",
        school_year=2027,
        opens_on=settings.pop("opens_on", today - datetime.timedelta(days=3)),
        due_on=settings.pop("due_on", today + datetime.timedelta(days=21)),
        versions=[versions.everyone, versions.grades_3_5, versions.staff],
        guardian_rule=guardian_rule,
        **settings,
    )
    return services.open_campaign(actor=actor, campaign=campaign, notify=False)
