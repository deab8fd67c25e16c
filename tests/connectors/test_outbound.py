"""Outbound delivery: customer-visible messages on api and whatsapp channels leave through the
provider after commit (Celery, retried with backoff) and show their delivery state. Tested
against a real local HTTP server."""

import pytest

from contactcenter import tasks
from contactcenter.connectors import outbound, signing
from contactcenter.models import Channel, Conversation, Message
from contactcenter.services import attachments, conversations, delivery, messages
from tests import factories as f
from tests.connectors.api_helpers import (  # noqa: F401 (fixtures)
    PHONE_NUMBER_ID,
    SECRET,
    api_channel,
    json_reply,
    local_server_fixture,
    ready_agent_fixture,
    whatsapp_channel,
)
from tests.contactcenter import fixtures_files as files

pytestmark = pytest.mark.django_db
D = Message.Delivery
HOOK = "/hooks/contactcenter"


@pytest.fixture
def scheduled(monkeypatch):
    """The message ids handed to Celery (the broker is not running in tests)."""
    ids = []
    monkeypatch.setattr(tasks.deliver_message, "delay", lambda message_id: ids.append(message_id))
    return ids


def open_conversation(channel, agent, external_id="cust-1") -> Conversation:
    contact = f.ContactFactory(organization=channel.organization, channel=channel, external_id=external_id,
                               name="Marta Gil")
    conversation = conversations.conversation_open(queue=channel.queue, contact=contact, channel=channel,
                                                   text="Hola")
    conversation.refresh_from_db()
    if conversation.status == Conversation.Status.QUEUED:  # routing did not run (no commit in this test)
        conversations.conversation_assign(conversation=conversation, agent=agent, by=agent)
        conversation.refresh_from_db()
    assert conversation.assignee == agent
    return conversation


@pytest.fixture
def api(personas, local_server):
    return api_channel(personas, webhook_url=local_server.url + HOOK)


@pytest.fixture
def conversation(api, ready_agent):
    return open_conversation(api, ready_agent)


def reply(conversation, agent, text="Sí, enviamos a Canarias en 48 h.") -> Message:
    return messages.message_send(conversation=conversation, sender=agent, text=text)


# --- What is delivered -------------------------------------------------------------------------


