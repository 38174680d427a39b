"""Single sign-on: finding the account of a person the identity provider vouches for, and the
audit trail of refusals.

A sign-in by email matches an existing account by email, else an active directory person
(staff, student or guardian) by email, for whom an account is made. Nobody outside the
directory gets an account this way. The sign-in itself is recorded by the authentication
signals (``account.signed_in``, see :mod:`openaup.accounts.apps`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from openaup.accounts.models import User
from openaup.accounts.oidc_claims import ClaimsRefused
from openaup.audit import services as audit
from openaup.directory.choices import PersonKind, PersonStatus
from openaup.directory.models import Person

__all__ = ["SSO_KINDS", "account_for_email", "record_sso_refusal"]

logger = logging.getLogger(__name__)

#: The directory people who may get an account by signing in with the district's provider.
#: Contractors are given accounts by the technology staff, with a sponsor's grant.
SSO_KINDS = (PersonKind.STAFF, PersonKind.STUDENT, PersonKind.GUARDIAN)


def _username_for(person: Person, email: str) -> str:
    for candidate in (person.username.strip(), email):
        if candidate and not User.objects.filter(username__iexact=candidate).exists():
            return candidate[:150]
    return f"{email[:130]}.{person.pk}"


@transaction.atomic
def account_for_email(*, email: str, issuer: str) -> User:
    """The account to sign in for the verified ``email`` (already lower-cased).

    An account whose email matches (ignoring case) is used, unless it is disabled or its
    person has departed. Otherwise one active directory person of :data:`SSO_KINDS` with that
    email gets an account (no usable password; recorded as ``account.created_by_sso``), or
    the account already linked to that person is used. Raises :class:`ClaimsRefused` with
    ``ambiguous`` (several accounts or people), ``departed``, ``disabled`` or ``no_account``.
    """
    users = list(User.objects.filter(email__iexact=email).select_related("person")[:2])
    if len(users) > 1:
        raise ClaimsRefused("ambiguous", f"several accounts have the email {email}")
    if users:
        return _usable(users[0])
    people = Person.objects.filter(email__iexact=email, kind__in=SSO_KINDS)
    active = list(people.filter(status=PersonStatus.ACTIVE)[:2])
    if len(active) > 1:
        raise ClaimsRefused("ambiguous", f"several directory people have the email {email}")
    if not active:
        departed = people.filter(status=PersonStatus.DEPARTED).first()
        if departed is not None:
            raise ClaimsRefused("departed", f"{departed} has left the district")
        raise ClaimsRefused("no_account", f"no account or directory person has the email {email}")
    person = active[0]
    existing = User.objects.filter(person=person).first()
    if existing is not None:
        return _usable(existing)
    user = User(
        username=_username_for(person, email),
        email=email,
        first_name=(person.preferred_given_name or person.given_name)[:150],
        last_name=(person.preferred_family_name or person.family_name)[:150],
        person=person,
    )
    user.set_unusable_password()
    user.save()
    audit.record(
        "account.created_by_sso",
        actor=user,
        obj=user,
        person=person,
        changes={"email": email, "issuer": issuer},
    )
    return user


def _usable(user: User) -> User:
    if not user.is_active:
        raise ClaimsRefused("disabled", f"the account {user.username} is disabled")
    person = user.person if user.person_id else None
    if person is not None and person.status == PersonStatus.DEPARTED:
        raise ClaimsRefused("departed", f"{person} has left the district")
    return user


@transaction.atomic
def record_sso_refusal(*, code: str, detail: str, email: str = "", issuer: str = "") -> None:
    """Record a refused single sign-on (``account.sso_refused``): why, for which email when
    the provider gave one, and the person it concerns when the email names exactly one."""
    person: Any = None
    if email:
        matches = list(Person.objects.filter(email__iexact=email)[:2])
        person = matches[0] if len(matches) == 1 else None
    logger.warning("single sign-on refused (%s): %s", code, detail)
    audit.record(
        "account.sso_refused",
        actor="anonymous visitor",
        object_type="accounts.user",
        object_repr=email[:300],
        person=person,
        changes={"code": code, "issuer": issuer},
        reason=detail,
    )
