"""The demo's starter lists: made by us, clean, covering the default policy's categories;
installed as a list source before the demo filter is published; ``aup demo --lists DIR``
copies UT1-layout lists instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from openaup.engine.lists import discover, read_list
from openaup.engine.policy import DEFAULT_POLICY, parse_policy
from openaup.filtering.models import ListSource
from openaup.filtering.services.lists import DEMO_LISTS_DIR, install_demo_lists
from tests.filtering import lists_support

filter_dir = lists_support.filter_dir

SHARED_UT1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "ut1" / "blacklists"


def test_the_starter_lists_are_clean_and_cover_the_default_categories() -> None:
    found = discover(DEMO_LISTS_DIR)
    total = 0
    for source in found:
        content = read_list(source)
        assert content.bad == 0, (source.name, content.bad_examples)
        assert len(content.entries) == len(set(content.entries)), source.name
        head = source.path.read_text().splitlines()[:6]
        assert head[0] == f"# OpenAUP demo starter list: {source.category}"
        assert any("NOT a filter to rely on" in line for line in head), source.name
        total += len(content.entries)
    assert total >= 2400
    categories = {s.category for s in found}
    wanted = parse_policy(DEFAULT_POLICY, origin="default").categories()
    # Every category the default policy blocks for students has a starter list, but the
    # French exam lists, the residential proxies and the strict redirectors of UT1.
    assert wanted - categories <= {
        "arjel",
        "examen_pix",
        "mixed_adult",
        "residential-proxies",
        "strict_redirector",
        "strong_redirector",
        "tricheur_pix",
    }
    assert {"youtube.com", "roblox.com", "pornhub.com", "bet365.com", "tiktok.com"} <= {
        e for s in found for e in read_list(s).entries
    }


@pytest.mark.django_db
def test_install_demo_lists_copies_the_starter_set(filter_dir: Path) -> None:
    outcome = install_demo_lists()

    assert outcome.ok
    assert outcome.changed
    source = ListSource.objects.get(name="starter")
    assert (source.kind, source.update_hours, source.status) == ("plain", 0, "ok")
    assert source.entries >= 2400
    assert (filter_dir / "lists/starter/games.txt").read_text() == (
        DEMO_LISTS_DIR / "games.txt"
    ).read_text()


@pytest.mark.django_db
def test_demo_lists_from_a_ut1_folder_are_copied(filter_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ut1" / "blacklists"
    (folder / "games").mkdir(parents=True)
    (folder / "games/domains").write_text("game.example\n")
    (folder / "games/usage").write_text("black\n")

    outcome = install_demo_lists(lists_from=folder.parent)

    assert outcome.ok
    live = filter_dir / "lists/ut1/blacklists/games/domains"
    assert live.read_text() == "game.example\n"
    assert not live.is_symlink()
    with pytest.raises(ValidationError, match="is not a folder"):
        install_demo_lists(lists_from=tmp_path / "missing")


@pytest.mark.django_db
def test_aup_demo_lists_refuses_a_missing_folder_before_loading(
    filter_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="is not a folder of UT1-layout lists"):
        call_command("demo", "--lists", str(tmp_path / "missing"))


@pytest.mark.django_db
@pytest.mark.skipif(not SHARED_UT1.is_dir(), reason="needs ../shared/data/ut1 (CI data)")
def test_the_shared_ut1_lists_load(filter_dir: Path, tmp_path: Path) -> None:
    # A few categories of the real UT1 lists (the whole folder takes longer to read).
    folder = tmp_path / "blacklists"
    for name in ("games", "gambling", "social_networks", "child"):
        shutil.copytree(SHARED_UT1 / name, folder / name)

    outcome = install_demo_lists(lists_from=folder)

    assert outcome.ok
    assert ListSource.objects.get(name="ut1").entries > 1000
