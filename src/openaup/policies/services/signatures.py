"""Signing and withdrawing. A signature is recorded once: signing again is idempotent (the
existing signature comes back). Each function records ``signature.recorded`` (or
``signature.withdrawn``) in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from openaup.directory.models import Person, Section
from openaup.policies.models import (
    CampaignMember,
    PolicyVersion,
    Signature,
    SignatureWithdrawal,
    SigningCampaign,
    SigningLink,
)

__all__ = [
    "ChildToSign",
    "children_to_sign",
    "record_paper_signature",
    "sign_as_self",
    "sign_for_children",
    "sign_in_class",
    "withdraw_signature",
]


@dataclass(frozen=True)
class ChildToSign:
    """One of a guardian's children in a campaign, as the guardian's signing page shows it."""

    child: Person
    member: CampaignMember
    version: PolicyVersion
    signed_by_guardian: Signature | None
    signed_by_child: bool


def children_to_sign(guardian: Person, campaign: SigningCampaign) -> list[ChildToSign]:
    """The guardian's children (links with educational rights, minors) who are members of
    the campaign, with what each still needs."""
    raise NotImplementedError


def sign_as_self(
    *,
    user: Any,
    campaign: SigningCampaign,
    language: str,
    client_ip: str | None,
    user_agent: str,
) -> Signature:
    """The signed-in person signs for themself: a student, an adult student (alone), a staff
    member (the staff attestation) or a contractor."""
    raise NotImplementedError


def sign_for_children(
    *,
    guardian: Person,
    campaign: SigningCampaign,
    children: Sequence[Person],
    went_over_with_child: bool,
    language: str,
    client_ip: str | None,
    user_agent: str,
    link: SigningLink | None = None,
    user: Any = None,
) -> list[Signature]:
    """A guardian signs for each of ``children`` (one signature per child), through a
    personal ``link`` (which is used up) or signed in as ``user``. Refused without
    educational rights, for an adult child, or without ``went_over_with_child``."""
    raise NotImplementedError


def sign_in_class(
    *,
    teacher: Any,
    section: Section,
    student: Person,
    campaign: SigningCampaign,
    language: str,
    client_ip: str | None,
    user_agent: str,
) -> Signature:
    """A student signs on a teacher's "sign in class" page for one of the teacher's
    sections; the teacher is recorded as present."""
    raise NotImplementedError


def record_paper_signature(
    *,
    actor: Any,
    campaign: SigningCampaign,
    signer: Person,
    on_behalf_of: Person,
    signed_on: datetime.date,
    language: str = "en",
    went_over_with_child: bool = False,
    scan: UploadedFile | None = None,
) -> Signature:
    """Office staff record a paper form signed by ``signer`` (for ``on_behalf_of``) on
    ``signed_on``, with an optional scan."""
    raise NotImplementedError


def withdraw_signature(*, actor: Any, signature: Signature, reason: str) -> SignatureWithdrawal:
    """Withdraw a signature made in error, with a reason; the member's status goes back."""
    raise NotImplementedError
