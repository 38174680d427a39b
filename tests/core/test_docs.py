"""The operator docs stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_is_documented() -> None:
    pattern = re.compile(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"')
    read = {
        name
        for source in (ROOT / "src/openaup").rglob("*.py")
        for name in pattern.findall(source.read_text())
    }
    assert "DATABASE_URL" in read
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs/deploy.md").read_text()))
    assert read - documented == set(), "document these in docs/deploy.md"
