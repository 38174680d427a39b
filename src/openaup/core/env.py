"""Typed readers for environment variables.

Every setting OpenAUP reads from the environment goes through one of these helpers, so a bad
value fails at start-up with a message that names the variable, instead of deep inside a
request.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = [
    "EnvError",
    "env_bool",
    "env_int",
    "env_list",
    "env_path",
    "env_secret_key",
    "env_str",
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    """An environment variable holds a value that cannot be used."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EnvError(f"{name}={raw!r}: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise EnvError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default).expanduser().resolve()


def env_secret_key(name: str, data_dir: Path) -> str:
    """Return the secret key from the environment, or from ``data_dir/secret_key``.

    When neither exists, a new random key is generated and kept in the data dir (mode 0600),
    so sessions and signed links survive a restart without anyone having to invent a key.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    key_file = data_dir / "secret_key"
    if key_file.exists():
        stored = key_file.read_text(encoding="ascii").strip()
        if stored:
            return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # O_EXCL: when two processes start at once, the first key written wins for both.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
