"""Who must sign in with a second factor, and the devices that provide it.

Roles that see student data beyond their own family (:data:`TWO_FACTOR_ROLES`) need a
confirmed TOTP device (an authenticator app) and must enter a code after their password.
``OPENAUP_REQUIRE_2FA=false`` switches the requirement off for a whole installation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from openaup.accounts.access import access_for
from openaup.accounts.choices import TWO_FACTOR_ROLES

__all__ = [
    "BACKUP_DEVICE_NAME",
    "TOTP_DEVICE_NAME",
    "backup_codes_left",
    "confirmed_totp",
    "has_two_factor_role",
    "is_verified",
    "needs_two_factor",
]

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def has_two_factor_role(user: Any) -> bool:
    """``user`` holds a role that sees other families' students."""
    return bool(access_for(user).all_roles & TWO_FACTOR_ROLES)


def needs_two_factor(user: Any) -> bool:
    """``user`` must verify a second factor before seeing any page (when required here)."""
    if not getattr(settings, "OPENAUP_REQUIRE_2FA", True):
        return False
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return has_two_factor_role(user)


def is_verified(user: Any) -> bool:
    """This request's session has passed a second factor."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def confirmed_totp(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user: Any) -> int:
    """How many unused backup codes the user has."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device is not None else 0
