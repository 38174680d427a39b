"""Matrix rows: the signing pages. A personal signing link is public (the token is the proof):
an unknown token is a 404 for everyone, signed in or not, and so are its confirmation page
and receipts. "Sign in class" is for a teacher of the section: others who may see the section
get a 403, the rest a 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    ES_SECTION,
    FORBIDDEN,
    HS_SECTION_NOT_TAUGHT,
    HS_SECTION_TAUGHT,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

UNKNOWN_TOKEN = "a signing link token that was never issued"
UNKNOWN_TOKEN_RECEIPT = "a receipt under a signing link token that was never issued"


@target(UNKNOWN_TOKEN)
def _unknown_token(demo: Demo) -> Mapping[str, Any]:
    return {"token": "never-issued-0123456789abcdef"}


@target(UNKNOWN_TOKEN_RECEIPT)
def _unknown_token_receipt(demo: Demo) -> Mapping[str, Any]:
    from openaup.policies.models import Signature

    first = Signature.objects.order_by("pk").values_list("pk", flat=True).first()
    return {"token": "never-issued-0123456789abcdef", "pk": first or 1}


#: Everyone who sees every section (or the high school's) but teaches none of them.
SEES_HS_SECTIONS = {
    "admin": FORBIDDEN,
    "tech": FORBIDDEN,
    "records": FORBIDDEN,
    "principal_hs": FORBIDDEN,
}

ROWS = [
    Row("policies:my-signing", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    # No open campaign chosen: back to the page with a message, for everyone signed in.
    Row("policies:my-signing", method="post", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    Row(
        "policies:sign-in-class",
        target=HS_SECTION_TAUGHT,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, teacher_hs=ALLOW, **SEES_HS_SECTIONS),
    ),
    Row(
        "policies:sign-in-class",
        target=HS_SECTION_NOT_TAUGHT,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, **SEES_HS_SECTIONS),
    ),
    Row(
        "policies:sign-in-class",
        target=ES_SECTION,
        expect=by_role(
            NOT_FOUND,
            anonymous=SIGN_IN,
            admin=FORBIDDEN,
            tech=FORBIDDEN,
            records=FORBIDDEN,
            principal_es=FORBIDDEN,
        ),
    ),
    Row("policies:sign-link", target=UNKNOWN_TOKEN, expect=by_role(NOT_FOUND)),
    Row("policies:sign-link", method="post", target=UNKNOWN_TOKEN, expect=by_role(NOT_FOUND)),
    Row("policies:sign-link-done", target=UNKNOWN_TOKEN, expect=by_role(NOT_FOUND)),
    Row("policies:sign-link-receipt", target=UNKNOWN_TOKEN_RECEIPT, expect=by_role(NOT_FOUND)),
]
