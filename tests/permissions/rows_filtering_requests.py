"""Matrix rows: the block page, unblock requests (queue, detail, approve, deny, mine),
overrides (list, revoke, a teacher's section override) and their API.

- The block page is public; without a valid link it is a 400 for everyone.
- A request of ``student.hs`` is seen by technology staff and district administrators, the
  high school's principal, the student's teachers and the student; only the first three
  decide it (the student gets a 403); everyone else a 404.
- An override ``teacher.hs`` made for their section is seen and ended by them, the high
  school's principal and technology staff; everyone else gets a 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from tests.permissions.matrix import (
    ALLOW,
    BAD_REQUEST,
    FORBIDDEN,
    HS_SECTION_TAUGHT,
    NOT_FOUND,
    SIGN_IN,
    TARGETS,
    Demo,
    Row,
    by_role,
    target,
)

HS_REQUEST = "an unblock request of student.hs"
HS_OVERRIDE = "an override teacher.hs made for their section"
JSON = {"json": True}


def _hs_request(demo: Demo) -> Any:
    from openaup.filtering.models import UnblockRequest
    from openaup.filtering.services.requests import create_unblock_request

    student = demo.person("student.hs")
    existing = UnblockRequest.objects.filter(person=student, host="games.example").first()
    if existing is not None:
        return existing
    return create_unblock_request(
        actor=None,
        facts={
            "host": "games.example",
            "url": "http://games.example/",
            "profile": "high",
            "category": "games",
            "rule": "block",
            "reason": "category",
            "client_ip": "10.99.1.1",
            "user": student.username,
            "issued": str(int(timezone.now().timestamp())),
        },
        message="For the history project.",
    )


@target(HS_REQUEST)
def _request_target(demo: Demo) -> Mapping[str, Any]:
    return {"pk": _hs_request(demo).pk}


@target(HS_OVERRIDE)
def _override_target(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Section
    from openaup.filtering.models import Override

    section = Section.objects.get(pk=TARGETS[HS_SECTION_TAUGHT](demo)["pk"])
    override = Override.objects.filter(section=section, host="maps.example").first()
    if override is None:
        now = timezone.now()
        override = Override.objects.create(
            action="allow",
            host="maps.example",
            scope="section",
            section=section,
            school=section.school,
            starts_at=now,
            ends_at=now + datetime.timedelta(minutes=50),
            created_by=demo.user("teacher.hs"),
        )
    return {"pk": override.pk}


def _taught_section(demo: Demo) -> Mapping[str, Any]:
    return {"section": TARGETS[HS_SECTION_TAUGHT](demo)["pk"]}


def _api_override(demo: Demo) -> Mapping[str, Any]:
    return {
        "action": "allow",
        "host": "atlas.example",
        "scope": "section",
        "duration": "lesson",
        **_taught_section(demo),
    }


STAFF_READERS = ("admin", "tech", "principal_es", "principal_ms", "principal_hs")
TEACHERS = ("teacher_es", "teacher_hs")
#: The queue: staff who read the filter; the others signed in get a 403.
QUEUE = by_role(FORBIDDEN, anonymous=SIGN_IN, **dict.fromkeys((*STAFF_READERS, *TEACHERS), ALLOW))
SIGNED_IN = by_role(ALLOW, anonymous=SIGN_IN)
DECIDERS = ("admin", "tech", "principal_hs", "teacher_hs")
REQUEST_SEEN = by_role(
    NOT_FOUND, anonymous=SIGN_IN, **dict.fromkeys((*DECIDERS, "student_hs"), ALLOW)
)
REQUEST_DECIDE = {**REQUEST_SEEN, "student.hs": FORBIDDEN}
OVERRIDE_CHANGE = by_role(
    NOT_FOUND,
    anonymous=SIGN_IN,
    **dict.fromkeys(("admin", "tech", "principal_hs", "teacher_hs"), ALLOW),
)
SECTION_PAGE = by_role(
    NOT_FOUND,
    anonymous=SIGN_IN,
    admin=ALLOW,
    tech=ALLOW,
    principal_hs=ALLOW,
    teacher_hs=ALLOW,
    records=FORBIDDEN,
)


def _api(expect: Mapping[str, str]) -> dict[str, str]:
    return {**expect, "anonymous": FORBIDDEN}


BLOCK_PAGE = by_role(BAD_REQUEST)

ROWS = [
    Row("filtering:blocked", expect=BLOCK_PAGE),
    Row("filtering:blocked", query="t=forged.token", expect=BLOCK_PAGE),
    Row("filtering:blocked", method="post", data={"t": "x", "message": "hi"}, expect=BLOCK_PAGE),
    Row("filtering:request-list", expect=QUEUE),
    Row("filtering:request-list", query="status=pending", expect=QUEUE),
    Row("filtering:request-detail", target=HS_REQUEST, expect=REQUEST_SEEN),
    Row("filtering:request-approve", method="post", target=HS_REQUEST,
        data={"duration": "lesson", "note": "Fine"}, expect=REQUEST_DECIDE),
    Row("filtering:request-deny", method="post", target=HS_REQUEST,
        data={"note": "Use the library."}, expect=REQUEST_DECIDE),
    Row("filtering:my-requests", expect=SIGNED_IN),
    Row("filtering:override-list", expect=SIGNED_IN),
    Row("filtering:override-revoke", method="post", target=HS_OVERRIDE, expect=OVERRIDE_CHANGE),
    Row("filtering:section-override", target=HS_SECTION_TAUGHT, expect=SECTION_PAGE),
    Row("filtering:section-override", method="post", target=HS_SECTION_TAUGHT,
        data={"action": "block", "host": "video.example", "duration": "lesson"},
        expect=SECTION_PAGE),
    Row("filter-request-list", expect=_api(SIGNED_IN)),
    Row("filter-request-list", suffix=".json", expect=_api(SIGNED_IN)),
    Row("filter-request-detail", target=HS_REQUEST, expect=_api(REQUEST_SEEN)),
    Row("filter-request-detail", target=HS_REQUEST, suffix=".json", expect=_api(REQUEST_SEEN)),
    Row("filter-request-approve", method="post", target=HS_REQUEST, extra=JSON,
        data={"duration": "lesson"}, expect=_api(REQUEST_DECIDE)),
    Row("filter-request-approve", method="post", target=HS_REQUEST, extra=JSON, suffix=".json",
        data={"duration": "lesson"}, expect=_api(REQUEST_DECIDE)),
    Row("filter-request-deny", method="post", target=HS_REQUEST, extra=JSON,
        data={"note": "No"}, expect=_api(REQUEST_DECIDE)),
    Row("filter-request-deny", method="post", target=HS_REQUEST, extra=JSON, suffix=".json",
        data={"note": "No"}, expect=_api(REQUEST_DECIDE)),
    Row("filter-override-list", expect=_api(SIGNED_IN)),
    Row("filter-override-list", suffix=".json", expect=_api(SIGNED_IN)),
    # A section the caller cannot see is a bad value (400); one they see but do not teach or
    # run, a 403.
    Row("filter-override-list", method="post", extra=JSON, data=_api_override,
        expect=_api({**SECTION_PAGE, **by_role(BAD_REQUEST), **{
            r: SECTION_PAGE[r] for r in ("admin", "tech", "principal.hs", "teacher.hs", "records")
        }})),
    Row("filter-override-detail", target=HS_OVERRIDE, expect=_api(OVERRIDE_CHANGE)),
    Row("filter-override-detail", target=HS_OVERRIDE, suffix=".json",
        expect=_api(OVERRIDE_CHANGE)),
    Row("filter-override-revoke", method="post", target=HS_OVERRIDE, extra=JSON,
        expect=_api(OVERRIDE_CHANGE)),
    Row("filter-override-revoke", method="post", target=HS_OVERRIDE, extra=JSON, suffix=".json",
        expect=_api(OVERRIDE_CHANGE)),
]  # fmt: skip
