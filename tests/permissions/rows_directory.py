"""Matrix rows: the directory's pages and API endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    ES_SECTION,
    ES_STUDENT_NOT_CHILD,
    FORBIDDEN,
    GUARDIAN_ES_CHILD,
    GUARDIAN_HS_CHILD,
    HS_SECTION_NOT_TAUGHT,
    HS_SECTION_TAUGHT,
    HS_STUDENT_TAUGHT,
    LINK_ES_NOT_FAMILY,
    LINK_OF_HS_CHILD,
    METHOD_NOT_ALLOWED,
    MS_STUDENT,
    NOT_FOUND,
    SCHOOL_ES,
    SCHOOL_HS,
    SIGN_IN,
    STUDENT_HS_SELF,
    Demo,
    Row,
    by_role,
    target,
)

DEMO_IMPORT = "the demo district's roster import"


@target(DEMO_IMPORT)
def _demo_import(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import ImportRun

    return {"pk": ImportRun.objects.order_by("pk")[0].pk}


SIGNED_IN = by_role(ALLOW, anonymous=SIGN_IN)
API_SIGNED_IN = by_role(ALLOW, anonymous=FORBIDDEN)
TECH_ONLY = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
TECH_ONLY_POST = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)

#: Who sees each person target (pages: others get 404, anonymous the sign-in page).
PERSON_SEEN_BY: dict[str, tuple[str, ...]] = {
    ES_STUDENT_NOT_CHILD: ("principal_es",),
    # The demo contractor holds a live grant to the middle school's directory.
    MS_STUDENT: ("principal_ms", "contractor"),
    HS_STUDENT_TAUGHT: ("principal_hs", "teacher_hs"),
    GUARDIAN_ES_CHILD: ("principal_es", "guardian"),
    # teacher.hs teaches English to every high-school student of the small demo district.
    GUARDIAN_HS_CHILD: ("principal_hs", "teacher_hs", "guardian"),
    STUDENT_HS_SELF: ("principal_hs", "teacher_hs", "student_hs"),
}


def _page(seen_by: tuple[str, ...]) -> dict[str, str]:
    return by_role(
        NOT_FOUND,
        anonymous=SIGN_IN,
        admin=ALLOW,
        tech=ALLOW,
        records=ALLOW,
        **dict.fromkeys(seen_by, ALLOW),
    )


def _api(seen_by: tuple[str, ...]) -> dict[str, str]:
    return {**_page(seen_by), "anonymous": FORBIDDEN}


def _change(seen_by: tuple[str, ...]) -> dict[str, str]:
    """A POST that changes a person: tech staff and admins; 403 for those who only see."""
    return by_role(
        NOT_FOUND,
        anonymous=SIGN_IN,
        admin=ALLOW,
        tech=ALLOW,
        records=FORBIDDEN,
        **dict.fromkeys(seen_by, FORBIDDEN),
    )


DEPARTURE = {"departed_on": "2026-11-27", "reason": "Moved out of the district."}
RIGHTS = {"has_rights": "false", "reason": "Court order on file."}

ROWS = [
    Row("directory:person-list", expect=SIGNED_IN),
    Row("directory:person-list", query="q=a&kind=student", expect=SIGNED_IN),
    *[
        Row("directory:person-detail", target=name, expect=_page(seen_by))
        for name, seen_by in PERSON_SEEN_BY.items()
    ],
    *[
        Row(
            "directory:person-depart",
            method="post",
            target=name,
            data=DEPARTURE,
            expect=_change(seen_by),
        )
        for name, seen_by in PERSON_SEEN_BY.items()
        if name in (ES_STUDENT_NOT_CHILD, GUARDIAN_HS_CHILD)
    ],
    Row(
        "directory:person-depart",
        method="get",
        target=ES_STUDENT_NOT_CHILD,
        expect=by_role(METHOD_NOT_ALLOWED, anonymous=SIGN_IN),
    ),
    Row(
        "directory:guardian-link-rights",
        method="post",
        target=LINK_OF_HS_CHILD,
        data=RIGHTS,
        expect=_change(("principal_hs", "teacher_hs", "guardian")),
    ),
    Row(
        "directory:guardian-link-rights",
        method="post",
        target=LINK_ES_NOT_FAMILY,
        data=RIGHTS,
        expect=_change(("principal_es",)),
    ),
    Row("directory:import-list", expect=TECH_ONLY),
    Row("directory:import-detail", target=DEMO_IMPORT, expect=TECH_ONLY),
    Row("directory:import-apply", method="post", target=DEMO_IMPORT, expect=TECH_ONLY_POST),
    Row("directory:import-discard", method="post", target=DEMO_IMPORT, expect=TECH_ONLY_POST),
    # The API.
    Row("school-list", expect=API_SIGNED_IN),
    Row("school-list", suffix=".json", expect=API_SIGNED_IN),
    Row("school-detail", target=SCHOOL_ES, expect=API_SIGNED_IN),
    Row("school-detail", target=SCHOOL_HS, suffix=".json", expect=API_SIGNED_IN),
    Row("person-list", expect=API_SIGNED_IN),
    Row("person-list", suffix=".json", expect=API_SIGNED_IN),
    Row("student-list", expect=API_SIGNED_IN),
    Row("student-list", suffix=".json", expect=API_SIGNED_IN),
    Row("section-list", expect=API_SIGNED_IN),
    Row("section-list", suffix=".json", expect=API_SIGNED_IN),
    *[
        Row("person-detail", target=name, expect=_api(seen_by))
        for name, seen_by in PERSON_SEEN_BY.items()
    ],
    Row(
        "person-detail",
        target=GUARDIAN_HS_CHILD,
        suffix=".json",
        expect=_api(PERSON_SEEN_BY[GUARDIAN_HS_CHILD]),
    ),
    *[
        Row("student-detail", target=name, expect=_api(seen_by))
        for name, seen_by in PERSON_SEEN_BY.items()
    ],
    Row(
        "student-detail",
        target=ES_STUDENT_NOT_CHILD,
        suffix=".json",
        expect=_api(PERSON_SEEN_BY[ES_STUDENT_NOT_CHILD]),
    ),
    Row("section-detail", target=HS_SECTION_TAUGHT, expect=_api(("principal_hs", "teacher_hs"))),
    Row("section-detail", target=HS_SECTION_NOT_TAUGHT, expect=_api(("principal_hs",))),
    Row("section-detail", target=ES_SECTION, expect=_api(("principal_es",))),
    Row("section-detail", target=ES_SECTION, suffix=".json", expect=_api(("principal_es",))),
    # The directory API is read-only for everybody: no write method exists.
    Row(
        "student-list",
        method="post",
        data={"given_name": "X"},
        extra={"json": True},
        expect=by_role(METHOD_NOT_ALLOWED, anonymous=FORBIDDEN),
    ),
    *[
        Row(
            name,
            method=method,
            target=GUARDIAN_HS_CHILD,
            data={"given_name": "X"},
            extra={"json": True},
            expect=by_role(METHOD_NOT_ALLOWED, anonymous=FORBIDDEN),
        )
        for name in ("person-detail", "student-detail")
        for method in ("put", "patch", "delete")
    ],
]
