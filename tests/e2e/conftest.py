"""Browser tests: a real Chromium driven by Playwright's sync API against pytest-django's
live_server. They run in their own pytest process: `pytest -m browser -p no:asyncio tests/e2e`.

Playwright's sync API keeps an asyncio event loop in the test thread, so Django would refuse
ORM calls there (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser
tests only (a session fixture of this directory), not at import: the other test run collects
this file too, and must keep Django's async-safety checks.
"""

import os

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session", autouse=True)
def _allow_the_orm_next_to_playwrights_loop():
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if previous is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = previous


class _Browsers:
    """One Playwright and one Chromium for the whole session, started on first use."""

    def __init__(self):
        self._playwright = None
        self._browser = None

    def get(self, executable_path: str):
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=executable_path, headless=True, args=CHROMIUM_ARGS
            )
        return self._browser

    def close(self):
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture(scope="session")
def _browsers():
    browsers = _Browsers()
    yield browsers
    browsers.close()


@pytest.fixture
def browser(chromium_path, _browsers):
    return _browsers.get(chromium_path)


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser context (no cookies) on the live server. Console errors and CSP
    violations are collected in `page.problems`."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    problems: list[str] = []
    new_page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    new_page.on("pageerror", lambda exc: problems.append(str(exc)))
    new_page.problems = problems
    yield new_page
    context.close()
