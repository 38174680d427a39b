"""Policy documents and the yearly signing cycle.

- :class:`Policy` is a document (the Acceptable Use Policy for Technology) with
  :class:`PolicyVersion` rows, each for one audience, written in Markdown in one or more
  languages (:class:`PolicyText`). A published version is frozen and identified by the
  SHA-256 of its primary-language text.
- A :class:`SigningCampaign` ("2026-27 AUP") says which versions apply, who must sign and by
  when. Each person it expects signatures from is a :class:`CampaignMember`, whose ``status``
  is kept current by the signing services so dashboards count rows instead of recomputing.
- A :class:`Signature` can be neither changed nor deleted; a signature made in error is
  withdrawn by a :class:`SignatureWithdrawal`.
- Guardians without an account sign through a :class:`SigningLink`; every email sent is a
  :class:`ReminderMessage`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from openaup.core.models import TimeStampedModel
from openaup.directory.choices import Grade
from openaup.policies.choices import (
    PRIMARY_LANGUAGE,
    Audience,
    CampaignStatus,
    GuardianRule,
    MemberKind,
    MessageKind,
    MessageStatus,
    OverdueAction,
    SignatureMethod,
    SignerRole,
    SigningStatus,
    VersionStatus,
)
from openaup.policies.querysets import (
    CampaignMemberQuerySet,
    PolicyQuerySet,
    PolicyTextQuerySet,
    PolicyVersionQuerySet,
    ReminderMessageQuerySet,
    SignatureQuerySet,
    SignatureWithdrawalQuerySet,
    SigningCampaignQuerySet,
    SigningLinkQuerySet,
)

__all__ = [
    "CampaignMember",
    "Policy",
    "PolicyText",
    "PolicyVersion",
    "ReminderMessage",
    "Signature",
    "SignatureWithdrawal",
    "SigningCampaign",
    "SigningLink",
]

VERSION_IS_FROZEN = "A published or retired policy version is frozen: draft a new version instead."
SIGNATURES_ARE_PERMANENT = (
    "Signatures cannot be changed or deleted: withdraw one with a reason "
    "(policies.services.withdraw_signature)."
)


class Policy(TimeStampedModel):
    """A policy document of the district, such as the Acceptable Use Policy for Technology,
    with its annual review date."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    review_due_on = models.DateField(
        null=True, blank=True, help_text="When the policy is next due for its annual review."
    )

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title


