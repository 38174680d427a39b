from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


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
