"""Writing reports, each recorded in the audit trail in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from openaup.audit import services as audit
from openaup.cases.access import may_report_phishing
from openaup.cases.models import PhishingReport

__all__ = ["NotAllowed", "report_phishing"]


class NotAllowed(Exception):
    """The actor may not do this."""


@transaction.atomic
def report_phishing(
    *,
    actor: Any,
    arrived_by: str,
    sender: str,
    received_at: datetime,
    subject: str = "",
    content: str = "",
    suspicious_link: str = "",
    interacted: bool = False,
) -> PhishingReport:
    """Store a staff member's phishing report for the technology staff, and record it (the
    message's content is not copied into the audit trail)."""
    if not may_report_phishing(actor):
        raise NotAllowed("Only district staff report phishing here.")
    report = PhishingReport.objects.create(
        reported_by=actor,
        arrived_by=arrived_by,
        sender=sender.strip(),
        received_at=received_at,
        subject=subject.strip(),
        content=content,
        suspicious_link=suspicious_link.strip(),
        interacted=interacted,
    )
    audit.record(
        "phishing_report.created",
        actor=actor,
        obj=report,
        changes={"arrived_by": arrived_by, "interacted": interacted},
    )
    return report
