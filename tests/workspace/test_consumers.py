"""The workspace websocket: who may connect, and which fragments each event sends."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from contactcenter.asgi import application
from contactcenter.models import Device, SatisfactionRating
from contactcenter.services import agents, conversations, csat, messages, queues, wrapup
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(path="/ws/workspace/", *, cookie=None, origin=b"http://testserver"):
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.fixture
def ready_agent(personas):
    agents.agent_sign_in(agent=personas.agent)
    queues.queue_login(queue=personas.queue, agent=personas.agent)
    agents.agent_set_receive_new(agent=personas.agent, on=True)
    return personas.agent


async def receive_until(comm, *needles: str, timeout: float = 5.0) -> str:
    """Frames until all needles have arrived (Redis may deliver a little later than memory)."""
    import asyncio

    html = ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not all(n in html for n in needles):
        remaining = deadline - loop.time()
        if remaining <= 0 or await comm.receive_nothing(timeout=min(0.2, remaining)):
            if loop.time() >= deadline:
                break
            continue
        html += await comm.receive_from()
    return html


async def receive_all(comm, timeout=2.0) -> str:
    """Everything the consumer sends until it is quiet."""
    html = ""
    while not await comm.receive_nothing(timeout=timeout):
        html += await comm.receive_from()
        timeout = 0.6
    return html


async def test_anonymous_socket_is_refused(personas):
    comm = communicator()
    connected, _ = await comm.connect()
    assert not connected


async def test_socket_without_origin_is_refused(personas):
    cookie = await sync_to_async(session_cookie)(personas.agent)
    comm = communicator(cookie=cookie, origin=None)
    connected, _ = await comm.connect()
    assert not connected


async def test_socket_from_a_foreign_origin_is_refused(personas):
    cookie = await sync_to_async(session_cookie)(personas.agent)
    comm = communicator(cookie=cookie, origin=b"https://evil.example")
    connected, _ = await comm.connect()
    assert not connected


async def test_connect_sends_a_full_refresh_and_registers_a_device(personas, ready_agent):
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(cookie=cookie)
    connected, _ = await comm.connect()
    assert connected
    html = await receive_all(comm)
    assert 'id="agent-bar"' in html and 'id="lists"' in html
    assert await sync_to_async(Device.objects.filter(user=ready_agent, disconnected_at__isnull=True).count)() == 1
    await comm.disconnect()
    assert await sync_to_async(Device.objects.filter(user=ready_agent, disconnected_at__isnull=True).count)() == 0


async def test_a_new_conversation_reaches_the_agents_list(personas, ready_agent):
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization, name="Rita Cliente")
    await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    html = await receive_all(comm)
    assert 'id="lists"' in html and "Rita Cliente" in html
    await comm.disconnect()


async def test_a_customer_message_is_appended_to_the_open_conversation(personas, ready_agent):
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    conv = await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(f"/ws/workspace/?c={conv.pk}", cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    await sync_to_async(messages.message_receive)(conversation=conv, text="¿Seguís ahí?")
    html = await receive_all(comm)
    assert 'hx-swap-oob="beforeend"' in html and "¿Seguís ahí?" in html
    await comm.disconnect()


async def test_a_socket_closes_when_its_user_is_deactivated(personas, ready_agent):
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    ready_agent.is_active = False
    await sync_to_async(ready_agent.save)()
    await comm.send_to(text_data="ping")
    output = await comm.receive_output(timeout=2)
    assert output["type"] == "websocket.close"


async def test_a_socket_closes_within_seconds_when_its_session_logs_out(personas, ready_agent):
    client = Client()
    await sync_to_async(client.force_login)(ready_agent)
    comm = communicator(cookie=client.cookies["sessionid"].value)
    assert (await comm.connect())[0]
    await receive_all(comm)
    await sync_to_async(client.post)("/accounts/logout/")
    output = await comm.receive_output(timeout=2)
    while output["type"] == "websocket.send":
        output = await comm.receive_output(timeout=2)
    assert output["type"] == "websocket.close"


async def test_a_socket_closes_when_an_admin_deactivates_its_user(personas, ready_agent):
    from contactcenter.services.organizations import user_deactivate

    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    await sync_to_async(user_deactivate)(user=ready_agent, by=personas.admin)
    output = await comm.receive_output(timeout=2)
    while output["type"] == "websocket.send":
        output = await comm.receive_output(timeout=2)
    assert output["type"] == "websocket.close"


async def test_each_event_updates_the_regions_it_changes(personas, ready_agent):
    """agent.status → #agent-bar; wrap-up started → #conv-footer with the form;
    wrap-up ended → #conv-footer without it and the bar back to Ready."""
    queue = personas.queue
    queue.after_service_seconds = 30
    await sync_to_async(queue.save)()
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    conv = await sync_to_async(conversations.conversation_open)(queue=queue, contact=contact, text="Hola")
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(f"/ws/workspace/?c={conv.pk}&footer=composer", cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)

    await sync_to_async(conversations.conversation_close)(conversation=conv, by=ready_agent)
    html = await receive_until(comm, "status-after_service", 'id="conv-footer" data-mode="wrapup"')
    assert 'id="agent-bar"' in html and "status-after_service" in html
    assert 'id="conv-footer" data-mode="wrapup"' in html

    await sync_to_async(wrapup.wrapup_end)(agent=ready_agent, by=ready_agent, source="agent")
    html = await receive_until(comm, "status status-ready", 'id="conv-footer" data-mode="none"')
    assert "status status-ready" in html
    assert 'id="conv-footer" data-mode="none"' in html
    await comm.disconnect()


