"""How each OneRoster file's rows become records: the columns each file must and may have,
and one row builder per file. A builder records a problem for each bad cell and returns a
record (or None); the reader drops records of rows with problems.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from openaup.directory.oneroster.records import (
    AcademicSessionRecord,
    ClassRecord,
    CourseRecord,
    DemographicRecord,
    EnrollmentRecord,
    OrgRecord,
    RoleRecord,
    UserRecord,
)
from openaup.directory.oneroster.table import Table
from openaup.directory.oneroster.vocabulary import (
    CLASS_TYPES,
    ENROLLMENT_ROLES,
    ORG_TYPES,
    ROLE_TYPES,
    SESSION_TYPES,
    SEXES,
    USER_ROLES,
    lookup,
)

__all__ = [
    "COLUMNS",
    "LIFECYCLE",
    "MAX_LENGTHS",
    "academic_sessions",
    "classes",
    "courses",
    "demographics",
    "enrollments",
    "orgs",
    "roles",
    "users_11",
    "users_12",
]

ORG_TYPES_LOOKUP = lookup(ORG_TYPES)
SESSION_TYPES_LOOKUP = lookup(SESSION_TYPES)
USER_ROLES_LOOKUP = lookup(USER_ROLES)
ROLE_TYPES_LOOKUP = lookup(ROLE_TYPES)
SEXES_LOOKUP = lookup(SEXES)
CLASS_TYPES_LOOKUP = lookup(CLASS_TYPES)
ENROLLMENT_ROLES_LOOKUP = lookup(ENROLLMENT_ROLES)

LIFECYCLE = ("status", "dateLastModified")

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # file: (required columns, optional columns)
    "orgs": (("sourcedId", "name", "type"), ("identifier", "parentSourcedId")),
    "academicSessions": (
        ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
        ("parentSourcedId",),
    ),
    "users_1.1": (
        ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName"),
        (
            "enabledUser",
            "username",
            "userIds",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ),
    ),
    "users_1.2": (
        ("sourcedId", "givenName", "familyName"),
        (
            "enabledUser",
            "username",
            "userIds",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
            "userMasterIdentifier",
            "preferredGivenName",
            "preferredMiddleName",
            "preferredFamilyName",
            "primaryOrgSourcedId",
            "pronouns",
        ),
    ),
    "roles": (
        ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
        ("beginDate", "endDate", "userProfileSourcedId"),
    ),
    "demographics": (
        ("sourcedId",),
        (
            "birthDate",
            "sex",
            "americanIndianOrAlaskaNative",
            "asian",
            "blackOrAfricanAmerican",
            "nativeHawaiianOrOtherPacificIslander",
            "white",
            "demographicRaceTwoOrMoreRaces",
            "hispanicOrLatinoEthnicity",
            "countryOfBirthCode",
            "stateOfBirthAbbreviation",
            "cityOfBirth",
            "publicSchoolResidenceStatus",
        ),
    ),
    "courses": (
        ("sourcedId", "title", "orgSourcedId"),
        ("schoolYearSourcedId", "courseCode", "grades", "subjects", "subjectCodes"),
    ),
    "classes": (
        ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"),
        ("classCode", "location", "grades", "subjects", "subjectCodes", "periods"),
    ),
    "enrollments": (
        ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
        ("primary", "beginDate", "endDate"),
    ),
}

RACE_FLAGS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
)


#: Longest values the directory stores, by file and column (its database column sizes).
MAX_LENGTHS: dict[str, dict[str, int]] = {
    "orgs": {"sourcedId": 255, "name": 200, "identifier": 64},
    "academicSessions": {"sourcedId": 255, "title": 200},
    "users": {
        "sourcedId": 255,
        "givenName": 100,
        "familyName": 100,
        "middleName": 100,
        "preferredGivenName": 100,
        "preferredMiddleName": 100,
        "preferredFamilyName": 100,
        "username": 150,
        "identifier": 64,
        "userMasterIdentifier": 255,
        "email": 254,
        "phone": 32,
        "sms": 32,
        "metadata.preferredLanguage": 16,
        "metadata.language": 16,
    },
    "roles": {"sourcedId": 255},
    "demographics": {"sourcedId": 255},
    "courses": {"sourcedId": 255, "title": 200, "courseCode": 64},
    "classes": {"sourcedId": 255, "title": 200, "classCode": 64, "location": 100},
    "enrollments": {"sourcedId": 255},
}


def email_ok(value: str) -> bool:
    """Looks like an address: one ``@`` with text either side and no spaces."""
    local, at, domain = value.partition("@")
    return bool(
        local and at and domain and "@" not in domain and not any(c.isspace() for c in value)
    )


def orgs(t: Table) -> Callable[[list[str], int], OrgRecord | None]:
    def build(c: list[str], row: int) -> OrgRecord | None:
        status, stamp = t.lifecycle(c, row)
        sid = t.ref(c, "sourcedId", row)
        kind = t.choice(c, "type", row, ORG_TYPES_LOOKUP, "org type")
        parent = t.ref(c, "parentSourcedId", row, required=False)
        if parent and parent == sid:
            t.fail(row, t.label("parentSourcedId"), "an org cannot be its own parent")
        return OrgRecord(
            sourced_id=sid,
            name=t.need(c, "name", row),
            type=kind,
            identifier=t.text(c, "identifier"),
            parent_sourced_id=parent,
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def academic_sessions(t: Table) -> Callable[[list[str], int], AcademicSessionRecord | None]:
    def build(c: list[str], row: int) -> AcademicSessionRecord | None:
        status, stamp = t.lifecycle(c, row)
        start = t.date(c, "startDate", row, required=True)
        end = t.date(c, "endDate", row, required=True)
        if start and end and end < start:
            t.fail(row, t.label("endDate"), f"ends ({end}) before it starts ({start})")
        year_text = t.need(c, "schoolYear", row)
        year = 0
        if year_text:
            if len(year_text) == 4 and year_text.isdigit() and year_text.isascii():
                year = int(year_text)
            else:
                t.fail(row, t.label("schoolYear"), f"expected a year like 2027, not {year_text!r}")
        sid = t.ref(c, "sourcedId", row)
        parent = t.ref(c, "parentSourcedId", row, required=False)
        if parent and parent == sid:
            t.fail(row, t.label("parentSourcedId"), "a session cannot be its own parent")
        if start is None or end is None:
            return None
        return AcademicSessionRecord(
            sourced_id=sid,
            title=t.need(c, "title", row),
            type=t.choice(c, "type", row, SESSION_TYPES_LOOKUP, "session type"),
            start_date=start,
            end_date=end,
            school_year=year,
            parent_sourced_id=parent,
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def _user(t: Table, c: list[str], row: int, **extra: Any) -> UserRecord:
    status, stamp = t.lifecycle(c, row)
    email = t.text(c, "email")
    if email and not email_ok(email):
        t.fail(row, t.label("email"), f"not an email address: {email!r}")
    return UserRecord(
        sourced_id=t.ref(c, "sourcedId", row),
        given_name=t.need(c, "givenName", row),
        family_name=t.need(c, "familyName", row),
        enabled=t.flag(c, "enabledUser", row, True),
        username=t.text(c, "username"),
        user_ids=t.items(c, "userIds"),
        middle_name=t.text(c, "middleName"),
        identifier=t.text(c, "identifier"),
        email=email,
        sms=t.text(c, "sms"),
        phone=t.text(c, "phone"),
        agent_sourced_ids=t.refs(c, "agentSourcedIds", row),
        grades=t.grades(c, "grades", row),
        status=status,
        date_last_modified=stamp,
        metadata=t.metadata(c),
        **extra,
    )


def users_11(
    t: Table, roles: list[RoleRecord], role_lines: array[int]
) -> Callable[[list[str], int], UserRecord | None]:
    """Also derives the user's roles: one per org, the first primary."""

    def build(c: list[str], row: int) -> UserRecord | None:
        errors = t.errors
        user = _user(t, c, row)
        role = t.choice(c, "role", row, USER_ROLES_LOOKUP, "role")
        orgs = t.refs(c, "orgSourcedIds", row, required=True)
        if t.errors != errors:
            return None
        for index, org in enumerate(orgs):
            roles.append(
                RoleRecord(
                    user_sourced_id=user.sourced_id,
                    role=role,
                    org_sourced_id=org,
                    role_type="primary" if index == 0 else "secondary",
                    status=user.status,
                    date_last_modified=user.date_last_modified,
                )
            )
            role_lines.append(row)
        return user

    return build


