"""Customer satisfaction in real Chromium: the agent closes a web chat, the customer's page shows
the 1–5 survey at once, the customer rates with a comment (and may change it once); the agent
sees the rating in the conversation, the supervisor in the Agents report and its comments list.
The figures are relative to the moment the test runs (today's report), not to a date."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from contactcenter.models import Channel, SatisfactionRating
from tests import factories as f
from tests.e2e.conftest import log_in
from tests.e2e.test_webchat_browser import make_ready, start_chat

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"csat-e2e-{uuid.uuid4()}"}}


@pytest.fixture
def shop(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas")
    f.ChannelFactory(organization=org, queue=queue, kind=Channel.Kind.WEBCHAT, public_key="acme-web", name="Web")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=queue, user=ana)
    f.AdminFactory(organization=org, username="adela", first_name="Adela", last_name="Gómez")
    return {"org": org, "queue": queue, "ana": ana}


def test_the_customer_rates_after_the_agent_closes_and_everyone_sees_it(new_page, shop):
    make_ready(shop["ana"], shop["queue"])
    agent = new_page()
    log_in(agent, "ana")
    agent.goto("/workspace/")
    customer = new_page(locale="es-ES")
    start_chat(customer, text="¿Tenéis la talla M?")
    expect(customer.get_by_test_id("chat-status")).to_contain_text("Estás hablando con Ana López.")

    agent.get_by_test_id("assigned-list").get_by_test_id("conv-item").first.locator("a").click()
    agent.fill("[data-testid=composer-text]", "Sí, te la reservo.")
    agent.click("[data-testid=send]")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Sí, te la reservo.")
    conversation_url = agent.url
    agent.click("[data-testid=close]")

    # The close reaches the customer's page live, with the survey.
    expect(customer.get_by_test_id("chat-closed")).to_be_visible()
    form = customer.get_by_test_id("csat-form")
    expect(form).to_be_visible()
    customer.get_by_test_id("csat-submit").click()  # no score yet: told, nothing stored
    expect(customer.get_by_test_id("csat-error")).to_contain_text("Elige una puntuación del 1 al 5.")
    assert SatisfactionRating.objects.get().score is None
    customer.get_by_test_id("csat-score-3").check()
    customer.fill("[data-testid=csat-comment]", "Bien, pero tardaron")
    customer.get_by_test_id("csat-submit").click()
    expect(customer.get_by_test_id("csat-thanks")).to_be_visible()
    expect(customer.get_by_test_id("csat-given")).to_contain_text("3 de 5")
    # One change within the window: 3 → 5, then no form is left.
    customer.locator(".csat-change summary").click()
    customer.get_by_test_id("csat-score-5").check()
    customer.fill("[data-testid=csat-comment]", "¡Al final genial!")
    customer.get_by_test_id("csat-submit").click()
    expect(customer.get_by_test_id("csat-given")).to_contain_text("5 de 5")
    expect(customer.get_by_test_id("csat-form")).to_have_count(0)
    rating = SatisfactionRating.objects.get()
    assert (rating.score, rating.comment, rating.changed_at is not None) == (5, "¡Al final genial!", True)

    agent.goto(conversation_url)
    expect(agent.get_by_test_id("conversation-rating")).to_contain_text("5/5")
    expect(agent.get_by_test_id("conversation-rating")).to_contain_text("¡Al final genial!")

    boss = new_page()
    log_in(boss, "adela")
    boss.goto("/supervision/reports/agents/?range=today")
    header = [cell.strip() for cell in boss.get_by_test_id("report-table").locator("thead th").all_inner_texts()]
    row = boss.get_by_test_id("report-table").locator("tbody tr").filter(has_text="Ana López")
    cells = [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
    assert len(cells) == len(header)
    # CSAT, rating response rate and average rating, side by side: one survey, answered 5.
    csat_column = header.index("CSAT")
    assert cells[csat_column:csat_column + 3] == ["100,0 %", "100,0 %", "5,0"]
    expect(boss.get_by_test_id("csat-comments")).to_contain_text("¡Al final genial!")
    boss.goto("/supervision/")
    expect(boss.locator(f"#queue-{shop['queue'].pk} [data-testid=queue-csat]")).to_have_text(re.compile(r"100\s?%"))
    for page in (agent, boss):
        assert page.problems == []
    # The customer's only console line is the refused empty rating (422, shown in the form).
    assert [problem for problem in customer.problems if "422" not in problem] == []
