"""The ``[[overrides]]`` tables the policy writer puts in the engine's policy."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from openaup.filtering.models import Override, ProfileAssignment
from openaup.filtering.services.requests import override_tables
from tests.directory.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def _override(**fields: Any) -> Override:
    values: dict[str, Any] = {
        "action": "allow",
        "host": "games.example",
        "starts_at": NOW - HOUR,
        "ends_at": NOW + HOUR,
    }
    values.update(fields)
    return Override.objects.create(**values)


@pytest.fixture
def named(world: Any) -> Any:
    for person, name in ((world.student_a1, "Ava.S"), (world.student_a2, "ben.s")):
        person.username = name
        person.save()
    world.student_b1.username = "dee.s"
    world.student_b1.save()
    return world


def test_a_section_override_names_its_students_in_lower_case(named: Any) -> None:
    dropped = StudentFactory(school=named.school_a, username="gone.s")
    EnrollmentFactory(section=named.section_a, person=dropped, role="student", is_active=False)
    override = _override(scope="section", section=named.section_a)
    assert override_tables(NOW) == [
        {
            "id": f"ov-{override.pk}",
            "state": "allow",
            "hosts": ["games.example"],
            "users": ["ava.s", "ben.s"],
            "starts": override.starts_at,
            "ends": override.ends_at,
        }
    ]


def test_a_school_override_names_its_students_and_networks(named: Any) -> None:
    from openaup.filtering.models import FilterProfile

    profile = FilterProfile.objects.create(name="elementary")
    ProfileAssignment.objects.create(
        kind="network", profile=profile, school=named.school_a, network="10.20.0.0/16"
    )
    ProfileAssignment.objects.create(kind="network", profile=profile, network="192.0.2.0/24")
    _override(scope="school", school=named.school_a, action="block", host="video.example/live")
    (table,) = override_tables(NOW)
    assert table["state"] == "block"
    assert table["urls"] == ["video.example/live"]
    assert "hosts" not in table
    assert table["users"] == ["ava.s", "ben.s"]
    assert table["networks"] == ["10.20.0.0/16"]


def test_district_and_person_overrides(named: Any) -> None:
    _override(scope="district")
    _override(scope="district", profiles=["middle"], host="maps.example")
    _override(scope="person", person=named.student_b1, host="docs.example")
    tables = {t["hosts"][0]: t for t in override_tables(NOW)}
    assert tables["games.example"]["profiles"] == ["*"]
    assert tables["maps.example"]["profiles"] == ["middle"]
    assert tables["docs.example"]["users"] == ["dee.s"]


def test_ended_and_revoked_are_left_out_future_ones_kept(named: Any) -> None:
    _override(scope="district", host="ended.example", starts_at=NOW - 2 * HOUR, ends_at=NOW)
    _override(scope="district", host="revoked.example", revoked_at=NOW - HOUR)
    future = _override(
        scope="district", host="later.example", starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR
    )
    _override(scope="section", section=named.section_a, host="live.example")
    hosts = [t["hosts"][0] for t in override_tables(NOW)]
    assert hosts == ["live.example", "later.example"]
    assert override_tables(NOW)[1]["starts"] == future.starts_at


def test_an_override_that_reaches_nobody_is_left_out(named: Any) -> None:
    from tests.directory.factories import SectionFactory

    empty = SectionFactory(school=named.school_a)
    _override(scope="section", section=empty)
    assert override_tables(NOW) == []


def test_the_database_refuses_an_end_before_the_start(named: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _override(scope="district", starts_at=NOW, ends_at=NOW - HOUR)


def test_republishing_keeps_the_live_text_and_swaps_the_overrides(
    named: Any, tech_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    from openaup.engine.policy import DEFAULT_POLICY, parse_policy
    from openaup.filtering.models import FilterProfile, PolicyRevision
    from openaup.filtering.services.requests import create_override, with_overrides

    live = PolicyRevision.objects.create(
        number=1,
        toml=with_overrides(DEFAULT_POLICY, NOW),
        sha256="x",
        status="live",
        published_at=timezone.now(),
    )
    # A draft nobody has published must not go live with a teacher's override.
    FilterProfile.objects.create(name="draft-profile")
    with django_capture_on_commit_callbacks(execute=True):
        override = create_override(
            actor=tech_staff,
            action="allow",
            host="maps.example",
            scope="section",
            section=named.section_a,
            duration="lesson",
        )
    revision = PolicyRevision.objects.exclude(pk=live.pk).get()
    assert revision.toml.startswith(DEFAULT_POLICY.rstrip())
    assert "draft-profile" not in revision.toml
    policy = parse_policy(revision.toml, origin="republished")
    (parsed,) = policy.overrides
    assert parsed.id == f"ov-{override.pk}"
    assert parsed.users == {"ava.s", "ben.s"}
    assert parsed.ends == override.ends_at
    # Published again after the override ends: the table is gone.
    assert "\n[[overrides]]\n" not in with_overrides(revision.toml, override.ends_at)
