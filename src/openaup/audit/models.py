"""Audit events: append-only rows, written only by :func:`openaup.audit.services.record`."""

from __future__ import annotations

from typing import Any

from django.db import models

from openaup.audit.querysets import AuditEventQuerySet

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, and why.

    The actor is kept both as a link and as text, so the event still reads correctly after
    the account is gone. ``person`` is the student (or other person) whose record the event
    concerns, for the record of access a family may ask for. ``role`` is the role and scope
    the actor acted in (``school_admin @ Maple Valley High School``).

    Events form a hash chain: ``sequence`` numbers them 1, 2, 3, ... without gaps, and
    ``hash`` is the SHA-256 of the event's fields with ``prev_hash``, the hash of the event
    before it (see :mod:`openaup.audit.chain`). ``aup audit verify`` walks the chain.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_repr = models.CharField(max_length=300)
    role = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, default="web")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    person = models.ForeignKey(
        "directory.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["person", "occurred_at"], name="audit_person"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")
