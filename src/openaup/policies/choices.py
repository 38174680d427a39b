"""The vocabularies of policy documents, signing campaigns and signatures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: The language every policy version is written in first; its text's SHA-256 identifies the
#: version. Translations are kept beside it, each with its own hash.
PRIMARY_LANGUAGE = "en"


class Audience(models.TextChoices):
    """Whom a policy version is written for. A student-friendly version names its grade band
    (``grade_low``..``grade_high``, e.g. PK-2, 3-5, 6-8)."""

    ALL = "all", _("All users")
    STUDENTS = "students", _("Students (student-friendly)")
    STAFF = "staff", _("Staff")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class GuardianRule(models.TextChoices):
    """How many of a student's guardians with educational rights must sign."""

    ONE = "one", _("One guardian with educational rights")
    ALL = "all", _("Every guardian with educational rights")


class OverdueAction(models.TextChoices):
    """What happens to a student who has not signed by the due date."""

    REPORT = "report", _("Nothing but reporting")
    RESTRICT = "restrict", _("A restricted filter profile until they sign")


class MemberKind(models.TextChoices):
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Staff")
    CONTRACTOR = "contractor", _("Contractor")


class SigningStatus(models.TextChoices):
    """Where one campaign member stands. ``partly_signed``: some of the signatures the
    campaign needs are there (the student's or a guardian's) but not all."""

    SIGNED = "signed", _("Signed")
    PARTLY_SIGNED = "partly_signed", _("Partly signed")
    NOT_SIGNED = "not_signed", _("Not signed")


class SignerRole(models.TextChoices):
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Parent/guardian")
    STAFF = "staff", _("Staff member")
    CONTRACTOR = "contractor", _("Contractor")


class SignatureMethod(models.TextChoices):
    LINK = "link", _("Online, through a personal link")
    SIGNED_IN = "signed_in", _("Online, signed in")
    IN_CLASS = "in_class", _("Online, in class with a teacher")
    PAPER = "paper", _("On paper, recorded by staff")


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")


class MessageStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")
