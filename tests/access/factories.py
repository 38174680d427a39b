from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from openaup.access.models import AccessGrant
from tests.directory.factories import PersonFactory, StaffFactory


class AccessGrantFactory(factory.django.DjangoModelFactory):
    """A live grant to one school's student directory (made directly, not through the
    service, so tests can also make grants that have already ended)."""

    class Meta:
        model = AccessGrant

    contractor = factory.SubFactory(PersonFactory, kind="contractor")
    sponsor = factory.SubFactory(StaffFactory)
    school = None
    includes_directory = True
    includes_guardian_contacts = False
    purpose = "Library system set-up."
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
