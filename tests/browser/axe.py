"""axe-core on the page a test is looking at, once that page has finished loading.

A click on a link starts a navigation that Playwright does not wait for; running axe while
the old document is torn down fails with an error about the page, not its accessibility. So
the check waits for the page to load and, if a navigation still replaces the document under
it, runs once more on the new one.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error

_TORN_DOWN = ("documentElement", "Execution context was destroyed", "navigation")


def assert_accessible(page: Any, what: str) -> None:
    page.wait_for_load_state("load")
    try:
        results = Axe().run(page)
    except Error as error:
        if not any(sign in str(error) for sign in _TORN_DOWN):
            raise
        page.wait_for_load_state("load")
        results = Axe().run(page)
    assert results.violations_count == 0, f"{what} ({page.url}):\n{results.generate_report()}"
