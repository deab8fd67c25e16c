"""Live updates in real browsers: two people, two contexts, no reloads."""

import pytest
from playwright.sync_api import expect

from contactcenter.services import agents, conversations, messages, organizations, queues
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas")
    agent = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    supervisor = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía")
    f.QueueMembershipFactory(queue=queue, user=agent)
    f.QueueMembershipFactory(queue=queue, user=supervisor, role="supervisor")
    pause = f.PauseReasonFactory(organization=org, name="Descanso", code="descanso")
    return {"org": org, "queue": queue, "agent": agent, "supervisor": supervisor, "pause": pause}


def test_supervisor_sees_an_agents_new_status_and_a_restarted_timer_without_reload(new_page, team):
    agent_page, supervisor_page = new_page(), new_page()
    log_in(agent_page, "ana")
    log_in(supervisor_page, "sofia")
    supervisor_page.goto("/supervision/")
    row = supervisor_page.locator(f"#agent-{team['agent'].pk}")
    expect(row.get_by_test_id("agent-status")).to_have_class("status status-online")
    supervisor_page.wait_for_timeout(2500)  # let the timer run past 00:00
    expect(row.get_by_test_id("agent-timer")).not_to_have_text("00:00")

    agent_page.select_option("[data-testid=status-menu]", f"pause:{team['pause'].pk}")
    agent_page.click(".status-menu button[type=submit]")
    expect(agent_page.get_by_test_id("agent-status")).to_have_text("Descanso")

    expect(row.get_by_test_id("agent-status")).to_have_text("Descanso")
    timer = row.get_by_test_id("agent-timer").inner_text()
    assert timer in ("00:00", "00:01", "00:02"), timer
    assert supervisor_page.problems == [] and agent_page.problems == []


def test_a_customer_message_appears_in_the_agents_open_conversation_without_reload(new_page, team):
    agent = team["agent"]
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=team["queue"], agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)
    conv = conversations.conversation_open(
        queue=team["queue"], contact=f.ContactFactory(organization=team["org"], name="Carmen"), text="Hola")
    conv.refresh_from_db()
    assert conv.assignee_id == agent.pk
    page = new_page()
    log_in(page, "ana")
    page.goto(f"/workspace/conversations/{conv.pk}/")
    expect(page.get_by_test_id("messages")).to_contain_text("Hola")
    page.settle()
    messages.message_receive(conversation=conv, text="¿Hay alguien?")
    expect(page.get_by_test_id("messages")).to_contain_text("¿Hay alguien?")
    assert page.problems == []


def test_a_deactivated_agents_open_workspace_goes_to_the_login_page_by_itself(new_page, team):
    page = new_page()
    log_in(page, "ana")
    page.goto("/workspace/")
    expect(page.get_by_test_id("workspace")).to_be_visible()
    page.settle()
    admin = f.AdminFactory(organization=team["org"])
    organizations.user_deactivate(user=team["agent"], by=admin)
    page.wait_for_url("**/accounts/login/**", timeout=10_000)
    expect(page.locator("#id_username")).to_be_visible()
