"""The demo filter settings on top of the personas' world, with a lists folder holding a
few categories, for the profile and publishing tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from openaup.filtering import paths
from openaup.filtering.models import PolicyRevision

LISTS = {
    "games": ["games.example", "play.example"],
    "adult": ["adult.example"],
    "social_networks": ["social.example"],
    "audio-video": ["video.example"],
}


def write_lists(folder: Path, lists: dict[str, list[str]] | None = None) -> None:
    for category, hosts in (lists or LISTS).items():
        target = folder / "starter" / category
        target.mkdir(parents=True, exist_ok=True)
        (target / "domains").write_text("\n".join(hosts) + "\n", encoding="utf-8")


@pytest.fixture
def filter_dir(tmp_path: Path) -> Any:
    """A filter folder of this test only, with the starter lists."""
    old = settings.OPENAUP_FILTER_DIR
    settings.OPENAUP_FILTER_DIR = tmp_path / "filter"
    write_lists(paths.lists_dir())
    yield settings.OPENAUP_FILTER_DIR
    settings.OPENAUP_FILTER_DIR = old


@pytest.fixture
def demo_filter(world: Any, filter_dir: Path) -> PolicyRevision:
    """The demo district's filter settings, published (revision 1, live)."""
    from openaup.filtering.demo import load_demo_filter

    revision = load_demo_filter()
    assert revision is not None
    revision.refresh_from_db()
    assert revision.status == "live", revision.error
    return revision
