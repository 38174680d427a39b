"""Matrix rows: home, sign-in and sign-out, health, and the API's root, schema and docs."""

from __future__ import annotations

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    METHOD_NOT_ALLOWED,
    SIGN_IN,
    Row,
    by_role,
)

ROWS = [
    Row("home", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    Row("login", expect=by_role(ALLOW)),
    Row("logout", method="get", expect=by_role(METHOD_NOT_ALLOWED)),
    # Signing out lands on the sign-in page, for everybody.
    Row("logout", method="post", expect=by_role(SIGN_IN)),
    Row("health", expect=by_role(ALLOW)),
    Row("api-root", expect=by_role(ALLOW, anonymous=FORBIDDEN)),
    Row("api-root", suffix=".json", expect=by_role(ALLOW, anonymous=FORBIDDEN)),
    Row("api-schema", expect=by_role(ALLOW, anonymous=FORBIDDEN)),
    Row("api-docs", expect=by_role(ALLOW, anonymous=SIGN_IN)),
]
