"""The import contract that keeps the filter engine free of Django covers every other part
of OpenAUP, including parts added later."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import openaup

ROOT = Path(__file__).resolve().parents[2]


def test_every_part_of_openaup_is_forbidden_to_the_engine() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (engine,) = [c for c in contracts if c["source_modules"] == ["openaup.engine"]]
    forbidden = set(engine["forbidden_modules"])
    assert {"django", "rest_framework"} <= forbidden
    parts = {
        f"openaup.{module.name}"
        for module in pkgutil.iter_modules(openaup.__path__)
        if module.name != "engine"
    }
    assert parts - forbidden == set(), "add these to the engine's import-linter contract"
    ruff = (ROOT / "src/openaup/engine/ruff.toml").read_text()
    packages = {part for part in parts if (ROOT / "src" / part.replace(".", "/")).is_dir()}
    missing = {part for part in packages if f'"{part}".msg' not in ruff}
    assert missing == set(), "add these to src/openaup/engine/ruff.toml's banned-api"
