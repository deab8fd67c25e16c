"""Every page a person can reach fits a phone (390 × 844): no page scrolls sideways. Wide
tables scroll inside their own container instead. The demo organization (seed_demo) gives the
pages realistic content: queues of every kind, agents, history for the reports."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

from contactcenter.models import Conversation, Queue, Schedule, StatusRule, User
from contactcenter.services import agents, queues
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.layout]

PHONE = {"width": 390, "height": 844}
# The page's width against the window's, and the widest element that sticks out (for the report).
MEASURE = """() => {
  const width = document.documentElement.scrollWidth, inner = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  // The outermost elements that stick out: their parent fits.
  const culprits = [];
  if (width > inner) {
    for (const el of document.querySelectorAll("body *")) {
      const parent = el.parentElement;
      if (el.getBoundingClientRect().right > inner + 0.5 && parent.getBoundingClientRect().right <= inner + 0.5) {
        const text = (el.textContent || "").trim().slice(0, 25);
        culprits.push(`${name(parent)} > ${name(el)} [${text} ${Math.round(el.getBoundingClientRect().right)}]`);
      }
    }
  }
  const culprit = culprits.slice(0, 3).join(", ");
  return {width, inner, culprit};
}"""


def demo_floor() -> dict:
    """The demo organization, with Ana (agent1) ready and working one of its waiting chats."""
    call_command("seed_demo", force=True, stdout=io.StringIO())
    agent1 = User.objects.get(username="agent1")
    ventas = Queue.objects.get(name="Ventas")
    f.open_workspace(agent1)
    agents.agent_sign_in(agent=agent1)
    queues.queue_login(queue=ventas, agent=agent1)
    agents.agent_set_receive_new(agent=agent1, on=True)  # routing gives Ana a waiting chat
    return {"agent1": agent1, "ventas": ventas,
            "conversation": Conversation.objects.filter(assignee=agent1, status="assigned").first()}


@pytest.fixture
def demo(transactional_db):
    return demo_floor()


def overflowing(page, urls: list[str]) -> list[str]:
    failures = []
    for url in urls:
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            failures.append(f"{url}: {exc.message.splitlines()[0]}")
            continue
        if response is None or response.status >= 400:
            failures.append(f"{url}: HTTP {response.status if response else '?'}")
            continue
        size = page.evaluate(MEASURE)
        if size["width"] > size["inner"]:
            failures.append(f"{url}: {size['width']} px wide on {size['inner']} px (widest: {size['culprit']})")
    return failures


def agent_urls(demo) -> list[str]:
    return ["/workspace/", "/workspace/?tab=unassigned", f"/workspace/conversations/{demo['conversation'].pk}/",
            "/workspace/canned/"]


def supervisor_urls(demo) -> list[str]:
    ventas, soporte = demo["ventas"], Queue.objects.get(name="Soporte")
    agent1 = demo["agent1"]
    return [
        "/supervision/", "/supervision/?state=ready&sort=name", f"/supervision/queues/{ventas.pk}/",
        f"/supervision/queues/{soporte.pk}/", f"/supervision/agents/{agent1.pk}/",
        f"/supervision/agents/{agent1.pk}/monitor/", "/supervision/wallboard/",
        "/supervision/notifications/", "/supervision/audit/",
        "/supervision/reports/", "/supervision/reports/queues/", "/supervision/reports/channels/",
        "/supervision/reports/agents/", "/supervision/reports/status/", "/supervision/reports/dispositions/",
        "/supervision/reports/conversations/", f"/supervision/reports/agents/{agent1.pk}/day/",
    ]


def admin_urls(demo) -> list[str]:
    from permissions.config.views.sections import SECTIONS

    admin = User.objects.get(username="admin")
    urls = ["/config/", "/permissions/", "/config/campaigns/", "/config/schedules/", "/config/rules/"]
    for key, section in SECTIONS.items():
        urls.append(f"/config/{key}/")
        first = section.queryset(admin).first()
        if first is not None:
            urls.append(f"/config/{key}/{first.pk}/")
    schedule = Schedule.objects.filter(organization=admin.organization).first()
    if schedule is not None:
        urls.append(f"/config/schedules/{schedule.pk}/")
    rule = StatusRule.objects.filter(organization=admin.organization).first()
    if rule is not None:
        urls.append(f"/config/rules/{rule.pk}/")
    campaign = Queue.objects.filter(organization=admin.organization, kind="campaign").first()
    urls.append(f"/config/campaigns/{campaign.pk}/")
    return urls


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, locale="es-ES", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        failures = overflowing(page, ["/accounts/login/"])
        log_in(page, "agent1")
        failures += overflowing(page, agent_urls(demo))
        page.context.clear_cookies()
        log_in(page, "supervisor1")
        failures += overflowing(page, supervisor_urls(demo))
        page.context.clear_cookies()
        log_in(page, "admin")
        failures += overflowing(page, admin_urls(demo))
    finally:
        context.close()
    assert failures == [], "Pages wider than a phone:\n" + "\n".join(failures)
