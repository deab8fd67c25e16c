"""Browser tests: a real Chromium driven by Playwright's sync API against pytest-django's
live_server. They run in their own pytest process: `pytest -m browser -p no:asyncio tests/e2e`.

Playwright's sync API keeps an asyncio event loop in the test thread, so Django would refuse
ORM calls there (SynchronousOnlyOperation). DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser
tests only (a session fixture of this directory), not at import: the other test run collects
this file too, and must keep Django's async-safety checks.
"""

import os

import pytest

from tests import factories as f

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


# --- A real ASGI server (Daphne) for pages with live updates ---------------------------------------
# pytest-django's live_server speaks WSGI only (no websockets). Daphne runs here in a thread of
# the test process, so events published by a test (a simulated customer, a Celery task run by
# the test) reach the same in-memory channel layer in embedded mode, or Redis when configured.


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """The server's threads need the test database too: a file, not SQLite's in-memory one."""
    import tempfile

    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = os.path.join(tempfile.mkdtemp(prefix="cc-e2e-"), "test.sqlite3")


class _DaphneThread:
    def __init__(self):
        self.url = None
        self._server = None

    def start(self) -> str:
        if self.url:
            return self.url
        import socket
        import threading
        import time

        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server

        from contactcenter.asgi import application

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self._server = Server(
            application=application,
            endpoints=build_endpoint_description_strings(host="127.0.0.1", port=port),
            signal_handlers=False,
            verbosity=0,
        )
        threading.Thread(target=self._server.run, name="daphne", daemon=True).start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("Daphne did not start")
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self):
        if self._server is not None:
            from twisted.internet import reactor

            reactor.callFromThread(reactor.stop)


@pytest.fixture(scope="session")
def _daphne():
    server = _DaphneThread()
    yield server
    server.stop()


@pytest.fixture
def asgi_url(_daphne, transactional_db):
    return _daphne.start()


# Notes when the page's live socket opened and when its last update arrived, for page.settle():
# wait until the socket is open and no update arrived for a moment, as a person acts on a screen
# that has stopped changing (a click on a button a live update is replacing is lost).
LIVE_PROBE = """
window.__ccLive = {open: false, last: 0};
document.addEventListener("htmx:wsOpen", () => { window.__ccLive.open = true; window.__ccLive.last = Date.now(); });
document.addEventListener("htmx:wsAfterMessage", () => { window.__ccLive.last = Date.now(); });
document.addEventListener("htmx:wsClose", () => { window.__ccLive.open = false; });
"""


@pytest.fixture
def new_page(browser, asgi_url):
    """Open pages on the ASGI server; each call is a fresh context (another person)."""
    contexts = []

    def make(locale="es-ES"):
        context = browser.new_context(base_url=asgi_url, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.add_init_script(LIVE_PROBE)
        page = context.new_page()
        page.settle = lambda quiet_ms=300: page.wait_for_function(
            f"() => window.__ccLive.open && Date.now() - window.__ccLive.last > {quiet_ms}")
        problems: list[str] = []
        page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.problems = problems
        return page

    yield make
    for context in contexts:
        context.close()
    _wait_for_sockets_to_close()


def _wait_for_sockets_to_close(timeout: float = 3.0) -> None:
    """Closed pages end their sockets on the server a moment later (devices disconnected,
    monitoring sessions ended). Wait for that before the test database is emptied: a flush
    racing those writes deadlocks on PostgreSQL."""
    import time

    from contactcenter.models import Device, MonitoringSession

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not (Device.objects.filter(disconnected_at__isnull=True).exists()
                or MonitoringSession.objects.filter(ended_at__isnull=True).exists()):
            break
        time.sleep(0.05)
    time.sleep(0.1)  # the handlers' last writes commit


def log_in(page, username: str, password: str = "demo") -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click('form[action="/accounts/login/"] button[type="submit"]')
    page.wait_for_load_state()


@pytest.fixture
def celery_worker_in_process():
    """The embedded Celery worker and beat (threads of this process, in-memory broker), as
    `make run` has them: wrap-up deadlines fire for real."""
    from contactcenter.embedded import start_worker_and_beat

    start_worker_and_beat()


def acme_team() -> dict:
    """The browser tests' usual organization: Acme, its queue Ventas, Ana (agent) and Sofía
    (supervisor), both members of Ventas."""
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    sofia = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía", last_name="Ruiz")
    f.QueueMembershipFactory(queue=queue, user=ana)
    f.QueueMembershipFactory(queue=queue, user=sofia, role="supervisor")
    return {"org": org, "queue": queue, "ana": ana, "sofia": sofia}
