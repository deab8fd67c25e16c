"""The supervisor panel in real Chromium, next to the agent's workspace and the customer's web
chat: a pause set by the supervisor shows live on the agent's desk and stops new work; a
wrap-up ended early; a whisper the agent sees and the customer does not; the overview follows
a new conversation without reload."""

import pytest
from playwright.sync_api import expect

from contactcenter.models import Channel, Conversation
from contactcenter.services import agents, conversations, messages, notifications, queues
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas", after_service_seconds=600, after_service_enforced=True)
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    sofia = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía", last_name="Ruiz")
    f.QueueMembershipFactory(queue=queue, user=ana)
    f.QueueMembershipFactory(queue=queue, user=sofia, role="supervisor")
    training = f.PauseReasonFactory(organization=org, name="Capacitación", code="capacitacion", max_minutes=60)
    channel = f.ChannelFactory(organization=org, queue=queue, kind=Channel.Kind.WEBCHAT, public_key="acme-web",
                               name="Web")
    return {"org": org, "queue": queue, "ana": ana, "sofia": sofia, "training": training, "channel": channel}


def make_ready(agent, queue):
    f.open_workspace(agent)  # calls ring only at an open workspace; the page opens later
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)


def arrive(team, name="Carmen Ortega", text="Hola, ¿me ayudáis?") -> Conversation:
    contact = f.ContactFactory(organization=team["org"], name=name)
    return conversations.conversation_open(queue=team["queue"], contact=contact, text=text)


def open_actions(page, agent):
    row = page.locator(f"#qagent-{agent.pk}")
    row.get_by_test_id("agent-actions").click()
    return row


def test_a_supervisor_pauses_an_agent_who_sees_it_live_and_gets_no_new_work(new_page, team):
    ana, queue = team["ana"], team["queue"]
    agent_page, supervisor_page = new_page(), new_page()
    log_in(agent_page, "ana")
    make_ready(ana, queue)
    agent_page.goto("/workspace/")
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-ready")
    agent_page.settle()

    log_in(supervisor_page, "sofia")
    supervisor_page.goto(f"/supervision/queues/{queue.pk}/")
    supervisor_page.settle()
    row = open_actions(supervisor_page, ana)
    row.get_by_test_id("pause-reason").select_option(label="Capacitación (60 min)")
    row.get_by_test_id("action-pause").click()
    expect(supervisor_page.locator(f"#qagent-{ana.pk}").get_by_test_id("agent-pause-reason")).to_contain_text(
        "Capacitación")

    expect(agent_page.get_by_test_id("agent-status")).to_have_text("Capacitación")
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-pause")
    conversation = arrive(team)
    supervisor_page.wait_for_timeout(500)  # time enough for routing, which must not happen
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.QUEUED and conversation.assignee_id is None
    expect(agent_page.get_by_test_id("assigned-list").get_by_test_id("conv-item")).to_have_count(0)
    assert agent_page.problems == [] and supervisor_page.problems == []


def test_a_supervisor_ends_an_agents_after_service_early(new_page, team):
    ana, queue = team["ana"], team["queue"]
    make_ready(ana, queue)
    conversation = arrive(team)
    conversation.refresh_from_db()
    conversations.conversation_close(conversation=conversation, by=ana)
    agent_page, supervisor_page = new_page(), new_page()
    log_in(agent_page, "ana")
    agent_page.goto("/workspace/")
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-after_service")
    agent_page.settle()

    log_in(supervisor_page, "sofia")
    supervisor_page.goto(f"/supervision/queues/{queue.pk}/")
    supervisor_page.settle()
    row = open_actions(supervisor_page, ana)
    row.get_by_test_id("action-end-after-service").click()
    expect(supervisor_page.get_by_test_id("flash")).to_contain_text("Ana López")
    expect(supervisor_page.locator(f"#qagent-{ana.pk}").get_by_test_id("agent-status")).to_have_class(
        "status status-ready")

    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-ready")
    assert agent_page.problems == [] and supervisor_page.problems == []


