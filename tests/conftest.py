"""Shared test set-up: plain static storage (no collectstatic needed) and the personas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.conf import settings

pytest_plugins = ["tests.personas"]


def pytest_configure(config: pytest.Config) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Personas sign in with force_login; tests of two-factor sign-in switch it back on
    # (tests/accounts/two_factor.py).
    settings.OPENAUP_REQUIRE_2FA = False
    # Find static files on request instead of scanning the collected folder for every test
    # client.
    settings.WHITENOISE_AUTOREFRESH = True
    # The filter's files (policy, snapshot, lists) of this test process, not the data dir's.
    settings.OPENAUP_FILTER_DIR = Path(tempfile.mkdtemp(prefix="openaup-filter-tests-"))