def test_an_agent_reply_on_an_api_channel_is_pending_and_scheduled_after_commit(
        conversation, ready_agent, scheduled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = reply(conversation, ready_agent)
        assert scheduled == []

    assert message.delivery == D.PENDING
    for callback in callbacks:
        callback()
    assert scheduled == [message.pk]


def test_a_rolled_back_reply_is_never_scheduled(conversation, ready_agent, scheduled):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        reply(conversation, ready_agent)
        raise RuntimeError
    assert scheduled == []


def test_internal_notes_and_whispers_never_leave(conversation, ready_agent, scheduled,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = messages.message_send(conversation=conversation, sender=ready_agent, text="nota", internal=True)
        whisper = messages.message_add(conversation, direction=Message.Direction.INTERNAL, body="psst",
                                             is_whisper=True)

    assert (note.delivery, whisper.delivery) == ("", "")
    assert scheduled == []


def test_a_system_message_to_the_customer_is_delivered(conversation, scheduled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = messages.message_system(conversation=conversation, text="Nuestro horario es de 9 a 18 h.")

    assert message.delivery == D.PENDING
    assert scheduled == [message.pk]


def test_the_engines_notes_about_a_chat_are_not_delivered(conversation, scheduled,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = messages.event_message(conversation, "Assigned to Luis Pérez by Ana López.")

    assert message.delivery == ""
    assert scheduled == []


def test_inbound_messages_are_not_delivered_anywhere(conversation, scheduled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = messages.message_receive(conversation=conversation, text="Gracias")

    assert message.delivery == ""
    assert scheduled == []


def test_webchat_replies_keep_their_state_and_are_not_sent_by_a_connector(personas, ready_agent, scheduled,
                                                                          django_capture_on_commit_callbacks):
    web = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT)
    conversation = open_conversation(web, ready_agent)
    with django_capture_on_commit_callbacks(execute=True):
        message = reply(conversation, ready_agent)

    assert message.delivery == D.SENT
    assert scheduled == []


def test_the_system_lines_of_a_call_are_not_delivered(personas, scheduled, django_capture_on_commit_callbacks):
    channel = api_channel(personas, queue=personas.other_queue, webhook_url="http://127.0.0.1:9/x")
    contact = f.ContactFactory(organization=personas.organization)
    call = conversations.conversation_open(queue=channel.queue, contact=contact, channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        message = messages.event_message(call, "The customer hung up.")

    assert message.delivery == ""
    assert scheduled == []


# --- The api webhook ---------------------------------------------------------------------------


def test_the_task_posts_signed_json_to_the_webhook_and_marks_it_sent(conversation, ready_agent, local_server,
                                                                     api, scheduled):
    local_server.answer(HOOK, json_reply({"ok": True}))
    message = reply(conversation, ready_agent)

    assert tasks.deliver_message(message.pk) == D.SENT

    [request] = local_server.requests_to(HOOK)
    assert request.method == "POST"
    assert signing.verify(SECRET, request.body, request.headers["X-Signature"])
    assert request.headers["Idempotency-Key"] == str(message.pk)
    body = request.json()
    assert body["event"] == "message"
    assert body["message_id"] == str(message.pk)
    assert body["conversation_id"] == conversation.pk
    assert body["channel"] == api.public_key
    assert body["contact"] == {"external_id": "cust-1", "name": "Marta Gil"}
    assert (body["direction"], body["text"]) == ("outbound", "Sí, enviamos a Canarias en 48 h.")
    assert body["sender"] == ready_agent.display_name
    message.refresh_from_db()
    assert message.delivery == D.SENT


def test_a_delivery_change_is_published_for_the_workspace(conversation, ready_agent, local_server, scheduled,
                                                          captured_events, django_capture_on_commit_callbacks):
    local_server.answer(HOOK, json_reply({}))
    message = reply(conversation, ready_agent)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_message(message.pk)

    [updated] = [e for e in captured_events if e.type == "message.updated"]
    assert updated.data["message_id"] == message.pk
    assert updated.data["delivery"] == D.SENT
    assert updated.data["conversation_ids"] == [conversation.pk]
    assert updated.data["agent_ids"] == [ready_agent.pk]


def test_the_provider_may_answer_that_it_delivered(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, json_reply({"status": "delivered"}))
    message = reply(conversation, ready_agent)

    assert tasks.deliver_message(message.pk) == D.DELIVERED


def test_attachments_and_locations_travel_in_the_payload(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, json_reply({}))
    sent = attachments.message_send_attachment(conversation=conversation, sender=ready_agent,
                                               upload=files.upload("plano.pdf", files.pdf()), caption="El plano")
    place = attachments.message_send_location(conversation=conversation, sender=ready_agent,
                                              latitude=40.4168, longitude=-3.7038, label="Tienda Sol")
    tasks.deliver_message(sent.pk)
    tasks.deliver_message(place.pk)

    first, second = (r.json() for r in local_server.requests_to(HOOK))
    [attachment] = first["attachments"]
    assert (attachment["type"], attachment["filename"], attachment["content_type"]) == (
        "document", "plano.pdf", "application/pdf")
    import base64

    assert base64.b64decode(attachment["content"]) == files.pdf()
    assert first["text"] == "El plano"
    assert second["location"] == {"latitude": 40.4168, "longitude": -3.7038, "name": "Tienda Sol"}


def test_a_server_error_is_retried_until_it_succeeds(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, (503, b"busy", "text/plain"), (500, b"oops", "text/plain"), json_reply({}))
    message = reply(conversation, ready_agent)

    tasks.deliver_message.apply(args=[message.pk])

    assert len(local_server.requests_to(HOOK)) == 3
    message.refresh_from_db()
    assert message.delivery == D.SENT


def test_a_direct_call_that_must_retry_raises_for_celery(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, (503, b"busy", "text/plain"))
    message = reply(conversation, ready_agent)

    with pytest.raises(Exception):  # noqa: B017 (Celery's Retry, or the cause when called directly)
        tasks.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.delivery == D.PENDING


def test_a_provider_that_keeps_failing_leaves_the_message_failed(conversation, ready_agent, local_server,
                                                                 scheduled):
    local_server.answer(HOOK, (500, b"down", "text/plain"))
    message = reply(conversation, ready_agent)

    tasks.deliver_message.apply(args=[message.pk])

    assert len(local_server.requests_to(HOOK)) == tasks.deliver_message.max_retries + 1
    message.refresh_from_db()
    assert message.delivery == D.FAILED


def test_an_unreachable_webhook_is_retried(conversation, ready_agent, api, scheduled):
    Channel.objects.filter(pk=api.pk).update(webhook_url="http://127.0.0.1:9/closed-port")
    message = reply(conversation, ready_agent)

    tasks.deliver_message.apply(args=[message.pk])

    message.refresh_from_db()
    assert message.delivery == D.FAILED


def test_a_refusal_fails_at_once_without_retrying(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, json_reply({"error": "unknown customer"}, status=422))
    message = reply(conversation, ready_agent)

    assert tasks.deliver_message(message.pk) == D.FAILED
    assert len(local_server.requests_to(HOOK)) == 1


def test_an_api_channel_without_webhook_fails_the_message(conversation, ready_agent, api, scheduled):
    Channel.objects.filter(pk=api.pk).update(webhook_url="")
    message = reply(conversation, ready_agent)

    assert tasks.deliver_message(message.pk) == D.FAILED


def test_a_message_already_sent_is_not_sent_again(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, json_reply({}))
    message = reply(conversation, ready_agent)
    tasks.deliver_message(message.pk)

    assert tasks.deliver_message(message.pk) == ""
    assert len(local_server.requests_to(HOOK)) == 1


def test_a_deleted_message_is_nothing_to_do(scheduled, db):
    assert tasks.deliver_message(987654) == ""


def test_the_sweep_fails_messages_whose_task_was_lost(conversation, ready_agent, scheduled):
    from datetime import timedelta

    from django.utils import timezone

    lost = reply(conversation, ready_agent, text="perdido")
    Message.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=2))
    recent = reply(conversation, ready_agent, text="reciente")

    assert tasks.deliveries_sweep() == 1

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.delivery, recent.delivery) == (D.FAILED, D.PENDING)


def test_backoff_grows_and_is_capped():
    assert [outbound.backoff(n) for n in range(8)] == [10, 20, 40, 80, 160, 320, 600, 600]


# --- WhatsApp ----------------------------------------------------------------------------------


@pytest.fixture
def wa_conversation(personas, ready_agent, local_server):
    channel = whatsapp_channel(personas, graph_url=local_server.url + "/v21.0")
    return open_conversation(channel, ready_agent, external_id="34600111222")


GRAPH_MESSAGES = f"/v21.0/{PHONE_NUMBER_ID}/messages"
GRAPH_MEDIA = f"/v21.0/{PHONE_NUMBER_ID}/media"


def graph_accepts(local_server, wamid="wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI"):
    local_server.answer(GRAPH_MESSAGES, json_reply({
        "messaging_product": "whatsapp", "contacts": [{"input": "34600111222", "wa_id": "34600111222"}],
        "messages": [{"id": wamid}]}))


def test_a_whatsapp_reply_goes_to_the_graph_api_with_the_token(wa_conversation, ready_agent, local_server,
                                                                scheduled):
    graph_accepts(local_server)
    message = reply(wa_conversation, ready_agent, text="¡Hola Marta!")

    assert tasks.deliver_message(message.pk) == D.SENT

    [request] = local_server.requests_to(GRAPH_MESSAGES)
    assert request.headers["Authorization"] == "Bearer EAAG-test-token"
    assert request.json() == {"messaging_product": "whatsapp", "recipient_type": "individual",
                              "to": "34600111222", "type": "text",
                              "text": {"preview_url": False, "body": "¡Hola Marta!"}}
    message.refresh_from_db()
    assert (message.delivery, message.external_id) == (D.SENT, "wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI")


def test_a_whatsapp_location_is_sent_as_a_location(wa_conversation, ready_agent, local_server, scheduled):
    graph_accepts(local_server)
    message = attachments.message_send_location(conversation=wa_conversation, sender=ready_agent,
                                                latitude=40.4168, longitude=-3.7038, label="Tienda Sol")
    tasks.deliver_message(message.pk)

    body = local_server.requests_to(GRAPH_MESSAGES)[0].json()
    assert body["type"] == "location"
    assert body["location"] == {"latitude": 40.4168, "longitude": -3.7038, "name": "Tienda Sol"}


def test_a_whatsapp_file_is_uploaded_then_sent_by_media_id(wa_conversation, ready_agent, local_server, scheduled):
    local_server.answer(GRAPH_MEDIA, json_reply({"id": "1037543291543636"}))
    graph_accepts(local_server)
    message = attachments.message_send_attachment(conversation=wa_conversation, sender=ready_agent,
                                                  upload=files.upload("plano.pdf", files.pdf()), caption="El plano")
    tasks.deliver_message(message.pk)

    [upload] = local_server.requests_to(GRAPH_MEDIA)
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert files.pdf() in upload.body and b"messaging_product" in upload.body
    body = local_server.requests_to(GRAPH_MESSAGES)[0].json()
    assert body["type"] == "document"
    assert body["document"] == {"id": "1037543291543636", "caption": "El plano", "filename": "plano.pdf"}


def test_a_whatsapp_channel_without_token_fails_the_message(personas, ready_agent, scheduled):
    channel = whatsapp_channel(personas)
    channel.settings.pop("access_token")
    channel.save()
    conversation = open_conversation(channel, ready_agent, external_id="34600111222")
    message = reply(conversation, ready_agent)

    assert tasks.deliver_message(message.pk) == D.FAILED


def test_the_graph_base_url_defaults_to_meta(personas):
    channel = whatsapp_channel(personas)

    assert outbound.graph_url(channel) == "https://graph.facebook.com/v21.0"


# --- Delivery states -----------------------------------------------------------------------------


@pytest.mark.parametrize("current, new, moves", [
    (D.PENDING, D.SENT, True), (D.SENT, D.DELIVERED, True), (D.DELIVERED, D.READ, True),
    (D.SENT, D.READ, True), (D.READ, D.DELIVERED, False), (D.DELIVERED, D.SENT, False),
    (D.SENT, D.SENT, False), (D.PENDING, D.FAILED, True), (D.SENT, D.FAILED, True),
    (D.DELIVERED, D.FAILED, False), (D.FAILED, D.SENT, False), (D.SENT, "bogus", False),
])
def test_delivery_states_only_move_forward(current, new, moves):
    assert delivery.advances(current, new) is moves


def test_the_workspace_message_shows_its_delivery_state(conversation, ready_agent, local_server, scheduled):
    local_server.answer(HOOK, json_reply({"status": "delivered"}))
    message = reply(conversation, ready_agent)
    tasks.deliver_message(message.pk)
    from django.template.loader import render_to_string

    html = render_to_string("workspace/index.html#message", {"message": Message.objects.get(pk=message.pk),
                                                             "conversation": conversation})
    assert "delivery-delivered" in html
    assert "Entregado" in html or "Delivered" in html


# --- Live in the workspace -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_agents_open_conversation_swaps_in_the_new_delivery_state(personas, ready_agent, local_server,
                                                                           scheduled):
    from asgiref.sync import sync_to_async

    from tests.workspace.test_consumers import communicator, receive_all, session_cookie

    local_server.answer(HOOK, json_reply({"status": "delivered"}))
    channel = await sync_to_async(api_channel)(personas, webhook_url=local_server.url + HOOK)
    conversation = await sync_to_async(open_conversation)(channel, ready_agent)
    message = await sync_to_async(reply)(conversation, ready_agent)
    comm = communicator(f"/ws/workspace/?c={conversation.pk}", cookie=await sync_to_async(session_cookie)(ready_agent))
    assert (await comm.connect())[0]
    await receive_all(comm)

    await sync_to_async(tasks.deliver_message)(message.pk)
    html = await receive_all(comm)

    assert f'id="msg-{message.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert "delivery-delivered" in html
    await comm.disconnect()
