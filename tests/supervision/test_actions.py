"""The Acciones of the supervisor panel, each × who asks × where the agent works: a supervisor
of the agent's queue, a supervisor of another queue, an admin, an agent and another
organization's admin. Allowed: done, audited, in the ledger as "supervisor". Forbidden by URL:
403/404 and nothing changed. The services check again (a view is not the only way in)."""

import pytest
from django.urls import reverse

from contactcenter.models import AgentState, AuditEntry, QueueLogin, StatusInterval
from contactcenter.services import agents, conversations
from contactcenter.services import supervision as services
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f
from tests.supervision.conftest import HTMX, client_for, flashes, html

pytestmark = pytest.mark.django_db


def state(agent) -> AgentState:
    return AgentState.objects.select_related("status").get(agent=agent)


def snapshot(agent) -> tuple:
    s = state(agent)
    return (s.status.code, s.receive_new, s.wrapup_conversation_id,
            sorted(QueueLogin.objects.filter(agent=agent, ended_at__isnull=True).values_list("queue_id", flat=True)),
            StatusInterval.objects.filter(agent=agent).count(), AuditEntry.objects.count())


# --- What each action needs, does, and is recorded as -------------------------------------------


def online(desk, agent, queue, pause):
    desk.sign_in(agent, queue)


def signed_in_not_logged_in(desk, agent, queue, pause):
    desk.sign_in(agent)


def paused(desk, agent, queue, pause):
    desk.sign_in(agent, queue)
    with desk.commit():
        agents.agent_pause(agent=agent, reason=pause)


def in_after_service(desk, agent, queue, pause):
    queue.after_service_seconds = 120
    queue.save()
    desk.ready(agent, queue)
    conversation = desk.chat_for(agent, queue)
    with desk.commit():
        conversations.conversation_close(conversation=conversation, by=agent)


ACTIONS = {
    # name: (set-up, url name, did it happen?, audit action)
    "queue-login": (signed_in_not_logged_in, "supervision:agent-queue-login",
                    lambda agent, queue: QueueLogin.objects.filter(agent=agent, queue=queue, ended_at=None).exists(),
                    "queue.login_agent"),
    "queue-logout": (online, "supervision:agent-queue-logout",
                     lambda agent, queue: not QueueLogin.objects.filter(agent=agent, queue=queue,
                                                                        ended_at=None).exists(),
                     "queue.logout_agent"),
    "pause": (online, "supervision:agent-pause", lambda agent, queue: state(agent).status.code == "capacitacion",
              "agent.pause"),
    "resume": (paused, "supervision:agent-resume", lambda agent, queue: not state(agent).status.is_pause,
               "agent.resume"),
    "force-offline": (online, "supervision:agent-force-offline",
                      lambda agent, queue: state(agent).status.code == "offline", "agent.sign_out"),
    "end-after-service": (in_after_service, "supervision:agent-end-after-service",
                          lambda agent, queue: state(agent).status.code != "after_service",
                          "agent.end_after_service"),
}
STATUS_CHANGING = {"pause", "resume", "force-offline", "end-after-service"}


@pytest.fixture
def manager(personas):
    return f.UserFactory(organization=personas.organization, role="manager", username="marta", first_name="Marta")


def post(client, action, agent, queue, pause, *, htmx=False):
    url = reverse(ACTIONS[action][1], args=[agent.pk])
    data = {"queue": queue.pk, "reason": pause.pk, "back": "queue"}
    return client.post(url, data, headers=HTMX if htmx else {})


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["supervisor", "admin", "manager"])
def test_a_supervising_user_does_the_action_on_an_agent_of_their_queue(action, who, personas, desk, training,
                                                                          manager):
    setup, _url, happened, audit_action = ACTIONS[action]
    agent, queue = personas.agent, personas.queue
    setup(desk, agent, queue, training)
    actor = {"supervisor": personas.supervisor, "admin": personas.admin, "manager": manager}[who]
    with desk.commit():
        response = post(client_for(actor), action, agent, queue, training)
    assert response.status_code == 302 and response.url == reverse("supervision:queue", args=[queue.pk])
    assert happened(agent, queue)
    entry = AuditEntry.objects.filter(action=audit_action).latest("created_at")
    assert (entry.actor, entry.target_user) == (actor, agent)
    if action in STATUS_CHANGING:
        last = StatusInterval.objects.filter(agent=agent).latest("started_at", "id")
        assert (last.source, last.changed_by) == ("supervisor", actor)


