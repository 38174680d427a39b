"""Matrix rows: the sign-in security pages (password, two-factor, sign out everywhere).

The matrix signs in with ``force_login`` and ``OPENAUP_REQUIRE_2FA`` off, as the whole suite
does; ``tests/accounts/test_two_factor.py`` covers the pages with the second factor required.
"""

from __future__ import annotations

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    METHOD_NOT_ALLOWED,
    SIGN_IN,
    Row,
    by_role,
)

SIGNED_IN = by_role(ALLOW, anonymous=SIGN_IN)
TECH_ONLY = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)

ROWS = [
    Row("account-security", expect=SIGNED_IN),
    Row("password-change", expect=SIGNED_IN),
    # A wrong old password: the form comes back with errors.
    Row(
        "password-change",
        method="post",
        data={"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
        expect=SIGNED_IN,
    ),
    Row(
        "sign-out-everywhere",
        expect=by_role(METHOD_NOT_ALLOWED, anonymous=SIGN_IN),
    ),
    # Everyone lands on the sign-in page: every session of theirs has ended.
    Row("sign-out-everywhere", method="post", expect=by_role(SIGN_IN)),
    Row("two-factor-setup", expect=SIGNED_IN),
    Row("two-factor-setup", method="post", data={"code": "000000"}, expect=SIGNED_IN),
    # Without an app yet, verification sends everyone on to the set-up page.
    Row("two-factor-verify", expect=SIGNED_IN),
    Row("two-factor-verify", method="post", data={"code": "000000"}, expect=SIGNED_IN),
    Row("two-factor-backup-codes", expect=SIGNED_IN),
    # New backup codes need an authenticator app first.
    Row(
        "two-factor-backup-codes",
        method="post",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN),
    ),
    Row("two-factor-reset", expect=TECH_ONLY),
    Row(
        "two-factor-reset",
        method="post",
        data={"username": "teacher.hs", "reason": "Lost phone, checked in person"},
        expect=TECH_ONLY,
    ),
]
