"""The supervision websocket: supervisors hear only the queues and agents they may see."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from contactcenter.asgi import application
from contactcenter.models import AgentState
from contactcenter.services import agents, conversations, notifications, queues, shifts
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(user):
    cookie = await sync_to_async(session_cookie)(user)
    comm = WebsocketCommunicator(application, "/ws/supervision/", headers=[
        (b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await comm.connect()
    return comm, connected


async def drain(comm, timeout=2.0) -> str:
    html = ""
    while not await comm.receive_nothing(timeout=timeout):
        html += await comm.receive_from()
        timeout = 0.6
    return html


async def watching(user):
    """A supervision socket that is connected and past its refresh: what comes next is live."""
    comm, connected = await connect(user)
    assert connected
    await drain(comm)
    return comm


@pytest.fixture
def two_queues(personas):
    """Sofía supervises Ventas (where Ana works); Soporte has its own agent, Pablo."""
    soporte = personas.other_queue
    pablo = f.AgentFactory(organization=personas.organization, username="pablo", first_name="Pablo")
    f.QueueMembershipFactory(queue=soporte, user=pablo)
    return {"ventas": personas.queue, "soporte": soporte, "pablo": pablo}


async def test_an_agent_cannot_open_the_supervision_socket(personas):
    comm, connected = await connect(personas.agent)
    assert not connected


async def test_a_supervisor_sees_the_status_change_of_an_agent_of_their_queue(personas, two_queues):
    comm, connected = await connect(personas.supervisor)
    assert connected
    html = await drain(comm)
    assert f'id="agent-{personas.agent.pk}"' in html
    assert f'id="agent-{two_queues["pablo"].pk}"' not in html
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    html = await drain(comm)
    assert f'id="agent-{personas.agent.pk}-status"' in html and "status-online" in html
    await comm.disconnect()


async def test_a_supervisor_limited_to_assigned_queues_hears_nothing_of_another_queue(personas, two_queues):
    comm = await watching(personas.supervisor)
    pablo = two_queues["pablo"]
    await sync_to_async(agents.agent_sign_in)(agent=pablo)
    await sync_to_async(queues.queue_login)(queue=two_queues["soporte"], agent=pablo)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    await sync_to_async(conversations.conversation_open)(queue=two_queues["soporte"], contact=contact)
    assert await drain(comm) == ""
    await comm.disconnect()


async def test_without_the_limit_a_supervisor_sees_every_queue(personas, two_queues):
    org = personas.organization
    org.supervisors_limited_to_assigned_queues = False
    await sync_to_async(org.save)()
    comm, connected = await connect(personas.supervisor)
    assert connected
    html = await drain(comm)
    assert f'id="agent-{two_queues["pablo"].pk}"' in html
    await sync_to_async(agents.agent_sign_in)(agent=two_queues["pablo"])
    assert "status-online" in await drain(comm)
    await comm.disconnect()


async def test_a_new_conversation_updates_the_queue_figures(personas, two_queues):
    comm = await watching(personas.supervisor)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    html = await drain(comm)
    assert 'id="overview-figures"' in html and f'id="queue-{personas.queue.pk}"' in html
    await comm.disconnect()


async def test_another_organizations_manager_hears_nothing(personas, two_queues):
    outsider_manager = await sync_to_async(f.UserFactory)(organization=personas.outsider.organization,
                                                          role="manager", username="mara")
    comm, connected = await connect(outsider_manager)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    assert await drain(comm) == ""
    await comm.disconnect()


def test_the_overview_shows_campaign_progress(client, personas):
    campaign = f.CampaignFactory(organization=personas.organization, name="Renovaciones")
    f.QueueMembershipFactory(queue=campaign, user=personas.supervisor, role="supervisor")
    f.CampaignContactFactory(queue=campaign)
    f.CampaignContactFactory(queue=campaign, attempts=1, status="done")
    client.force_login(personas.supervisor)
    body = client.get("/supervision/").content.decode()
    assert 'data-testid="campaign-progress"' in body and "Renovaciones" in body


# --- The queue, agent and monitor pages ----------------------------------------------------------


async def connect_to(user, query: str):
    cookie = await sync_to_async(session_cookie)(user)
    comm = WebsocketCommunicator(application, f"/ws/supervision/?{query}", headers=[
        (b"host", b"testserver"), (b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await comm.connect()
    return comm, connected


async def test_the_queue_page_socket_updates_an_agents_row_when_paused(personas):
    pause = await sync_to_async(f.PauseReasonFactory)(organization=personas.organization, name="Capacitación")
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    comm, connected = await connect_to(personas.supervisor, f"queue={personas.queue.pk}")
    assert connected
    assert 'id="queue-body"' in await drain(comm)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=pause)
    html = await drain(comm)
    assert f'<tr id="qagent-{personas.agent.pk}"' in html and 'agent-pause-reason">Capacitación' in html
    await comm.disconnect()


async def test_the_queue_page_socket_lists_a_new_waiting_customer(personas):
    comm, connected = await connect_to(personas.supervisor, f"queue={personas.queue.pk}")
    assert connected
    await drain(comm)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization, name="Carmen Vidal")
    conversation = await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact)
    html = await drain(comm)
    assert 'id="queue-waiting"' in html and f'id="waiting-{conversation.pk}"' in html and "Carmen Vidal" in html
    await comm.disconnect()


async def test_a_queue_page_socket_of_an_unsupervised_queue_is_closed(personas):
    comm, connected = await connect_to(personas.supervisor, f"queue={personas.other_queue.pk}")
    if connected:
        assert (await comm.receive_output(2))["type"] == "websocket.close"
    await comm.disconnect()


async def test_the_agent_page_socket_redraws_the_timeline_on_a_status_change(personas):
    comm, connected = await connect_to(personas.supervisor, f"agent={personas.agent.pk}")
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    html = await drain(comm)
    assert 'id="agent-timeline"' in html and "seg-online" in html
    await comm.disconnect()


async def test_the_monitor_socket_shows_a_whisper_and_closing_it_ends_the_session(personas):
    from contactcenter.models import AuditEntry, MonitoringSession
    from contactcenter.services import supervision

    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    await sync_to_async(queues.queue_login)(queue=personas.queue, agent=personas.agent)
    await sync_to_async(agents.agent_set_receive_new)(agent=personas.agent, on=True)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    conversation = await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact,
                                                                        text="Hola")
    session = await sync_to_async(supervision.monitoring_start)(by=personas.supervisor, agent=personas.agent)
    comm, connected = await connect_to(personas.supervisor, f"monitor={session.pk}")
    assert connected
    await drain(comm)
    await sync_to_async(supervision.supervisor_whisper)(by=personas.supervisor, conversation=conversation,
                                                        text="Ofrécele la tarifa plana")
    assert "Ofrécele la tarifa plana" in await drain(comm)
    await comm.disconnect()
    session = await sync_to_async(MonitoringSession.objects.get)(pk=session.pk)
    assert session.ended_at is not None
    assert await sync_to_async(AuditEntry.objects.filter(action="monitor.stop").count)() == 1


async def test_live_agent_rows_link_to_the_agents_page(personas):
    await sync_to_async(notifications.notification_preference_save)(  # the toast links too
        user=personas.supervisor, status_changes="all", missed_shifts=True, panel=True, browser=False,
        email_digest=False)
    comm, connected = await connect(personas.supervisor)
    assert connected
    html = await drain(comm)
    assert f'href="/supervision/agents/{personas.agent.pk}/"' in html
    assert f'href="{personas.agent.pk}/"' not in html
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    html = await drain(comm)
    assert f'href="/supervision/agents/{personas.agent.pk}/"' in html
    await comm.disconnect()


async def test_supervisors_seeing_the_same_queues_share_one_render_of_a_status_change(personas, monkeypatch):
    from supervision.consumers import SupervisionConsumer

    colleagues = [await sync_to_async(f.SupervisorFactory)(organization=personas.organization, username=f"sup{i}")
                  for i in range(3)]
    for supervisor in colleagues:
        await sync_to_async(f.QueueMembershipFactory)(queue=personas.queue, user=supervisor, role="supervisor")
    sockets = [(await connect(user))[0] for user in [personas.supervisor, *colleagues]]
    for comm in sockets:
        await drain(comm)
    renders, handled_in_a_thread = [], []
    render_cells, handle_event = SupervisionConsumer.render_status_cells, SupervisionConsumer.handle_event
    monkeypatch.setattr(SupervisionConsumer, "render_status_cells",
                        lambda self, event, agent_id: renders.append(agent_id) or render_cells(self, event, agent_id))
    monkeypatch.setattr(SupervisionConsumer, "handle_event",
                        lambda self, event: handled_in_a_thread.append(event["type"]) or handle_event(self, event))
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    for comm in sockets:
        html = await drain(comm)
        assert f'<td id="agent-{personas.agent.pk}-status">' in html and "status-online" in html
        assert 'id="overview-figures"' in html
    assert renders == [personas.agent.pk]  # four sockets, one render
    # No socket handled the status change in its thread: it was answered from the event loop.
    assert handled_in_a_thread == []
    for comm in sockets:
        await comm.disconnect()


async def test_a_pause_shows_its_reason_and_a_restarted_timer_in_the_status_cells(personas):
    reason = await sync_to_async(f.PauseReasonFactory)(organization=personas.organization, name="Café")
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    comm = await watching(personas.supervisor)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=reason)
    html = await drain(comm)
    assert f'<td id="agent-{personas.agent.pk}-status">' in html
    assert 'class="status status-pause"' in html and "Café" in html
    state = await sync_to_async(AgentState.objects.get)(agent=personas.agent)
    assert f'data-since="{state.since.isoformat()}"' in html
    await comm.disconnect()


async def test_turning_receive_new_on_during_a_pause_updates_the_receive_new_cell(personas):
    reason = await sync_to_async(f.PauseReasonFactory)(organization=personas.organization)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=reason)
    comm = await watching(personas.supervisor)
    await sync_to_async(agents.agent_set_receive_new)(agent=personas.agent, on=True)
    html = await drain(comm)
    assert f'<td id="agent-{personas.agent.pk}-receive-new">yes</td>' in html
    await comm.disconnect()


async def test_quick_status_changes_reach_every_supervisor_in_the_order_they_happened(personas):
    colleague = await sync_to_async(f.SupervisorFactory)(organization=personas.organization, username="sup-quick")
    await sync_to_async(f.QueueMembershipFactory)(queue=personas.queue, user=colleague, role="supervisor")
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    sockets = [await watching(user) for user in (personas.supervisor, colleague)]

    def flip():
        for dnd in (True, False, True, False):
            agents.agent_set_unavailable(agent=personas.agent, dnd=dnd)

    await sync_to_async(flip)()
    cells = f'<td id="agent-{personas.agent.pk}-status">'
    for comm in sockets:
        frames = []
        while not await comm.receive_nothing(timeout=1.0):
            frames.append(await comm.receive_from())
        shown = [re.search(r'class="status status-(\w+)"', frame).group(1) for frame in frames if cells in frame]
        assert shown == ["dnd", "online", "dnd", "online"]
        await comm.disconnect()


async def _in_service(personas):
    """Ana is Ready in Ventas and a customer's chat is routed to her: In service."""
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    await sync_to_async(queues.queue_login)(queue=personas.queue, agent=personas.agent)
    await sync_to_async(agents.agent_set_receive_new)(agent=personas.agent, on=True)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    state = await sync_to_async(AgentState.objects.select_related("status").get)(agent=personas.agent)
    assert state.status.code == "in_service"


