"""A browser for tests outside tests/e2e, with a Playwright of its own in a thread of its own.

The e2e tests' ``browser`` fixture lives in tests/e2e/conftest.py and holds a session-wide
Playwright on the main thread; a second sync Playwright on that thread fails ("Sync API inside
the asyncio loop"). So these tests run their browser steps in a worker thread:
``in_own_browser(steps)`` calls ``steps(browser)`` there and re-raises anything it raised.
Like the e2e tests, it skips without Chromium unless OKR_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    _browser_missing,
    _stop,
    start_server,
)


@pytest.fixture
def app_servers(tmp_path) -> Iterator[Callable[[str], Server]]:
    """start(database_url) -> a fresh `streamlit run app.py`; all are stopped afterwards."""
    started: list[Server] = []

    def start(database_url: str) -> Server:
        started.append(start_server(database_url, tmp_path))
        return started[-1]

    yield start
    for server in started:
        _stop(server.process)


def in_own_browser(steps: Callable) -> None:
    if not CHROMIUM.exists():
        _browser_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (requirements-dev.txt)")

    def work() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                steps(browser)
            finally:
                browser.close()

    with ThreadPoolExecutor(1, thread_name_prefix="browser") as pool:
        pool.submit(work).result()
