"""factory_boy factories for the directory."""

from __future__ import annotations

import datetime

import factory

from openaup.directory import models
from openaup.directory.choices import ClassType, Grade, PersonKind, Relationship, SessionType


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.District
        django_get_or_create = ("sourced_id",)

    sourced_id = "district-1"
    name = "Maple Valley Public Schools"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.School

    sourced_id = factory.Sequence(lambda n: f"school-{n}")
    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    low_grade = Grade.KG
    high_grade = Grade.G05


class AcademicSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AcademicSession

    sourced_id = factory.Sequence(lambda n: f"session-{n}")
    title = "2026-27"
    session_type = SessionType.SCHOOL_YEAR
    start_date = datetime.date(2026, 8, 24)
    end_date = datetime.date(2027, 6, 18)
    school_year = 2027


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    sourced_id = factory.Sequence(lambda n: f"person-{n}")
    kind = PersonKind.STUDENT
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")


class StudentFactory(PersonFactory):
    kind = PersonKind.STUDENT
    school = factory.SubFactory(SchoolFactory)
    grade = Grade.G03


class StaffFactory(PersonFactory):
    kind = PersonKind.STAFF
    school = factory.SubFactory(SchoolFactory)
    email = factory.Sequence(lambda n: f"staff{n}@maplevalley.example")


class GuardianFactory(PersonFactory):
    kind = PersonKind.GUARDIAN
    email = factory.Sequence(lambda n: f"guardian{n}@example.net")


class PersonRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PersonRole

    person = factory.SubFactory(StaffFactory)
    role = "teacher"
    school = factory.SelfAttribute("person.school")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Section

    sourced_id = factory.Sequence(lambda n: f"section-{n}")
    title = factory.Sequence(lambda n: f"Section {n}")
    class_type = ClassType.SCHEDULED
    school = factory.SubFactory(SchoolFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Enrollment

    sourced_id = factory.Sequence(lambda n: f"enrollment-{n}")
    section = factory.SubFactory(SectionFactory)
    person = factory.SubFactory(StudentFactory)
    role = "student"


class GuardianLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.GuardianLink

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory)
    relationship = Relationship.PARENT
    contact_email = factory.SelfAttribute("guardian.email")