async def test_switching_receive_new_off_while_in_service_updates_the_receive_new_cell(personas):
    await _in_service(personas)
    comm = await watching(personas.supervisor)
    await sync_to_async(agents.agent_set_receive_new)(agent=personas.agent, on=False)
    html = await drain(comm)
    assert f'<td id="agent-{personas.agent.pk}-receive-new">no</td>' in html
    assert "In service" in html and "when done: Online" in html
    await comm.disconnect()


async def test_choosing_do_not_disturb_while_in_service_shows_it_in_the_supervisors_row(personas):
    await _in_service(personas)
    comm = await watching(personas.supervisor)
    await sync_to_async(agents.agent_set_unavailable)(agent=personas.agent, dnd=True)
    html = await drain(comm)
    assert f'<td id="agent-{personas.agent.pk}-receive-new">no</td>' in html
    assert "when done: Do not disturb" in html
    await comm.disconnect()


async def test_a_shift_start_redraws_the_agents_row_with_late_to_log_in(personas, shift_started):
    """Ana's shift starts at 8:00 (Madrid) and she is offline: the beat's change of her shift phase
    reaches the supervisor's overview, whose row now says she is late."""
    with time_machine.travel(shift_started, tick=True):
        await sync_to_async(on_a_morning_schedule)(personas.agent, shift_started)
        comm = await watching(personas.supervisor)
        await sync_to_async(shifts.agent_shift_apply)(agent_id=personas.agent.pk, only_due=False)
        html = await drain(comm)
    row = html.split(f'id="agent-{personas.agent.pk}"')[1].split("</tr>")[0]
    assert "Late to log in" in row
    await comm.disconnect()


