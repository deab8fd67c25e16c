"""What a new user saw on their first day, in real Chromium: the supervisor's "Recibir nuevo"
column and the agent's chosen status follow live; a refused page has the layout and a way back;
a new agent is told why no work comes and fixes it in place; the list previews what the customer
wrote, not the auto-reply."""

import re

import pytest
from playwright.sync_api import expect

from contactcenter.models import AgentState
from contactcenter.services import agents, conversations, messages, queues
from tests import factories as f
from tests.e2e.conftest import acme_team, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    return acme_team()


def arrive(team, text="Hola, ¿me ayudáis?"):
    contact = f.ContactFactory(organization=team["org"], name="Carmen Ortega")
    return conversations.conversation_open(queue=team["queue"], contact=contact, text=text)


def test_the_supervisor_sees_receive_new_and_do_not_disturb_of_an_agent_in_service_live(new_page, team):
    ana, queue = team["ana"], team["queue"]
    agent_page, supervisor_page = new_page(), new_page()
    log_in(agent_page, "ana")
    queues.queue_login(queue=queue, agent=ana)
    agents.agent_set_receive_new(agent=ana, on=True)
    arrive(team)
    agent_page.goto("/workspace/")
    expect(agent_page.get_by_test_id("agent-status")).to_have_text("En servicio")
    agent_page.settle()

    log_in(supervisor_page, "sofia")
    supervisor_page.goto("/supervision/")
    supervisor_page.settle()
    receive_new_cell = supervisor_page.locator(f"#agent-{ana.pk}-receive-new")
    expect(receive_new_cell).to_have_text("sí")

    agent_page.get_by_test_id("receive-new").click()
    expect(receive_new_cell).to_have_text("no", timeout=5_000)
    expect(supervisor_page.locator(f"#agent-{ana.pk}-status")).to_contain_text("al terminar: En línea")

    # Later, the agent (page reloaded) picks No molestar in the status menu.
    agent_page.goto("/workspace/")
    agent_page.settle(quiet_ms=1000)
    menu = agent_page.get_by_test_id("status-menu")
    # One control: the menu shows the status she is in, as the badge does; "al terminar" says the rest.
    expect(menu.locator("option:checked")).to_have_text("En servicio")
    menu.select_option("dnd")
    expect(menu).to_have_value("dnd")
    agent_page.get_by_role("button", name="Aplicar").click()
    expect(agent_page.get_by_test_id("agent-status")).to_have_text("En servicio")
    expect(agent_page.get_by_test_id("agent-then")).to_have_text("al terminar: No molestar")
    expect(agent_page.get_by_test_id("status-menu").locator("option:checked")).to_have_text("En servicio")
    expect(supervisor_page.locator(f"#agent-{ana.pk}-status")).to_contain_text("al terminar: No molestar",
                                                                                timeout=5_000)
    assert agent_page.problems == [] and supervisor_page.problems == []


def test_an_agent_opening_supervision_sees_a_page_with_the_layout_and_goes_back_to_work(new_page, team):
    page = new_page()
    log_in(page, "ana")
    response = page.goto("/supervision/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="No puedes abrir esta página")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Ana López")
    page.get_by_role("button", name="Abrir el espacio de trabajo").click()
    expect(page).to_have_url(re.compile(r"/workspace/$"))
    expect(page.get_by_test_id("workspace")).to_be_visible()


def test_a_new_agent_is_told_why_no_work_comes_and_fixes_it_in_place(new_page, team):
    page = new_page()
    log_in(page, "ana")
    page.goto("/workspace/")
    readiness = page.get_by_test_id("readiness")
    expect(readiness).to_contain_text("No estás recibiendo conversaciones nuevas.")
    expect(readiness).to_contain_text("No has iniciado sesión en ninguna cola.")
    page.settle()
    page.get_by_test_id("fix-queues").click()
    expect(page.get_by_test_id("blocker-not_logged_in")).to_have_count(0)
    expect(readiness).to_contain_text("Recibir nuevo está desactivado.")
    page.settle()
    page.get_by_test_id("fix-receive-new").click()
    expect(page.get_by_test_id("readiness")).to_have_count(0)
    expect(page.get_by_test_id("agent-status")).to_have_text("Listo")
    state = AgentState.objects.select_related("status").get(agent=team["ana"])
    assert (state.status.code, state.receive_new) == ("ready", True)
    assert page.problems == []


def test_the_list_shows_what_the_customer_wrote_not_the_auto_reply(new_page, team):
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    conversation = arrive(team, text="¿Enviáis a Canarias?")
    messages.message_system(conversation=conversation, text="Ahora mismo no hay agentes disponibles")
    page = new_page()
    log_in(page, "ana")
    page.goto("/workspace/?tab=unassigned")
    item = page.get_by_test_id("unassigned-list").get_by_test_id("conv-item")
    expect(item).to_contain_text("¿Enviáis a Canarias?")
    expect(item).not_to_contain_text("agentes disponibles")
