"""The web chat socket: authenticated by the visitor's signed token; agent replies, assignment,
close and queue position arrive live; nothing internal ever does."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from contactcenter.asgi import application
from contactcenter.connectors.webchat import consumers, tokens
from contactcenter.models import Channel
from contactcenter.services import agents, conversations, messages, queues, webchat
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True)]


def communicator(channel, token="", *, cookie="", origin=b"http://testserver", language="en"):
    headers = [(b"host", b"testserver"), (b"accept-language", language.encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", f"{tokens.cookie_name(channel)}={cookie}".encode()))
    path = f"/ws/chat/{channel.public_key}/" + (f"?t={token}" if token else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def receive_until(comm, *needles: str, timeout: float = 5.0) -> str:
    html = ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not all(n in html for n in needles) and loop.time() < deadline:
        if await comm.receive_nothing(timeout=0.2):
            continue
        html += await comm.receive_from()
    return html


async def receive_all(comm, timeout=1.0) -> str:
    html = ""
    while not await comm.receive_nothing(timeout=timeout):
        html += await comm.receive_from()
        timeout = 0.5
    return html


@pytest.fixture
def channel(db):
    return f.ChannelFactory(kind=Channel.Kind.WEBCHAT, public_key="shop-web")


@pytest.fixture
def agent(channel):
    return f.QueueMembershipFactory(queue=channel.queue, user__first_name="Ana", user__last_name="López").user


def visitor(channel, name="Marta", text="Hola"):
    conversation = webchat.webchat_start(channel=channel, name=name, text=text)
    conversation.refresh_from_db()
    return conversation, tokens.make(channel, conversation)


def make_ready(agent, queue):
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)


async def test_a_valid_token_connects_and_gets_the_chat(channel):
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token)
    connected, _ = await comm.connect()
    assert connected
    html = await receive_until(comm, 'id="chat-status"', 'id="thread"', 'id="composer-box"')
    assert "Hola" in html and "You are number 1 in the queue" in html
    await comm.disconnect()


async def test_a_reconnect_keeps_the_composer_the_page_shows(channel):
    """The page says which composer it shows (o=1: open): what the visitor types is not wiped."""
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, f"{token}&o=1")
    await comm.connect()
    html = await receive_all(comm)
    assert 'id="thread"' in html and 'id="composer-box"' not in html
    await comm.disconnect()


async def test_the_chat_cookie_also_connects(channel):
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, cookie=token)
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()


@pytest.mark.parametrize("token", ["", "guess", "1", "eyJjIjoxLCJrIjoxfQ:1:abc"])
async def test_a_missing_or_guessed_token_is_refused(channel, token):
    await sync_to_async(visitor)(channel)
    comm = communicator(channel, token)
    connected, _ = await comm.connect()
    assert not connected


async def test_a_token_of_another_channel_is_refused(channel):
    conversation, token = await sync_to_async(visitor)(channel)
    other = await sync_to_async(f.ChannelFactory)(kind=Channel.Kind.WEBCHAT, organization=channel.organization)
    comm = communicator(other, token)
    connected, _ = await comm.connect()
    assert not connected


async def test_a_foreign_origin_is_refused(channel):
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token, origin=b"https://evil.example")
    connected, _ = await comm.connect()
    assert not connected


async def test_the_agents_reply_arrives_live_with_the_agents_display_name(channel, agent):
    await sync_to_async(make_ready)(agent, channel.queue)
    conversation, token = await sync_to_async(visitor)(channel)
    assert conversation.assignee_id == agent.pk
    comm = communicator(channel, token)
    await comm.connect()
    await receive_all(comm)
    await sync_to_async(messages.message_send)(conversation=conversation, sender=agent, text="¿En qué te ayudo?")
    html = await receive_until(comm, "¿En qué te ayudo?")
    assert "¿En qué te ayudo?" in html and "Ana López" in html
    await comm.disconnect()


async def test_internal_notes_never_reach_the_visitor(channel, agent):
    await sync_to_async(make_ready)(agent, channel.queue)
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token)
    await comm.connect()
    await receive_all(comm)
    await sync_to_async(messages.message_send)(conversation=conversation, sender=agent,
                                                    text="cliente pesado", internal=True)
    assert await receive_all(comm) == ""
    await sync_to_async(messages.message_send)(conversation=conversation, sender=agent, text="Hola Marta")
    html = await receive_until(comm, "Hola Marta")
    assert "cliente pesado" not in html
    await comm.disconnect()


async def test_assignment_and_close_arrive_live(channel, agent):
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token)
    await comm.connect()
    await receive_all(comm)
    await sync_to_async(make_ready)(agent, channel.queue)
    html = await receive_until(comm, "You are chatting with Ana López.")
    assert "You are chatting with Ana López." in html
    await sync_to_async(conversations.conversation_close)(conversation=conversation, by=agent)
    html = await receive_until(comm, 'data-testid="chat-closed"', 'id="composer-box"')
    assert 'data-testid="chat-closed"' in html and 'id="composer"' not in html
    await comm.disconnect()


async def test_the_position_in_the_queue_updates_live(channel, agent):
    channel.queue.capacity = 1
    await sync_to_async(channel.queue.save)()
    first, _ = await sync_to_async(visitor)(channel, name="Primera")
    second, token = await sync_to_async(visitor)(channel, name="Segunda")
    comm = communicator(channel, token)
    await comm.connect()
    assert "You are number 2 in the queue" in await receive_until(comm, "You are number 2")
    await sync_to_async(make_ready)(agent, channel.queue)  # the first in line goes to Ana
    html = await receive_until(comm, "You are number 1 in the queue")
    assert "You are number 1 in the queue" in html
    await comm.disconnect()


async def test_another_visitors_messages_never_arrive(channel, agent):
    await sync_to_async(make_ready)(agent, channel.queue)
    mine, token = await sync_to_async(visitor)(channel, name="Yo")
    theirs, _ = await sync_to_async(visitor)(channel, name="Otra")
    comm = communicator(channel, token)
    await comm.connect()
    await receive_all(comm)
    await sync_to_async(messages.message_send)(conversation=theirs, sender=agent, text="dato privado")
    html = await receive_all(comm)
    assert "dato privado" not in html
    await comm.disconnect()


async def test_the_socket_speaks_the_browsers_language(channel):
    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token, language="es-ES,es;q=0.9")
    await comm.connect()
    html = await receive_until(comm, "cola")
    assert "Eres el número 1 de la cola" in html
    await comm.disconnect()


async def test_reconnecting_too_often_is_refused(channel, monkeypatch):
    monkeypatch.setattr(consumers, "CONNECTS_PER_MINUTE", 2)
    conversation, token = await sync_to_async(visitor)(channel)
    for _ in range(2):
        comm = communicator(channel, token)
        connected, _ = await comm.connect()
        assert connected
        await comm.disconnect()
    comm = communicator(channel, token)
    connected, _ = await comm.connect()
    assert not connected


async def test_when_the_channel_layer_heals_the_visitor_gets_the_chat_again(channel):
    from channels.layers import get_channel_layer

    from contactcenter import events
    from contactcenter.layers import HEALED

    conversation, token = await sync_to_async(visitor)(channel)
    comm = communicator(channel, token)
    connected, _ = await comm.connect()
    assert connected
    await receive_all(comm)
    await get_channel_layer().group_send(events.conversation_group(conversation.pk), {"type": HEALED})
    html = await receive_until(comm, 'id="chat-status"', 'id="thread"')
    assert "Hola" in html and 'id="chat-status"' in html
    await comm.disconnect()
