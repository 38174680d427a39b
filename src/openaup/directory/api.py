"""The directory's REST API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from openaup.core.api import ScopedReadOnlyViewSet
from openaup.directory.filters import StudentFilter
from openaup.directory.models import Person, School


class SchoolSerializer(serializers.ModelSerializer[School]):
    class Meta:
        model = School
        fields = ["id", "sourced_id", "name", "identifier", "low_grade", "high_grade"]


class StudentSerializer(serializers.ModelSerializer[Person]):
    school: serializers.SlugRelatedField[School] = serializers.SlugRelatedField(
        slug_field="sourced_id", read_only=True
    )
    school_name = serializers.CharField(source="school.name", read_only=True, default="")

    class Meta:
        model = Person
        fields = [
            "id",
            "sourced_id",
            "given_name",
            "family_name",
            "preferred_given_name",
            "grade",
            "school",
            "school_name",
            "email",
            "status",
        ]


class SchoolViewSet(ScopedReadOnlyViewSet):
    """Schools of the district."""

    queryset = School.objects.all()
    serializer_class = SchoolSerializer


class StudentViewSet(ScopedReadOnlyViewSet):
    """Students the caller may see, filterable by school and grade."""

    queryset = Person.objects.students()
    serializer_class = StudentSerializer
    filterset_class = StudentFilter

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("school").order_by("family_name", "id")
