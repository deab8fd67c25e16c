"""The supervisor panel in real Chromium: status toasts that stay out of the way (at most three,
repeats counted, each dismissable, all kept in the Notificaciones panel), the overview's agent
filters, and the wallboard following the floor live."""

import pytest
from playwright.sync_api import expect

from contactcenter.services import agents, conversations, messages, notifications, queues
from tests import factories as f
from tests.e2e.conftest import acme_team, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    team = acme_team()
    team["others"] = []
    for username, first in (("luis", "Luis"), ("marta", "Marta"), ("jorge", "Jorge")):
        agent = f.AgentFactory(organization=team["org"], username=username, first_name=first, last_name="Gil")
        f.QueueMembershipFactory(queue=team["queue"], user=agent)
        team["others"].append(agent)
    team["training"] = f.PauseReasonFactory(organization=team["org"], name="Capacitación", code="capacitacion")
    notifications.notification_preference_save(user=team["sofia"], status_changes="all", missed_shifts=True,
                                               panel=True, browser=False, email_digest=False)
    return team


def test_toasts_are_at_most_three_repeats_counted_dismissable_and_all_listed_in_the_panel(new_page, team):
    ana, training = team["ana"], team["training"]
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.settle()
    for agent in [ana, *team["others"]]:
        agents.agent_sign_in(agent=agent)  # four different toasts: "<name>: En línea"
    toasts = page.get_by_test_id("toast")
    expect(toasts.filter(has_text="Jorge Gil: En línea")).to_have_count(1)
    expect(toasts).to_have_count(3)

    for _ in range(2):
        agents.agent_pause(agent=ana, reason=training)
        agents.agent_resume(agent=ana)
    expect(toasts.filter(has_text="Ana López: Capacitación")).to_have_count(1)
    expect(toasts.filter(has_text="Ana López: Capacitación")).to_contain_text("×2")
    expect(toasts).to_have_count(3)

    first = toasts.first
    dismissed = first.inner_text()
    first.get_by_role("button", name="Descartar aviso").click()
    expect(toasts.filter(has_text=dismissed.split("×")[0].strip())).to_have_count(0)
    expect(toasts).to_have_count(2)

    page.get_by_test_id("notifications-button").click()
    listed = page.get_by_test_id("notification-list")
    expect(listed).to_be_visible()
    for name in ("Ana López", "Luis Gil", "Marta Gil", "Jorge Gil"):
        expect(listed.get_by_test_id("notification").filter(has_text=f"{name}: En línea")).not_to_have_count(0)
    expect(listed.get_by_test_id("notification").filter(has_text="Ana López: Capacitación")).not_to_have_count(0)
    page.keyboard.press("Escape")
    expect(listed).to_be_hidden()
    # The list follows the supervisor to the other panel pages.
    page.goto(f"/supervision/queues/{team['queue'].pk}/")
    page.get_by_test_id("notifications-button").click()
    expect(page.get_by_test_id("notification").filter(has_text="Jorge Gil: En línea")).not_to_have_count(0)
    assert page.problems == []


def test_the_agents_list_filters_by_status_without_reload_and_keeps_the_filter_live(new_page, team):
    ana = team["ana"]
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.settle()
    page.get_by_test_id("filter-state").select_option("online")
    expect(page).to_have_url(page.url.split("/supervision/")[0] + "/supervision/?queue=&state=online&sort=name")
    expect(page.get_by_test_id("agent-row")).to_have_count(0)
    page.settle()
    agents.agent_sign_in(agent=ana)  # Ana comes online: the filtered list takes her in, live
    expect(page.get_by_test_id("agent-row")).to_have_count(1)
    expect(page.locator(f"#agent-{ana.pk}")).to_contain_text("Ana López")
    assert page.problems == []


def test_a_status_change_and_a_new_customer_reach_the_wallboard_live(new_page, team):
    ana, queue = team["ana"], team["queue"]
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.get_by_test_id("wallboard-link").click()
    board = page.locator(f"#wall-queue-{queue.pk}")
    expect(board.get_by_test_id("wall-waiting")).to_have_text("0")
    expect(page.locator("form, button, select, nav")).to_have_count(0)
    page.settle()
    contact = f.ContactFactory(organization=team["org"], name="Carmen Ortega")
    conversations.conversation_open(queue=queue, contact=contact, text="Hola")
    expect(board.get_by_test_id("wall-waiting")).to_have_text("1")
    f.open_workspace(ana)
    agents.agent_sign_in(agent=ana)
    queues.queue_login(queue=queue, agent=ana)
    agents.agent_set_receive_new(agent=ana, on=True)  # Ready: routing gives her the customer
    expect(board.get_by_test_id("wall-waiting")).to_have_text("0")
    expect(board.get_by_test_id("wall-in-service")).to_have_text("1")
    assert page.problems == []


def test_the_monitor_shows_one_conversation_at_a_time_and_a_live_update_keeps_the_chosen_one(new_page, team):
    ana, queue = team["ana"], team["queue"]
    f.open_workspace(ana)
    agents.agent_sign_in(agent=ana)
    queues.queue_login(queue=queue, agent=ana)
    agents.agent_set_receive_new(agent=ana, on=True)
    first, second = (conversations.conversation_open(
        queue=queue, contact=f.ContactFactory(organization=team["org"], name=name), text=f"Hola, soy {name}")
        for name in ("Carmen Ortega", "Luis Gil"))
    page = new_page()
    log_in(page, "sofia")
    page.goto(f"/supervision/agents/{ana.pk}/monitor/")
    expect(page.locator(f"#monitored-{first.pk}")).to_be_visible()
    expect(page.locator(f"#monitored-{second.pk}")).to_be_hidden()
    page.settle()
    page.get_by_test_id("monitor-switch").filter(has_text="Luis Gil").click()
    expect(page.locator(f"#monitored-{second.pk}")).to_be_visible()
    expect(page.locator(f"#monitored-{first.pk}")).to_be_hidden()
    messages.message_receive(conversation=second, text="¿Seguís ahí?")
    expect(page.locator(f"#monitored-{second.pk}")).to_contain_text("¿Seguís ahí?")
    expect(page.locator(f"#monitored-{second.pk}")).to_be_visible()
    expect(page.locator(f"#monitored-{first.pk}")).to_be_hidden()
    assert page.problems == []


def test_a_supervisor_pauses_an_agent_from_the_overviews_actions_menu(new_page, team):
    ana = team["ana"]
    agents.agent_sign_in(agent=ana)
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.settle()
    row = page.locator(f"#agent-{ana.pk}")
    row.get_by_test_id("agent-actions").click()
    row.get_by_test_id("pause-reason").select_option(label="Capacitación")
    row.get_by_test_id("action-pause").click()
    expect(page).to_have_url(page.url.split("/supervision/")[0] + "/supervision/")
    expect(page.locator(f"#agent-{ana.pk}").get_by_test_id("agent-status")).to_have_text("Capacitación")
    assert page.problems == []
