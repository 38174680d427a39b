"""Filters of the audit trail page: person, actor, action and dates. They only narrow a
queryset that is already scoped to the reader."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openaup.audit.models import AuditEvent

__all__ = ["AuditEventFilter"]


def _action_choices() -> list[tuple[str, str]]:
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(action, action) for action in actions]


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the district's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEventFilter(django_filters.FilterSet):
    """Narrow the trail by the person concerned (name or id), the actor (name or user name),
    the action, and a range of days (in the district's time zone)."""

    person = django_filters.CharFilter(
        method="filter_person",
        label=_("Person (name or id)"),
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    actor = django_filters.CharFilter(
        method="filter_actor",
        label=_("Who (name or user name)"),
        widget=forms.TextInput(attrs={"class": "usa-input"}),
    )
    action = django_filters.ChoiceFilter(
        choices=_action_choices,
        label=_("Action"),
        empty_label=_("Any action"),
        widget=forms.Select(attrs={"class": "usa-select"}),
    )
    date_from = django_filters.DateFilter(
        method="filter_from",
        label=_("From date"),
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}),
    )
    date_to = django_filters.DateFilter(
        method="filter_to",
        label=_("To date"),
        widget=forms.DateInput(attrs={"class": "usa-input", "type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["person", "actor", "action", "date_from", "date_to"]

    def filter_person(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if value.isdigit():
            return queryset.filter(person_id=int(value))
        condition = Q()
        for term in value.split():
            condition &= (
                Q(person__given_name__icontains=term)
                | Q(person__family_name__icontains=term)
                | Q(person__preferred_given_name__icontains=term)
                | Q(person__preferred_family_name__icontains=term)
                | Q(person__identifier__iexact=term)
            )
        return queryset.filter(condition)

    def filter_actor(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        condition = Q()
        for term in value.split():
            condition &= (
                Q(actor_repr__icontains=term)
                | Q(actor__username__iexact=term)
                | Q(actor__person__given_name__icontains=term)
                | Q(actor__person__family_name__icontains=term)
            )
        return queryset.filter(condition)

    def filter_from(
        self, queryset: QuerySet[Any], name: str, value: datetime.date
    ) -> QuerySet[Any]:
        return queryset.filter(occurred_at__gte=_start_of(value))

    def filter_to(self, queryset: QuerySet[Any], name: str, value: datetime.date) -> QuerySet[Any]:
        return queryset.filter(occurred_at__lt=_start_of(value + datetime.timedelta(days=1)))
