from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.filtering.factories import FilterProfileFactory
from tests.personas import World


@pytest.fixture(autouse=True)
def monitor_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test's own Parquet store and decision-log folder."""
    settings.OPENAUP_MONITOR_DIR = tmp_path / "monitoring"
    settings.DATA_DIR = tmp_path
    return tmp_path / "monitoring"


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """The engine's decision-log folder (``decision_log_dir()`` under the test's data dir)."""
    return tmp_path / "filter-log"


@pytest.fixture
def people(world: World) -> World:
    """Ava (school A) and Dee (school B) with proxy user names, and school B's network
    10.20.0.0/16 given the high profile."""
    from openaup.filtering.models import ProfileAssignment

    world.student_a1.username = "ava.a"
    world.student_a1.save()
    world.student_b1.username = "dee.b"
    world.student_b1.save()
    ProfileAssignment.objects.create(
        kind="network",
        profile=FilterProfileFactory(name="high"),
        school=world.school_b,
        network="10.20.0.0/16",
    )
    return world