async def test_my_status_change_redraws_my_bar_but_not_my_lists(personas, ready_agent):
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    await sync_to_async(agents.agent_set_unavailable)(agent=ready_agent, dnd=True)
    html = await receive_all(comm)
    assert 'id="agent-bar"' in html and "status status-dnd" in html
    assert 'id="lists"' not in html  # no list shows a status: not rendered again
    await comm.disconnect()


async def test_a_colleagues_socket_hears_nothing_of_my_conversation(personas, ready_agent):
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    conv = await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact, text="Hola")
    cookie = await sync_to_async(session_cookie)(personas.colleague)  # not logged in to the queue
    comm = communicator(f"/ws/workspace/?c={conv.pk}", cookie=cookie)
    assert (await comm.connect())[0]
    first = await receive_all(comm)
    assert "Hola" not in first  # the conversation is not visible to Luis: no pane is rendered
    await sync_to_async(messages.message_receive)(conversation=conv, text="Privado")
    assert "Privado" not in await receive_all(comm)
    await comm.disconnect()


async def test_when_the_channel_layer_heals_the_workspace_gets_a_full_refresh(personas):
    from channels.layers import get_channel_layer

    from contactcenter.layers import HEALED

    comm = communicator(cookie=await sync_to_async(session_cookie)(personas.agent))
    connected, _ = await comm.connect()
    assert connected
    await receive_all(comm, timeout=0.5)
    device = await sync_to_async(Device.objects.get)(user=personas.agent, disconnected_at__isnull=True)
    await get_channel_layer().send(device.channel_name, {"type": HEALED})
    html = await receive_until(comm, 'id="agent-bar"', 'id="lists"')
    assert 'id="agent-bar"' in html and 'id="lists"' in html
    await comm.disconnect()


def closed_web_chat(personas, agent):
    """A web chat the agent served and closed (its queue asks for a rating)."""
    web = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind="webchat")
    contact = f.ContactFactory(organization=personas.organization, name="Rita Cliente")
    conversation = conversations.conversation_open(queue=personas.queue, contact=contact, channel=web, text="Hola")
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk
    conversations.conversation_close(conversation=conversation, by=agent)
    return conversation


def rate(conversation, score, comment):
    rating = SatisfactionRating.objects.get(conversation=conversation)
    csat.csat_answer(token=csat.csat_token(rating), score=score, comment=comment)


async def test_a_rating_redraws_the_open_conversations_panel_live(personas, ready_agent):
    conversation = await sync_to_async(closed_web_chat)(personas, ready_agent)
    cookie = await sync_to_async(session_cookie)(ready_agent)
    comm = communicator(f"/ws/workspace/?c={conversation.pk}", cookie=cookie)
    assert (await comm.connect())[0]
    assert 'data-testid="conversation-rating"' not in await receive_all(comm)
    await sync_to_async(rate)(conversation, 4, "Muy amable")
    html = await receive_until(comm, "Muy amable")
    assert 'id="contact-panel"' in html and 'data-testid="conversation-rating"' in html and "4/5" in html
    await comm.disconnect()


async def test_a_rating_of_a_colleagues_conversation_redraws_nothing(personas, ready_agent):
    conversation = await sync_to_async(closed_web_chat)(personas, ready_agent)
    cookie = await sync_to_async(session_cookie)(personas.colleague)
    comm = communicator(cookie=cookie)
    assert (await comm.connect())[0]
    await receive_all(comm)
    await sync_to_async(rate)(conversation, 2, "Lento")
    assert "Lento" not in await receive_all(comm, timeout=1.0)
    await comm.disconnect()
