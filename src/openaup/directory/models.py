"""The district directory.

Rows that come from the Student Information System carry their OneRoster ``sourcedId``; the
import is idempotent by it. People are never deleted: a person who leaves is marked departed
on a date, which later starts device returns and access removal.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from openaup.core.models import TimeStampedModel
from openaup.directory.choices import (
    GRADE_ORDER,
    ClassType,
    EnrollmentRole,
    Grade,
    PersonKind,
    PersonStatus,
    RecordSource,
    Relationship,
    RoleType,
    SessionType,
)
from openaup.directory.querysets import (
    PEOPLE_ARE_NEVER_DELETED,
    EnrollmentQuerySet,
    GuardianLinkQuerySet,
    PersonQuerySet,
    SchoolQuerySet,
    SectionQuerySet,
)

__all__ = [
    "AcademicSession",
    "Course",
    "District",
    "Enrollment",
    "GuardianLink",
    "ImportRun",
    "Person",
    "PersonRole",
    "School",
    "Section",
]

ADULT_AGE = 18


class SourcedModel(TimeStampedModel):
    """A row that may come from a OneRoster export."""

    sourced_id = models.CharField(max_length=255, unique=True)
    source = models.CharField(
        max_length=16, choices=RecordSource.choices, default=RecordSource.ONEROSTER
    )
    source_modified = models.DateTimeField(
        null=True, blank=True, help_text="dateLastModified in the last import that changed it."
    )

    class Meta:
        abstract = True


class District(SourcedModel):
    """The school district (the OneRoster org of type ``district``)."""

    name = models.CharField(max_length=200)
    identifier = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(SourcedModel):
    """A school of the district, with its grade range and principal."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    identifier = models.CharField(max_length=64, blank=True)
    low_grade = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    high_grade = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    principal = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schools_led",
    )
    is_active = models.BooleanField(default=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_range(self) -> str:
        if not self.low_grade:
            return ""
        low = "K" if self.low_grade == Grade.KG else self.low_grade.lstrip("0")
        high = "K" if self.high_grade == Grade.KG else self.high_grade.lstrip("0")
        return low if low == high else f"{low}-{high}"

    def serves_grade(self, grade: str) -> bool:
        if not (self.low_grade and self.high_grade and grade in GRADE_ORDER):
            return False
        return GRADE_ORDER[self.low_grade] <= GRADE_ORDER[grade] <= GRADE_ORDER[self.high_grade]


class AcademicSession(SourcedModel):
    """A school year, semester, term or grading period."""

    title = models.CharField(max_length=200)
    session_type = models.CharField(max_length=16, choices=SessionType.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    school_year = models.PositiveSmallIntegerField(
        help_text="The calendar year in which the school year ends (OneRoster schoolYear)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-school_year", "start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Person(SourcedModel):
    """A student, staff member, parent/guardian or contractor.

    Students without an email address are normal. A student 18 or older is an adult with
    their own FERPA rights (:attr:`is_adult`).
    """

    kind = models.CharField(max_length=16, choices=PersonKind.choices)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    preferred_given_name = models.CharField(max_length=100, blank=True)
    preferred_middle_name = models.CharField(max_length=100, blank=True)
    preferred_family_name = models.CharField(max_length=100, blank=True)
    username = models.CharField(max_length=150, blank=True)
    identifier = models.CharField(
        max_length=64, blank=True, help_text="The district's own number (student number)."
    )
    user_master_identifier = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    sms = models.CharField(max_length=32, blank=True)
    grade = models.CharField(max_length=8, choices=Grade.choices, blank=True)
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="A student's school; a staff member's primary school.",
    )
    title = models.CharField(max_length=100, blank=True, help_text="A staff member's job title.")
    birth_date = models.DateField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    status = models.CharField(
        max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    departed_on = models.DateField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["kind", "status"], name="person_kind_status"),
            models.Index(fields=["school", "grade"], name="person_school_grade"),
            models.Index(fields=["family_name", "given_name"], name="person_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=PersonStatus.ACTIVE, departed_on__isnull=True)
                | models.Q(status=PersonStatus.DEPARTED, departed_on__isnull=False),
                name="person_departed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(PEOPLE_ARE_NEVER_DELETED)

    @property
    def display_name(self) -> str:
        given = self.preferred_given_name or self.given_name
        family = self.preferred_family_name or self.family_name
        return f"{given} {family}".strip()

    @property
    def sort_name(self) -> str:
        return f"{self.family_name}, {self.preferred_given_name or self.given_name}"

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def is_adult(self) -> bool:
        """18 or older today (an adult student holds their own FERPA rights)."""
        age = self.age_on(timezone.localdate())
        return age is not None and age >= ADULT_AGE


class PersonRole(TimeStampedModel):
    """A role a person holds at a school or, with no school, at the district (a OneRoster 1.1
    ``role``/``orgSourcedIds`` pair, or a 1.2 ``roles.csv`` row)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=32, choices=RoleType.choices)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="person_roles"
    )
    is_primary = models.BooleanField(default=True)
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    sourced_id = models.CharField(
        max_length=255, blank=True, help_text="roles.csv sourcedId (OneRoster 1.2 only)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["person", "-is_primary", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "school"],
                condition=models.Q(school__isnull=False),
                name="unique_person_school_role",
            ),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=models.Q(school__isnull=True),
                name="unique_person_district_role",
            ),
        ]
        indexes = [models.Index(fields=["school", "role"], name="personrole_school_role")]

    def __str__(self) -> str:
        where = self.school.name if self.school else "district"
        return f"{self.person}: {self.get_role_display()} at {where}"


class Course(SourcedModel):
    """A course (the catalogue entry that sections are classes of)."""

    title = models.CharField(max_length=200)
    course_code = models.CharField(max_length=64, blank=True)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="courses"
    )
    school_year = models.ForeignKey(
        AcademicSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="courses"
    )
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Section(SourcedModel):
    """A class section (OneRoster ``class``): a homeroom or a scheduled class, with its
    teachers and enrolled students (see :class:`Enrollment`)."""

    title = models.CharField(max_length=200)
    class_code = models.CharField(max_length=64, blank=True)
    class_type = models.CharField(max_length=16, choices=ClassType.choices)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="sections"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="sections")
    terms = models.ManyToManyField(AcademicSession, blank=True, related_name="sections")
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    location = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["school", "title"]
        indexes = [models.Index(fields=["school", "class_type"], name="section_school_type")]

    def __str__(self) -> str:
        return self.title


class Enrollment(SourcedModel):
    """A person in a section, as a student or as a teacher (or aide, administrator,
    proctor)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=16, choices=EnrollmentRole.choices)
    is_primary = models.BooleanField(default=False)
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["section", "role", "person"]
        indexes = [
            models.Index(fields=["person", "role", "is_active"], name="enrollment_person_role"),
            models.Index(fields=["section", "role", "is_active"], name="enrollment_section_role"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.section} ({self.role})"


class GuardianLink(TimeStampedModel):
    """A parent/guardian of a student.

    Only links with educational rights let the guardian sign for the child, see the child's
    records or receive notices. OneRoster has no such flag: imports set it on new links, and
    a district that clears it (``rights_set_locally``) keeps it cleared across imports.
    """

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="child_links")
    relationship = models.CharField(max_length=16, choices=Relationship.choices)
    has_educational_rights = models.BooleanField(default=True)
    rights_set_locally = models.BooleanField(
        default=False,
        help_text="The district set educational rights by hand; imports leave them alone.",
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    preferred_language = models.CharField(max_length=16, default="en")
    source = models.CharField(
        max_length=16, choices=RecordSource.choices, default=RecordSource.ONEROSTER
    )
    is_active = models.BooleanField(default=True)

    objects = GuardianLinkQuerySet.as_manager()

    class Meta:
        ordering = ["student", "guardian"]
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="unique_guardian_link"),
            models.CheckConstraint(
                condition=~models.Q(student=models.F("guardian")),
                name="guardian_link_not_self",
            ),
        ]
        indexes = [models.Index(fields=["guardian", "is_active"], name="guardianlink_guardian")]

    def __str__(self) -> str:
        return f"{self.guardian} ({self.relationship}) of {self.student}"


class ImportRun(TimeStampedModel):
    """One roster import: previewed (dry run) or applied, with what it added, changed and
    marked departed. An uploaded file waits here between preview and apply."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"
        DISCARDED = "discarded", "Discarded"

    actor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_repr = models.CharField(max_length=300, blank=True)
    source_name = models.CharField(max_length=300)
    upload = models.CharField(max_length=500, blank=True, help_text="Path under the data dir.")
    oneroster_version = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.source_name} ({self.status})"
