"""Vocabularies of the directory, following OneRoster where OneRoster has one."""

from __future__ import annotations

from django.db import models


class PersonKind(models.TextChoices):
    """What a person is to the district, first of all (a teacher who is also a parent is
    staff; the guardian links still make them a guardian of their children)."""

    STUDENT = "student", "Student"
    STAFF = "staff", "Staff"
    GUARDIAN = "guardian", "Parent / guardian"
    CONTRACTOR = "contractor", "Contractor"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEPARTED = "departed", "Departed"


class RecordSource(models.TextChoices):
    ONEROSTER = "oneroster", "OneRoster import"
    LOCAL = "local", "Entered in OpenAUP"


class RoleType(models.TextChoices):
    """OneRoster user roles (1.1 and 1.2), plus contractors, whom OneRoster does not know."""

    ADMINISTRATOR = "administrator", "Administrator"
    AIDE = "aide", "Aide"
    COUNSELOR = "counselor", "Counselor"
    DISTRICT_ADMINISTRATOR = "districtAdministrator", "District administrator"
    GUARDIAN = "guardian", "Guardian"
    PARENT = "parent", "Parent"
    PRINCIPAL = "principal", "Principal"
    PROCTOR = "proctor", "Proctor"
    RELATIVE = "relative", "Relative"
    SITE_ADMINISTRATOR = "siteAdministrator", "Site administrator"
    STUDENT = "student", "Student"
    SYSTEM_ADMINISTRATOR = "systemAdministrator", "System administrator"
    TEACHER = "teacher", "Teacher"
    CONTRACTOR = "contractor", "Contractor"


#: Roles that make a user a parent/guardian of the students they are linked to.
GUARDIAN_ROLES = frozenset({RoleType.GUARDIAN, RoleType.PARENT, RoleType.RELATIVE})

#: Roles of district employees.
STAFF_ROLES = frozenset(
    {
        RoleType.ADMINISTRATOR,
        RoleType.AIDE,
        RoleType.COUNSELOR,
        RoleType.DISTRICT_ADMINISTRATOR,
        RoleType.PRINCIPAL,
        RoleType.PROCTOR,
        RoleType.SITE_ADMINISTRATOR,
        RoleType.SYSTEM_ADMINISTRATOR,
        RoleType.TEACHER,
    }
)


class Grade(models.TextChoices):
    """CEDS entry-grade codes as OneRoster uses them, in school order."""

    IT = "IT", "Infant/toddler"
    PR = "PR", "Preschool"
    PK = "PK", "Pre-kindergarten"
    TK = "TK", "Transitional kindergarten"
    KG = "KG", "Kindergarten"
    G01 = "01", "Grade 1"
    G02 = "02", "Grade 2"
    G03 = "03", "Grade 3"
    G04 = "04", "Grade 4"
    G05 = "05", "Grade 5"
    G06 = "06", "Grade 6"
    G07 = "07", "Grade 7"
    G08 = "08", "Grade 8"
    G09 = "09", "Grade 9"
    G10 = "10", "Grade 10"
    G11 = "11", "Grade 11"
    G12 = "12", "Grade 12"
    G13 = "13", "Grade 13"
    PS = "PS", "Postsecondary"
    UG = "UG", "Ungraded"
    OTHER = "Other", "Other"


#: Position of each grade code, for grade ranges ("PK-5") and sorting.
GRADE_ORDER: dict[str, int] = {code: index for index, code in enumerate(Grade.values)}


class SessionType(models.TextChoices):
    SCHOOL_YEAR = "schoolYear", "School year"
    SEMESTER = "semester", "Semester"
    TERM = "term", "Term"
    GRADING_PERIOD = "gradingPeriod", "Grading period"


class ClassType(models.TextChoices):
    HOMEROOM = "homeroom", "Homeroom"
    SCHEDULED = "scheduled", "Scheduled"


class EnrollmentRole(models.TextChoices):
    STUDENT = "student", "Student"
    TEACHER = "teacher", "Teacher"
    ADMINISTRATOR = "administrator", "Administrator"
    PROCTOR = "proctor", "Proctor"
    AIDE = "aide", "Aide"


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    GUARDIAN = "guardian", "Guardian"
    RELATIVE = "relative", "Relative"