@pytest.mark.parametrize("action", ["pause", "resume", "queue-login", "queue-logout"])
def test_an_action_from_a_queue_page_is_audited_with_that_queue(action, personas, desk, training):
    setup, _url, _happened, audit_action = ACTIONS[action]
    setup(desk, personas.agent, personas.queue, training)
    with desk.commit():
        post(client_for(personas.supervisor), action, personas.agent, personas.queue, training)
    assert AuditEntry.objects.filter(action=audit_action).latest("created_at").queue == personas.queue


def test_a_pause_from_the_page_of_a_queue_not_supervised_is_not_found_and_changes_nothing(personas, desk, training,
                                                                                           pablo):
    online(desk, personas.agent, personas.queue, training)
    before = snapshot(personas.agent)
    with desk.commit():
        response = post(client_for(personas.supervisor), "pause", personas.agent, pablo.home, training)
    assert response.status_code == 404
    assert snapshot(personas.agent) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_supervisor_cannot_act_on_an_agent_of_a_queue_they_do_not_supervise(action, personas, desk, training,
                                                                                  pablo):
    setup = ACTIONS[action][0]
    setup(desk, pablo, pablo.home, training)
    before = snapshot(pablo)
    with desk.commit():
        response = post(client_for(personas.supervisor), action, pablo, pablo.home, training)
    assert response.status_code == 404
    assert snapshot(pablo) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_without_the_limit_a_supervisor_acts_on_every_queue(action, personas, desk, training, pablo):
    personas.organization.supervisors_limited_to_assigned_queues = False
    personas.organization.save()
    setup, _url, happened, _audit = ACTIONS[action]
    setup(desk, pablo, pablo.home, training)
    with desk.commit():
        response = post(client_for(personas.supervisor), action, pablo, pablo.home, training)
    assert response.status_code == 302
    assert happened(pablo, pablo.home)


@pytest.mark.parametrize("action", ACTIONS)
def test_another_organizations_admin_gets_not_found_and_changes_nothing(action, personas, desk, training):
    setup = ACTIONS[action][0]
    setup(desk, personas.agent, personas.queue, training)
    before = snapshot(personas.agent)
    with desk.commit():
        response = post(client_for(personas.outsider), action, personas.agent, personas.queue, training)
    assert response.status_code == 404
    assert snapshot(personas.agent) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_an_agent_is_forbidden_and_changes_nothing(action, personas, desk, training):
    setup = ACTIONS[action][0]
    setup(desk, personas.agent, personas.queue, training)
    before = snapshot(personas.agent)
    with desk.commit():
        response = post(client_for(personas.colleague), action, personas.agent, personas.queue, training)
    assert response.status_code == 403
    assert snapshot(personas.agent) == before


@pytest.mark.parametrize("action", ["pause", "resume", "force-offline"])
def test_an_action_with_htmx_answers_with_the_queue_body(action, personas, desk, training):
    setup = ACTIONS[action][0]
    setup(desk, personas.agent, personas.queue, training)
    with desk.commit():
        response = post(client_for(personas.supervisor), action, personas.agent, personas.queue, training, htmx=True)
    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith('<div id="queue-body">') and f'id="qagent-{personas.agent.pk}"' in body


def test_the_get_method_is_refused(personas):
    response = client_for(personas.supervisor).get(reverse("supervision:agent-pause", args=[personas.agent.pk]))
    assert response.status_code == 405


def test_a_pause_with_another_organizations_reason_is_refused(personas, desk):
    desk.sign_in(personas.agent, personas.queue)
    foreign = f.PauseReasonFactory(organization=personas.outsider.organization, name="Ajena")
    before = snapshot(personas.agent)
    client = client_for(personas.supervisor)
    response = client.post(reverse("supervision:agent-pause", args=[personas.agent.pk]),
                           {"reason": foreign.pk, "queue": personas.queue.pk, "back": "queue"}, follow=True)
    assert "Choose one of the organization's pause reasons." in flashes(response)
    assert snapshot(personas.agent) == before


@pytest.mark.parametrize("reason", ["", "abc", "99999999"])
def test_a_pause_without_a_valid_reason_is_refused(reason, personas, desk):
    desk.sign_in(personas.agent, personas.queue)
    before = snapshot(personas.agent)
    response = client_for(personas.supervisor).post(reverse("supervision:agent-pause", args=[personas.agent.pk]),
                                                    {"reason": reason}, follow=True)
    assert "Choose one of the organization's pause reasons." in flashes(response)
    assert snapshot(personas.agent) == before


def test_resuming_an_agent_who_is_not_paused_says_so(personas, desk):
    desk.sign_in(personas.agent, personas.queue)
    before = snapshot(personas.agent)
    response = client_for(personas.supervisor).post(reverse("supervision:agent-resume", args=[personas.agent.pk]),
                                                    follow=True)
    assert "Ana López is not paused." in flashes(response)
    assert snapshot(personas.agent) == before


