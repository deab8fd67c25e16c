"""Calls in real Chromium: a ringing call shows Contestar/Rechazar wherever the agent is in the
workspace, live (with the attention sound and an assertive announcement), and answering opens
it; a waiting call that rang out on everyone is answered by hand from Sin asignar; a call is
labelled "Llamada"."""

import time

import pytest
from playwright.sync_api import expect

from contactcenter.models import Conversation, Device, Offer
from contactcenter.services import agents, conversations, offers, queues
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Soporte", kind="voice")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=queue, user=ana)
    return {"org": org, "queue": queue, "ana": ana}


def call(team, phone="+34600111222") -> Conversation:
    contact = f.ContactFactory(organization=team["org"], name="Rosa Delgado", phone=phone)
    return conversations.conversation_open(queue=team["queue"], contact=contact)


def test_a_ringing_call_is_answered_from_the_prompt_wherever_the_agent_is(new_page, team):
    page = new_page()
    log_in(page, "ana")
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    page.goto("/workspace/?tab=unassigned")
    page.settle()
    ringing = call(team)
    incoming = page.get_by_test_id("incoming")
    expect(incoming).to_contain_text("Llamada entrante")
    expect(incoming).to_contain_text("+34600111222")
    expect(incoming).to_have_attribute("aria-live", "assertive")
    page.settle()
    incoming.get_by_test_id("incoming-answer").click()
    expect(page.get_by_test_id("conv-contact")).to_have_text("Rosa Delgado")
    expect(page.get_by_test_id("incoming")).to_have_count(0)
    ringing.refresh_from_db()
    assert (ringing.status, ringing.assignee_id, ringing.call_state) == ("assigned", team["ana"].pk, "active")
    assert page.problems == []


def test_a_call_that_rang_out_is_answered_by_hand_from_the_unassigned_list(new_page, team):
    page = new_page()
    log_in(page, "ana")
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    page.goto("/workspace/")
    page.settle()  # her browser is connected: the call rings at her
    waiting = call(team)
    offers.offer_decline(offer_id=Offer.objects.get(conversation=waiting).pk, agent=team["ana"])
    page.goto("/workspace/?tab=unassigned")
    item = page.get_by_test_id("unassigned-list").get_by_test_id("conv-item").first
    expect(item).to_contain_text("Rosa Delgado")
    expect(item.locator(".channel")).to_have_attribute("title", "Llamada")
    page.settle()
    item.get_by_test_id("take").click()
    expect(page.get_by_test_id("conv-contact")).to_have_text("Rosa Delgado")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assignee_id) == ("assigned", team["ana"].pk)


def test_a_call_does_not_ring_at_an_agent_who_closed_the_browser(new_page, team):
    luis = f.AgentFactory(organization=team["org"], username="luis", first_name="Luis", last_name="Pérez")
    f.QueueMembershipFactory(queue=team["queue"], user=luis)
    ana_page, luis_page = new_page(), new_page()
    for page, agent in ((ana_page, team["ana"]), (luis_page, luis)):
        log_in(page, agent.username)
        queues.queue_login(queue=team["queue"], agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
        page.goto("/workspace/")
        page.settle()
    ana_page.context.close()  # Ana closes the browser, still Ready with Recibir nuevo on
    deadline = time.monotonic() + 10
    while Device.objects.filter(user=team["ana"], disconnected_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the closed browser's device stayed connected"
        luis_page.wait_for_timeout(100)
    ringing = call(team)
    expect(luis_page.get_by_test_id("incoming")).to_contain_text("+34600111222")
    assert Offer.objects.get(conversation=ringing).agent_id == luis.pk
