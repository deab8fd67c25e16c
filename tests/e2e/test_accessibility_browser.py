"""Every page a person reaches passes axe-core (WCAG 2.2 AA rules) with no serious or critical
violation, in Spanish and in English.

The pages are found the way a person finds them: from each role's start page, following the
same-origin links of the pages reached (GET links only; exports, the admin and logout aside), on
the demo organization of `seed_demo`, so new pages are audited without listing them here.
"""

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text()
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`);
}"""
# Followed from the start pages; a link out of these prefixes, or into the skipped ones, is not.
PREFIXES = ("/workspace/", "/supervision/", "/config/", "/permissions/", "/start/")
SKIPPED = ("/accounts/logout", "/admin/", "/media/", "/i18n/")
SKIPPED_QUERY = ("format=csv", "export", "page=")
PAGES_PER_ROLE = 45
# Each role from its start page; a page an earlier role audited is not audited again.
ROLES = {"agent1": "/workspace/", "supervisor1": "/supervision/", "admin": "/config/"}


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True  # seed_demo refuses to make 'demo' passwords otherwise
    with time_machine.travel("2027-03-10 10:00:00+00:00", tick=True):
        call_command("seed_demo", stdout=io.StringIO())
        yield


def followable(href: str, origin: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path
    if not path.startswith(PREFIXES) or path.startswith(SKIPPED) or path.endswith(".csv"):
        return None
    if any(word in parts.query for word in SKIPPED_QUERY):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def audit(page, start: str, limit: int, seen: set[str]) -> tuple[list[str], list[str]]:
    """Breadth first from `start`: each distinct page (path and query) a person can click to and
    that no earlier role audited is loaded once and audited. Returns (pages, violations)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    queue, visited, found = [start], [], []
    seen.add(start)
    while queue and len(visited) < limit:
        url = queue.pop(0)
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url)
        page.evaluate(AXE)  # through the DevTools protocol: the page's CSP (no inline script) does not apply
        found += [f"{url}: {v}" for v in page.evaluate(RUN_AXE)]
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = followable(href, origin)
            if link and link not in seen:
                seen.add(link)
                queue.append(link)
    return visited, found


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_page_each_role_reaches_has_no_serious_accessibility_violation(new_page, asgi_url, demo, settings,
                                                                           language):
    seen: set[str] = set()
    pages, found = [], []
    for username, start in ROLES.items():
        page = new_page(locale="es-ES" if language == "es" else "en-US")
        page.set_default_timeout(20_000)
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_url}])
        log_in(page, username)
        visited, violations = audit(page, start, PAGES_PER_ROLE, seen)
        assert visited, f"{username} reached no page from {start}"
        pages += visited
        found += violations
        page.context.close()
    assert len(pages) >= 30, pages
    assert not found, f"{len(found)} serious/critical violations on {len(pages)} pages:\n" + "\n".join(found)
