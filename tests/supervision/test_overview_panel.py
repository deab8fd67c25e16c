"""The overview at a glance: a card per queue (waiting, longest wait coloured against the queue's
target, service level against its goal, agents by status), headings that say what they hold, and
the agents as a dense list filtered and sorted by plain GET parameters. And the wallboard."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from contactcenter.asgi import application
from contactcenter.models import AgentState
from contactcenter.services import agents, conversations
from supervision import context
from tests import factories as f
from tests.supervision.conftest import HTMX, card, client_for, html, text
from tests.supervision.test_consumers import drain, session_cookie

OVERVIEW = reverse("supervision:overview")
WALLBOARD = reverse("supervision:wallboard")


def agent_ids_listed(response) -> list[int]:
    body = html(response)
    ids, start = [], 0
    while (start := body.find('<tr id="agent-', start)) != -1:
        start += len('<tr id="agent-')
        ids.append(int(body[start:body.index('"', start)]))
    return ids


# --- The queue cards --------------------------------------------------------------------------------


def test_each_queue_is_a_card_with_waiting_wait_service_level_and_agents_by_status(personas, sofia, desk):
    desk.ready(personas.agent, personas.queue)
    desk.arrive(personas.queue, route=False)
    queue_card = text(card(sofia.get(OVERVIEW), "queue", personas.queue.pk))
    assert "Waiting 1" in queue_card
    assert "Longest wait now" in queue_card
    assert "Service level" in queue_card and "goal 80 % within 60 s" in queue_card
    assert "Ready 1" in queue_card and "In service 0" in queue_card and "Paused 0" in queue_card


@pytest.mark.parametrize(("seconds", "level"), [(0, "ok"), (29, "ok"), (30, "warn"), (59, "warn"), (60, "bad"),
                                                (600, "bad")])
def test_the_longest_wait_turns_warn_at_half_the_target_and_bad_at_the_target(seconds, level):
    assert context.wait_level(timedelta(seconds=seconds), 60) == level


def test_a_card_colours_a_wait_beyond_the_queues_own_target_as_bad(personas, sofia, desk):
    personas.queue.service_level_seconds = 30
    personas.queue.save()
    desk.arrive(personas.queue, route=False, now=timezone.now() - timedelta(seconds=45))
    queue_card = card(sofia.get(OVERVIEW), "queue", personas.queue.pk)
    assert 'class="big level-bad" data-testid="queue-longest-wait" data-wait-target="30"' in queue_card


def test_a_short_wait_is_ok(personas, sofia, desk):
    desk.arrive(personas.queue, route=False, now=timezone.now() - timedelta(seconds=5))
    assert 'level-ok" data-testid="queue-longest-wait"' in card(sofia.get(OVERVIEW), "queue", personas.queue.pk)


@pytest.mark.parametrize(("service_level", "level"), [(None, "ok"), (100, "ok"), (80, "ok"), (79, "warn"),
                                                      (70, "warn"), (69, "bad")])
def test_the_service_level_is_judged_against_the_goal(service_level, level):
    assert context.service_level_level(service_level) == level


def test_the_headings_say_what_the_queues_hold(personas):
    f.QueueFactory(organization=personas.organization, name="Renovaciones", kind="campaign")
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    body = html(client.get(OVERVIEW))
    assert "<h2>Colas de chat</h2>" in body and "<h2>Colas de voz</h2>" in body and "<h2>Campañas</h2>" in body
    assert "<h2>Colas</h2>" not in body


def test_a_supervisor_sees_only_the_headings_of_the_kinds_they_supervise(personas, sofia):
    body = html(sofia.get(OVERVIEW))
    assert "<h2>Chat queues</h2>" in body and "<h2>Voice queues</h2>" not in body


# --- The agents: filters and sort -------------------------------------------------------------------


def test_the_agents_can_be_filtered_by_status(personas, sofia, desk):
    desk.ready(personas.agent, personas.queue)
    assert agent_ids_listed(sofia.get(OVERVIEW, {"state": "ready"})) == [personas.agent.pk]
    assert agent_ids_listed(sofia.get(OVERVIEW, {"state": "offline"})) == [personas.colleague.pk]


def test_the_agents_can_be_filtered_by_queue(personas, desk):
    pablo = f.AgentFactory(organization=personas.organization, username="pablo", first_name="Pablo")
    f.QueueMembershipFactory(queue=personas.other_queue, user=pablo)
    adela = client_for(personas.admin)
    assert agent_ids_listed(adela.get(OVERVIEW, {"queue": personas.other_queue.pk})) == [pablo.pk]
    assert set(agent_ids_listed(adela.get(OVERVIEW, {"queue": personas.queue.pk}))) == {
        personas.agent.pk, personas.colleague.pk}


def test_the_agents_can_be_sorted_by_time_in_status_longest_first(personas, sofia, desk):
    desk.sign_in(personas.colleague, personas.queue)  # Luis first (alphabetically second)
    desk.sign_in(personas.agent, personas.queue)
    with desk.commit():
        AgentState.objects.filter(agent=personas.colleague).update(since=timezone.now() - timedelta(hours=1))
    assert agent_ids_listed(sofia.get(OVERVIEW)) == [personas.agent.pk, personas.colleague.pk]  # by name
    assert agent_ids_listed(sofia.get(OVERVIEW, {"sort": "time"})) == [personas.colleague.pk, personas.agent.pk]


def test_an_unknown_status_or_sort_is_ignored(personas, sofia):
    response = sofia.get(OVERVIEW, {"state": "asleep", "sort": "shoe size"})
    assert response.status_code == 200 and len(agent_ids_listed(response)) == 2


def test_a_queue_of_another_organization_in_the_filter_is_a_404(personas, sofia):
    assert sofia.get(OVERVIEW, {"queue": personas.outsider_queue.pk}).status_code == 404


def test_a_queue_the_supervisor_does_not_supervise_in_the_filter_is_a_404(personas, sofia):
    assert sofia.get(OVERVIEW, {"queue": personas.other_queue.pk}).status_code == 404
    assert sofia.get(OVERVIEW, {"queue": "abc"}).status_code == 404


def test_with_htmx_the_filter_answers_the_agents_panel_only(personas, sofia):
    response = sofia.get(OVERVIEW, {"state": "offline"}, headers={**HTMX, "HX-Target": "agents-panel"})
    body = html(response)
    assert body.lstrip().startswith('<section id="agents-panel"') and "overview-figures" not in body
    # the live socket of the swapped panel hears the same filters
    assert 'ws-connect="/ws/supervision/?state=offline&amp;sort=name"' in body


def test_an_action_from_the_overview_comes_back_to_the_overview(personas, sofia, desk, training):
    desk.ready(personas.agent, personas.queue)
    response = sofia.post(reverse("supervision:agent-pause", args=[personas.agent.pk]),
                          {"reason": training.pk, "back": "overview"})
    assert response.status_code == 302 and response.url == OVERVIEW


# --- The wallboard ----------------------------------------------------------------------------------


def test_the_wallboard_shows_every_queue_of_the_supervisor_in_large_type_without_controls(personas, sofia, desk):
    desk.arrive(personas.queue, route=False)
    body = html(sofia.get(WALLBOARD))
    assert f'id="wall-queue-{personas.queue.pk}"' in body and f'id="wall-queue-{personas.other_queue.pk}"' not in body
    assert 'data-testid="wall-waiting">1<' in body
    assert "<form" not in body and "<button" not in body and "<select" not in body
    assert 'ws-connect="/ws/supervision/?wallboard=1"' in body


def test_the_wallboard_can_show_one_queue(personas):
    adela = client_for(personas.admin)
    body = html(adela.get(WALLBOARD, {"queue": personas.other_queue.pk}))
    assert f'id="wall-queue-{personas.other_queue.pk}"' in body and f'id="wall-queue-{personas.queue.pk}"' not in body
    assert f"wallboard=1&amp;wallboard_queue={personas.other_queue.pk}" in body


def test_the_wallboard_of_a_queue_not_theirs_is_a_404(personas, sofia):
    assert sofia.get(WALLBOARD, {"queue": personas.other_queue.pk}).status_code == 404
    assert sofia.get(WALLBOARD, {"queue": personas.outsider_queue.pk}).status_code == 404


def test_an_agent_cannot_open_the_wallboard(personas):
    assert client_for(personas.agent).get(WALLBOARD).status_code == 403


def test_the_panel_links_to_the_wallboard(personas, sofia):
    assert f'href="{WALLBOARD}" data-testid="wallboard-link"' in html(sofia.get(OVERVIEW))


# --- The live socket: filters, wallboard ------------------------------------------------------------


async def socket(user, query: str):
    cookie = await sync_to_async(session_cookie)(user)
    comm = WebsocketCommunicator(application, "/ws/supervision/?" + query, headers=[
        (b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await comm.connect()
    return comm, connected


@pytest.mark.django_db(transaction=True)
async def test_the_wallboard_socket_sends_the_board_and_follows_a_new_customer(personas):
    comm, connected = await socket(personas.supervisor, "wallboard=1")
    assert connected
    first = await drain(comm)
    assert 'id="wallboard-body"' in first and 'data-testid="wall-waiting">0<' in first
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    update = await drain(comm)
    assert 'id="wallboard-body"' in update and 'data-testid="wall-waiting">1<' in update
    assert 'data-testid="toast"' not in update
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["other_queue", "outsider_queue"])
async def test_the_wallboard_socket_of_a_queue_not_theirs_is_refused(personas, which):
    queue = getattr(personas, which)
    comm, connected = await socket(personas.supervisor, f"wallboard=1&wallboard_queue={queue.pk}")
    if connected:
        assert (await comm.receive_output(2))["type"] == "websocket.close"
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_filtered_overview_socket_redraws_the_list_when_an_agent_changes(personas):
    comm, connected = await socket(personas.supervisor, "state=online")
    assert connected
    first = await drain(comm)
    assert 'id="agent-rows"' in first and f'id="agent-{personas.agent.pk}"' not in first
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)  # Ana comes online: into the list
    update = await drain(comm)
    assert 'id="agent-rows"' in update and f'<tr id="agent-{personas.agent.pk}"' in update
    await comm.disconnect()


# --- The agents' Acciones menu (loaded when it opens) -----------------------------------------------


def actions_url(agent) -> str:
    return reverse("supervision:agent-actions", args=[agent.pk])


def test_the_actions_menu_offers_what_fits_the_agents_status(personas, sofia, desk, training):
    desk.ready(personas.agent, personas.queue)
    body = html(sofia.get(actions_url(personas.agent), headers=HTMX))
    assert 'data-testid="action-pause"' in body and 'data-testid="action-resume"' not in body
    assert 'name="back" value="overview"' in body and 'data-testid="action-monitor"' in body
    sofia.post(reverse("supervision:agent-pause", args=[personas.agent.pk]),
               {"reason": training.pk, "back": "overview"})
    body = html(sofia.get(actions_url(personas.agent), headers=HTMX))
    assert 'data-testid="action-resume"' in body and 'data-testid="action-pause"' not in body


def test_the_rows_carry_no_forms_until_a_menu_opens(personas, sofia, desk):
    desk.ready(personas.agent, personas.queue)
    body = html(sofia.get(OVERVIEW))
    assert f'hx-get="/supervision/agents/{personas.agent.pk}/actions/"' in body
    assert 'data-testid="action-pause"' not in body


def test_without_javascript_the_actions_menu_leads_to_the_agents_page(personas, sofia):
    response = sofia.get(actions_url(personas.agent))
    assert response.status_code == 302 and response.url == reverse("supervision:agent", args=[personas.agent.pk])


def test_the_actions_menu_of_an_agent_not_theirs_is_a_404(personas, sofia, pablo):
    assert sofia.get(actions_url(pablo), headers=HTMX).status_code == 404
    assert sofia.get(actions_url(personas.outsider), headers=HTMX).status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["other_queue", "outsider_queue"])
async def test_an_overview_socket_filtered_by_a_queue_not_theirs_is_refused(personas, which):
    queue = getattr(personas, which)
    comm, connected = await socket(personas.supervisor, f"agents_queue={queue.pk}")
    if connected:
        assert (await comm.receive_output(2))["type"] == "websocket.close"
    await comm.disconnect()
