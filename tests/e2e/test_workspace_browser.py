"""What an agent does in the workspace, in real Chromium: receive, reply, attach, close,
wrap up, take from Sin asignar, and a consult transfer between two agents."""

import pytest
from playwright.sync_api import expect

from contactcenter.models import Conversation
from contactcenter.services import agents, conversations, queues
from tests import factories as f
from tests.contactcenter import fixtures_files as files
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas", after_service_seconds=2, after_service_enforced=True)
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    luis = f.AgentFactory(organization=org, username="luis", first_name="Luis", last_name="Pérez")
    supervisor = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía")
    for user in (ana, luis):
        f.QueueMembershipFactory(queue=queue, user=user)
    f.QueueMembershipFactory(queue=queue, user=supervisor, role="supervisor")
    return {"org": org, "queue": queue, "ana": ana, "luis": luis, "supervisor": supervisor}


def arrive(team, name="Carmen Ortega", text="Hola, ¿me ayudáis?") -> Conversation:
    contact = f.ContactFactory(organization=team["org"], name=name)
    return conversations.conversation_open(queue=team["queue"], contact=contact, text=text)


def go_ready(page, team):
    """Log in to Ventas and switch Recibir nuevo on, as an agent does."""
    page.goto("/workspace/")
    page.settle()
    page.click(".queue-logins summary")
    page.click(f"[data-testid=queue-toggle-{team['queue'].pk}]")
    # Wait for the page to show the login before the next click, as a person would.
    expect(page.locator(f'form[action="/workspace/queues/{team['queue'].pk}/logout/"]')).to_have_count(1)
    expect(page.get_by_test_id("receive-new")).to_be_visible()
    page.click("[data-testid=receive-new]")
    expect(page.get_by_test_id("receive-new")).to_have_attribute("aria-checked", "true")
    page.settle()


def test_a_new_conversation_appears_under_assigned_to_me_with_a_green_dot(new_page, team):
    page = new_page()
    log_in(page, "ana")
    go_ready(page, team)
    expect(page.get_by_test_id("agent-status")).to_have_class("status status-ready")
    arrive(team)
    item = page.get_by_test_id("assigned-list").get_by_test_id("conv-item").first
    expect(item).to_contain_text("Carmen Ortega")
    expect(item.get_by_test_id("unread-dot")).to_be_visible()
    expect(page.get_by_test_id("agent-status")).to_have_class("status status-in_service")
    assert page.problems == []


