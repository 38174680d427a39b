"""Matrix rows: monitoring (CIPA). Reports for the district's staff and principals (their
school); timelines for principals of the student's school (and designated counselors, none
in the demo); "who used an address" for district administrators and technology staff;
counselor designations made by district administrators and principals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.permissions.matrix import (
    ALLOW,
    BAD_REQUEST,
    FORBIDDEN,
    HS_STUDENT_TAUGHT,
    NOT_FOUND,
    SIGN_IN,
    Demo,
    Row,
    by_role,
    target,
)

DESIGNATION_ES = "a counselor designation at the elementary school"
MONTHLY_COUNT_ES = "a monthly count of the elementary school"
DECISION_FILE = "an ingested decision file"


@target(DESIGNATION_ES)
def _designation(demo: Demo) -> Mapping[str, Any]:
    from openaup.directory.models import Person
    from openaup.monitoring.models import CounselorDesignation

    school = demo.school("es")
    person = Person.objects.filter(kind="staff", school=school).order_by("pk").first()
    row, _ = CounselorDesignation.objects.get_or_create(
        person=person, school=school, defaults={"reason": "Matrix"}
    )
    return {"pk": row.pk}


@target(MONTHLY_COUNT_ES)
def _monthly(demo: Demo) -> Mapping[str, Any]:
    import datetime

    from openaup.monitoring.models import MonthlyCount

    row, _ = MonthlyCount.objects.get_or_create(
        month=datetime.date(2026, 9, 1),
        school=demo.school("es"),
        profile="elementary",
        category="games",
        action="block",
        defaults={"decisions": 3},
    )
    return {"pk": row.pk}


@target(DECISION_FILE)
def _file(demo: Demo) -> Mapping[str, Any]:
    from openaup.monitoring.models import DecisionFile

    row, _ = DecisionFile.objects.get_or_create(
        folder="/var/lib/openaup/filter-log", name="2026-11-20.tsv", defaults={"source": "helper"}
    )
    return {"pk": row.pk}


PRINCIPALS = {"principal_es": ALLOW, "principal_ms": ALLOW, "principal_hs": ALLOW}
REPORTERS = by_role(
    FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW, records=ALLOW, **PRINCIPALS
)
API_REPORTERS = {**REPORTERS, "anonymous": FORBIDDEN}
INVESTIGATORS = by_role(FORBIDDEN, anonymous=SIGN_IN, admin=ALLOW, tech=ALLOW)
IP_QUERY = "ip=10.3.0.7&at=2026-11-20T10:00&reason=matrix"
IP_QUERY_API = "ip=10.3.0.7&at=2026-11-20T10:00:00Z&reason=matrix"
API_FILES = by_role(ALLOW, anonymous=FORBIDDEN)
ES_READERS = by_role(
    NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW, records=ALLOW, principal_es=ALLOW
)

ROWS = [
    Row("monitoring:report", expect=REPORTERS),
    Row("monitoring:report", query="days=30", expect=REPORTERS),
    Row("monitoring:monthly", expect=REPORTERS),
    Row(
        "monitoring:student-search",
        query="q=a",
        expect=by_role(FORBIDDEN, anonymous=SIGN_IN, **PRINCIPALS),
    ),
    Row(
        "monitoring:timeline",
        target=HS_STUDENT_TAUGHT,
        expect=by_role(
            FORBIDDEN,
            anonymous=SIGN_IN,
            principal_es=NOT_FOUND,
            principal_ms=NOT_FOUND,
            principal_hs=ALLOW,
        ),
    ),
    Row("monitoring:ip-lookup", expect=INVESTIGATORS),
    Row("monitoring:ip-lookup", query=IP_QUERY, expect=INVESTIGATORS),
    Row("monitoring:counselor-list", expect=REPORTERS),
    Row(
        "monitoring:counselor-revoke",
        method="post",
        target=DESIGNATION_ES,
        expect=by_role(
            NOT_FOUND,
            anonymous=SIGN_IN,
            admin=ALLOW,
            principal_es=ALLOW,
            tech=FORBIDDEN,
            records=FORBIDDEN,
        ),
    ),
    # API
    Row("monitoring-report-list", expect=API_REPORTERS),
    Row("monitoring-report-list", suffix=".json", expect=API_REPORTERS),
    Row(
        "monitoring-timeline-list",
        expect=by_role(
            FORBIDDEN,
            principal_es=BAD_REQUEST,
            principal_ms=BAD_REQUEST,
            principal_hs=BAD_REQUEST,
        ),
    ),
    Row(
        "monitoring-timeline-list",
        suffix=".json",
        expect=by_role(
            FORBIDDEN,
            principal_es=BAD_REQUEST,
            principal_ms=BAD_REQUEST,
            principal_hs=BAD_REQUEST,
        ),
    ),
    Row(
        "monitoring-ip-lookup-list",
        expect=by_role(FORBIDDEN, admin=BAD_REQUEST, tech=BAD_REQUEST),
    ),
    Row(
        "monitoring-ip-lookup-list",
        query=IP_QUERY_API,
        expect=by_role(FORBIDDEN, admin=ALLOW, tech=ALLOW),
    ),
    Row(
        "monitoring-ip-lookup-list",
        suffix=".json",
        expect=by_role(FORBIDDEN, admin=BAD_REQUEST, tech=BAD_REQUEST),
    ),
    Row("monitoring-file-list", expect=API_FILES),
    Row("monitoring-file-list", suffix=".json", expect=API_FILES),
    Row(
        "monitoring-file-detail",
        target=DECISION_FILE,
        expect=by_role(NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW),
    ),
    Row(
        "monitoring-file-detail",
        target=DECISION_FILE,
        suffix=".json",
        expect=by_role(NOT_FOUND, anonymous=FORBIDDEN, admin=ALLOW, tech=ALLOW),
    ),
    Row("monitoring-monthly-count-list", expect=API_FILES),
    Row("monitoring-monthly-count-list", suffix=".json", expect=API_FILES),
    Row("monitoring-monthly-count-detail", target=MONTHLY_COUNT_ES, expect=ES_READERS),
    Row(
        "monitoring-monthly-count-detail",
        target=MONTHLY_COUNT_ES,
        suffix=".json",
        expect=ES_READERS,
    ),
    Row("monitoring-counselor-list", expect=API_FILES),
    Row("monitoring-counselor-list", suffix=".json", expect=API_FILES),
    Row("monitoring-counselor-detail", target=DESIGNATION_ES, expect=ES_READERS),
    Row("monitoring-counselor-detail", target=DESIGNATION_ES, suffix=".json", expect=ES_READERS),
]
