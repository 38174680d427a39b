"""Monitoring's own rows. The decisions themselves are not here: they are Parquet files by
day (:mod:`openaup.monitoring.store`), read with DuckDB.

- :class:`DecisionFile`: how far each decision file (or imported Squid log) was read, with
  its bad lines, for the ingest status.
- :class:`MonthlyCount`: decisions per month, school, profile, category and action, kept
  after the raw decisions are pruned, as the evidence a CIPA audit asks for.
- :class:`CounselorDesignation`: a staff member a principal or the district designated as
  counselor for a school, who may then open its students' activity timelines.
- :class:`AlertDigest`: a daily digest of alert-category blocks sent to a school's
  principal (one per school and day).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from openaup.core.models import TimeStampedModel
from openaup.monitoring.choices import DecisionSource
from openaup.monitoring.querysets import (
    CounselorDesignationQuerySet,
    DecisionFileQuerySet,
    SchoolCountQuerySet,
)

__all__ = ["AlertDigest", "CounselorDesignation", "DecisionFile", "MonthlyCount"]

_USER = "accounts.User"


class DecisionFile(models.Model):
    """One source file ingested: a day file of a decision-log folder, or an imported Squid
    access log (by its content's hash). ``problems`` keeps the first bad lines (file, line
    number, error); ``bad_lines`` counts them all."""

    source = models.CharField(max_length=8, choices=DecisionSource.choices)
    folder = models.CharField(max_length=1000)
    name = models.CharField(max_length=255)
    day = models.DateField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    bytes_read = models.PositiveBigIntegerField(default=0)
    lines_read = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveBigIntegerField(default=0)
    bad_lines = models.PositiveBigIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    first_ingested_at = models.DateTimeField(default=timezone.now)
    last_ingested_at = models.DateTimeField(default=timezone.now)

    objects = DecisionFileQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "name"]
        constraints = [
            models.UniqueConstraint(fields=["folder", "name"], name="monitoring_file_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MonthlyCount(models.Model):
    """Decisions of one month (the first day of it), school (none: unresolved), profile,
    category and action. Recomputed whole for a month from the Parquet files while they
    exist; kept afterwards."""

    month = models.DateField()
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_counts",
    )
    profile = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=8)
    decisions = models.PositiveBigIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = SchoolCountQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "school_id", "profile", "category", "action"]
        indexes = [models.Index(fields=["month", "school"], name="monitoring_month_school")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.profile} {self.category} {self.action}"


class CounselorDesignation(TimeStampedModel):
    """``person`` (staff) is a counselor for ``school`` until ``ends_on`` (or revoked):
    they may open the activity timelines of the school's students."""

    person = models.ForeignKey(
        "directory.Person", on_delete=models.CASCADE, related_name="counselor_designations"
    )
    school = models.ForeignKey(
        "directory.School", on_delete=models.CASCADE, related_name="counselor_designations"
    )
    reason = models.CharField(max_length=300)
    ends_on = models.DateField(null=True, blank=True)
    designated_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        _USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CounselorDesignationQuerySet.as_manager()

    class Meta:
        ordering = ["school_id", "person_id", "-created_at"]

    def __str__(self) -> str:
        return f"{self.person} (counselor, {self.school})"


class AlertDigest(models.Model):
    """The digest of one school and day: how many blocks of the alert categories, to whom
    it went."""

    school = models.ForeignKey(
        "directory.School", on_delete=models.CASCADE, related_name="monitoring_digests"
    )
    day = models.DateField()
    categories = models.JSONField(default=list)
    blocks = models.PositiveIntegerField(default=0)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = SchoolCountQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "day"], name="monitoring_digest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.day}"
