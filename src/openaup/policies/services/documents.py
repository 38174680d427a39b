"""Policy documents: drafting versions and their translations, publishing (which freezes a
version and records the SHA-256 of its text), retiring, and the annual review date."""

from __future__ import annotations

import datetime
from typing import Any

from openaup.policies.models import Policy, PolicyText, PolicyVersion

__all__ = [
    "create_policy",
    "create_version",
    "publish_version",
    "retire_version",
    "save_text",
    "set_review_date",
    "text_for",
]


def create_policy(
    *,
    actor: Any,
    title: str,
    slug: str,
    description: str = "",
    review_due_on: datetime.date | None = None,
) -> Policy:
    """A new policy document. Records ``policy.created``."""
    raise NotImplementedError


def create_version(
    *,
    actor: Any,
    policy: Policy,
    label: str,
    audience: str,
    grade_low: str = "",
    grade_high: str = "",
    summary: str = "",
    from_version: PolicyVersion | None = None,
) -> PolicyVersion:
    """A new draft version, with a copy of ``from_version``'s texts when given. Records
    ``policy_version.created``."""
    raise NotImplementedError


def save_text(
    *, actor: Any, version: PolicyVersion, language: str, title: str, body: str
) -> PolicyText:
    """Write a draft version's text in one language (adding the translation if new).
    Records ``policy_text.saved``."""
    raise NotImplementedError


def publish_version(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    """Freeze a draft and make it signable. Records ``policy_version.published`` with the
    SHA-256 of each text."""
    raise NotImplementedError


def retire_version(*, actor: Any, version: PolicyVersion) -> PolicyVersion:
    """A published version can no longer be signed. Records ``policy_version.retired``."""
    raise NotImplementedError


def set_review_date(*, actor: Any, policy: Policy, review_due_on: datetime.date) -> Policy:
    """Set the policy's next annual review date. Records ``policy.review_date_set``."""
    raise NotImplementedError


def text_for(version: PolicyVersion, language: str) -> PolicyText:
    """The version's text in ``language`` (``es-mx`` falls back to ``es``), or else in its
    primary language."""
    raise NotImplementedError
