"""One demo district for the whole package, loaded once and rolled back at the end; each test
runs in a savepoint of its own on top of it (as Django's ``setUpTestData`` does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from openaup.core.context import acting_as
from openaup.directory.demo.generator import generate
from openaup.directory.demo.services import load_demo_district
from tests.permissions.matrix import Demo

DEMO_STUDENTS = 120
DEMO_SEED = 7


@pytest.fixture(scope="package")
def demo_district(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[Demo]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with acting_as(actor_repr="permission matrix", channel="cli"):
                load_demo_district(actor=None, district=generate(DEMO_STUDENTS, seed=DEMO_SEED))
            yield Demo()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_district: Demo, db: None) -> Demo:
    """The demo district, inside this test's own savepoint."""
    return demo_district
