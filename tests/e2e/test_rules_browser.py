"""A status rule in real Chromium: the supervisor asks (on their notification preferences page) to
hear of changes made by rules; after her second chat a rule pauses the agent; the supervisor's
panel shows the toast naming the rule and lists it under "Rules fired", and the agent's desk says
which rule paused her and until when."""

import pytest
from playwright.sync_api import expect

from contactcenter.models import RuleFiring
from contactcenter.services import agents, conversations, queues, rule_engine
from tests import factories as f
from tests.e2e.conftest import acme_team, log_in

pytestmark = pytest.mark.browser

RULE = "Descanso tras 2 chats"


@pytest.fixture
def team(transactional_db):
    people = acme_team()
    org, queue = people["org"], people["queue"]
    descanso = f.PauseReasonFactory(organization=org, name="Descanso", code="descanso", max_minutes=15)
    f.StatusRuleFactory(organization=org, name=RULE, trigger="conversations", threshold=2, action="pause",
                        pause_reason=descanso, duration_minutes=10, queues=[queue])
    return people


def arrive(team, name):
    contact = f.ContactFactory(organization=team["org"], name=name)
    return conversations.conversation_open(queue=team["queue"], contact=contact, text="Hola")


def test_a_rule_pauses_an_agent_and_the_supervisor_and_the_agent_see_why(new_page, team):
    ana, queue = team["ana"], team["queue"]
    supervisor_page, agent_page = new_page(), new_page()

    log_in(supervisor_page, "sofia")
    supervisor_page.goto("/supervision/")
    supervisor_page.get_by_test_id("notifications-link").click()
    supervisor_page.get_by_label("Solo cambios hechos por reglas u horarios").check()
    supervisor_page.get_by_test_id("notifications-save").click()
    expect(supervisor_page.get_by_text("Tus preferencias de avisos están guardadas.")).to_be_visible()
    supervisor_page.goto("/supervision/")
    supervisor_page.settle()

    log_in(agent_page, "ana")
    f.open_workspace(ana)
    agents.agent_sign_in(agent=ana)
    queues.queue_login(queue=queue, agent=ana)
    agents.agent_set_receive_new(agent=ana, on=True)
    agent_page.goto("/workspace/")
    expect(agent_page.get_by_test_id("agent-status")).to_have_text("Listo")
    agent_page.settle()
    arrive(team, "Carmen Ortega")
    arrive(team, "Javier Molina")
    expect(agent_page.get_by_test_id("agent-status")).to_have_text("En servicio")

    assert rule_engine.rules_check() == 1  # what Celery beat runs every few seconds

    toast = supervisor_page.get_by_test_id("toast").filter(has_text=f"Regla «{RULE}»")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text(f"Regla «{RULE}»: Ana López → Descanso")
    expect(supervisor_page.get_by_test_id("rule-firing")).to_contain_text(f"Regla «{RULE}»: Ana López → Descanso")

    expect(agent_page.get_by_test_id("agent-status")).to_have_text("Descanso")
    cause = agent_page.get_by_test_id("status-cause")
    expect(cause).to_contain_text(f"por la regla «{RULE}» hasta las")
    firing = RuleFiring.objects.get()
    assert firing.outcome == "applied" and firing.return_at is not None
    assert agent_page.problems == [] and supervisor_page.problems == []
