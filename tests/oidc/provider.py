"""Start ``provider.mjs`` (panva's oidc-provider under Node.js) on loopback, and walk its
sign-in like a browser would.

Without Node.js or the npm package (``npm ci``, as ``make static`` runs it) the tests that
need the provider are skipped, unless ``OPENAUP_REQUIRE_BROWSER=1`` (as in CI): then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID = "openaup-test"
CLIENT_SECRET = "a-test-client-secret-that-is-long-enough"
REDIRECT_URI = "http://testserver/oidc/callback/"


def unavailable_reason() -> str:
    """Why the provider cannot run here, or an empty string."""
    if shutil.which("node") is None:
        return "the single sign-on tests need Node.js (apt-get install nodejs)"
    if not PACKAGE.exists():
        return "the single sign-on tests need the oidc-provider npm package (make static)"
    return ""


def require_provider() -> None:
    reason = unavailable_reason()
    if not reason:
        return
    if os.environ.get("OPENAUP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (OPENAUP_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class LoopbackProvider:
    """A running provider: its issuer URL (``http://127.0.0.1:<port>``)."""

    issuer: str

    def url(self, path: str) -> str:
        return f"{self.issuer}{path}"


@contextmanager
def running_provider(
    accounts: Sequence[Mapping[str, Any]], *, redirect_uri: str = REDIRECT_URI
) -> Iterator[LoopbackProvider]:
    """Run one provider with ``accounts`` (``sub``, ``email``, optional ``email_verified``
    and ``amr``) until the block ends."""
    env = {
        **os.environ,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": redirect_uri,
        "OIDC_TEST_ACCOUNTS": json.dumps(list(accounts)),
        "NODE_PATH": str(ROOT / "node_modules"),
    }
    process = subprocess.Popen(
        ["node", str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"provider.mjs did not start (said {line!r})")
        provider = LoopbackProvider(issuer=line.removeprefix("READY "))
        deadline = time.monotonic() + 10
        while True:
            try:
                discovery = requests.get(
                    provider.url("/.well-known/openid-configuration"), timeout=2
                )
                if discovery.ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("provider.mjs did not answer its discovery document")
            time.sleep(0.05)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in_at_provider(authorization_url: str, email: str) -> str:
    """Follow the provider's redirects from ``authorization_url``, submit its sign-in form
    with ``email``, and return the URL it finally sends the browser back to (the callback
    with ``code`` and ``state``)."""
    browser = requests.Session()
    url = authorization_url
    submitted = False
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            location = urljoin(url, response.headers["Location"])
            if urlsplit(location).netloc == "testserver":
                return location
            url = location
            continue
        assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
        assert not submitted, f"the provider refused the sign-in: {response.text}"
        action = urljoin(url, f"{urlsplit(url).path}/login")
        form = browser.post(action, data={"email": email}, allow_redirects=False, timeout=10)
        assert form.is_redirect, f"the provider did not accept {email}: {form.text}"
        url = urljoin(action, form.headers["Location"])
        submitted = True
    raise AssertionError("the provider never sent the browser back")
