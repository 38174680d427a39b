"""Reports to the technology staff. For now: suspected phishing."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openaup.cases.choices import ArrivedBy, ReportStatus
from openaup.cases.querysets import PhishingReportQuerySet

__all__ = ["PhishingReport"]


class PhishingReport(models.Model):
    """A message a staff member thinks is phishing, reported to the technology staff: how it
    arrived, who it claimed to be from, when, what it said (headers or text pasted in) and
    the suspicious link, if any. Written only by
    :func:`openaup.cases.services.report_phishing`."""

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="phishing_reports"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    arrived_by = models.CharField(max_length=16, choices=ArrivedBy.choices)
    sender = models.CharField(max_length=300, help_text="Who the message claimed to be from.")
    received_at = models.DateTimeField(help_text="When it arrived.")
    subject = models.CharField(max_length=300, blank=True)
    content = models.TextField(
        blank=True, help_text="The message's headers or text, pasted as they are."
    )
    suspicious_link = models.CharField(max_length=2000, blank=True)
    interacted = models.BooleanField(
        default=False,
        help_text="The reporter opened the link, opened an attachment, replied or gave a password.",
    )
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.NEW)

    objects = PhishingReportQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"Phishing report #{self.pk} from {self.sender}"
