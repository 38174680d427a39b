"""Choices of the filtering app; the rule states and defaults mirror the engine's policy."""

from __future__ import annotations

from django.db import models


class RuleState(models.TextChoices):
    """The four states of a rule, strongest first (``docs/filter-policy.md``)."""

    LOCKED_BLOCK = "locked_block", "Locked block"
    LOCKED_ALLOW = "locked_allow", "Locked allow"
    BLOCK = "block", "Block"
    ALLOW = "allow", "Allow"


class DefaultAction(models.TextChoices):
    ALLOW = "allow", "Allow"
    BLOCK = "block", "Block (walled garden)"


class YouTubeMode(models.TextChoices):
    STRICT = "strict", "Strict"
    MODERATE = "moderate", "Moderate"
    OFF = "off", "Off"


class AssignmentKind(models.TextChoices):
    """How a profile assignment picks its people or devices."""

    GRADES = "grades", "Students of a grade band"
    STAFF = "staff", "Staff"
    NETWORK = "network", "Client network"
    PERSON = "person", "One person (exception)"


class RevisionStatus(models.TextChoices):
    COMPILING = "compiling", "Compiling"
    LIVE = "live", "Live"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class ListKind(models.TextChoices):
    UT1 = "ut1", "UT1 / squidGuard archive or folder"
    PLAIN = "plain", "Plain domain list"
    HOSTS = "hosts", "Hosts file"


class SourceStatus(models.TextChoices):
    NEVER = "never", "Never updated"
    OK = "ok", "Up to date"
    FAILED = "failed", "Last update failed"


class OverrideAction(models.TextChoices):
    ALLOW = "allow", "Allow"
    BLOCK = "block", "Block"


class OverrideScope(models.TextChoices):
    """Who an override applies to; also who may approve a request for that scope."""

    SECTION = "section", "One section (teacher)"
    SCHOOL = "school", "One school (principal)"
    DISTRICT = "district", "The whole district (technology staff)"
    PERSON = "person", "One person"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"
