"""Factories of the filter's profile rows; other areas keep theirs in their own modules."""

from __future__ import annotations

import datetime

import factory

from openaup.filtering import models


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"category{n}")


class FilterProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FilterProfile
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"profile{n}")
    title = factory.LazyAttribute(lambda o: o.name.title())


class ProfileRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProfileRule

    profile = factory.SubFactory(FilterProfileFactory)
    name = factory.Sequence(lambda n: f"rule{n}")
    state = "block"


class FilterScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FilterSchedule

    name = "school_hours"
    days = ["mon", "tue", "wed", "thu", "fri"]
    start = datetime.time(7, 0)
    end = datetime.time(16, 0)
