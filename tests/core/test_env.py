"""Settings from environment variables: good values read, bad values named."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from openaup.core.env import EnvError, env_bool, env_int, env_list, env_secret_key


def test_booleans_ints_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    assert env_bool("X_UNSET", True) is True


@pytest.mark.parametrize(
    ("name", "value", "call", "message"),
    [
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False), "X_BOOL='maybe'"),
        ("X_INT", "ten", lambda: env_int("X_INT", 1), "X_INT='ten': expected a whole"),
        ("X_INT", "0", lambda: env_int("X_INT", 1, minimum=1), "must be at least 1"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, call: object, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(EnvError, match=message):
        call()  # type: ignore[operator]


def test_secret_key_is_generated_once_and_kept_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env_secret_key("SECRET_KEY", tmp_path)
    assert len(first) >= 50
    assert env_secret_key("SECRET_KEY", tmp_path) == first
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert env_secret_key("SECRET_KEY", tmp_path) == "from-the-environment"


def test_a_bad_setting_stops_start_up_with_its_name(tmp_path: Path) -> None:
    env = {**os.environ, "OPENAUP_DATA_DIR": str(tmp_path), "OPENAUP_DEBUG": "perhaps"}
    result = subprocess.run(
        [sys.executable, "-m", "openaup.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "OPENAUP_DEBUG='perhaps'" in result.stderr


def test_default_database_is_sqlite_in_wal_mode_under_the_data_dir(tmp_path: Path) -> None:
    env = {**os.environ, "OPENAUP_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(connection.settings_dict['NAME'], c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "openaup.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    name, mode = result.stdout.split()
    assert Path(name) == tmp_path / "openaup.sqlite3"
    assert mode == "wal"
    assert (tmp_path / "secret_key").exists()