def users_12(t: Table) -> Callable[[list[str], int], UserRecord | None]:
    def build(c: list[str], row: int) -> UserRecord | None:
        return _user(
            t,
            c,
            row,
            user_master_identifier=t.text(c, "userMasterIdentifier"),
            preferred_given_name=t.text(c, "preferredGivenName"),
            preferred_middle_name=t.text(c, "preferredMiddleName"),
            preferred_family_name=t.text(c, "preferredFamilyName"),
            primary_org_sourced_id=t.ref(c, "primaryOrgSourcedId", row, required=False),
            pronouns=t.text(c, "pronouns"),
        )

    return build


def roles(t: Table) -> Callable[[list[str], int], RoleRecord | None]:
    def build(c: list[str], row: int) -> RoleRecord | None:
        status, stamp = t.lifecycle(c, row)
        begin = t.date(c, "beginDate", row)
        end = t.date(c, "endDate", row)
        return RoleRecord(
            sourced_id=t.ref(c, "sourcedId", row),
            user_sourced_id=t.ref(c, "userSourcedId", row),
            role=t.choice(c, "role", row, USER_ROLES_LOOKUP, "role"),
            org_sourced_id=t.ref(c, "orgSourcedId", row),
            role_type=t.choice(c, "roleType", row, ROLE_TYPES_LOOKUP, "roleType"),  # type: ignore[arg-type]
            begin_date=begin,
            end_date=end,
            status=status,
            date_last_modified=stamp,
        )

    return build


