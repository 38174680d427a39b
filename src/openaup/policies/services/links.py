"""Guardians' personal signing links: single-use, expiring, bound to one guardian and one
campaign. The token travels only in the link; the database keeps its SHA-256."""

from __future__ import annotations

from openaup.directory.models import Person
from openaup.policies.models import SigningCampaign, SigningLink

__all__ = ["LinkError", "issue_link", "link_path", "resolve_link"]


class LinkError(Exception):
    """A signing link that cannot be used; ``reason`` is ``unknown``, ``expired``, ``used``,
    ``revoked`` or ``closed`` (the campaign is no longer open)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_link(
    *, campaign: SigningCampaign, guardian: Person, sent_to: str = ""
) -> tuple[SigningLink, str]:
    """A new link for ``guardian`` in ``campaign``: the row and the token (shown once)."""
    raise NotImplementedError


def resolve_link(token: str) -> SigningLink:
    """The usable link with this token, or :class:`LinkError` saying why not."""
    raise NotImplementedError


def link_path(token: str) -> str:
    """The path of the signing page for ``token``."""
    raise NotImplementedError
