"""The engine against the set-based reference implementation: zero differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from openaup.engine.compiler import compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.decision import Action, FilterRequest
from openaup.engine.lists import discover
from openaup.engine.policy import parse_policy
from openaup.engine.snapshot import Snapshot

from .conftest import LISTS, PLAIN, UT1, needs_ut1
from .reference import UT1_36, Reference, request_stream


def block_all_policy(categories: list[str]) -> str:
    cats = ", ".join(f'"{c}"' for c in categories)
    return (
        '[filter]\ndefault_profile = "all"\n[profiles.all]\nminor = true\n'
        f'[[profiles.all.rules]]\nname = "all"\nstate = "block"\ncategories = [{cats}]\n'
    )


def compare(sources_root: list[Path], categories: list[str], tmp_path: Path, n: int) -> int:
    sources = [s for root in sources_root for s in discover(root) if s.category in set(categories)]
    ref = Reference(sources)
    out = tmp_path / "ref.snap"
    compile_snapshot([], parse_policy(block_all_policy(categories)), out, sources=sources)
    differences = []
    with Snapshot.open(out) as snap:
        engine = Engine(snap)
        wanted = set(categories)
        for url in request_stream(ref, n, seed=7) + EXTRA:
            expected = ref.blocked(url, wanted)
            got = engine.decide(FilterRequest(url)).action is Action.BLOCK
            found = ref.matches(url)
            names = {m[0] for m in engine.matches(url)}
            if got != expected or (found is not None and names != found[0]):
                differences.append((url, expected, got, found, names))
    assert differences == []
    return n


EXTRA = [
    "http://y.a.com/", "http://x.a.com/", "http://a.com", "http://www.example.org/bad/path/x",
    "http://example.org/bad/pathology", "http://www.example.net/x?y=1", "sexe.example:443",
    "http://[2001:db8::1]/", "http://10.1.2.3/", "http://", "::", "http://bücher.de/",
]  # fmt: skip


def test_own_lists_match_the_reference(tmp_path: Path) -> None:
    categories = ["games", "adult", "malware", "social_networks", "child", "youtube",
                  "hosts-tiktok", "audio-video"]  # fmt: skip
    compare([LISTS, PLAIN], categories, tmp_path, 3000)


@needs_ut1()
@pytest.mark.slow
def test_ut1_36_categories_match_the_reference(tmp_path: Path) -> None:
    compare([UT1], list(UT1_36), tmp_path, 20000)