def demographics(t: Table) -> Callable[[list[str], int], DemographicRecord | None]:
    def build(c: list[str], row: int) -> DemographicRecord | None:
        status, stamp = t.lifecycle(c, row)
        sex = t.text(c, "sex")
        if sex:
            found = SEXES_LOOKUP.get(sex.lower())
            if found is None:
                t.fail(
                    row,
                    t.label("sex"),
                    f"unknown sex {sex!r} (expected female, male, other or unspecified)",
                )
            sex = found or ""
        for flag in RACE_FLAGS:
            t.flag(c, flag, row, False)
        return DemographicRecord(
            sourced_id=t.ref(c, "sourcedId", row),
            birth_date=t.date(c, "birthDate", row),
            sex=sex,
            status=status,
            date_last_modified=stamp,
        )

    return build


def courses(t: Table) -> Callable[[list[str], int], CourseRecord | None]:
    def build(c: list[str], row: int) -> CourseRecord | None:
        status, stamp = t.lifecycle(c, row)
        return CourseRecord(
            sourced_id=t.ref(c, "sourcedId", row),
            title=t.need(c, "title", row),
            org_sourced_id=t.ref(c, "orgSourcedId", row),
            school_year_sourced_id=t.ref(c, "schoolYearSourcedId", row, required=False),
            course_code=t.text(c, "courseCode"),
            grades=t.grades(c, "grades", row),
            subjects=t.items(c, "subjects"),
            subject_codes=t.items(c, "subjectCodes"),
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def classes(t: Table) -> Callable[[list[str], int], ClassRecord | None]:
    def build(c: list[str], row: int) -> ClassRecord | None:
        status, stamp = t.lifecycle(c, row)
        return ClassRecord(
            sourced_id=t.ref(c, "sourcedId", row),
            title=t.need(c, "title", row),
            course_sourced_id=t.ref(c, "courseSourcedId", row),
            school_sourced_id=t.ref(c, "schoolSourcedId", row),
            term_sourced_ids=t.refs(c, "termSourcedIds", row, required=True),
            class_type=t.choice(c, "classType", row, CLASS_TYPES_LOOKUP, "class type"),
            class_code=t.text(c, "classCode"),
            grades=t.grades(c, "grades", row),
            subjects=t.items(c, "subjects"),
            subject_codes=t.items(c, "subjectCodes"),
            periods=t.items(c, "periods"),
            location=t.text(c, "location"),
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def enrollments(t: Table) -> Callable[[list[str], int], EnrollmentRecord | None]:
    pos_sid = t.pos("sourcedId")
    pos_class = t.pos("classSourcedId")
    pos_school = t.pos("schoolSourcedId")
    pos_user = t.pos("userSourcedId")
    pos_role = t.pos("role")
    setdefault = t.cache.setdefault
    roles = ENROLLMENT_ROLES_LOOKUP
    lifecycle = t.lifecycle
    date = t.date
    flag = t.flag
    metadata = t.metadata
    need = t.need

    def build(c: list[str], row: int) -> EnrollmentRecord | None:
        status, stamp = lifecycle(c, row)
        sid = c[pos_sid].strip()
        klass = c[pos_class].strip()
        school = c[pos_school].strip()
        user = c[pos_user].strip()
        if not (sid and klass and school and user):
            for name in ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId"):
                need(c, name, row)
            return None
        role_text = c[pos_role].strip()
        role = roles.get(role_text.lower()) if role_text else None
        if role is None:
            t.choice(c, "role", row, roles, "enrollment role")
            return None
        return EnrollmentRecord(
            sourced_id=sid,
            class_sourced_id=setdefault(klass, klass),
            school_sourced_id=setdefault(school, school),
            user_sourced_id=setdefault(user, user),
            role=role,
            primary=flag(c, "primary", row, False),
            begin_date=date(c, "beginDate", row),
            end_date=date(c, "endDate", row),
            status=status,
            date_last_modified=stamp,
            metadata=metadata(c),
        )

    return build
