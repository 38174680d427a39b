"""Filters shared by the directory's pages and its API.

They only narrow a queryset that is already scoped to the user; they never widen it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from openaup.directory.choices import ClassType, Grade, PersonKind, PersonStatus
from openaup.directory.models import Enrollment, Person, School, Section

__all__ = ["PersonFilter", "SectionFilter", "StudentFilter"]


def _schools(request: HttpRequest | None) -> QuerySet[School]:
    user = getattr(request, "user", None)
    return School.objects.visible_to(user).order_by("name")


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "usa-select"})


class PersonFilter(django_filters.FilterSet):
    """Search by name, email or student number; narrow by school, grade, role, status and
    (from a teacher's home page) section."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Name, email or number"),
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    school = django_filters.ModelChoiceFilter(
        queryset=_schools, label=_("School"), empty_label=_("Any school"), widget=_select()
    )
    grade = django_filters.ChoiceFilter(
        choices=Grade.choices, label=_("Grade"), empty_label=_("Any grade"), widget=_select()
    )
    kind = django_filters.ChoiceFilter(
        choices=PersonKind.choices, label=_("Role"), empty_label=_("Any role"), widget=_select()
    )
    status = django_filters.ChoiceFilter(
        choices=PersonStatus.choices,
        label=_("Status"),
        empty_label=_("Any status"),
        widget=_select(),
    )
    section = django_filters.NumberFilter(
        method="in_section", label=_("Section"), widget=forms.HiddenInput
    )

    class Meta:
        model = Person
        fields = ["q", "school", "grade", "kind", "status", "section"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for term in value.split():
            condition &= (
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(preferred_given_name__icontains=term)
                | Q(preferred_family_name__icontains=term)
                | Q(email__icontains=term)
                | Q(identifier__iexact=term)
                | Q(username__iexact=term)
            )
        return queryset.filter(condition)

    @extend_schema_field(OpenApiTypes.INT)
    def in_section(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        members = Enrollment.objects.filter(section_id=value, is_active=True)
        return queryset.filter(pk__in=members.values("person_id"))


class StudentFilter(django_filters.FilterSet):
    """The API's student filters: school (id), grade code and status."""

    school = django_filters.ModelChoiceFilter(queryset=_schools)
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    status = django_filters.ChoiceFilter(choices=PersonStatus.choices)

    class Meta:
        model = Person
        fields = ["school", "grade", "status"]


class SectionFilter(django_filters.FilterSet):
    """The API's section filters: school (id) and class type."""

    school = django_filters.ModelChoiceFilter(queryset=_schools)
    class_type = django_filters.ChoiceFilter(choices=ClassType.choices)

    class Meta:
        model = Section
        fields = ["school", "class_type"]
