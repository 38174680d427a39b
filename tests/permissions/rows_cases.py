"""Matrix rows: phishing reports. Staff and contractors report; students and guardians have
no report; technology staff and district administrators read every report, a reporter their
own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

REPORT_OF_TEACHER_ES = "a phishing report made by teacher.es"


@target(REPORT_OF_TEACHER_ES)
def _report_of_teacher_es(demo: Demo) -> Mapping[str, Any]:
    from django.utils import timezone

    from openaup.cases.models import PhishingReport

    report = PhishingReport.objects.create(
        reported_by=demo.user("teacher.es"),
        arrived_by="email",
        sender="Payroll <payroll@pay.example>",
        received_at=timezone.now(),
    )
    return {"pk": report.pk}


REPORTERS = by_role(ALLOW, anonymous=SIGN_IN, student_hs=FORBIDDEN, guardian=FORBIDDEN)
REPORT = {
    "arrived_by": "email",
    "sender": "Payroll <payroll@pay.example>",
    "received_at": "2026-11-27T08:15",
}

ROWS = [
    Row("cases:phishing-report", expect=REPORTERS),
    Row("cases:phishing-report", method="post", data=REPORT, expect=REPORTERS),
    Row(
        "cases:phishing-report-list",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW),
    ),
    Row(
        "cases:phishing-report-detail",
        target=REPORT_OF_TEACHER_ES,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW, teacher_es=ALLOW),
    ),
]
