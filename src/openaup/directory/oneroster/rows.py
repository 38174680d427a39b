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
from openaup.directory.oneroster.table import NO_METADATA, Table
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
    "MAX_SOURCED_ID",
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


#: Longest sourcedId the directory stores (every file).
MAX_SOURCED_ID = 255
#: Longest values the directory stores, by file and column (its database column sizes).
MAX_LENGTHS: dict[str, dict[str, int]] = {
    "orgs": {"name": 200, "identifier": 64},
    "academicSessions": {"title": 200},
    "users": {
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
    "courses": {"title": 200, "courseCode": 64},
    "classes": {"title": 200, "classCode": 64, "location": 100},
}


def email_ok(value: str) -> bool:
    """Looks like an address: one ``@`` with text either side and no spaces."""
    local, at, domain = value.partition("@")
    return bool(local and at and domain and "@" not in domain and len(value.split()) == 1)


def orgs(t: Table) -> Callable[[list[str], int], OrgRecord | None]:
    p_sid, p_name, p_type, p_ident, p_parent = map(
        t.pos, ("sourcedId", "name", "type", "identifier", "parentSourcedId")
    )

    def build(c: list[str], row: int) -> OrgRecord | None:
        status, stamp = t.lifecycle(c, row)
        sid = t.ref(c, p_sid, row)
        parent = t.ref(c, p_parent, row, required=False)
        if parent and parent == sid:
            t.fail(row, t.labels[p_parent], "an org cannot be its own parent")
        return OrgRecord(
            sourced_id=sid,
            name=t.need(c, p_name, row),
            type=t.choice(c, p_type, row, ORG_TYPES_LOOKUP, "org type"),
            identifier=c[p_ident].strip(),
            parent_sourced_id=parent,
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def academic_sessions(t: Table) -> Callable[[list[str], int], AcademicSessionRecord | None]:
    p_sid, p_title, p_type, p_start, p_end, p_parent, p_year = map(
        t.pos,
        ("sourcedId", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    )

    def build(c: list[str], row: int) -> AcademicSessionRecord | None:
        status, stamp = t.lifecycle(c, row)
        start = t.date(c, p_start, row, required=True)
        end = t.date(c, p_end, row, required=True)
        if start and end and end < start:
            t.fail(row, t.labels[p_end], f"ends ({end}) before it starts ({start})")
        year_text = t.need(c, p_year, row)
        year = 0
        if year_text:
            if len(year_text) == 4 and year_text.isdigit() and year_text.isascii():
                year = int(year_text)
            else:
                t.fail(row, t.labels[p_year], f"expected a year like 2027, not {year_text!r}")
        sid = t.ref(c, p_sid, row)
        parent = t.ref(c, p_parent, row, required=False)
        if parent and parent == sid:
            t.fail(row, t.labels[p_parent], "a session cannot be its own parent")
        if start is None or end is None:
            return None
        return AcademicSessionRecord(
            sourced_id=sid,
            title=t.need(c, p_title, row),
            type=t.choice(c, p_type, row, SESSION_TYPES_LOOKUP, "session type"),
            start_date=start,
            end_date=end,
            school_year=year,
            parent_sourced_id=parent,
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


_USER_COLUMNS = (
    "sourcedId",
    "givenName",
    "familyName",
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
)


def _users(t: Table) -> Callable[..., UserRecord]:
    """The columns 1.1 and 1.2 users share."""
    (
        p_sid,
        p_given,
        p_family,
        p_enabled,
        p_username,
        p_ids,
        p_middle,
        p_ident,
        p_email,
        p_sms,
        p_phone,
        p_agents,
        p_grades,
    ) = map(t.pos, _USER_COLUMNS)
    lifecycle, ref, need, flag, refs, grades = t.lifecycle, t.ref, t.need, t.flag, t.refs, t.grades
    items, metadata = t.items, t.metadata

    def build(c: list[str], row: int, **extra: Any) -> UserRecord:
        status, stamp = lifecycle(c, row)
        email = c[p_email].strip()
        if email and not email_ok(email):
            t.fail(row, t.labels[p_email], f"not an email address: {email!r}")
        return UserRecord(
            sourced_id=ref(c, p_sid, row),
            given_name=need(c, p_given, row),
            family_name=need(c, p_family, row),
            enabled=flag(c, p_enabled, row, True),
            username=c[p_username].strip(),
            user_ids=items(c, p_ids),
            middle_name=c[p_middle].strip(),
            identifier=c[p_ident].strip(),
            email=email,
            sms=c[p_sms].strip(),
            phone=c[p_phone].strip(),
            agent_sourced_ids=refs(c, p_agents, row),
            grades=grades(c, p_grades, row),
            status=status,
            date_last_modified=stamp,
            metadata=metadata(c),
            **extra,
        )

    return build


def users_11(
    t: Table, roles: list[RoleRecord], role_lines: array[int]
) -> Callable[[list[str], int], UserRecord | None]:
    """Also derives the user's roles: one per org, the first primary."""
    user_of = _users(t)
    p_role, p_orgs = t.pos("role"), t.pos("orgSourcedIds")

    def build(c: list[str], row: int) -> UserRecord | None:
        errors = t.errors
        user = user_of(c, row)
        role = t.choice(c, p_role, row, USER_ROLES_LOOKUP, "role")
        orgs = t.refs(c, p_orgs, row, required=True)
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
    user_of = _users(t)
    p_master, p_given, p_middle, p_family, p_primary, p_pronouns = map(
        t.pos,
        (
            "userMasterIdentifier",
            "preferredGivenName",
            "preferredMiddleName",
            "preferredFamilyName",
            "primaryOrgSourcedId",
            "pronouns",
        ),
    )

    def build(c: list[str], row: int) -> UserRecord | None:
        return user_of(
            c,
            row,
            user_master_identifier=c[p_master].strip(),
            preferred_given_name=c[p_given].strip(),
            preferred_middle_name=c[p_middle].strip(),
            preferred_family_name=c[p_family].strip(),
            primary_org_sourced_id=t.ref(c, p_primary, row, required=False),
            pronouns=c[p_pronouns].strip(),
        )

    return build


def roles(t: Table) -> Callable[[list[str], int], RoleRecord | None]:
    p_sid, p_user, p_type, p_role, p_org, p_begin, p_end = map(
        t.pos,
        ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId", "beginDate", "endDate"),
    )

    def build(c: list[str], row: int) -> RoleRecord | None:
        status, stamp = t.lifecycle(c, row)
        return RoleRecord(
            sourced_id=t.ref(c, p_sid, row),
            user_sourced_id=t.ref(c, p_user, row),
            role=t.choice(c, p_role, row, USER_ROLES_LOOKUP, "role"),
            org_sourced_id=t.ref(c, p_org, row),
            role_type=t.choice(c, p_type, row, ROLE_TYPES_LOOKUP, "roleType"),  # type: ignore[arg-type]
            begin_date=t.date(c, p_begin, row),
            end_date=t.date(c, p_end, row),
            status=status,
            date_last_modified=stamp,
        )

    return build


def demographics(t: Table) -> Callable[[list[str], int], DemographicRecord | None]:
    p_sid, p_birth, p_sex = map(t.pos, ("sourcedId", "birthDate", "sex"))
    p_flags = [t.pos(name) for name in RACE_FLAGS]

    def build(c: list[str], row: int) -> DemographicRecord | None:
        status, stamp = t.lifecycle(c, row)
        sex = c[p_sex].strip()
        if sex:
            found = SEXES_LOOKUP.get(sex.lower())
            if found is None:
                t.fail(
                    row,
                    t.labels[p_sex],
                    f"unknown sex {sex!r} (expected female, male, other or unspecified)",
                )
            sex = found or ""
        for position in p_flags:
            t.flag(c, position, row, False)
        return DemographicRecord(
            sourced_id=t.ref(c, p_sid, row),
            birth_date=t.date(c, p_birth, row),
            sex=sex,
            status=status,
            date_last_modified=stamp,
        )

    return build


def courses(t: Table) -> Callable[[list[str], int], CourseRecord | None]:
    p_sid, p_title, p_org, p_year, p_code, p_grades, p_subjects, p_codes = map(
        t.pos,
        (
            "sourcedId",
            "title",
            "orgSourcedId",
            "schoolYearSourcedId",
            "courseCode",
            "grades",
            "subjects",
            "subjectCodes",
        ),
    )

    def build(c: list[str], row: int) -> CourseRecord | None:
        status, stamp = t.lifecycle(c, row)
        return CourseRecord(
            sourced_id=t.ref(c, p_sid, row),
            title=t.need(c, p_title, row),
            org_sourced_id=t.ref(c, p_org, row),
            school_year_sourced_id=t.ref(c, p_year, row, required=False),
            course_code=c[p_code].strip(),
            grades=t.grades(c, p_grades, row),
            subjects=t.items(c, p_subjects),
            subject_codes=t.items(c, p_codes),
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def classes(t: Table) -> Callable[[list[str], int], ClassRecord | None]:
    (
        p_sid,
        p_title,
        p_course,
        p_school,
        p_terms,
        p_type,
        p_code,
        p_grades,
        p_subjects,
        p_codes,
        p_periods,
        p_location,
    ) = map(
        t.pos,
        (
            "sourcedId",
            "title",
            "courseSourcedId",
            "schoolSourcedId",
            "termSourcedIds",
            "classType",
            "classCode",
            "grades",
            "subjects",
            "subjectCodes",
            "periods",
            "location",
        ),
    )

    def build(c: list[str], row: int) -> ClassRecord | None:
        status, stamp = t.lifecycle(c, row)
        return ClassRecord(
            sourced_id=t.ref(c, p_sid, row),
            title=t.need(c, p_title, row),
            course_sourced_id=t.ref(c, p_course, row),
            school_sourced_id=t.ref(c, p_school, row),
            term_sourced_ids=t.refs(c, p_terms, row, required=True),
            class_type=t.choice(c, p_type, row, CLASS_TYPES_LOOKUP, "class type"),
            class_code=c[p_code].strip(),
            grades=t.grades(c, p_grades, row),
            subjects=t.items(c, p_subjects),
            subject_codes=t.items(c, p_codes),
            periods=t.items(c, p_periods),
            location=c[p_location].strip(),
            status=status,
            date_last_modified=stamp,
            metadata=t.metadata(c),
        )

    return build


def enrollments(t: Table) -> Callable[[list[str], int], EnrollmentRecord | None]:
    p_sid, p_class, p_school, p_user, p_role, p_primary, p_begin, p_end = map(
        t.pos,
        (
            "sourcedId",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
            "beginDate",
            "endDate",
        ),
    )
    setdefault = t.cache.setdefault
    roles = ENROLLMENT_ROLES_LOOKUP
    lifecycle, date, flag, need = t.lifecycle, t.date, t.flag, t.need
    p_status, p_stamp = t.pos("status"), t.pos("dateLastModified")
    plain = not t.delta  # bulk rows usually leave status and dateLastModified blank
    metadata = t.metadata if t.meta else None

    def build(c: list[str], row: int) -> EnrollmentRecord | None:
        if plain and not c[p_status] and not c[p_stamp]:
            status, stamp = None, None
        else:
            status, stamp = lifecycle(c, row)
        sid = c[p_sid].strip()
        klass = c[p_class].strip()
        school = c[p_school].strip()
        user = c[p_user].strip()
        if not (sid and klass and school and user):
            for position in (p_sid, p_class, p_school, p_user):
                need(c, position, row)
            return None
        role = roles.get(c[p_role]) or t.choice(c, p_role, row, roles, "enrollment role")
        if not role:
            return None
        primary = c[p_primary]
        begin = c[p_begin]
        end = c[p_end]
        return EnrollmentRecord(
            sourced_id=sid,
            class_sourced_id=setdefault(klass, klass),
            school_sourced_id=setdefault(school, school),
            user_sourced_id=setdefault(user, user),
            role=role,
            primary=primary == "true" or (primary != "false" and flag(c, p_primary, row, False)),
            begin_date=date(c, p_begin, row) if begin else None,
            end_date=date(c, p_end, row) if end else None,
            status=status,
            date_last_modified=stamp,
            metadata=metadata(c) if metadata is not None else NO_METADATA,
        )

    return build
