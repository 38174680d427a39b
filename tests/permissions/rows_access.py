"""Matrix rows: contractors' access grants and adult students' consent pages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

LIVE_GRANT = "the contractor's live grant (middle-school directory)"
EXPIRED_GRANT = "the contractor's expired grant (high school)"
STUDENT_HS_LINK = "a guardian link of student.hs"


def _grant(demo: Demo, *, live: bool) -> Mapping[str, Any]:
    from openaup.access.models import AccessGrant

    grants = AccessGrant.objects.filter(contractor=demo.person("contractor"))
    grants = grants.live() if live else grants.filter(ends_on__lt=timezone.localdate())
    return {"pk": grants.get().pk}


@target(LIVE_GRANT)
def _live_grant(demo: Demo) -> Mapping[str, Any]:
    return _grant(demo, live=True)


@target(EXPIRED_GRANT)
def _expired_grant(demo: Demo) -> Mapping[str, Any]:
    return _grant(demo, live=False)


@target(STUDENT_HS_LINK)
def _student_hs_link(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import GuardianLink

    link = GuardianLink.objects.filter(student=demo.person("student.hs")).order_by("pk")[0]
    return {"pk": link.pk}


def _new_grant(demo: Demo) -> Mapping[str, Any]:
    today = timezone.localdate()
    return {
        "contractor": demo.person("contractor").pk,
        "sponsor": demo.person("principal.es").pk,
        "school": demo.school("es").pk,
        "categories": ["directory"],
        "purpose": "Reading assessment platform set-up.",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=60)).isoformat(),
    }


def _extension(demo: Demo) -> Mapping[str, Any]:
    ends_on = timezone.localdate() + datetime.timedelta(days=120)
    return {"ends_on": ends_on.isoformat(), "reason": "The project runs longer."}


GRANT_MANAGERS = {"admin": ALLOW, "tech": ALLOW}
#: Who sees a grant: the district's technology staff, admins and records officer, the
#: contractor, and the sponsor (the demo sponsor is the technology director, ``tech``).
GRANT_VIEWERS = {**GRANT_MANAGERS, "records": ALLOW, "contractor": ALLOW}


def _change_grant() -> dict[str, str]:
    return by_role(
        NOT_FOUND, anonymous=SIGN_IN, **GRANT_MANAGERS, records=FORBIDDEN, contractor=FORBIDDEN
    )


ROWS = [
    Row("access:grant-list", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    Row("access:grant-list", query="state=expired", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    Row(
        "access:grant-create",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, **GRANT_MANAGERS),
    ),
    Row(
        "access:grant-create",
        method="post",
        data=_new_grant,
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, **GRANT_MANAGERS),
    ),
    Row(
        "access:grant-detail",
        target=LIVE_GRANT,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, **GRANT_VIEWERS),
    ),
    Row(
        "access:grant-detail",
        target=EXPIRED_GRANT,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, **GRANT_VIEWERS),
    ),
    Row(
        "access:grant-extend",
        method="post",
        target=LIVE_GRANT,
        data=_extension,
        expect=_change_grant(),
    ),
    Row(
        "access:grant-revoke",
        method="post",
        target=LIVE_GRANT,
        data={"reason": "The project ended early."},
        expect=_change_grant(),
    ),
    Row(
        "access:my-guardians",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, student_hs=ALLOW),
    ),
    # student.hs is under 18: the page says so and nothing changes, but the post is theirs.
    Row(
        "access:guardian-access-give",
        method="post",
        target=STUDENT_HS_LINK,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, student_hs=ALLOW),
    ),
    Row(
        "access:guardian-access-withdraw",
        method="post",
        target=STUDENT_HS_LINK,
        expect=by_role(NOT_FOUND, anonymous=SIGN_IN, student_hs=ALLOW),
    ),
]
