"""A queue's page: its agents with status, time, pause reason, load and devices; the Acciones
each may get; the customers waiting, oldest first; and "Registrar agentes"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.services import agents, devices
from tests import factories as f
from tests.supervision.conftest import HTMX, client_for, html, row, text

pytestmark = pytest.mark.django_db


def queue_url(queue) -> str:
    return reverse("supervision:queue", args=[queue.pk])


def test_the_overview_links_each_queue_to_its_page(personas, sofia):
    body = html(sofia.get(reverse("supervision:overview")))
    assert f'href="{queue_url(personas.queue)}"' in body


def test_the_overview_has_queues_chats_and_campaigns_sections(personas, adela):
    f.QueueFactory(organization=personas.organization, name="Renovaciones", kind="campaign")
    body = html(adela.get(reverse("supervision:overview")))
    assert body.index("<h2>Chat queues</h2>") < body.index("<h2>Voice queues</h2>") < body.index("<h2>Campaigns</h2>")


def test_members_are_listed_logged_in_or_not(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    response = sofia.get(queue_url(personas.queue))
    assert response.status_code == 200
    assert "Logged in" in text(row(response, "qagent", personas.agent.pk))
    assert "Not logged in" in text(row(response, "qagent", personas.colleague.pk))


def test_an_agent_row_shows_status_timer_and_load_of_the_queue(personas, sofia, desk):
    desk.ready(personas.agent, personas.queue)
    desk.chat_for(personas.agent, personas.queue)
    desk.chat_for(personas.agent, personas.queue)
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert "In service" in text(agent_row)
    assert 'data-testid="agent-load">2/6<' in agent_row
    assert 'data-since="' in agent_row


def test_a_paused_agent_shows_the_pause_reason(personas, sofia, desk, training):
    desk.sign_in(personas.agent, personas.queue)
    with desk.commit():
        agents.agent_pause(agent=personas.agent, reason=training)
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert 'data-testid="agent-pause-reason">Capacitación' in agent_row


def test_an_active_device_shows_a_green_dot(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    devices.device_connect(user=personas.agent, channel_name="specific.1", user_agent="Mozilla/5.0 Chrome/120",
                           session_key="")
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert 'class="device active"' in agent_row and "Chrome" in agent_row


def actions_url(queue, agent) -> str:
    return reverse("supervision:queue-agent-actions", args=[queue.pk, agent.pk])


def test_the_actions_menu_is_loaded_when_opened(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert f'hx-get="{actions_url(personas.queue, personas.agent)}"' in agent_row
    body = html(sofia.get(actions_url(personas.queue, personas.agent), headers=HTMX))
    assert "<html" not in body
    for action in ("queue-logout", "pause", "force-offline", "monitor"):
        assert f'data-testid="action-{action}"' in body


def test_without_javascript_the_actions_menu_is_a_page(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    body = html(sofia.get(actions_url(personas.queue, personas.agent)))
    assert body.lstrip().lower().startswith("<!doctype html>") and 'data-testid="action-pause"' in body


def test_a_member_not_logged_in_is_offered_the_queue_login(personas, sofia, desk):
    desk.sign_in(personas.agent)
    body = html(sofia.get(actions_url(personas.queue, personas.agent), headers=HTMX))
    assert 'data-testid="action-queue-login"' in body and 'data-testid="action-queue-logout"' not in body


def test_a_paused_agent_is_offered_resume_not_pause(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    training = f.PauseReasonFactory(organization=personas.organization, name="Capacitación")
    with desk.commit():
        agents.agent_pause(agent=personas.agent, reason=training)
    body = html(sofia.get(actions_url(personas.queue, personas.agent), headers=HTMX))
    assert 'data-testid="action-resume"' in body and 'data-testid="action-pause"' not in body


def test_the_actions_menu_of_someone_outside_the_queue_is_not_found(personas, sofia, pablo):
    assert sofia.get(actions_url(personas.queue, pablo)).status_code == 404
    assert sofia.get(actions_url(personas.other_queue, pablo)).status_code == 404


def test_end_after_service_is_offered_only_where_the_organization_allows_it(personas, sofia, desk):
    personas.queue.after_service_seconds = 60
    personas.queue.save()
    desk.ready(personas.agent, personas.queue)
    conversation = desk.chat_for(personas.agent, personas.queue)
    from contactcenter.services import conversations

    with desk.commit():
        conversations.conversation_close(conversation=conversation, by=personas.agent)
    url = actions_url(personas.queue, personas.agent)
    assert 'data-testid="action-end-after-service"' in html(sofia.get(url, headers=HTMX))
    personas.organization.supervisors_end_after_service = False
    personas.organization.save()
    assert 'data-testid="action-end-after-service"' not in html(sofia.get(url, headers=HTMX))


def test_register_agents_shows_nobody_before_a_search(personas, sofia, pablo):
    body = html(sofia.get(queue_url(personas.queue)))
    results = body[body.index('id="register-results"'):]
    assert "Pablo" not in results[:2000]


def test_waiting_customers_are_listed_oldest_first(personas, sofia):
    now = timezone.now()
    newer = f.ConversationFactory(queue=personas.queue, enqueued_at=now - timedelta(minutes=1))
    older = f.ConversationFactory(queue=personas.queue, enqueued_at=now - timedelta(minutes=9))
    body = html(sofia.get(queue_url(personas.queue)))
    assert body.index(f'id="waiting-{older.pk}"') < body.index(f'id="waiting-{newer.pk}"')


def test_a_supervisor_cannot_open_a_queue_they_do_not_supervise(personas, sofia):
    assert sofia.get(queue_url(personas.other_queue)).status_code == 404


def test_without_the_limit_a_supervisor_opens_every_queue(personas, sofia):
    personas.organization.supervisors_limited_to_assigned_queues = False
    personas.organization.save()
    assert sofia.get(queue_url(personas.other_queue)).status_code == 200


def test_another_organizations_queue_is_not_found(personas, adela):
    assert adela.get(queue_url(personas.outsider_queue)).status_code == 404


def test_an_agent_cannot_open_a_queue_page(personas):
    assert client_for(personas.agent).get(queue_url(personas.queue)).status_code == 403


def test_register_agents_finds_organization_users_by_name(personas, sofia, pablo):
    response = sofia.get(queue_url(personas.queue), {"region": "register", "q": "pab"}, headers=HTMX)
    body = html(response)
    assert 'id="register-results"' in body and "<html" not in body
    assert "Pablo Sanz" in body and "not a member" in body
    assert "Luis" not in body


def test_register_agents_filters_by_role(personas, sofia, pablo):
    body = html(sofia.get(queue_url(personas.queue), {"q": "", "role": "supervisor"}))
    results = body[body.index('id="register-results"'):]
    assert "Sofía" in results and "Pablo" not in results


def test_register_agents_leaves_out_who_is_logged_in_already(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    body = html(sofia.get(queue_url(personas.queue), {"region": "register", "q": "Ana"}, headers=HTMX))
    assert "Ana López" not in body


def test_register_agents_shows_devices_of_each_candidate(personas, sofia, pablo):
    devices.device_connect(user=pablo, channel_name="specific.2", user_agent="Mozilla/5.0 Firefox/120",
                           session_key="")
    body = html(sofia.get(queue_url(personas.queue), {"region": "register", "q": "Pablo"}, headers=HTMX))
    assert "Firefox" in body


def test_register_agents_never_lists_another_organizations_users(personas, sofia):
    body = html(sofia.get(queue_url(personas.queue), {"region": "register", "q": "oscar"}, headers=HTMX))
    assert "oscar" not in body.lower().replace("nobody matches", "")


def test_registering_a_member_logs_them_in_and_shows_them_in_the_queue(personas, sofia, desk):
    desk.sign_in(personas.agent)
    response = sofia.post(reverse("supervision:agent-queue-login", args=[personas.agent.pk]),
                          {"queue": personas.queue.pk, "back": "queue"}, headers=HTMX)
    assert response.status_code == 200
    assert "Logged in" in text(row(response, "qagent", personas.agent.pk))
    assert "Ana López is logged in to Ventas." in text(html(response))


def test_a_registered_non_member_appears_in_the_queue_as_not_a_member(personas, sofia, desk, pablo):
    personas.organization.allow_unassigned_queue_login = True
    personas.organization.save()
    desk.sign_in(pablo)
    sofia.post(reverse("supervision:agent-queue-login", args=[pablo.pk]), {"queue": personas.queue.pk})
    pablo_row = text(row(sofia.get(queue_url(personas.queue)), "qagent", pablo.pk))
    assert "not a member" in pablo_row and "Logged in" in pablo_row


# --- Devices: only those connected now, grouped -----------------------------------------------------


def connect_device(user, n, user_agent="Mozilla/5.0 Chrome/120"):
    return devices.device_connect(user=user, channel_name=f"specific.{user.pk}.{n}", user_agent=user_agent,
                                  session_key="")


def test_a_closed_device_is_not_shown(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    for n in range(5):
        devices.device_disconnect(device=connect_device(personas.agent, n))
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert 'data-testid="device"' not in agent_row and "Chrome" not in agent_row


def test_devices_of_one_browser_are_counted_once(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    connect_device(personas.agent, 1)
    connect_device(personas.agent, 2)
    connect_device(personas.agent, 3, "Mozilla/5.0 Firefox/120")
    agent_row = text(row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk))
    assert "Chrome ×2, Firefox" in agent_row.replace(" ,", ",")


def test_a_silent_device_still_connected_shows_grey(personas, sofia, desk):
    from contactcenter.models import Device

    desk.sign_in(personas.agent, personas.queue)
    connect_device(personas.agent, 1)
    Device.objects.update(last_seen_at=timezone.now() - timedelta(minutes=2))
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert 'class="device"' in agent_row and 'class="device active"' not in agent_row


def test_the_overview_shows_only_connected_devices_grouped(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    for n in range(40):
        device = connect_device(personas.agent, n)
        if n > 1:
            devices.device_disconnect(device=device)
    agent_row = text(row(sofia.get(reverse("supervision:overview")), "agent", personas.agent.pk))
    assert "Chrome ×2" in agent_row and agent_row.count("Chrome") == 1


def test_register_agents_lists_only_connected_devices(personas, sofia, pablo):
    devices.device_disconnect(device=connect_device(pablo, 1, "Mozilla/5.0 Firefox/120"))
    body = html(sofia.get(queue_url(personas.queue), {"region": "register", "q": "Pablo"}, headers=HTMX))
    assert "Firefox" not in body and "No device connected." in body


# --- Agent links -------------------------------------------------------------------------------------


def test_the_queue_page_links_each_agent_to_their_page(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    agent_row = row(sofia.get(queue_url(personas.queue)), "qagent", personas.agent.pk)
    assert f'href="{reverse("supervision:agent", args=[personas.agent.pk])}"' in agent_row


# --- Registrar agentes: a refusal shows in the panel, next to the agent ----------------------------------


def register(client, agent, queue, **kw):
    return client.post(reverse("supervision:agent-queue-login", args=[agent.pk]),
                       {"queue": queue.pk, "back": "register", "q": "Pablo", "role": ""}, **kw)


def test_a_refused_registration_answers_with_the_register_panel(personas, sofia, desk, pablo):
    desk.sign_in(pablo)
    response = register(sofia, pablo, personas.queue, headers=HTMX)
    body = html(response)
    assert response.headers["HX-Retarget"] == "#register-results"
    assert body.lstrip().startswith('<div id="register-results"')
    candidate = body[body.index(f'id="candidate-{pablo.pk}"'):]
    assert "does not allow" in text(candidate[:candidate.index("</details>")])
    assert 'data-testid="flash"' not in body


def test_a_refused_registration_without_javascript_shows_the_panel_with_the_error(personas, sofia, desk, pablo):
    desk.sign_in(pablo)
    body = html(register(sofia, pablo, personas.queue))
    results = body[body.index('id="register-results"'):]
    assert 'data-testid="register-error"' in results and "does not allow" in text(results)
    assert 'id="register" open' in body


def test_a_refused_registration_logs_nobody_in(personas, sofia, desk, pablo):
    from contactcenter.models import QueueLogin

    desk.sign_in(pablo)
    register(sofia, pablo, personas.queue, headers=HTMX)
    assert not QueueLogin.objects.filter(agent=pablo).exists()


def test_an_accepted_registration_updates_the_queue_body(personas, sofia, desk, pablo):
    personas.organization.allow_unassigned_queue_login = True
    personas.organization.save()
    desk.sign_in(pablo)
    response = register(sofia, pablo, personas.queue, headers=HTMX)
    assert "HX-Retarget" not in response.headers
    assert "Logged in" in text(row(response, "qagent", pablo.pk))


# --- Spanish wording ---------------------------------------------------------------------------------


def test_in_spanish_a_candidate_not_in_the_queue_is_no_es_miembro(personas, sofia, pablo):
    sofia.cookies["django_language"] = "es"
    body = html(sofia.get(queue_url(personas.queue), {"region": "register", "q": "Pablo"}, headers=HTMX))
    assert "no es miembro" in body and "no eres miembro" not in body


def test_in_spanish_the_pause_button_is_the_verb_pausar(personas, sofia, desk):
    desk.sign_in(personas.agent, personas.queue)
    sofia.cookies["django_language"] = "es"
    response = sofia.get(reverse("supervision:queue-agent-actions", args=[personas.queue.pk, personas.agent.pk]))
    assert 'data-testid="action-pause">Pausar</button>' in html(response)


def test_a_registration_refreshes_the_search_results_without_the_registered_agent(personas, sofia, desk, pablo):
    personas.organization.allow_unassigned_queue_login = True
    personas.organization.save()
    desk.sign_in(pablo)
    body = html(register(sofia, pablo, personas.queue, headers=HTMX))
    queue_body, results = body.split('<div id="register-results"', 1)
    assert f'qagent-{pablo.pk}' in queue_body  # now among the queue's agents
    assert results.lstrip().startswith('data-testid="register-results" hx-swap-oob="outerHTML"')
    assert f'id="candidate-{pablo.pk}"' not in results  # logged in now: no longer a candidate
    assert "Nobody matches." in text(results)


# --- A waiting customer's priority ----------------------------------------------------------------


def test_a_supervisor_raises_a_waiting_customers_priority_and_it_is_audited(personas, sofia):
    from contactcenter.models import AuditEntry

    older = f.ConversationFactory(queue=personas.queue, status="queued")
    newer = f.ConversationFactory(queue=personas.queue, status="queued")
    response = sofia.post(reverse("supervision:conversation-priority", args=[newer.pk]), {"priority": "5"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    newer.refresh_from_db()
    assert newer.priority == 5
    body = response.content.decode()
    assert body.index(f'id="waiting-{newer.pk}"') < body.index(f'id="waiting-{older.pk}"')  # first in line now
    entry = AuditEntry.objects.get(action="conversation.priority")
    assert (entry.actor, entry.conversation, entry.data) == (personas.supervisor, newer, {"previous": 0, "priority": 5})


@pytest.mark.parametrize("value", ["", "abc", "101", "-101", "2.5"])
def test_a_bad_priority_is_refused_with_a_message_and_changes_nothing(personas, sofia, value):
    waiting = f.ConversationFactory(queue=personas.queue, status="queued")
    response = sofia.post(reverse("supervision:conversation-priority", args=[waiting.pk]), {"priority": value},
                          headers={"HX-Request": "true"})
    assert "whole number from -100 to 100" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.priority == 0


def test_the_priority_of_another_organizations_or_an_unsupervised_queues_conversation_is_404(personas, sofia):
    foreign = f.ConversationFactory(organization=personas.outsider.organization, queue=personas.outsider_queue,
                                    status="queued")
    unsupervised = f.ConversationFactory(queue=personas.other_queue, status="queued")
    for conversation in (foreign, unsupervised):
        url = reverse("supervision:conversation-priority", args=[conversation.pk])
        assert sofia.post(url, {"priority": "9"}).status_code == 404
        conversation.refresh_from_db()
        assert conversation.priority == 0


def test_a_priority_change_routes_at_once(personas, desk, django_capture_on_commit_callbacks):
    from contactcenter.services import conversations

    p = personas
    desk.ready(p.agent, p.queue)
    with django_capture_on_commit_callbacks(execute=False):
        older = conversations.conversation_open(queue=p.queue, contact=f.ContactFactory(organization=p.organization))
        newer = conversations.conversation_open(queue=p.queue, contact=f.ContactFactory(organization=p.organization))
    from contactcenter.models import Queue

    Queue.objects.filter(pk=p.queue.pk).update(capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        conversations.conversation_set_priority(conversation=newer, priority=3, by=p.supervisor)
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.status, newer.assignee) == ("assigned", p.agent)
    assert older.status == "queued"