def test_end_after_service_is_refused_when_the_organization_does_not_allow_it(personas, desk, training):
    in_after_service(desk, personas.agent, personas.queue, training)
    personas.organization.supervisors_end_after_service = False
    personas.organization.save()
    before = snapshot(personas.agent)
    response = post(client_for(personas.supervisor), "end-after-service", personas.agent, personas.queue, training)
    assert response.status_code == 403
    assert snapshot(personas.agent) == before


def test_logging_a_non_member_in_follows_the_unassigned_queue_policy(personas, desk, pablo):
    desk.sign_in(pablo)
    client = client_for(personas.supervisor)
    url = reverse("supervision:agent-queue-login", args=[pablo.pk])
    response = client.post(url, {"queue": personas.queue.pk, "back": "queue"}, follow=True)
    assert any("does not allow logging in to unassigned queues" in m for m in flashes(response))
    assert not QueueLogin.objects.filter(agent=pablo).exists()
    personas.organization.allow_unassigned_queue_login = True
    personas.organization.save()
    client.post(url, {"queue": personas.queue.pk, "back": "queue"})
    login = QueueLogin.objects.get(agent=pablo, queue=personas.queue)
    assert login.is_unassigned and login.logged_in_by == personas.supervisor


def test_a_non_member_logged_in_by_a_supervisor_is_not_made_a_member(personas, desk, pablo):
    personas.organization.allow_unassigned_queue_login = True
    personas.organization.save()
    desk.sign_in(pablo)
    client_for(personas.supervisor).post(reverse("supervision:agent-queue-login", args=[pablo.pk]),
                                         {"queue": personas.queue.pk})
    assert not pablo.queue_memberships.filter(queue=personas.queue).exists()


# --- The services check again --------------------------------------------------------------------


def test_the_pause_service_refuses_a_supervisor_of_another_queue(personas, desk, training, pablo):
    desk.sign_in(pablo, pablo.home)
    before = snapshot(pablo)
    with pytest.raises(NotAllowed):
        services.supervisor_pause(by=personas.supervisor, agent=pablo, reason=training)
    assert snapshot(pablo) == before


def test_the_force_offline_service_refuses_an_agent(personas, desk):
    desk.sign_in(personas.agent, personas.queue)
    with pytest.raises(NotAllowed):
        services.supervisor_force_offline(by=personas.colleague, agent=personas.agent)
    assert state(personas.agent).status.code == "online"


def test_the_queue_login_service_refuses_an_unsupervised_queue(personas, desk, pablo):
    desk.sign_in(personas.agent)
    with pytest.raises(NotAllowed):
        services.supervisor_queue_login(by=personas.supervisor, agent=personas.agent, queue=pablo.home)
    assert not QueueLogin.objects.filter(agent=personas.agent).exists()


def test_the_queue_login_service_refuses_another_organizations_agent(personas, desk):
    stranger = f.AgentFactory(organization=personas.outsider.organization)
    with pytest.raises(NotAllowed):
        services.supervisor_queue_login(by=personas.admin, agent=stranger, queue=personas.queue)


def test_the_end_after_service_service_follows_the_organization_toggle(personas, desk, training):
    in_after_service(desk, personas.agent, personas.queue, training)
    personas.organization.supervisors_end_after_service = False
    personas.organization.save()
    personas.supervisor.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.supervisor_end_after_service(by=personas.supervisor, agent=personas.agent)
    assert state(personas.agent).status.code == "after_service"


def test_logging_out_an_agent_who_is_not_logged_in_says_so(personas, desk):
    desk.sign_in(personas.agent)
    with pytest.raises(DomainError, match="is not logged in to Ventas"):
        services.supervisor_queue_logout(by=personas.supervisor, agent=personas.agent, queue=personas.queue)


def test_a_paused_agent_gets_no_new_work(personas, desk, training):
    desk.ready(personas.agent, personas.queue)
    with desk.commit():
        services.supervisor_pause(by=personas.supervisor, agent=personas.agent, reason=training)
    conversation = desk.arrive(personas.queue)
    assert conversation.assignee_id is None


def test_the_pause_publishes_the_agents_status_for_the_workspace(personas, desk, training, captured_events):
    desk.sign_in(personas.agent, personas.queue)
    with desk.commit():
        services.supervisor_pause(by=personas.supervisor, agent=personas.agent, reason=training)
    status = [e for e in captured_events if e.type == "agent.status"][-1]
    assert status.data["status"] == "capacitacion" and status.data["source"] == "supervisor"
    assert f"agent.{personas.agent.pk}" in status.groups and f"org.{personas.organization.pk}" in status.groups
    assert status.data["queue_ids"] == [personas.queue.pk]

