"""Access to student data by people who are not district employees (contractors, through a
sponsor), and adult students' consent to their guardians' access."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from openaup.access.choices import DataCategory, GrantState
from openaup.access.querysets import AccessGrantQuerySet, GuardianAccessGrantQuerySet
from openaup.core.models import TimeStampedModel

__all__ = ["AccessGrant", "GuardianAccessGrant"]


class AccessGrant(TimeStampedModel):
    """A contractor's access to some student data, sponsored by a district employee, for a
    purpose, within a school or the district, from one day to another.

    The grant is live from ``starts_on`` to ``ends_on`` (both included) unless revoked;
    outside that, the contractor sees nothing through it. Grants are never deleted: a revoked
    or expired grant stays as the record of what was allowed. Created, extended and revoked
    only through :mod:`openaup.access.services`, which audit each step.
    """

    contractor = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="access_grants"
    )
    sponsor = models.ForeignKey(
        "directory.Person",
        on_delete=models.PROTECT,
        related_name="sponsored_access_grants",
        help_text="The district employee answerable for this access.",
    )
    school = models.ForeignKey(
        "directory.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_grants",
        help_text="Empty: the whole district.",
    )
    includes_directory = models.BooleanField(
        default=False, verbose_name=DataCategory.DIRECTORY.label
    )
    includes_guardian_contacts = models.BooleanField(
        default=False, verbose_name=DataCategory.GUARDIAN_CONTACTS.label
    )
    purpose = models.TextField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="access_grant_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(includes_directory=True)
                | models.Q(includes_guardian_contacts=False),
                name="access_grant_contacts_need_directory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contractor} — {self.scope_label} until {self.ends_on:%Y-%m-%d}"

    @property
    def scope_label(self) -> str:
        return self.school.name if self.school_id and self.school else "the district"

    @property
    def categories(self) -> list[str]:
        chosen: list[str] = []
        if self.includes_directory:
            chosen.append(DataCategory.DIRECTORY)
        if self.includes_guardian_contacts:
            chosen.append(DataCategory.GUARDIAN_CONTACTS)
        return chosen

    @property
    def category_labels(self) -> list[str]:
        return [DataCategory(value).label for value in self.categories]

    def state_on(self, day: datetime.date) -> GrantState:
        if self.revoked_at is not None:
            return GrantState.REVOKED
        if day < self.starts_on:
            return GrantState.UPCOMING
        if day > self.ends_on:
            return GrantState.EXPIRED
        return GrantState.LIVE

    @property
    def state(self) -> GrantState:
        return self.state_on(timezone.localdate())


class GuardianAccessGrant(models.Model):
    """An adult student's (18 or older) consent that one of their guardians keeps seeing
    their records. Given and withdrawn by the student; while none is live, the guardian sees
    nothing of the adult student beyond the link itself. Never deleted: a withdrawn consent
    stays as the record of when it applied."""

    link = models.ForeignKey(
        "directory.GuardianLink", on_delete=models.CASCADE, related_name="adult_consents"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = GuardianAccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["link"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_guardian_access_grant",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "given"
        return f"Consent for {self.link.guardian} to see {self.link.student} ({state})"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None
