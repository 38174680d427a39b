"""Where the filter's files live, under ``OPENAUP_FILTER_DIR`` (``<data dir>/filter``).

- ``policy.toml``: the published policy, as the engine reads it (``docs/filter-policy.md``);
- ``filter.snap``: the compiled snapshot the Squid helpers read (renamed in when a
  publication has compiled);
- ``lists/``: the category lists, one folder per list source, ``lists/local/`` for the
  lists edited in the app;
- ``block.key``: the key that signs block-page links (helpers and the web app share it);
- ``rpz/``: Response Policy Zones written for DNS resolvers.

The engine's decision log stays in ``$OPENAUP_DATA_DIR/filter-log`` (the engine's default).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

__all__ = [
    "block_key_path",
    "decision_log_dir",
    "filter_dir",
    "lists_dir",
    "policy_path",
    "rpz_dir",
    "snapshot_path",
]


def filter_dir() -> Path:
    return Path(settings.OPENAUP_FILTER_DIR)


def policy_path() -> Path:
    return filter_dir() / "policy.toml"


def snapshot_path() -> Path:
    return filter_dir() / "filter.snap"


def lists_dir() -> Path:
    return filter_dir() / "lists"


def block_key_path() -> Path:
    return filter_dir() / "block.key"


def rpz_dir() -> Path:
    return filter_dir() / "rpz"


def decision_log_dir() -> Path:
    return Path(settings.DATA_DIR) / "filter-log"
