"""Filters shared by the directory's pages and its API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from openaup.directory.choices import Grade, PersonKind, PersonStatus
from openaup.directory.models import Person, School


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, email or number")
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all())
    grade = django_filters.ChoiceFilter(choices=Grade.choices)
    kind = django_filters.ChoiceFilter(choices=PersonKind.choices, label="Role")
    status = django_filters.ChoiceFilter(choices=PersonStatus.choices)

    class Meta:
        model = Person
        fields = ["q", "school", "grade", "kind", "status"]

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for term in value.split():
            condition &= (
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(preferred_given_name__icontains=term)
                | Q(email__icontains=term)
                | Q(identifier__iexact=term)
                | Q(username__iexact=term)
            )
        return queryset.filter(condition)


class StudentFilter(django_filters.FilterSet):
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all())
    grade = django_filters.ChoiceFilter(choices=Grade.choices)

    class Meta:
        model = Person
        fields = ["school", "grade"]
