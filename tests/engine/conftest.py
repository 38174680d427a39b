"""Fixtures for the filter engine: our own small lists compiled with the test policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openaup.engine.compiler import CompileReport, compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.policy import load_policy
from openaup.engine.snapshot import Snapshot

DATA = Path(__file__).parent / "data"
LISTS = DATA / "lists"
PLAIN = DATA / "plain"
POLICY = DATA / "policy.toml"
UT1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "ut1"


def needs_ut1() -> pytest.MarkDecorator:
    """Skip (saying why) when the shared UT1 lists are not beside the project."""
    return pytest.mark.skipif(
        not (UT1 / "blacklists").is_dir(),
        reason=f"needs the UT1 lists in {UT1} (../shared/data/ut1; present in CI)",
    )


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CompileReport]:
    out = tmp_path_factory.mktemp("snapshot") / "filter.snap"
    report = compile_snapshot([LISTS, PLAIN], load_policy(POLICY), out)
    return out, report


@pytest.fixture
def snapshot(compiled: tuple[Path, CompileReport]) -> Iterator[Snapshot]:
    snap = Snapshot.open(compiled[0])
    yield snap
    snap.close()


@pytest.fixture
def engine(snapshot: Snapshot) -> Engine:
    return Engine(snapshot)
