"""`aup serve` runs the app under gunicorn and serves the static files itself."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

AUP = [sys.executable, "-m", "openaup.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode("utf-8", "replace")
            return response.status, dict(response.headers), body
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), ""


def test_serve_answers_pages_and_static_files(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPENAUP_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "openaup.settings",
    }
    for step in (["collectstatic", "--noinput", "-v0"], ["migrate", "-v0"]):
        subprocess.run([*AUP, *step], env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen(
        [*AUP, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("aup serve did not start")
                time.sleep(0.2)
        assert (status, body) == (200, '{"status": "ok"}')
        assert headers["Server"].startswith("gunicorn")

        status, headers, page = _get(f"{base}/accounts/login/")
        assert status == 200
        assert "Sign in" in page
        stylesheet = re.search(r'href="(/static/vendor/uswds/css/uswds\.min\.\w+\.css)"', page)
        assert stylesheet, "the page links the hashed USWDS stylesheet"
        status, headers, css = _get(base + stylesheet.group(1))
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert "max-age" in headers.get("Cache-Control", "")
        assert ".usa-button" in css
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_to_start_without_collected_static_files(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPENAUP_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [*AUP, "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "aup collectstatic" in result.stderr
