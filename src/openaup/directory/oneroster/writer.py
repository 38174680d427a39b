"""Writing a :class:`~openaup.directory.oneroster.records.Dataset` as OneRoster CSV files.

One dataset can be written as either version: the roles of the dataset (``roles``) become
1.2 ``roles.csv`` rows, or each 1.1 user's ``role`` (the primary role) and ``orgSourcedIds``
(the orgs of all their roles). Headers follow the spec's order exactly; ``metadata.*``
columns come after them when any record of a file carries metadata. Bulk files leave
``status`` and ``dateLastModified`` blank (the 1.2.1 rule); delta files fill them.

The target is a folder, or a ``.zip`` file with every CSV at its root.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openaup.directory.oneroster.records import (
    AcademicSessionRecord,
    ClassRecord,
    CourseRecord,
    Dataset,
    DemographicRecord,
    EnrollmentRecord,
    FileMode,
    OrgRecord,
    RoleRecord,
    UserRecord,
    Version,
)

__all__ = ["MANIFEST_FILES", "SOURCE_SYSTEM", "WriterError", "write_dataset"]

SOURCE_SYSTEM = "OpenAUP"

#: Every data file of each version, as the manifest lists them.
MANIFEST_FILES: dict[str, tuple[str, ...]] = {
    "1.1": (
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
    ),
    "1.2": (
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courseResources",
        "courses",
        "demographics",
        "enrollments",
        "lineItemLearningObjectiveIds",
        "lineItems",
        "lineItemScoreScales",
        "orgs",
        "resources",
        "resultLearningObjectiveIds",
        "results",
        "resultScoreScales",
        "roles",
        "scoreScales",
        "userProfiles",
        "userResources",
        "users",
    ),
}

_COMMON = ("sourcedId", "status", "dateLastModified")

HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "orgs": (*_COMMON, "name", "type", "identifier", "parentSourcedId"),
        "academicSessions": (
            *_COMMON,
            *("title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
        ),
        "users": (
            *_COMMON,
            *("enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName"),
            *("familyName", "middleName", "identifier", "email", "sms", "phone"),
            *("agentSourcedIds", "grades", "password"),
        ),
        "demographics": (
            *_COMMON,
            *("birthDate", "sex", "americanIndianOrAlaskaNative", "asian"),
            *("blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white"),
            *("demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity"),
            *("countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth"),
            "publicSchoolResidenceStatus",
        ),
        "courses": (
            *_COMMON,
            *("schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId"),
            *("subjects", "subjectCodes"),
        ),
        "classes": (
            *_COMMON,
            *("title", "grades", "courseSourcedId", "classCode", "classType", "location"),
            *("schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"),
        ),
        "enrollments": (
            *_COMMON,
            *("classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary"),
            *("beginDate", "endDate"),
        ),
    },
}
HEADERS["1.2"] = {
    **HEADERS["1.1"],
    "users": (
        *_COMMON,
        *("enabledUser", "username", "userIds", "givenName", "familyName", "middleName"),
        *("identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"),
        *("userMasterIdentifier", "preferredGivenName", "preferredMiddleName"),
        *("preferredFamilyName", "primaryOrgSourcedId", "pronouns"),
    ),
    "roles": (
        *_COMMON,
        *("userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId"),
        "userProfileSourcedId",
    ),
}

#: 1.2 roles that 1.1 does not know, and the 1.1 role that stands for them.
ROLES_1_1 = {
    "counselor": "administrator",
    "districtAdministrator": "administrator",
    "principal": "administrator",
    "siteAdministrator": "administrator",
    "systemAdministrator": "administrator",
}


class WriterError(ValueError):
    """The dataset cannot be written as asked (an unknown version, a role without a user)."""


def write_dataset(dataset: Dataset, target: Path | str, *, version: Version | None = None) -> Path:
    """Write ``dataset`` as OneRoster ``version`` (default: the dataset's own) to ``target``.

    ``target`` is a folder (created if missing) or a path ending in ``.zip``. A file is
    written when the dataset's mode for it is ``bulk`` or ``delta``; the manifest lists every
    file of the version, the others as ``absent``. Returns ``target``.
    """
    version = version or dataset.version
    if version not in HEADERS:
        raise WriterError(f"OneRoster version {version!r}: expected 1.1 or 1.2")
    target = Path(target)
    files = _files(dataset, version)
    manifest = _manifest(dataset, version, {name for name, _ in files})
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, rows in [("manifest", manifest), *files]:
                with archive.open(f"{name}.csv", "w") as raw, _text(raw) as stream:
                    _write_rows(stream, rows)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, rows in [("manifest", manifest), *files]:
            with open(target / f"{name}.csv", "w", encoding="utf-8", newline="") as stream:
                _write_rows(stream, rows)
    return target


@contextmanager
def _text(raw: IO[bytes]) -> Iterator[io.TextIOWrapper]:
    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()


def _write_rows(stream: IO[str], rows: Iterable[Sequence[str]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerows(rows)


def _manifest(dataset: Dataset, version: str, written: set[str]) -> list[tuple[str, str]]:
    rows = [("propertyName", "value"), ("manifest.version", "1.0"), ("oneroster.version", version)]
    for name in MANIFEST_FILES[version]:
        mode = dataset.mode(name) if name in written else "absent"
        rows.append((f"file.{name}", mode))
    rows.append(("source.systemName", dataset.source_system or SOURCE_SYSTEM))
    return rows


# --- values -----------------------------------------------------------------


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _datetime(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _list(values: Iterable[str]) -> str:
    return ",".join(values)


@dataclass(frozen=True, slots=True)
class _Table:
    """One CSV file: its header and a function from a record to its spec cells."""

    header: tuple[str, ...]
    cells: Callable[[Any], list[str]]


def _lifecycle(name: str, record: Any, mode: FileMode) -> list[str]:
    sourced_id = record.sourced_id or _role_id(record)
    if mode == "bulk":
        return [sourced_id, "", ""]
    if record.date_last_modified is None:
        raise WriterError(f"{name}: {sourced_id} is in a delta file but has no dateLastModified")
    return [sourced_id, record.status or "active", _datetime(record.date_last_modified)]


def _role_id(record: Any) -> str:
    """A sourcedId for a role that has none (a role derived from a 1.1 user)."""
    if isinstance(record, RoleRecord):
        return f"{record.user_sourced_id}-{record.role}-{record.org_sourced_id}"
    raise WriterError(f"a {type(record).__name__} has no sourcedId")


def _files(dataset: Dataset, version: str) -> list[tuple[str, Iterator[Sequence[str]]]]:
    """The data files to write, each as (name, rows with the header first)."""
    headers = HEADERS[version]
    roles_by_user = _roles_by_user(dataset.roles) if dataset.roles else {}
    files: list[tuple[str, Iterator[Sequence[str]]]] = []

    def add(name: str, records: Sequence[Any], cells: Callable[[Any], list[str]]) -> None:
        mode = dataset.mode(name)
        if mode == "absent":
            return
        files.append((name, _rows(name, headers[name], records, mode, cells)))

    add("orgs", dataset.orgs, _org_cells)
    add("academicSessions", dataset.academic_sessions, _session_cells)
    if version == "1.1":
        add("users", dataset.users, lambda user: _user_cells_1_1(user, roles_by_user))
    else:
        add("users", dataset.users, lambda user: _user_cells_1_2(user, roles_by_user))
        add("roles", dataset.roles, _role_cells)
    add("demographics", dataset.demographics, _demographic_cells)
    add("courses", dataset.courses, _course_cells)
    add("classes", dataset.classes, _class_cells)
    add("enrollments", dataset.enrollments, _enrollment_cells)
    return files


def _rows(
    name: str,
    header: tuple[str, ...],
    records: Sequence[Any],
    mode: FileMode,
    cells: Callable[[Any], list[str]],
) -> Iterator[Sequence[str]]:
    keys = _metadata_keys(records)
    yield (*header, *(f"metadata.{key}" for key in keys))
    for record in records:
        row = _lifecycle(name, record, mode)
        row.extend(cells(record))
        if keys:
            metadata = record.metadata
            row.extend(metadata.get(key, "") for key in keys)
        yield row


def _metadata_keys(records: Sequence[Any]) -> list[str]:
    """The metadata keys of a file, in the order they first appear."""
    keys: dict[str, None] = {}
    for record in records:
        metadata = getattr(record, "metadata", None)
        if metadata:
            keys.update(dict.fromkeys(metadata))
    return list(keys)


def _roles_by_user(roles: Sequence[RoleRecord]) -> dict[str, list[RoleRecord]]:
    """Each user's roles, the primary one first."""
    by_user: dict[str, list[RoleRecord]] = {}
    for role in roles:
        by_user.setdefault(role.user_sourced_id, []).append(role)
    for user_roles in by_user.values():
        user_roles.sort(key=lambda role: role.role_type != "primary")
    return by_user


def _org_cells(org: OrgRecord) -> list[str]:
    return [org.name, org.type, org.identifier, org.parent_sourced_id]


def _session_cells(session: AcademicSessionRecord) -> list[str]:
    return [
        session.title,
        session.type,
        _date(session.start_date),
        _date(session.end_date),
        session.parent_sourced_id,
        str(session.school_year),
    ]


def _user_cells_common(user: UserRecord) -> list[str]:
    """The columns 1.1 and 1.2 share, from ``username`` to ``password`` (always empty)."""
    return [
        user.username,
        _list(user.user_ids),
        user.given_name,
        user.family_name,
        user.middle_name,
        user.identifier,
        user.email,
        user.sms,
        user.phone,
        _list(user.agent_sourced_ids),
        _list(user.grades),
        "",
    ]


def _user_cells_1_1(user: UserRecord, roles_by_user: dict[str, list[RoleRecord]]) -> list[str]:
    roles = roles_by_user.get(user.sourced_id, [])
    if not roles and user.status != "tobedeleted":
        raise WriterError(f"users: {user.sourced_id} has no role (OneRoster 1.1 needs one)")
    orgs = list(dict.fromkeys(role.org_sourced_id for role in roles))
    role = ROLES_1_1.get(roles[0].role, roles[0].role) if roles else ""
    return [_bool(user.enabled), _list(orgs), role, *_user_cells_common(user)]


def _user_cells_1_2(user: UserRecord, roles_by_user: dict[str, list[RoleRecord]]) -> list[str]:
    primary_org = user.primary_org_sourced_id
    if not primary_org and user.sourced_id in roles_by_user:
        primary_org = roles_by_user[user.sourced_id][0].org_sourced_id
    return [
        _bool(user.enabled),
        *_user_cells_common(user),
        user.user_master_identifier,
        user.preferred_given_name,
        user.preferred_middle_name,
        user.preferred_family_name,
        primary_org,
        user.pronouns,
    ]


def _role_cells(role: RoleRecord) -> list[str]:
    return [
        role.user_sourced_id,
        role.role_type,
        role.role,
        _date(role.begin_date),
        _date(role.end_date),
        role.org_sourced_id,
        "",
    ]


def _demographic_cells(demographic: DemographicRecord) -> list[str]:
    return [_date(demographic.birth_date), demographic.sex, *([""] * 11)]


def _course_cells(course: CourseRecord) -> list[str]:
    return [
        course.school_year_sourced_id,
        course.title,
        course.course_code,
        _list(course.grades),
        course.org_sourced_id,
        _list(course.subjects),
        _list(course.subject_codes),
    ]


def _class_cells(section: ClassRecord) -> list[str]:
    return [
        section.title,
        _list(section.grades),
        section.course_sourced_id,
        section.class_code,
        section.class_type,
        section.location,
        section.school_sourced_id,
        _list(section.term_sourced_ids),
        _list(section.subjects),
        _list(section.subject_codes),
        _list(section.periods),
    ]


def _enrollment_cells(enrollment: EnrollmentRecord) -> list[str]:
    return [
        enrollment.class_sourced_id,
        enrollment.school_sourced_id,
        enrollment.user_sourced_id,
        enrollment.role,
        _bool(enrollment.primary),
        _date(enrollment.begin_date),
        _date(enrollment.end_date),
    ]
