"""factory_boy factories for cases."""

from __future__ import annotations

import factory
from django.utils import timezone

from openaup.cases import models
from tests.accounts.factories import UserFactory


class PhishingReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PhishingReport

    reported_by = factory.SubFactory(UserFactory)
    arrived_by = "email"
    sender = "IT Help Desk <helpdesk@maplevalley-support.example>"
    received_at = factory.LazyFunction(timezone.now)
    subject = "Your mailbox is full"