def test_a_whisper_reaches_the_agent_and_never_the_customers_web_chat(new_page, team):
    ana, queue = team["ana"], team["queue"]
    make_ready(ana, queue)
    customer = new_page()
    customer.goto("/chat/acme-web/")
    customer.fill("input[name=name]", "Carmen Ortega")
    customer.fill("textarea[name=text]", "Hola, ¿tenéis envío a Canarias?")
    customer.click("[data-testid=chat-start-submit]")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("¿tenéis envío a Canarias?")
    conversation = team["channel"].conversations.get()
    assert conversation.assignee_id == ana.pk

    agent_page = new_page()
    log_in(agent_page, "ana")
    agent_page.goto(f"/workspace/conversations/{conversation.pk}/")
    expect(agent_page.get_by_test_id("messages")).to_contain_text("Canarias")
    agent_page.settle()

    supervisor_page = new_page()
    log_in(supervisor_page, "sofia")
    supervisor_page.goto(f"/supervision/agents/{ana.pk}/monitor/")
    monitored = supervisor_page.locator(f"#monitored-{conversation.pk}")
    expect(monitored).to_contain_text("Canarias")
    supervisor_page.settle()  # the socket connects and refreshes the monitored conversation
    monitored.get_by_test_id("whisper-text").fill("Ofrécele el envío gratis")
    monitored.get_by_test_id("whisper-send").click()
    expect(supervisor_page.locator(f"#monitored-{conversation.pk}")).to_contain_text("Ofrécele el envío gratis")

    whisper = agent_page.locator(".msg-whisper")
    expect(whisper).to_contain_text("Ofrécele el envío gratis")
    expect(whisper).to_contain_text("Sofía Ruiz")

    supervisor_page.locator(f"#monitored-{conversation.pk}").get_by_test_id("barge-text").fill(
        "Soy Sofía, la supervisora: el envío es gratis")
    supervisor_page.locator(f"#monitored-{conversation.pk}").get_by_test_id("barge-send").click()
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("el envío es gratis")
    expect(customer.get_by_test_id("chat-thread")).not_to_contain_text("Ofrécele")
    customer.reload()
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("el envío es gratis")
    expect(customer.get_by_test_id("chat-thread")).not_to_contain_text("Ofrécele")
    transcript = customer.request.get(customer.get_by_test_id("chat-transcript").get_attribute("href"))
    assert transcript.ok and "el envío es gratis" in transcript.text() and "Ofrécele" not in transcript.text()
    assert agent_page.problems == [] and supervisor_page.problems == [] and customer.problems == []


def test_the_overview_updates_live_when_a_conversation_arrives(new_page, team):
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    waiting = page.locator(f"#queue-{team['queue'].pk}").get_by_test_id("queue-waiting")
    expect(waiting).to_have_text("0")
    page.settle()
    arrive(team)
    expect(page.locator(f"#queue-{team['queue'].pk}").get_by_test_id("queue-waiting")).to_have_text("1")
    arrive(team, name="Luis Gil")
    expect(page.locator(f"#queue-{team['queue'].pk}").get_by_test_id("queue-waiting")).to_have_text("2")
    assert page.problems == []


