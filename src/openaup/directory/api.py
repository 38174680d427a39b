"""The directory's REST API: schools, people, students and sections, read-only.

Every viewset derives from :class:`~openaup.core.api.ScopedReadOnlyViewSet`, so each list and
record is narrowed to what the caller may see; nested guardian links and teachers go through
the same ``visible_to`` scoping.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from openaup.audit import services as audit
from openaup.core.api import ScopedReadOnlyViewSet
from openaup.directory.choices import Grade, PersonKind
from openaup.directory.filters import PersonFilter, SectionFilter, StudentFilter
from openaup.directory.models import (
    Enrollment,
    GuardianLink,
    Person,
    PersonRole,
    School,
    Section,
)

__all__ = ["PersonViewSet", "SchoolViewSet", "SectionViewSet", "StudentViewSet"]

TEACHING_ROLES = ("teacher", "aide")


class GradeField(serializers.ChoiceField):
    """A CEDS grade code (``KG``, ``01``..``13``, ...); blank where no grade applies."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(choices=Grade.choices, allow_blank=True, **kwargs)


class GradeFieldExtension(OpenApiSerializerFieldExtension):
    """Describe every grade field with one shared ``Grade`` schema component."""

    target_class = GradeField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        component = ResolvedComponent(
            name="Grade",
            type=ResolvedComponent.SCHEMA,
            object="Grade",
            schema={
                "type": "string",
                "enum": ["", *Grade.values],
                "description": "CEDS grade code; empty where no grade applies.\n\n"
                + "\n".join(f"* `{value}` - {label}" for value, label in Grade.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class SchoolSerializer(serializers.ModelSerializer[School]):
    low_grade = GradeField()
    high_grade = GradeField()
    grade_range = serializers.CharField(read_only=True)
    principal_name = serializers.CharField(
        source="principal.display_name", read_only=True, default=""
    )

    class Meta:
        model = School
        fields = [
            "id",
            "sourced_id",
            "name",
            "identifier",
            "low_grade",
            "high_grade",
            "grade_range",
            "principal_name",
        ]
        read_only_fields = fields


class PersonRoleSerializer(serializers.ModelSerializer[PersonRole]):
    class Meta:
        model = PersonRole
        fields = ["role", "school", "is_primary", "is_active", "begin_date", "end_date"]
        read_only_fields = fields


class StudentSerializer(serializers.ModelSerializer[Person]):
    display_name = serializers.CharField(read_only=True)
    grade = GradeField()
    school_name = serializers.CharField(source="school.name", read_only=True, default="")
    is_adult = serializers.BooleanField(
        read_only=True, help_text="18 or older: the student holds their own FERPA rights."
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "sourced_id",
            "identifier",
            "display_name",
            "given_name",
            "family_name",
            "preferred_given_name",
            "grade",
            "school",
            "school_name",
            "email",
            "status",
            "departed_on",
            "is_adult",
        ]
        read_only_fields = fields


class PersonSerializer(StudentSerializer):
    roles = PersonRoleSerializer(many=True, read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [
            "id",
            "sourced_id",
            "kind",
            "identifier",
            "display_name",
            "given_name",
            "family_name",
            "preferred_given_name",
            "preferred_family_name",
            "title",
            "grade",
            "school",
            "school_name",
            "email",
            "status",
            "departed_on",
            "is_adult",
            "roles",
        ]
        read_only_fields = fields


class GuardianLinkSerializer(serializers.ModelSerializer[GuardianLink]):
    student_name = serializers.CharField(source="student.display_name", read_only=True)
    guardian_name = serializers.CharField(source="guardian.display_name", read_only=True)

    class Meta:
        model = GuardianLink
        fields = [
            "student",
            "student_name",
            "guardian",
            "guardian_name",
            "relationship",
            "has_educational_rights",
            "contact_email",
            "contact_phone",
            "preferred_language",
        ]
        read_only_fields = fields


class PersonDetailSerializer(PersonSerializer):
    guardians = GuardianLinkSerializer(
        many=True,
        read_only=True,
        source="visible_guardian_links",
        help_text="A student's guardians, as far as the caller may see them.",
    )
    children = GuardianLinkSerializer(
        many=True,
        read_only=True,
        source="visible_child_links",
        help_text="A guardian's children, as far as the caller may see them.",
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "guardians", "children"]
        read_only_fields = fields


class TeacherSerializer(serializers.ModelSerializer[Enrollment]):
    id = serializers.IntegerField(source="person_id", read_only=True)
    display_name = serializers.CharField(source="person.display_name", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "display_name", "role"]
        read_only_fields = fields


class SectionSerializer(serializers.ModelSerializer[Section]):
    school_name = serializers.CharField(source="school.name", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True, default="")
    grades = serializers.ListField(child=serializers.CharField(), read_only=True)
    subjects = serializers.ListField(child=serializers.CharField(), read_only=True)
    periods = serializers.ListField(child=serializers.CharField(), read_only=True)
    teachers = TeacherSerializer(many=True, read_only=True, source="teacher_enrollments")

    class Meta:
        model = Section
        fields = [
            "id",
            "sourced_id",
            "title",
            "class_code",
            "class_type",
            "school",
            "school_name",
            "course_title",
            "grades",
            "subjects",
            "periods",
            "location",
            "teachers",
        ]
        read_only_fields = fields


class SchoolViewSet(ScopedReadOnlyViewSet):
    """Schools of the district, with their grade range and principal."""

    queryset = School.objects.all()
    serializer_class = SchoolSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("principal").order_by("name")


class RecordsStudentViews:
    """Puts every API read of one student's record in their record of access."""

    action: str
    request: Any

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        if self.action == "retrieve" and obj.kind == PersonKind.STUDENT:
            audit.record_student_view(actor=self.request.user, student=obj)
        return obj


class StudentViewSet(RecordsStudentViews, ScopedReadOnlyViewSet):
    """Students the caller may see, filterable by school (id), grade and status."""

    queryset = Person.objects.students()
    serializer_class = StudentSerializer
    filterset_class = StudentFilter

    def get_queryset(self) -> QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .select_related("school")
            .order_by("family_name", "given_name", "id")
        )


class PersonViewSet(RecordsStudentViews, ScopedReadOnlyViewSet):
    """Everyone the caller may see: students, staff, guardians and contractors.

    ``q`` searches names, email, student number and user name; ``school``, ``grade``,
    ``kind``, ``status`` and ``section`` narrow the list. One person's record adds their
    guardians (for a student) or children (for a guardian), as far as the caller may see them.
    """

    queryset = Person.objects.all()
    filterset_class = PersonFilter

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return PersonDetailSerializer
        return PersonSerializer

    def get_queryset(self) -> QuerySet[Any]:
        queryset = (
            super()
            .get_queryset()
            .select_related("school")
            .prefetch_related("roles")
            .order_by("family_name", "given_name", "id")
        )
        if self.action == "retrieve":
            links = GuardianLink.objects.visible_to(self.request.user).filter(is_active=True)
            links = links.select_related("student", "guardian")
            queryset = queryset.prefetch_related(
                Prefetch("guardian_links", queryset=links, to_attr="visible_guardian_links"),
                Prefetch("child_links", queryset=links, to_attr="visible_child_links"),
            )
        return queryset


class SectionViewSet(ScopedReadOnlyViewSet):
    """Class sections the caller may see, with their teachers; filterable by school (id) and
    class type."""

    queryset = Section.objects.all()
    serializer_class = SectionSerializer
    filterset_class = SectionFilter

    def get_queryset(self) -> QuerySet[Any]:
        teachers = (
            Enrollment.objects.visible_to(self.request.user)
            .filter(role__in=TEACHING_ROLES, is_active=True)
            .select_related("person")
            .order_by("-is_primary", "person__family_name", "id")
        )
        return (
            super()
            .get_queryset()
            .select_related("school", "course")
            .prefetch_related(
                Prefetch("enrollments", queryset=teachers, to_attr="teacher_enrollments")
            )
            .order_by("school__name", "title", "id")
        )