def test_agent_replies_attaches_an_image_closes_and_the_wrapup_closes_itself(new_page, team, tmp_path,
                                                                            celery_worker_in_process):
    page = new_page()
    log_in(page, "ana")
    go_ready(page, team)
    arrive(team)
    page.get_by_test_id("assigned-list").get_by_test_id("conv-item").first.locator("a").click()
    page.fill("[data-testid=composer-text]", "¡Hola Carmen! Te ayudo.")
    page.click("[data-testid=send]")
    expect(page.get_by_test_id("messages")).to_contain_text("¡Hola Carmen! Te ayudo.")
    image = tmp_path / "plano.png"
    image.write_bytes(files.png(8, 8))
    page.click(".attach summary")
    page.set_input_files("[data-testid=composer-file]", str(image))
    page.fill("[data-testid=composer-text]", "Aquí tienes el plano")
    page.click("[data-testid=send]")
    expect(page.locator(".msg .attachment img")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("Aquí tienes el plano")
    page.click("[data-testid=close]")
    expect(page.get_by_test_id("wrapup")).to_be_visible()
    expect(page.get_by_test_id("agent-status")).to_have_class("status status-after_service")
    # The 2-second limit runs out: the engine ends it (Celery task) and the page reflects it.
    expect(page.get_by_test_id("wrapup")).to_have_count(0, timeout=10_000)
    expect(page.get_by_test_id("agent-status")).to_have_class("status status-ready")
    assert page.problems == []


def test_agent_takes_a_conversation_from_unassigned(new_page, team):
    agents.agent_sign_in(agent=team["ana"])
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    waiting = arrive(team, name="Javier Molina")
    page = new_page()
    log_in(page, "ana")
    page.goto("/workspace/?tab=unassigned")
    item = page.get_by_test_id("unassigned-list").get_by_test_id("conv-item").first
    expect(item).to_contain_text("Javier Molina")
    page.settle()
    item.get_by_test_id("take").click()
    expect(page.get_by_test_id("conv-contact")).to_have_text("Javier Molina")
    waiting.refresh_from_db()
    assert waiting.assignee_id == team["ana"].pk
    assert page.problems == []


def test_a_consult_transfer_is_accepted_by_a_colleague_in_another_browser(new_page, team):
    for user in (team["ana"], team["luis"]):
        agents.agent_sign_in(agent=user)
        queues.queue_login(queue=team["queue"], agent=user)
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    conv = arrive(team, name="Rosa Delgado")
    conv.refresh_from_db()
    assert conv.assignee_id == team["ana"].pk
    ana, luis = new_page(), new_page()
    log_in(ana, "ana")
    log_in(luis, "luis")
    luis.goto("/workspace/")
    ana.goto(f"/workspace/conversations/{conv.pk}/")
    ana.settle()
    ana.click("[data-testid=transfer-open]")
    ana.check(f"input[name=target][value='agent:{team['luis'].pk}']")
    ana.check("input[name=mode][value=consult]")
    ana.click("[data-testid=transfer-submit]")
    expect(ana.get_by_test_id("outgoing-transfer")).to_be_visible()
    # Luis sees the request arrive live in his list, opens it and accepts.
    item = luis.get_by_test_id("assigned-list").get_by_test_id("conv-item").first
    expect(item).to_contain_text("Rosa Delgado")
    item.locator("a").click()
    luis.click("[data-testid=transfer-accept]")
    expect(luis.get_by_test_id("composer-text")).to_be_visible()
    conv.refresh_from_db()
    assert conv.assignee_id == team["luis"].pk
    # Ana's page no longer offers her the composer for it.
    expect(ana.get_by_test_id("composer-text")).to_have_count(0)
    assert ana.problems == [] and luis.problems == []


def test_an_agent_sends_several_files_in_one_reply(new_page, team, tmp_path):
    page = new_page()
    log_in(page, "ana")
    go_ready(page, team)
    arrive(team)
    page.get_by_test_id("assigned-list").get_by_test_id("conv-item").first.locator("a").click()
    expect(page.get_by_test_id("composer-text")).to_be_visible()
    page.settle()
    image, pdf = tmp_path / "plano.png", tmp_path / "factura.pdf"
    image.write_bytes(files.png(8, 8))
    pdf.write_bytes(files.pdf())
    page.click(".attach summary")
    page.set_input_files("[data-testid=composer-file]", [str(image), str(pdf)])
    page.fill("[data-testid=composer-text]", "Aquí tienes los dos")
    page.click("[data-testid=send]")
    expect(page.locator(".msg .attachment img")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("factura.pdf")
    expect(page.get_by_test_id("messages")).to_contain_text("Aquí tienes los dos")
    assert page.problems == []


def test_opening_a_conversation_sends_the_read_receipt_and_the_dot_goes(new_page, team):
    """The page's GET writes nothing; the page itself posts the read receipt once it has loaded."""
    page = new_page()
    log_in(page, "ana")
    go_ready(page, team)
    conversation = arrive(team)
    item = page.get_by_test_id("assigned-list").get_by_test_id("conv-item").first
    expect(item.get_by_test_id("unread-dot")).to_be_visible()
    item.click()
    expect(page.get_by_test_id("assigned-list").get_by_test_id("unread-dot")).to_have_count(0)
    page.settle()
    conversation.refresh_from_db()
    assert conversation.unread_count == 0
    assert page.problems == []
