"""Matrix rows: single sign-on. The demo runs without an identity provider
(``OPENAUP_OIDC_ISSUER`` unset), so both URLs are 404 for everybody; with a provider they are
public (``tests/accounts/test_oidc.py`` walks them against a real one)."""

from __future__ import annotations

from tests.permissions.matrix import NOT_FOUND, Row, by_role

ROWS = [
    Row("oidc-start", expect=by_role(NOT_FOUND)),
    Row("oidc-callback", query="code=x&state=y", expect=by_role(NOT_FOUND)),
]