@pytest.fixture
def shift_started():
    """07:05 UTC on a Monday one to two weeks ahead (8:05 or 9:05 in Madrid, inside an 8:00–15:00
    shift): after every row the fixtures wrote, whatever today's date (the ledger's intervals may
    not end before they start)."""
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=14 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 7, 5, tzinfo=UTC)


def on_a_morning_schedule(agent, started):
    """Mondays 8:00–15:00 (Madrid) from the week before; offline since before the shift."""
    schedule = f.ScheduleFactory(organization=agent.organization)
    f.ScheduleShiftFactory(schedule=schedule, weekday=0, starts=time(8), ends=time(15))
    f.AgentScheduleFactory(agent=agent, schedule=schedule, valid_from=started.date() - timedelta(days=7))
    AgentState.objects.filter(agent=agent).update(since=started - timedelta(hours=2))


async def test_a_scheduled_agents_status_change_redraws_their_adherence(personas, shift_started):
    """In her shift, Ana signs in but is not Ready: the row's adherence moves from late to not ready."""
    with time_machine.travel(shift_started, tick=True):
        await sync_to_async(on_a_morning_schedule)(personas.agent, shift_started)
        await sync_to_async(shifts.agent_shift_apply)(agent_id=personas.agent.pk, only_due=False)
        comm = await watching(personas.supervisor)
        await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
        html = await drain(comm)
    row = html.split(f'id="agent-{personas.agent.pk}"')[1].split("</tr>")[0]
    assert "In shift, not ready" in row and "Late to log in" not in row
    await comm.disconnect()
