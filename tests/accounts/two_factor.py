"""Helpers for tests of two-factor sign-in.

The suite runs with ``OPENAUP_REQUIRE_2FA`` off (``tests/conftest.py``) so that personas can
sign in with ``client.force_login``. A test of the second factor switches it on with
pytest-django's ``settings`` fixture (``settings.OPENAUP_REQUIRE_2FA = True``) and signs staff
in with :func:`sign_in_verified`.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

__all__ = ["code_for", "sign_in_verified"]


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``device`` now (or ``steps_ahead`` periods of
    30 seconds later: each code is accepted once, and the next period's is accepted too)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client: Client, user: Any) -> TOTPDevice:
    """Sign ``user`` in as if they had entered their password and a code from a confirmed
    authenticator app."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
