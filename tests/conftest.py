import os
import shutil
import time
import uuid
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from contactcenter import cluster, events
from contactcenter.models import Role, User
from tests import factories as f

ON_CI = bool(os.environ.get("CI"))


def _need(condition: bool, reason: str):
    """Skip with a clear reason locally; on CI a missing service is a failure, not a skip."""
    if condition:
        return
    if ON_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def needs_postgres():
    _need(settings.IS_POSTGRES, "needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def needs_redis():
    _need(bool(settings.REDIS_URL), "needs Redis: set REDIS_URL=redis://...")


@pytest.fixture
def still_clock():
    """The clock stands still for the test: a test that counts hits up to a rate limit must not
    see the limit's window turn over halfway (the count would start afresh and the last hit pass)."""
    with time_machine.travel(time.time(), tick=False):
        yield


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    _need(bool(path), "needs Chromium: apt-get install -y chromium")
    return path


@pytest.fixture
def needs_nginx():
    _need(cluster.nginx_binary() is not None, cluster.INSTALL_NGINX)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Personas:
    organization: object
    queue: object
    other_queue: object
    agent: User
    colleague: User
    supervisor: User
    admin: User
    outsider: User  # an admin of another organization
    outsider_queue: object


@pytest.fixture
def personas(db) -> Personas:
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas")
    other_queue = f.QueueFactory(organization=org, name="Soporte", kind="voice")
    agent = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    colleague = f.AgentFactory(organization=org, username="luis", first_name="Luis", last_name="Pérez")
    supervisor = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía", last_name="Ruiz")
    admin = f.AdminFactory(organization=org, username="adela", first_name="Adela", last_name="Gómez")
    for user in (agent, colleague):
        f.QueueMembershipFactory(queue=queue, user=user)
    f.QueueMembershipFactory(queue=queue, user=supervisor, role="supervisor")
    other_org = f.OrganizationFactory(name="Rival", slug="rival")
    outsider = f.AdminFactory(organization=other_org, username="oscar", role=Role.ADMIN)
    outsider_queue = f.QueueFactory(organization=other_org, name="Ventas")
    return Personas(org, queue, other_queue, agent, colleague, supervisor, admin, outsider, outsider_queue)


@pytest.fixture
def captured_events():
    """The events published (after commit) while the test runs, in order."""
    seen: list[events.Event] = []
    events.listeners.append(seen.append)
    yield seen
    events.listeners.remove(seen.append)


def pytest_sessionfinish(session, exitstatus):
    """On CI every service is present: a skipped test means something is missing. Fail."""
    if not ON_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; on CI nothing may skip.", red=True)
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    """CI runs the suite twice: embedded (SQLite, no Redis) and distributed. In the embedded
    run, tests that need PostgreSQL or Redis are deselected (the distributed run has them),
    so that on CI nothing is ever skipped. Locally they skip with their reason instead. The
    `layout` tests run in the embedded run only."""
    if not ON_CI:
        return
    if settings.IS_POSTGRES:
        # What a page looks like (accessibility audit, phone widths) does not depend on the database
        # or the channel layer: CI checks it once, in the embedded run.
        layout = [item for item in items if item.get_closest_marker("layout")]
        if layout:
            config.hook.pytest_deselected(items=layout)
            items[:] = [item for item in items if not item.get_closest_marker("layout")]
    missing = set()
    if not settings.IS_POSTGRES:
        missing.add("needs_postgres")
    if not settings.REDIS_URL:
        missing.add("needs_redis")
    if not missing:
        return
    keep, drop = [], []
    for item in items:
        needs = set(getattr(item, "fixturenames", ())) | {m.name for m in item.iter_markers()}
        needs = {"needs_postgres" if n == "postgres" else "needs_redis" if n == "redis" else n for n in needs}
        (drop if needs & missing else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Rate-limit counters live in Django's cache: each test counts in a cache of its own, never
    in the Redis that the parallel test workers share (clearing that one broke the others)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{uuid.uuid4()}"}}


@pytest.fixture(autouse=True)
def _default_language():
    """A request of an earlier test leaves its language active in the test's thread (the locale
    middleware activates it, nothing deactivates it): every test starts in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()
