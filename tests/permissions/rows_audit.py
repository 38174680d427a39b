"""Matrix rows: the audit trail, the record of access, and the people export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    FORBIDDEN,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

EVENT_ABOUT_CHILD = "an audit event about the guardian's elementary-school child"


@target(EVENT_ABOUT_CHILD)
def _event_about_child(demo: Demo) -> Mapping[str, Any]:
    from openaup.audit import services as audit
    from openaup.directory.models import School

    child = next(
        child
        for child in demo.guardian_children
        if child.school_id == School.objects.get(name=Demo.LEVELS["es"]).pk
    )
    return {"pk": audit.record_student_view(actor=demo.user("admin"), student=child).pk}


#: The whole trail: district administrators and records officers; 403 for everyone else.
TRAIL_READERS = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, records=ALLOW)

ROWS = [
    Row("audit:event-list", expect=TRAIL_READERS),
    Row("audit:event-list", query="person=a&action=student.viewed", expect=TRAIL_READERS),
    Row("audit:event-detail", target=EVENT_ABOUT_CHILD, expect=TRAIL_READERS),
    # The record of access: students and families only.
    Row(
        "audit:access-report",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, guardian=ALLOW, student_hs=ALLOW),
    ),
    # Everyone signed in exports what they may see (scoped with visible_to(user, "export")).
    Row("directory:person-export", expect=by_role(ALLOW, anonymous=SIGN_IN)),
    Row("directory:person-export", query="kind=student", expect=by_role(ALLOW, anonymous=SIGN_IN)),
]
