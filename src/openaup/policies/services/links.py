"""Guardians' personal signing links: single-use, expiring, bound to one guardian and one
campaign. The token travels only in the link; the database keeps its SHA-256.

Issuing a new link for a guardian in a campaign revokes their older unused links, so only
the newest emailed link works."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from openaup.directory.models import Person
from openaup.policies.choices import CampaignStatus
from openaup.policies.models import SigningCampaign, SigningLink

__all__ = ["LinkError", "check_link", "hash_token", "issue_link", "link_path", "resolve_link"]

TOKEN_BYTES = 32


class LinkError(Exception):
    """A signing link that cannot be used; ``reason`` is ``unknown``, ``expired``, ``used``,
    ``revoked`` or ``closed`` (the campaign is no longer open)."""

    MESSAGES = {
        "unknown": "This signing link is not valid. Check that the whole link was copied.",
        "expired": "This signing link has expired. Ask the school for a new one.",
        "used": "This signing link has already been used.",
        "revoked": "A newer signing link was sent; use the newest one.",
        "closed": "This signing campaign is closed.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES.get(reason, reason))
        self.reason = reason


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_link(
    *, campaign: SigningCampaign, guardian: Person, sent_to: str = ""
) -> tuple[SigningLink, str]:
    """A new link for ``guardian`` in ``campaign``: the row and the token (shown once).
    It expires after the campaign's ``link_valid_days``; the guardian's older unused links
    in the campaign are revoked."""
    now = timezone.now()
    SigningLink.objects.filter(
        campaign=campaign, guardian=guardian, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = SigningLink.objects.create(
        campaign=campaign,
        guardian=guardian,
        token_hash=hash_token(token),
        expires_at=now + datetime.timedelta(days=campaign.link_valid_days),
        sent_to=sent_to,
    )
    return link, token


def check_link(link: SigningLink) -> None:
    """Raise :class:`LinkError` unless ``link`` can be used now."""
    if link.used_at is not None:
        raise LinkError("used")
    if link.revoked_at is not None:
        raise LinkError("revoked")
    if link.expires_at <= timezone.now():
        raise LinkError("expired")
    if link.campaign.status != CampaignStatus.OPEN:
        raise LinkError("closed")


def resolve_link(token: str) -> SigningLink:
    """The usable link with this token, or :class:`LinkError` saying why not."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise LinkError("unknown")
    link = (
        SigningLink.objects.select_related("campaign", "guardian")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise LinkError("unknown")
    check_link(link)
    return link


def link_path(token: str) -> str:
    """The path of the signing page for ``token``."""
    return reverse("policies:sign-link", kwargs={"token": token})
