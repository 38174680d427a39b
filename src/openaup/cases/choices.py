from __future__ import annotations

from django.db import models


class ArrivedBy(models.TextChoices):
    """How a suspicious message reached the person reporting it."""

    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    PHONE = "phone", "Phone call or voicemail"
    CHAT = "chat", "Chat or social media"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    """Where a report stands with the technology staff."""

    NEW = "new", "New"
