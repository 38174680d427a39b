"""Changes to sign-in security, each written to the audit trail in the same transaction.

Sign-in, failed sign-in and lockout are recorded from Django's and Axes' authentication
signals (see :mod:`openaup.accounts.apps`); everything a person or the technology staff does
on purpose (a password change, a second factor set up or reset, signing out everywhere) is
one of the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openaup.accounts.access import access_for
from openaup.accounts.choices import Role
from openaup.accounts.models import User
from openaup.accounts.twofactor import BACKUP_DEVICE_NAME, TOTP_DEVICE_NAME
from openaup.audit import services as audit

__all__ = [
    "BACKUP_CODE_COUNT",
    "NotAllowed",
    "TwoFactorSetup",
    "change_password",
    "confirm_two_factor",
    "new_backup_codes",
    "record_lockout",
    "record_sign_in",
    "record_sign_in_failure",
    "record_two_factor_failure",
    "record_two_factor_verified",
    "reset_two_factor",
    "sign_out_everywhere",
    "start_two_factor",
]

BACKUP_CODE_COUNT = 10


def _person(user: Any) -> Any:
    return user.person if getattr(user, "person_id", None) else None


@transaction.atomic
def record_sign_in(*, user: User, method: str = "password") -> None:
    """Record that ``user`` signed in."""
    audit.record(
        "account.signed_in",
        actor=user,
        obj=user,
        person=_person(user),
        changes={"method": method},
    )


@transaction.atomic
def record_sign_in_failure(*, username: str) -> None:
    """Record a refused sign-in for ``username`` (which may name no account). The password
    is never recorded."""
    user = User.objects.filter(username=username).first()
    audit.record(
        "account.sign_in_failed",
        actor="anonymous visitor",
        object_type="accounts.user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=username[:150],
    )


@transaction.atomic
def record_lockout(*, username: str) -> None:
    """Record that sign-ins as ``username`` from this address are now locked out."""
    user = User.objects.filter(username=username).first()
    audit.record(
        "account.locked_out",
        actor="anonymous visitor",
        object_type="accounts.user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=username[:150],
    )


@transaction.atomic
def change_password(*, actor: User, new_password: str) -> None:
    """Set ``actor``'s own new password (validated by the form) and record the change. Their
    other sessions end, since Django ties each session to the password hash."""
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    audit.record("account.password_changed", actor=actor, obj=actor, person=_person(actor))


@transaction.atomic
def sign_out_everywhere(*, actor: User) -> None:
    """End every session of ``actor``, on every device, including this one; recorded."""
    User.objects.filter(pk=actor.pk).update(session_epoch=F("session_epoch") + 1)
    actor.refresh_from_db(fields=["session_epoch"])
    audit.record("account.signed_out_everywhere", actor=actor, obj=actor, person=_person(actor))


@dataclass(frozen=True)
class TwoFactorSetup:
    """An authenticator app being set up: the device and its secret for manual entry."""

    device: TOTPDevice

    @property
    def secret(self) -> str:
        """The base32 secret in groups of four, as authenticator apps accept it typed."""
        from base64 import b32encode

        text = b32encode(self.device.bin_key).decode().rstrip("=")
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    @property
    def config_url(self) -> str:
        return str(self.device.config_url)


@transaction.atomic
def start_two_factor(*, actor: User) -> TwoFactorSetup:
    """The unconfirmed authenticator app of ``actor``, made if there is none yet. Nothing is
    recorded until the person proves the app works (:func:`confirm_two_factor`)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=TOTP_DEVICE_NAME, confirmed=False)
    return TwoFactorSetup(device=device)


def _replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def confirm_two_factor(*, actor: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``actor``'s new authenticator app with a code from it. On success, any older
    app is removed, fresh backup codes are made and returned (to be shown once), and the
    set-up is recorded; a wrong code returns None and changes nothing else."""
    if device.user_id != actor.pk or device.confirmed:
        return None
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_backup_codes(actor)
    audit.record("account.two_factor_set_up", actor=actor, obj=actor, person=_person(actor))
    return codes


@transaction.atomic
def new_backup_codes(*, actor: User) -> list[str]:
    """Replace ``actor``'s backup codes with new ones (returned, to be shown once)."""
    codes = _replace_backup_codes(actor)
    audit.record("account.backup_codes_renewed", actor=actor, obj=actor, person=_person(actor))
    return codes


@transaction.atomic
def record_two_factor_verified(*, actor: User, device: Any) -> None:
    """Record that ``actor`` passed the second factor, and with what (app or backup code)."""
    kind = "backup_code" if isinstance(device, StaticDevice) else "authenticator_app"
    audit.record(
        "account.two_factor_verified",
        actor=actor,
        obj=actor,
        person=_person(actor),
        changes={"with": kind},
    )


@transaction.atomic
def record_two_factor_failure(*, actor: User) -> None:
    """Record a wrong second-factor code."""
    audit.record("account.two_factor_failed", actor=actor, obj=actor, person=_person(actor))


class NotAllowed(Exception):
    """The actor may not do this."""


@transaction.atomic
def reset_two_factor(*, actor: User, user: User, reason: str) -> None:
    """Remove ``user``'s authenticator app and backup codes (a lost phone), so that they set
    up a new one at their next sign-in, and end their sessions. Only district administrators
    and technology staff may; the reason is recorded."""
    access = access_for(actor)
    if not (access.district_has(Role.DISTRICT_ADMIN, Role.TECH_STAFF)):
        raise NotAllowed("Only technology staff and district administrators reset two-factor.")
    if not reason.strip():
        raise ValueError("A reason is required.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    audit.record(
        "account.two_factor_reset",
        actor=actor,
        obj=user,
        person=_person(user),
        reason=reason.strip(),
    )
