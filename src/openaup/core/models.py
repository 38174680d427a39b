"""Abstract base models shared by every app."""

from __future__ import annotations

from django.db import models

__all__ = ["TimeStampedModel"]


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
