"""One frozen dataclass per OneRoster CSV row, shared by the reader, the writer, the demo
generator and the import.

Values are already normalized: dates are :class:`datetime.date`, booleans are ``bool``,
list fields are tuples, roles and grades are the spec's tokens. A record's ``status`` is
``"active"`` or ``"tobedeleted"`` (delta files), or ``None`` where the file left it blank
(bulk files). ``metadata`` keeps the ``metadata.*`` columns, keyed without the prefix.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "FILE_NAMES",
    "AcademicSessionRecord",
    "ClassRecord",
    "CourseRecord",
    "Dataset",
    "DemographicRecord",
    "EnrollmentRecord",
    "FileMode",
    "OrgRecord",
    "RoleRecord",
    "UserRecord",
    "Version",
]

Version = Literal["1.1", "1.2"]
FileMode = Literal["bulk", "delta", "absent"]
Status = Literal["active", "tobedeleted"] | None

#: The rostering files OpenAUP reads, in the order they are validated and applied.
FILE_NAMES: tuple[str, ...] = (
    "orgs",
    "academicSessions",
    "users",
    "roles",
    "demographics",
    "courses",
    "classes",
    "enrollments",
)


@dataclass(frozen=True, slots=True)
class OrgRecord:
    sourced_id: str
    name: str
    type: str  # district, school, department, local, state, national
    identifier: str = ""
    parent_sourced_id: str = ""
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AcademicSessionRecord:
    sourced_id: str
    title: str
    type: str  # schoolYear, semester, term, gradingPeriod
    start_date: datetime.date
    end_date: datetime.date
    school_year: int
    parent_sourced_id: str = ""
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoleRecord:
    """A user's role at an org: a 1.2 ``roles.csv`` row, or derived from a 1.1 user's
    ``role`` and ``orgSourcedIds`` (one record per org; the first is primary)."""

    user_sourced_id: str
    role: str
    org_sourced_id: str
    role_type: Literal["primary", "secondary"] = "primary"
    begin_date: datetime.date | None = None
    end_date: datetime.date | None = None
    sourced_id: str = ""  # 1.2 only
    status: Status = None
    date_last_modified: datetime.datetime | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    sourced_id: str
    given_name: str
    family_name: str
    enabled: bool = True
    username: str = ""
    user_ids: tuple[str, ...] = ()  # "{type:id}" items as written
    middle_name: str = ""
    identifier: str = ""
    email: str = ""
    sms: str = ""
    phone: str = ""
    agent_sourced_ids: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    user_master_identifier: str = ""  # 1.2
    preferred_given_name: str = ""  # 1.2
    preferred_middle_name: str = ""  # 1.2
    preferred_family_name: str = ""  # 1.2
    primary_org_sourced_id: str = ""  # 1.2
    pronouns: str = ""  # 1.2
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DemographicRecord:
    """Only what OpenAUP keeps: the birth date (to know adult students) and sex. The other
    columns of ``demographics.csv`` are read, checked and deliberately not stored."""

    sourced_id: str  # the user's sourcedId
    birth_date: datetime.date | None = None
    sex: str = ""
    status: Status = None
    date_last_modified: datetime.datetime | None = None


@dataclass(frozen=True, slots=True)
class CourseRecord:
    sourced_id: str
    title: str
    org_sourced_id: str
    school_year_sourced_id: str = ""
    course_code: str = ""
    grades: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    subject_codes: tuple[str, ...] = ()
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClassRecord:
    sourced_id: str
    title: str
    course_sourced_id: str
    school_sourced_id: str
    term_sourced_ids: tuple[str, ...]
    class_type: str  # homeroom, scheduled
    class_code: str = ""
    grades: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    subject_codes: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    location: str = ""
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EnrollmentRecord:
    sourced_id: str
    class_sourced_id: str
    school_sourced_id: str
    user_sourced_id: str
    role: str  # student, teacher, administrator, proctor (and aide in 1.2)
    primary: bool = False
    begin_date: datetime.date | None = None
    end_date: datetime.date | None = None
    status: Status = None
    date_last_modified: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class Dataset:
    """A whole OneRoster package: the manifest's mode per file and the rows of each."""

    version: Version
    modes: dict[str, FileMode] = field(default_factory=dict)
    source_system: str = ""
    orgs: list[OrgRecord] = field(default_factory=list)
    academic_sessions: list[AcademicSessionRecord] = field(default_factory=list)
    users: list[UserRecord] = field(default_factory=list)
    roles: list[RoleRecord] = field(default_factory=list)
    demographics: list[DemographicRecord] = field(default_factory=list)
    courses: list[CourseRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    enrollments: list[EnrollmentRecord] = field(default_factory=list)

    def mode(self, file_name: str) -> FileMode:
        return self.modes.get(file_name, "absent")
