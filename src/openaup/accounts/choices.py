from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """What a person may do in OpenAUP. A role applies to the district or to one school."""

    DISTRICT_ADMIN = "district_admin", "District administrator"
    TECH_STAFF = "tech_staff", "Technology staff"
    SCHOOL_ADMIN = "school_admin", "Principal / school administrator"
    TEACHER = "teacher", "Teacher"
    STAFF = "staff", "Other staff"
    STUDENT = "student", "Student"
    GUARDIAN = "guardian", "Parent / guardian"
    CONTRACTOR = "contractor", "Contractor"
    RECORDS_OFFICER = "records_officer", "Records officer"


#: Roles that see the whole district's directory.
DISTRICT_WIDE_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.TECH_STAFF, Role.RECORDS_OFFICER})

#: Roles that see student data beyond their own family, and so must sign in with a second
#: factor (TOTP) as well as a password. Students and guardians see only themselves or their
#: own children and sign in with a password alone.
TWO_FACTOR_ROLES = frozenset(
    {
        Role.DISTRICT_ADMIN,
        Role.TECH_STAFF,
        Role.SCHOOL_ADMIN,
        Role.TEACHER,
        Role.STAFF,
        Role.CONTRACTOR,
        Role.RECORDS_OFFICER,
    }
)
