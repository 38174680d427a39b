"""One demo district for the whole package, loaded once and rolled back at the end; each test
runs in a savepoint of its own on top of it (as Django's ``setUpTestData`` does)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from openaup.access.models import AccessGrant
from openaup.access.services import grant_access
from openaup.core.context import acting_as
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import load_demo_district
from tests.permissions.matrix import Demo

DEMO_STUDENTS = 120
DEMO_SEED = 7


def give_contractor_access(demo: Demo) -> None:
    """The demo contractor: a live grant to the middle school's student directory, and an
    expired one that covered the high school with guardian contacts."""
    today = timezone.localdate()
    grant_access(
        actor=None,
        contractor=demo.person("contractor"),
        sponsor=demo.person("tech"),
        school=demo.school("ms"),
        categories=["directory"],
        purpose="Set up the middle school's library system.",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
    )
    # Made directly: the service gives no access that has already ended.
    AccessGrant.objects.create(
        contractor=demo.person("contractor"),
        sponsor=demo.person("tech"),
        school=demo.school("hs"),
        includes_directory=True,
        includes_guardian_contacts=True,
        purpose="Last term's messaging system migration.",
        starts_on=today - datetime.timedelta(days=100),
        ends_on=today - datetime.timedelta(days=1),
    )


@pytest.fixture(scope="package")
def demo_district(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    # The matrix is about roles and scope: staff sessions count as two-factor verified.
    with django_db_blocker.unblock(), override_settings(OPENAUP_REQUIRE_2FA=False):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo = Demo()
            with acting_as(actor_repr="permission matrix", channel="cli"):
                load_demo_district(actor=None, district=generate(DEMO_STUDENTS, seed=DEMO_SEED))
                give_contractor_access(demo)
            yield demo
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_district: Demo, db: None) -> Demo:
    """The demo district, inside this test's own savepoint."""
    return demo_district