class PolicyVersion(TimeStampedModel):
    """One version of a policy for one audience (all users, staff, or students of a grade
    band). Drafts can be edited; publishing freezes the texts and records the SHA-256 of the
    primary-language text in ``sha256``; a retired version can no longer be signed."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    label = models.CharField(max_length=64, help_text='For example "2026-27".')
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.ALL)
    grade_low = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    grade_high = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    summary = models.TextField(blank=True, help_text="What changed since the last version.")
    primary_language = models.CharField(max_length=16, default=PRIMARY_LANGUAGE)
    sha256 = models.CharField(max_length=64, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        help_text="The version this one was drafted from (the default for a diff).",
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "label", "audience", "grade_low", "grade_high"],
                name="unique_policy_version_audience",
            ),
            models.CheckConstraint(
                condition=models.Q(status=VersionStatus.DRAFT) | ~models.Q(sha256=""),
                name="published_version_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.label} ({self.audience_label})"

    @property
    def audience_label(self) -> str:
        if self.audience == Audience.STUDENTS and self.grade_low:
            low = Grade(self.grade_low).label
            high = Grade(self.grade_high or self.grade_low).label
            return f"students {low}-{high}" if low != high else f"students {low}"
        return str(self.get_audience_display())

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    #: What may still change once a version is published: retiring it.
    _CHANGES_AFTER_PUBLISHING = frozenset({"status", "retired_at", "updated_at", "reviewed_on"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_frozen:
                changed = {
                    f.attname
                    for f in self._meta.concrete_fields
                    if getattr(stored, f.attname) != getattr(self, f.attname)
                }
                if (
                    self.status == VersionStatus.DRAFT
                    or not changed <= self._CHANGES_AFTER_PUBLISHING
                ):
                    raise PermissionError(VERSION_IS_FROZEN)
        super().save(*args, **kwargs)

    @property
    def is_signable(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class PolicyText(TimeStampedModel):
    """The text of a policy version in one language, in Markdown. ``body_html`` is the
    rendered, sanitized HTML with an anchor on every heading; ``sha256`` is the hash of
    ``body`` (UTF-8, newlines normalized to ``\\n``)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="texts")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=300)
    body = models.TextField()
    body_html = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    objects = PolicyTextQuerySet.as_manager()

    class Meta:
        ordering = ["version", "language"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="unique_version_text"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    def _version_is_frozen(self) -> bool:
        return (
            PolicyVersion.objects.filter(pk=self.version_id)
            .exclude(status=VersionStatus.DRAFT)
            .exists()
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._version_is_frozen():
            raise PermissionError(VERSION_IS_FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._version_is_frozen():
            raise PermissionError(VERSION_IS_FROZEN)
        return super().delete(*args, **kwargs)


class SigningCampaign(TimeStampedModel):
    """A round of signing, such as "2026-27 AUP": which published versions apply, who must
    sign (students of chosen schools and grades with their guardians, staff, contractors),
    when it opens and is due, when reminders go out, and what happens after the due date.

    ``reminder_days`` are days before the due date on which reminders go out (``0`` is the
    due date itself, a negative number a day after it)."""

    name = models.CharField(max_length=200)
    school_year = models.PositiveSmallIntegerField(
        help_text="The calendar year in which the school year ends (2027 for 2026-27)."
    )
    status = models.CharField(
        max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    opens_on = models.DateField()
    due_on = models.DateField()
    versions = models.ManyToManyField(PolicyVersion, related_name="campaigns")
    include_students = models.BooleanField(default=True)
    schools = models.ManyToManyField(
        "directory.School",
        blank=True,
        related_name="signing_campaigns",
        help_text="The students of these schools must sign; none chosen means every school.",
    )
    grades = models.JSONField(
        default=list, blank=True, help_text="Grades whose students must sign; empty means all."
    )
    include_staff = models.BooleanField(default=True)
    include_contractors = models.BooleanField(default=False)
    guardian_rule = models.CharField(
        max_length=8, choices=GuardianRule.choices, default=GuardianRule.ONE
    )
    reminder_days = models.JSONField(default=list, blank=True)
    link_valid_days = models.PositiveSmallIntegerField(default=30)
    overdue_action = models.CharField(
        max_length=16, choices=OverdueAction.choices, default=OverdueAction.REPORT
    )
    carried_over_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_over_to"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SigningCampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-school_year", "-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("opens_on")),
                name="campaign_due_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN

    def is_overdue(self, today: Any = None) -> bool:
        return (today or timezone.localdate()) > self.due_on


class CampaignMember(TimeStampedModel):
    """A person a campaign expects signatures from: a student (with their guardians), a staff
    member or a contractor, with the version that applies to them. The signing services keep
    ``status`` and the dates current, so a dashboard's numbers are counts of these rows."""

    campaign = models.ForeignKey(SigningCampaign, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="campaign_memberships"
    )
    kind = models.CharField(max_length=16, choices=MemberKind.choices)
    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=SigningStatus.choices, default=SigningStatus.NOT_SIGNED
    )
    needs_guardian = models.BooleanField(
        default=False, help_text="A minor student: their guardians sign too."
    )
    person_signed_at = models.DateTimeField(null=True, blank=True)
    guardians_signed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the campaign's guardian rule was first met."
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignMemberQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "person"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="unique_campaign_member"),
        ]
        indexes = [
            # With the person, so a dashboard's counts read the index alone.
            models.Index(
                fields=["campaign", "kind", "status", "person"], name="member_campaign_status"
            ),
            models.Index(fields=["person", "campaign"], name="member_person_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.campaign} ({self.status})"


class SigningLink(TimeStampedModel):
    """A personal signing link for a guardian in a campaign: single-use, expiring, bound to
    that guardian and campaign. Only the SHA-256 of the token is stored."""

    campaign = models.ForeignKey(SigningCampaign, on_delete=models.CASCADE, related_name="links")
    guardian = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="signing_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)

    objects = SigningLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["campaign", "guardian"], name="link_campaign_guardian")]

    def __str__(self) -> str:
        return f"Signing link for {self.guardian} ({self.campaign})"

    def is_usable(self, now: Any = None) -> bool:
        moment = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > moment


class PermanentRecord(models.Model):
    """A row that is written once: saving it again or deleting it is refused (and database
    triggers refuse raw SQL, see migration 0002)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(SIGNATURES_ARE_PERMANENT)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(SIGNATURES_ARE_PERMANENT)


class Signature(PermanentRecord):
    """One signature: who signed (``signer``), for whom (``on_behalf_of``: the student a
    guardian signs for, or the signer themself), which version and text (by hash), when, how
    (personal link, signed in, in class, on paper) and from where.

    Signatures are never changed or deleted (the ORM refuses, and database triggers refuse
    raw SQL); a signature made in error is withdrawn by a :class:`SignatureWithdrawal`, after
    which the same person may sign again (``attempt`` counts up).

    The triggers (migration ``0002_signatures_are_permanent``) refuse every ``UPDATE`` of a
    signature or a withdrawal. On PostgreSQL they refuse every ``DELETE`` too; ``TRUNCATE``,
    which row triggers do not see, is how a test database is emptied, and the application's
    database role should not hold that privilege (``docs/deploy.md``). SQLite has no
    ``TRUNCATE``: it empties a table by deleting its rows oldest first, so there the trigger
    lets only the oldest remaining row go and refuses to delete any other. Every signature
    also has its ``signature.recorded`` event in the hash-chained audit trail, so a
    signature missing from the front of the table still shows."""

    campaign = models.ForeignKey(
        SigningCampaign, on_delete=models.PROTECT, related_name="signatures"
    )
    member = models.ForeignKey(CampaignMember, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="signatures_given"
    )
    on_behalf_of = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="signatures_for"
    )
    signer_role = models.CharField(max_length=16, choices=SignerRole.choices)
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="signatures")
    language = models.CharField(max_length=16)
    text_sha256 = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=SignatureMethod.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    paper_signed_on = models.DateField(
        null=True, blank=True, help_text="The date written on a paper form."
    )
    scan = models.FileField(upload_to="signatures/scans/%Y/", blank=True)
    went_over_with_child = models.BooleanField(
        default=False, help_text="The guardian confirmed they went over the policy with the child."
    )
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who recorded it (paper, in class).",
    )
    link = models.ForeignKey(
        SigningLink, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "signer", "on_behalf_of", "attempt"],
                name="unique_signature_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "signer_role"], name="signature_member_role"),
            models.Index(fields=["campaign", "signed_at"], name="signature_campaign_time"),
        ]

    def __str__(self) -> str:
        return f"{self.signer} for {self.on_behalf_of} ({self.campaign})"


class SignatureWithdrawal(PermanentRecord):
    """The withdrawal of a signature made in error, with the reason and who withdrew it.
    Like signatures, withdrawals are permanent."""

    signature = models.OneToOneField(Signature, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.TextField()
    withdrawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(default=timezone.now)

    objects = SignatureWithdrawalQuerySet.as_manager()

    class Meta:
        ordering = ["-withdrawn_at"]

    def __str__(self) -> str:
        return f"Withdrawal of {self.signature}"


class ReminderMessage(TimeStampedModel):
    """An email about a campaign (invitation or reminder) to one person, in their language:
    sent, failed, or not sent and why (no address, no educational rights)."""

    campaign = models.ForeignKey(SigningCampaign, on_delete=models.CASCADE, related_name="messages")
    recipient = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, related_name="campaign_messages"
    )
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=16, default=PRIMARY_LANGUAGE)
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    status = models.CharField(max_length=16, choices=MessageStatus.choices)
    detail = models.CharField(max_length=300, blank=True)
    link = models.ForeignKey(
        SigningLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    scheduled_for = models.DateField(
        null=True, blank=True, help_text="The reminder day this message belongs to."
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who sent it on demand; empty for the campaign's schedule.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["campaign", "recipient"], name="message_campaign_recipient"),
            models.Index(fields=["campaign", "scheduled_for"], name="message_campaign_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
