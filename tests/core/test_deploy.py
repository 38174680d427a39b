"""Production hardening: `aup check --deploy` is clean, and every page carries the security
headers (Content Security Policy, HSTS over HTTPS)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

PRODUCTION = {
    "OPENAUP_HTTPS": "true",
    "OPENAUP_BEHIND_PROXY": "true",
    "OPENAUP_ALLOWED_HOSTS": "aup.district.example",
    "OPENAUP_CSRF_TRUSTED_ORIGINS": "https://aup.district.example",
}


def _check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENAUP_DATA_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        **PRODUCTION,
        **extra,
    }
    for name in ("OPENAUP_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "openaup.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_https_is_off(tmp_path: Path) -> None:
    result = _check(tmp_path, OPENAUP_HTTPS="false")
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_https_deployments_send_hsts_and_redirect_plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code == 200
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
