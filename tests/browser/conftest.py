"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium`` driven by
Playwright (never a downloaded browser), against pytest-django's live server.

Without Chromium the browser tests are skipped, unless ``OPENAUP_REQUIRE_BROWSER=1`` (as in
CI), where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("OPENAUP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (OPENAUP_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright package (pip install -e '.[test]')")
    # Playwright's sync API runs an event loop in this thread; the tests' own database calls
    # (fixtures, assertions) are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A fresh browser tab on the live server; fails the test if the page loaded anything
    from another host (no CDN, ever) or broke the Content Security Policy (no inline
    scripts or styles)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    own_host = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def watch(request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != own_host:
            elsewhere.append(request.url)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    refused: list[str] = []
    tab.on("request", watch)
    tab.on("console", console)
    yield tab
    context.close()
    assert not elsewhere, f"pages loaded from other hosts: {elsewhere}"
    assert not refused, f"the Content Security Policy refused: {refused}"
