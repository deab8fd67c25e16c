"""What the desk tells an agent about their own state: why no work reaches them (with the action
that fixes it, in place), one consistent status (badge, menu) when work holds them, and a list
preview that shows what a person wrote, never an auto-reply."""

import re
from datetime import date, time

import pytest
from django.urls import reverse

from contactcenter.models import AgentState, QueueLogin
from contactcenter.services import agents, messages
from tests import factories as f
from tests.workspace.conftest import HTMX, html, is_desk_partial, list_items

pytestmark = pytest.mark.django_db

INDEX = reverse("workspace:index")


def blockers(response) -> list[str]:
    return re.findall(r'data-testid="blocker-([a-z_]+)"', html(response))


def selected_status(response) -> str:
    menu = html(response).split('data-testid="status-menu"')[1].split("</select>")[0]
    return re.search(r'<option value="([^"]*)"[^>]*\bselected\b', menu).group(1)


# --- Why no work comes, and the fix in place ---------------------------------------------------------


def test_a_new_agent_is_told_to_log_in_to_their_queues_and_to_switch_receive_new_on(personas, desk, ana):
    desk.sign_in(personas.agent)  # first login: Online, in no queue, Receive new off
    response = ana.get(INDEX)
    assert blockers(response) == ["not_logged_in", "receive_new_off"]
    assert "You are not receiving new conversations." in html(response)
    assert 'data-testid="fix-queues"' in html(response) and 'data-testid="fix-receive-new"' in html(response)


def test_log_in_to_my_queues_logs_in_to_every_active_queue_the_agent_is_a_member_of(personas, desk, ana):
    desk.sign_in(personas.agent)
    closed = f.QueueFactory(organization=personas.organization, name="Cerrada", is_active=False)
    f.QueueMembershipFactory(queue=closed, user=personas.agent)
    response = ana.post(reverse("workspace:queue-login-all"), {"tab": "assigned"}, headers=HTMX)
    assert response.status_code == 200 and is_desk_partial(response)
    assert set(QueueLogin.objects.filter(agent=personas.agent, ended_at__isnull=True)
               .values_list("queue__name", flat=True)) == {"Ventas"}
    assert blockers(response) == ["receive_new_off"]


def test_log_in_to_my_queues_without_javascript_redirects_back(personas, desk, ana):
    desk.sign_in(personas.agent)
    response = ana.post(reverse("workspace:queue-login-all"), {"tab": "assigned"})
    assert response.status_code == 302 and response["Location"].startswith(INDEX)
    assert QueueLogin.objects.filter(agent=personas.agent, queue=personas.queue, ended_at__isnull=True).exists()


def test_an_agent_of_no_queue_is_told_to_ask_their_supervisor_and_nothing_changes(personas, desk, ana):
    personas.agent.queue_memberships.all().delete()
    desk.sign_in(personas.agent)
    assert "not_logged_in" not in blockers(ana.get(INDEX))
    assert "no_queues" in blockers(ana.get(INDEX))
    response = ana.post(reverse("workspace:queue-login-all"), {"tab": "assigned"}, headers=HTMX)
    assert "You are not a member of any active queue yet" in html(response)
    assert not QueueLogin.objects.filter(agent=personas.agent).exists()


def test_a_ready_agent_sees_no_guidance(personas, ana, ana_ready):
    assert 'data-testid="readiness"' not in html(ana.get(INDEX))


def test_a_paused_agent_is_offered_to_end_the_pause(personas, desk, ana, ana_ready):
    reason = f.PauseReasonFactory(organization=personas.organization, name="Café")
    with desk.commit():
        agents.agent_pause(agent=personas.agent, reason=reason)
    response = ana.get(INDEX)
    assert blockers(response) == ["paused"] and 'data-testid="fix-resume"' in html(response)


def test_an_offline_agent_is_told_to_go_online(personas, ana):
    assert blockers(ana.get(INDEX))[0] == "offline"


# --- One status, said consistently ---------------------------------------------------------------


def test_do_not_disturb_while_in_service_shows_in_the_badge_and_the_menu(personas, desk, ana, chat):
    with desk.commit():
        agents.agent_set_unavailable(agent=personas.agent, dnd=True)
    response = ana.get(INDEX)
    body = html(response)
    assert re.search(r'data-testid="agent-status">In service</span>', body)
    assert 'data-testid="agent-then">when done: Do not disturb</small>' in body
    # One control: the menu shows the status the agent is in, as the badge does, not a second one.
    menu = body.split('data-testid="status-menu"')[1].split("</select>")[0]
    assert re.search(r'<option value="" selected disabled data-testid="status-current">In service</option>', menu)
    assert selected_status(response) == ""


def test_the_menu_shows_ready_when_receive_new_is_on_and_online_when_off(personas, desk, ana, ana_ready):
    assert selected_status(ana.get(INDEX)) == "ready"
    desk.not_receiving(personas.agent)
    assert selected_status(ana.get(INDEX)) == "online"


def test_choosing_ready_in_the_menu_switches_receive_new_on(personas, desk, ana, ana_ready):
    desk.not_receiving(personas.agent)
    response = ana.post(reverse("workspace:status"), {"status": "ready"}, headers=HTMX)
    state = desk.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("ready", True)
    assert selected_status(response) == "ready"


# --- The list's preview -------------------------------------------------------------------------------


def test_the_preview_shows_the_customers_message_not_the_auto_reply(personas, desk, ana, chat):
    with desk.commit():
        messages.message_system(conversation=chat, text="Ahora mismo no hay agentes disponibles")
    item = list_items(ana.get(INDEX), "assigned-list")[0]
    assert '<span class="excerpt">Hola, quiero información</span>' in item
    assert "agentes disponibles" not in item


def test_the_preview_marks_the_agents_own_reply(personas, desk, ana, chat):
    desk.send(chat, personas.agent, "Te respondo ahora")
    item = list_items(ana.get(INDEX), "assigned-list")[0]
    assert '<span class="excerpt-who">Agent:</span> Te respondo ahora' in item


# --- Shifts ------------------------------------------------------------------------------------------


def _off_shift(personas, *, overtime: bool):
    org = personas.organization
    org.shift_allow_overtime = overtime
    org.save()
    schedule = f.ScheduleFactory(organization=org)
    for weekday in range(7):
        f.ScheduleShiftFactory(schedule=schedule, weekday=weekday, starts=time(8), ends=time(8, 1))
    f.AgentScheduleFactory(agent=personas.agent, schedule=schedule, valid_from=date(2020, 1, 1))
    AgentState.objects.filter(agent=personas.agent).update(in_shift=False, shift_phase="off")


def test_outside_their_shift_the_desk_says_off_shift_with_the_next_start(personas, desk, ana):
    desk.sign_in(personas.agent, personas.queue)
    _off_shift(personas, overtime=True)
    response = ana.get(INDEX)
    assert "off_shift" in blockers(response)
    assert "Off shift." in html(response) and "Your next shift starts" in html(response)
    assert 'data-testid="fix-receive-new"' in html(response)


def test_without_overtime_the_desk_explains_why_the_agent_cannot_go_ready(personas, desk, ana):
    desk.sign_in(personas.agent, personas.queue)
    _off_shift(personas, overtime=False)
    response = ana.get(INDEX)
    assert blockers(response) == ["off_shift_no_overtime"]
    assert "does not allow working outside your shift" in html(response)
    refused = ana.post(reverse("workspace:receive-new"), {"on": "1"}, follow=True)
    assert "outside your shift" in html(refused)
    assert not type(personas.agent).objects.get(pk=personas.agent.pk).state.receive_new