def test_a_status_toast_appears_once_per_action_and_the_stack_stays_short(new_page, team):
    ana, queue, training = team["ana"], team["queue"], team["training"]
    notifications.notification_preference_save(user=team["sofia"], status_changes="all", missed_shifts=True,
                                               panel=True, browser=False, email_digest=False)
    make_ready(ana, queue)
    supervisor_page = new_page()
    log_in(supervisor_page, "sofia")
    supervisor_page.goto(f"/supervision/queues/{queue.pk}/")
    supervisor_page.settle()
    row = open_actions(supervisor_page, ana)
    row.get_by_test_id("pause-reason").select_option(label="Capacitación (60 min)")
    row.get_by_test_id("action-pause").click()
    toasts = supervisor_page.get_by_test_id("toast")
    expect(toasts.filter(has_text="Ana López: Capacitación")).to_have_count(1)
    supervisor_page.wait_for_timeout(800)
    expect(toasts.filter(has_text="Ana López: Capacitación")).to_have_count(1)
    for _ in range(2):
        agents.agent_resume(agent=ana)
        agents.agent_pause(agent=ana, reason=training)
    supervisor_page.wait_for_timeout(1000)
    # Repeats are one toast each, counted: Capacitación ×3 and the status in between ×2.
    expect(toasts).to_have_count(2)
    expect(toasts.filter(has_text="Ana López: Capacitación")).to_contain_text("×3")
    expect(toasts.nth(1)).to_contain_text("×2")
    assert supervisor_page.problems == []


def test_an_agent_link_on_the_live_overview_opens_the_agents_page(new_page, team):
    ana = team["ana"]
    supervisor_page = new_page()
    log_in(supervisor_page, "sofia")
    supervisor_page.goto("/supervision/")
    supervisor_page.settle()
    supervisor_page.locator(f"#agent-{ana.pk}").get_by_role("link", name="Ana López").click()
    expect(supervisor_page).to_have_url(f"{supervisor_page.url.split('/supervision/')[0]}/supervision/agents/{ana.pk}/")
    expect(supervisor_page.get_by_test_id("agent-header")).to_be_visible()
    assert supervisor_page.problems == []


def test_after_a_forced_disconnect_the_agent_goes_online_again_without_reload(new_page, team):
    ana, queue = team["ana"], team["queue"]
    make_ready(ana, queue)
    agent_page, supervisor_page = new_page(), new_page()
    log_in(agent_page, "ana")
    agent_page.goto("/workspace/")
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-ready")
    agent_page.settle()

    log_in(supervisor_page, "sofia")
    supervisor_page.goto(f"/supervision/agents/{ana.pk}/")
    supervisor_page.settle()
    supervisor_page.get_by_test_id("action-force-offline").click()
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-offline")
    expect(agent_page.get_by_test_id("status-menu")).to_have_count(0)
    agent_page.settle()  # the sign-out's updates (queue logouts, status) are all in
    agent_page.get_by_test_id("sign-in").click()
    expect(agent_page.get_by_test_id("agent-status")).to_have_class("status status-online")
    expect(agent_page.get_by_test_id("status-menu")).to_be_visible()
    expect(agent_page.get_by_test_id("receive-new")).to_be_visible()
    assert agent_page.problems == [] and supervisor_page.problems == []


def test_a_whisper_being_typed_survives_a_live_update_of_the_monitored_conversation(new_page, team):
    ana, queue = team["ana"], team["queue"]
    make_ready(ana, queue)
    conversation = arrive(team, text="Hola, ¿tenéis envío a Canarias?")
    page = new_page()
    log_in(page, "sofia")
    page.goto(f"/supervision/agents/{ana.pk}/monitor/")
    page.settle()  # the socket connects and refreshes the page
    box = page.locator(f"#whisper-text-{conversation.pk}")
    box.fill("Ofrécele el envío")
    messages.message_receive(conversation=conversation, text="¿Sigue ahí alguien?")
    expect(page.locator(f"#monitored-{conversation.pk}")).to_contain_text("¿Sigue ahí alguien?")
    expect(page.locator(f"#whisper-text-{conversation.pk}")).to_have_value("Ofrécele el envío")
    page.locator(f"#monitored-{conversation.pk}").get_by_test_id("whisper-send").click()
    expect(page.locator(f"#monitored-{conversation.pk}")).to_contain_text("Ofrécele el envío")
    expect(page.locator(f"#whisper-text-{conversation.pk}")).to_have_value("")
    assert page.problems == []
