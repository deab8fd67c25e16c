"""Supervisar: a live read-only view of one agent's conversations, audited from start to end;
Susurrar (only the agent sees it, marked as the supervisor's) and Intervenir (the customer sees
the supervisor's name); calls through the voice connector. Whispers never reach the customer:
not the web chat page, not an outbound connector payload."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.urls import reverse

from contactcenter.connectors import outbound
from contactcenter.models import AuditEntry, Channel, Message, MonitoringSession
from contactcenter.services import calls, conversations, telephony
from contactcenter.services import supervision as services
from contactcenter.services.errors import NotAllowed
from tests import factories as f
from tests.supervision.conftest import HTMX, client_for, flashes, html

pytestmark = pytest.mark.django_db

SECRET = "Dile que le ofrezca el 20 % de descuento"


@pytest.fixture
def chat(personas, desk):
    desk.ready(personas.agent, personas.queue)
    return desk.chat_for(personas.agent, personas.queue, "Hola, quiero información", name="Carmen Vidal")


def start_monitoring(client, agent):
    response = client.get(reverse("supervision:monitor", args=[agent.pk]))
    assert response.status_code == 200, response.status_code
    return MonitoringSession.objects.filter(agent=agent).latest("started_at")


def whisper(client, session, conversation, text=SECRET, **kw):
    return client.post(reverse("supervision:whisper", args=[session.pk, conversation.pk]), {"text": text}, **kw)


def barge(client, session, conversation, text, **kw):
    return client.post(reverse("supervision:barge", args=[session.pk, conversation.pk]), {"text": text}, **kw)


# --- The monitor page and its audit ---------------------------------------------------------------


def test_the_monitor_shows_the_agents_open_conversations_with_their_messages(personas, sofia, chat):
    body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk])))
    assert f'id="monitored-{chat.pk}"' in body and "Hola, quiero información" in body and "Carmen Vidal" in body


def test_opening_the_monitor_starts_an_audited_session(personas, sofia, chat):
    session = start_monitoring(sofia, personas.agent)
    assert session.supervisor == personas.supervisor and session.ended_at is None
    entry = AuditEntry.objects.get(action="monitor.start")
    assert (entry.actor, entry.target_user, entry.data["session"]) == (personas.supervisor, personas.agent, session.pk)


def test_stopping_ends_the_session_and_audits_from_and_to(personas, sofia, chat):
    session = start_monitoring(sofia, personas.agent)
    response = sofia.post(reverse("supervision:monitor-stop", args=[session.pk]))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.ended_at is not None
    entry = AuditEntry.objects.get(action="monitor.stop")
    assert entry.data["started_at"] == session.started_at.isoformat()
    assert entry.data["ended_at"] == session.ended_at.isoformat()


def test_stopping_twice_audits_once(personas, chat):
    session = services.monitoring_start(by=personas.supervisor, agent=personas.agent)
    assert services.monitoring_stop(session=session)
    assert not services.monitoring_stop(session=session)
    assert AuditEntry.objects.filter(action="monitor.stop").count() == 1


def test_monitoring_again_closes_the_previous_session(personas, sofia, chat):
    first = start_monitoring(sofia, personas.agent)
    second = start_monitoring(sofia, personas.agent)
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None


def test_a_supervisor_cannot_monitor_an_agent_of_another_queue(personas, sofia, pablo):
    assert sofia.get(reverse("supervision:monitor", args=[pablo.pk])).status_code == 404
    assert not MonitoringSession.objects.exists() and not AuditEntry.objects.exists()


def test_another_organizations_admin_cannot_monitor(personas):
    response = client_for(personas.outsider).get(reverse("supervision:monitor", args=[personas.agent.pk]))
    assert response.status_code == 404
    assert not MonitoringSession.objects.exists()


def test_an_agent_cannot_monitor(personas):
    response = client_for(personas.colleague).get(reverse("supervision:monitor", args=[personas.agent.pk]))
    assert response.status_code == 403
    assert not MonitoringSession.objects.exists()


def test_the_monitoring_service_refuses_an_unsupervised_agent(personas, pablo):
    with pytest.raises(NotAllowed):
        services.monitoring_start(by=personas.supervisor, agent=pablo)


def test_another_supervisors_session_is_not_found(personas, chat):
    session = services.monitoring_start(by=personas.admin, agent=personas.agent)
    assert whisper(client_for(personas.supervisor), session, chat).status_code == 404
    assert not Message.objects.filter(is_whisper=True).exists()


# --- Susurrar --------------------------------------------------------------------------------------


def test_a_whisper_is_an_internal_message_marked_as_the_supervisors(personas, sofia, chat, desk):
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        response = whisper(sofia, session, chat)
    assert response.status_code == 302
    message = Message.objects.get(is_whisper=True)
    assert (message.direction, message.sender, message.body) == ("internal", personas.supervisor, SECRET)
    entry = AuditEntry.objects.get(action="conversation.whisper")
    assert (entry.actor, entry.target_user, entry.conversation) == (personas.supervisor, personas.agent, chat)


def test_the_agent_sees_the_whisper_in_their_conversation(personas, sofia, chat, desk):
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        whisper(sofia, session, chat)
    body = html(client_for(personas.agent).get(reverse("workspace:conversation", args=[chat.pk])))
    start = body.index("msg-whisper")
    assert SECRET in body[start:start + 1500] and "Whisper" in body[start:start + 1500]
    assert "Sofía Ruiz" in body[start:start + 1500]


def test_the_whisper_reaches_the_agents_workspace_live(personas, sofia, chat, desk, captured_events):
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        whisper(sofia, session, chat)
    created = [e for e in captured_events if e.type == "message.created"][-1]
    assert f"agent.{personas.agent.pk}" in created.groups and created.data["direction"] == "internal"


def test_an_empty_whisper_is_refused(personas, sofia, chat):
    session = start_monitoring(sofia, personas.agent)
    response = whisper(sofia, session, chat, text="   ", follow=True)
    assert "Write a message first." in flashes(response)
    assert not Message.objects.filter(is_whisper=True).exists()


def test_an_oversized_whisper_is_refused(personas, sofia, chat):
    session = start_monitoring(sofia, personas.agent)
    response = whisper(sofia, session, chat, text="x" * 5000, follow=True)
    assert any("too long" in m for m in flashes(response))
    assert not Message.objects.filter(is_whisper=True).exists()


def test_a_whisper_with_htmx_answers_with_the_monitored_region(personas, sofia, chat):
    session = start_monitoring(sofia, personas.agent)
    response = whisper(sofia, session, chat, headers=HTMX)
    assert response.status_code == 200 and html(response).lstrip().startswith('<div id="monitored"')
    assert SECRET in html(response)


def test_a_whisper_about_another_agents_conversation_is_not_found(personas, sofia, chat, desk):
    desk.sign_in(personas.colleague, personas.queue)
    session = services.monitoring_start(by=personas.supervisor, agent=personas.colleague)
    assert whisper(sofia, session, chat).status_code == 404
    assert not Message.objects.filter(is_whisper=True).exists()


# --- Whispers never reach the customer ------------------------------------------------------------


@pytest.fixture
def webchat(personas, desk):
    channel = f.ChannelFactory(organization=personas.organization, kind=Channel.Kind.WEBCHAT, queue=personas.queue,
                               public_key="acme-web")
    desk.ready(personas.agent, personas.queue)
    customer = Client()
    with desk.commit():
        customer.post(f"/chat/{channel.public_key}/start/", {"name": "Marta", "text": "Hola, necesito ayuda"})
    conversation = channel.conversations.get()
    assert conversation.assignee == personas.agent
    return channel, customer, conversation


def test_the_customers_web_chat_never_shows_a_whisper(personas, sofia, desk, webchat):
    channel, customer, conversation = webchat
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        whisper(sofia, session, conversation)
        barge(sofia, session, conversation, "Soy la supervisora, le ayudo yo")
    page = customer.get(f"/chat/{channel.public_key}/").content.decode()
    assert "Soy la supervisora, le ayudo yo" in page
    assert "20 % de descuento" not in page


class _Webhook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length", 0))
        _Webhook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "delivered"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Webhook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Webhook.received
    server.shutdown()


def test_no_outbound_connector_payload_carries_a_whisper(personas, sofia, desk, webhook_server):
    url, received = webhook_server
    channel = f.ChannelFactory(organization=personas.organization, kind=Channel.Kind.API, queue=personas.queue,
                               webhook_url=url)
    desk.ready(personas.agent, personas.queue)
    conversation = desk.chat_for(personas.agent, personas.queue, "Hola", channel=channel)
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        whisper(sofia, session, conversation)
        barge(sofia, session, conversation, "Soy la supervisora, le ayudo yo")
    for message in Message.objects.filter(conversation=conversation, delivery=Message.Delivery.PENDING):
        outbound.deliver(message.pk)
    texts = [payload["text"] for payload in received]
    assert "Soy la supervisora, le ayudo yo" in texts
    assert not any("descuento" in json.dumps(payload) for payload in received)
    assert Message.objects.get(is_whisper=True).delivery == ""


# --- Intervenir ------------------------------------------------------------------------------------


def test_a_barge_is_an_outbound_message_signed_by_the_supervisor(personas, sofia, chat, desk):
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        barge(sofia, session, chat, "Buenas, soy Sofía, la supervisora")
    message = Message.objects.get(direction="outbound")
    assert message.sender == personas.supervisor and not message.is_whisper
    assert AuditEntry.objects.filter(action="conversation.barge", actor=personas.supervisor, conversation=chat).exists()


def test_the_customer_sees_the_supervisors_name_on_a_barge(personas, sofia, desk, webchat):
    channel, customer, conversation = webchat
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        barge(sofia, session, conversation, "Le atiendo yo")
    page = customer.get(f"/chat/{channel.public_key}/").content.decode()
    start = page.index("Le atiendo yo")
    assert "Sofía" in page[max(0, start - 800):start + 200]


def test_a_barge_into_a_closed_conversation_is_refused(personas, sofia, chat, desk):
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        conversations.conversation_close(conversation=chat, by=personas.agent)
    response = barge(sofia, session, chat, "¿Hola?", follow=True)
    assert response.status_code == 200
    assert not Message.objects.filter(direction="outbound").exists()


# --- Calls -----------------------------------------------------------------------------------------


@pytest.fixture
def call(personas, desk):
    voice_queue = personas.other_queue
    f.QueueMembershipFactory(queue=voice_queue, user=personas.supervisor, role="supervisor")
    f.QueueMembershipFactory(queue=voice_queue, user=personas.agent)
    desk.ready(personas.agent, voice_queue)
    conversation = desk.arrive(voice_queue)
    offer = conversation.offers.get(agent=personas.agent)
    with desk.commit():
        calls.call_answer(offer_id=offer.pk, agent=personas.agent)
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize("mode", ["listen", "whisper", "barge"])
def test_call_monitoring_goes_through_the_voice_connector_and_shows_its_state(mode, personas, sofia, call, desk):
    backend = telephony.get_backend()
    backend.reset()
    session = start_monitoring(sofia, personas.agent)
    with desk.commit():
        response = sofia.post(reverse("supervision:call-monitor", args=[session.pk, call.pk]), {"mode": mode})
    assert response.status_code == 302
    commands = [c for c in backend.commands_for(call) if c.command == "monitor"]
    assert commands and commands[-1].args == {"supervisor_id": personas.supervisor.pk, "mode": mode}
    session.refresh_from_db()
    assert (session.call, session.call_mode) == (call, mode)
    page = html(sofia.get(reverse("supervision:monitor-session", args=[session.pk])))
    assert 'data-testid="call-monitoring"' in page
    assert AuditEntry.objects.filter(action=f"call.{mode}", actor=personas.supervisor).exists()


def test_an_unknown_call_monitoring_mode_is_refused(personas, sofia, call, desk):
    session = start_monitoring(sofia, personas.agent)
    response = sofia.post(reverse("supervision:call-monitor", args=[session.pk, call.pk]), {"mode": "record"},
                          follow=True)
    assert "Choose listen, whisper or barge." in flashes(response)
    session.refresh_from_db()
    assert session.call_mode == ""


def test_an_agent_cannot_whisper_by_url(personas, chat):
    session = services.monitoring_start(by=personas.supervisor, agent=personas.agent)
    assert whisper(client_for(personas.colleague), session, chat).status_code == 403
    assert not Message.objects.filter(is_whisper=True).exists()


def test_another_organizations_admin_cannot_barge_by_url(personas, chat):
    session = services.monitoring_start(by=personas.supervisor, agent=personas.agent)
    response = barge(client_for(personas.outsider), session, chat, "Hola")
    assert response.status_code == 404
    assert not Message.objects.filter(direction="outbound").exists()


def test_the_whisper_service_refuses_a_supervisor_of_another_queue(personas, desk, pablo):
    desk.ready(pablo, pablo.home)
    conversation = desk.chat_for(pablo, pablo.home)
    with pytest.raises(NotAllowed):
        services.supervisor_whisper(by=personas.supervisor, conversation=conversation, text=SECRET)
    assert not Message.objects.filter(is_whisper=True).exists()


def test_the_barge_service_refuses_an_agent(personas, chat):
    with pytest.raises(NotAllowed):
        services.supervisor_barge(by=personas.colleague, conversation=chat, text="Hola")
    assert not Message.objects.filter(direction="outbound").exists()


# --- How messages are labelled (as in the workspace) --------------------------------------------------


def monitored_message(client, agent, message) -> str:
    body = html(client.get(reverse("supervision:monitor", args=[agent.pk])))
    start = body.rindex("<article", 0, body.index(f'id="msg-{message.pk}"'))
    return body[start:body.index("</article>", start)]


def test_an_automatic_reply_is_labelled_as_one_on_the_monitor(personas, sofia, chat):
    reply = f.MessageFactory(conversation=chat, direction=Message.Direction.SYSTEM, body="Gracias por escribir")
    shown = monitored_message(sofia, personas.agent, reply)
    assert "Automatic reply" in shown and "msg-system" in shown


def test_an_engine_event_line_is_labelled_system_on_the_monitor(personas, sofia, chat):
    line = f.MessageFactory(conversation=chat, direction=Message.Direction.EVENT, body="Transferida a Soporte")
    shown = monitored_message(sofia, personas.agent, line)
    assert "<strong>System</strong>" in shown and "msg-event" in shown


def test_in_spanish_the_whisper_button_is_the_verb_susurrar(personas, sofia, chat):
    sofia.cookies["django_language"] = "es"
    body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk])))
    assert 'data-testid="whisper-send">Susurrar</button>' in body
