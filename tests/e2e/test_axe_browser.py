"""An accessibility audit with axe-core (WCAG 2.2 AA rules) of the main pages, in Spanish and in
English: no serious or critical violation. axe-core is a test asset (tests/e2e/assets), injected
into each page; the context bypasses the page's CSP for that one script."""

from pathlib import Path

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.test_phone_width_browser import admin_urls, agent_urls, demo_floor, supervisor_urls

pytestmark = [pytest.mark.browser, pytest.mark.layout]

AXE = Path(__file__).parent / "assets" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


def audit(page, urls: list[str]) -> list[str]:
    found = []
    for url in urls:
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        found += [f"{url}: {violation}" for violation in page.evaluate(RUN_AXE)]
    return found


@pytest.fixture
def demo(transactional_db):
    return demo_floor()


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_main_pages_have_no_serious_or_critical_accessibility_violation(browser, live_server, demo, language):
    context = browser.new_context(base_url=live_server.url, locale=language, bypass_csp=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        found = audit(page, ["/accounts/login/"])
        log_in(page, "agent1")
        found += audit(page, agent_urls(demo))
        page.context.clear_cookies()
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        log_in(page, "supervisor1")
        found += audit(page, supervisor_urls(demo))
        page.context.clear_cookies()
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        log_in(page, "admin")
        found += audit(page, admin_urls(demo))
    finally:
        context.close()
    assert found == [], "Serious or critical accessibility violations:\n" + "\n".join(found)
