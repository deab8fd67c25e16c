"""WhatsApp Cloud API webhooks at /webhooks/whatsapp/<key>/, with payloads shaped exactly as
Meta documents them; media is fetched from a local server standing in for the Graph API."""

import json

import pytest
from django.urls import reverse

from contactcenter.connectors import signing
from contactcenter.connectors.whatsapp import views
from contactcenter.models import Attachment, Channel, Contact, Conversation, Message
from contactcenter.services import conversations
from tests.connectors.api_helpers import (  # noqa: F401 (fixtures)
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    json_reply,
    local_server_fixture,
    whatsapp_channel,
)
from tests.contactcenter import fixtures_files as files

pytestmark = pytest.mark.django_db
WA_ID = "34600111222"
D = Message.Delivery


@pytest.fixture
def channel(personas, local_server):
    return whatsapp_channel(personas, graph_url=local_server.url + "/v21.0")


def url(key="acme-wa"):
    return reverse("whatsapp:webhook", args=[key])


def notification(messages=None, statuses=None, contacts=None, phone_number_id=PHONE_NUMBER_ID):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}}
    if messages is not None:
        value["contacts"] = contacts if contacts is not None else [{"profile": {"name": "Marta Gil"}, "wa_id": WA_ID}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}]}


def text_message(body="Hola, ¿abrís el sábado?", wamid="wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQTM1"):
    return {"from": WA_ID, "id": wamid, "timestamp": "1763712000", "text": {"body": body}, "type": "text"}


def post(client, payload, *, secret=APP_SECRET, signature=None, key="acme-wa"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = signature if signature is not None else signing.sign(secret, body)
    return client.generic("POST", url(key), body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=header)


# --- Verification handshake --------------------------------------------------------------------


def test_the_handshake_echoes_the_challenge_as_plain_text(client, channel):
    response = client.get(url(), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                  "hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


def test_a_wrong_verify_token_is_403(client, channel):
    response = client.get(url(), {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})

    assert response.status_code == 403
    assert b"1" != response.content


def test_a_handshake_without_subscribe_mode_is_403(client, channel):
    response = client.get(url(), {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"})

    assert response.status_code == 403


def test_a_channel_without_verify_token_refuses_every_handshake(client, channel):
    channel.settings.pop("verify_token")
    channel.save()

    response = client.get(url(), {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})

    assert response.status_code == 403


def test_the_handshake_of_an_unknown_channel_is_404(client, channel):
    response = client.get(url("nope"), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                        "hub.challenge": "1"})

    assert response.status_code == 404


# --- Messages ----------------------------------------------------------------------------------


def test_a_text_message_opens_a_conversation_for_the_wa_contact(client, channel):
    response = post(client, notification([text_message()]))

    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.body, message.external_id, message.direction) == (
        "Hola, ¿abrís el sábado?", "wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQTM1", "inbound")
    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id, contact.name, contact.phone) == (
        channel, WA_ID, "Marta Gil", "+" + WA_ID)
    conversation = message.conversation
    assert (conversation.queue, conversation.channel, conversation.status) == (channel.queue, channel, "queued")


def test_a_redelivered_notification_creates_nothing_new(client, channel):
    post(client, notification([text_message()]))
    response = post(client, notification([text_message()]))

    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_several_messages_in_one_notification_join_one_conversation(client, channel):
    post(client, notification([text_message("uno", "wamid.1"), text_message("dos", "wamid.2")]))

    assert Conversation.objects.count() == 1
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == ["uno", "dos"]


def test_an_image_is_downloaded_from_the_graph_api(client, channel, local_server):
    local_server.answer("/v21.0/1037543291543636", json_reply({
        "messaging_product": "whatsapp", "url": local_server.url + "/lookaside/img?mid=1037543291543636",
        "mime_type": "image/png", "sha256": "x", "file_size": len(files.png()), "id": "1037543291543636"}))
    local_server.answer("/lookaside/img", (200, files.png(), "image/png"))
    image = {"from": WA_ID, "id": "wamid.img", "timestamp": "1763712000", "type": "image",
             "image": {"caption": "Mi ticket", "mime_type": "image/png", "sha256": "x", "id": "1037543291543636"}}

    assert post(client, notification([image])).status_code == 200

    message = Message.objects.get()
    assert (message.kind, message.body) == (Message.Kind.ATTACHMENT, "Mi ticket")
    attachment = message.attachments.get()
    assert (attachment.kind, attachment.content_type) == ("image", "image/png")
    assert attachment.file.read() == files.png()
    for request in local_server.received:
        assert request.headers["Authorization"] == "Bearer EAAG-test-token"


@pytest.mark.parametrize("kind, data, filename, expected", [
    ("document", files.pdf, "factura.pdf", "document"),
    ("audio", files.ogg_opus, None, "audio"),
    ("video", files.mp4, None, "video"),
])
def test_documents_audio_and_video_are_downloaded(client, channel, local_server, kind, data, filename, expected):
    local_server.answer("/v21.0/5551", json_reply({"url": local_server.url + "/media/5551", "id": "5551"}))
    local_server.answer("/media/5551", (200, data(), "application/octet-stream"))
    content = {"mime_type": "application/octet-stream", "sha256": "x", "id": "5551"}
    if filename:
        content["filename"] = filename
    message = {"from": WA_ID, "id": f"wamid.{kind}", "timestamp": "1763712000", "type": kind, kind: content}

    post(client, notification([message]))

    attachment = Attachment.objects.get()
    assert attachment.kind == expected
    if filename:
        assert attachment.original_name == filename


def test_media_that_is_not_allowed_becomes_a_note_for_the_agent(client, channel, local_server):
    local_server.answer("/v21.0/777", json_reply({"url": local_server.url + "/media/777", "id": "777"}))
    local_server.answer("/media/777", (200, files.exe(), "application/octet-stream"))
    document = {"from": WA_ID, "id": "wamid.exe", "timestamp": "1763712000", "type": "document",
                "document": {"filename": "factura.pdf", "mime_type": "application/pdf", "id": "777"}}

    post(client, notification([document]))

    message = Message.objects.get()
    assert message.kind == Message.Kind.TEXT
    assert "factura.pdf" in message.body
    assert not Attachment.objects.exists()


def test_media_the_graph_api_cannot_serve_now_is_retried_by_meta(client, channel, local_server):
    local_server.answer("/v21.0/888", (500, b"{}", "application/json"))
    image = {"from": WA_ID, "id": "wamid.later", "timestamp": "1763712000", "type": "image",
             "image": {"mime_type": "image/png", "id": "888"}}

    response = post(client, notification([text_message(), image]))

    assert response.status_code == 503
    assert list(Message.objects.values_list("external_id", flat=True)) == ["wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQTM1"]


def test_a_location_becomes_a_location_message(client, channel):
    location = {"from": WA_ID, "id": "wamid.loc", "timestamp": "1763712000", "type": "location",
                "location": {"latitude": 40.4168, "longitude": -3.7038, "name": "Puerta del Sol",
                             "address": "Plaza de la Puerta del Sol, Madrid"}}

    post(client, notification([location]))

    message = Message.objects.get()
    assert message.kind == Message.Kind.LOCATION
    assert (float(message.latitude), float(message.longitude)) == (40.4168, -3.7038)
    assert message.location_label.startswith("Puerta del Sol")


def test_a_button_reply_is_read_as_text(client, channel):
    interactive = {"from": WA_ID, "id": "wamid.btn", "timestamp": "1763712000", "type": "interactive",
                   "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Sí, confirmo"}}}

    post(client, notification([interactive]))

    assert Message.objects.get().body == "Sí, confirmo"


def test_reactions_are_ignored(client, channel):
    reaction = {"from": WA_ID, "id": "wamid.react", "timestamp": "1763712000", "type": "reaction",
                "reaction": {"message_id": "wamid.x", "emoji": "👍"}}

    post(client, notification([reaction]))

    assert not Message.objects.exists()


def test_an_unsupported_type_tells_the_agent(client, channel):
    unsupported = {"from": WA_ID, "id": "wamid.uns", "timestamp": "1763712000", "type": "unsupported",
                   "errors": [{"code": 131051, "title": "Message type unknown"}]}

    post(client, notification([unsupported]))

    assert "unsupported" in Message.objects.get().body


def test_messages_for_another_phone_number_are_ignored(client, channel):
    post(client, notification([text_message()], phone_number_id="999999999"))

    assert not Message.objects.exists()


# --- Statuses ----------------------------------------------------------------------------------


@pytest.fixture
def sent_message(channel, personas):
    contact = Contact.objects.create(organization=channel.organization, channel=channel, external_id=WA_ID)
    conversation = conversations.conversation_open(queue=channel.queue, contact=contact, channel=channel, text="Hola")
    return Message.objects.create(organization=channel.organization, conversation=conversation,
                                  direction=Message.Direction.OUTBOUND, body="¡Hola!", delivery=D.SENT,
                                  external_id="wamid.out1", created_at=conversation.enqueued_at)


def status(state, wamid="wamid.out1", **extra):
    return {"id": wamid, "status": state, "timestamp": "1763712100", "recipient_id": WA_ID, **extra}


@pytest.mark.parametrize("state", ["delivered", "read", "failed"])
def test_a_status_update_moves_the_delivery_state(client, channel, sent_message, state):
    extra = {"errors": [{"code": 131047, "title": "Re-engagement message"}]} if state == "failed" else {}

    assert post(client, notification(statuses=[status(state, **extra)])).status_code == 200

    sent_message.refresh_from_db()
    assert sent_message.delivery == state


def test_statuses_out_of_order_never_move_back(client, channel, sent_message):
    post(client, notification(statuses=[status("read"), status("delivered"), status("sent")]))

    sent_message.refresh_from_db()
    assert sent_message.delivery == D.READ


def test_a_status_change_is_published(client, channel, sent_message, captured_events,
                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, notification(statuses=[status("delivered")]))

    [event] = [e for e in captured_events if e.type == "message.updated"]
    assert (event.data["message_id"], event.data["delivery"]) == (sent_message.pk, "delivered")


def test_a_status_for_an_unknown_message_is_ignored(client, channel, sent_message):
    assert post(client, notification(statuses=[status("read", wamid="wamid.unknown")])).status_code == 200

    sent_message.refresh_from_db()
    assert sent_message.delivery == D.SENT


def test_a_status_cannot_touch_another_organizations_message(client, channel, sent_message, personas):
    whatsapp_channel(personas, public_key="rival-wa", organization=personas.outsider.organization,
                     queue=personas.outsider_queue, name="WA rival")
    # the rival's channel is configured with the same app secret in this test
    assert post(client, notification(statuses=[status("read")]), key="rival-wa").status_code == 200

    sent_message.refresh_from_db()
    assert sent_message.delivery == D.SENT


# --- Errors ------------------------------------------------------------------------------------


def test_a_bad_signature_is_401_and_writes_nothing(client, channel):
    response = post(client, notification([text_message()]), secret="not-the-app-secret")

    assert response.status_code == 401
    assert not Message.objects.exists()


def test_the_channel_secret_is_not_the_app_secret(client, channel):
    assert post(client, notification([text_message()]), secret=channel.secret).status_code == 401


def test_a_missing_signature_is_401(client, channel):
    response = client.post(url(), json.dumps(notification([text_message()])), content_type="application/json")

    assert response.status_code == 401


def test_an_unknown_or_inactive_channel_is_404(client, channel):
    assert post(client, notification([text_message()]), key="nope").status_code == 404
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert post(client, notification([text_message()])).status_code == 404


def test_an_api_channel_is_not_a_whatsapp_channel(client, personas, channel):
    from tests.connectors.api_helpers import api_channel

    api_channel(personas)

    assert post(client, notification([text_message()]), key="acme-api").status_code == 404


@pytest.mark.parametrize("payload", [b"{", b"[]", {"object": "page", "entry": []},
                                     {"object": "whatsapp_business_account", "entry": {}},
                                     {"object": "whatsapp_business_account", "entry": [{"changes": [
                                         {"field": "messages", "value": {"messages": "hola"}}]}]}])
def test_a_body_not_shaped_as_meta_documents_is_400(client, channel, payload):
    assert post(client, payload).status_code == 400


def test_an_oversized_body_is_413(client, channel, monkeypatch):
    monkeypatch.setattr(views, "MAX_BODY", 100)

    assert post(client, notification([text_message()])).status_code == 413


def test_too_many_notifications_are_429(client, channel, monkeypatch, still_clock):
    monkeypatch.setattr(views, "CHANNEL_LIMIT", 1)
    post(client, notification([text_message()]))

    assert post(client, notification([text_message(wamid="wamid.2")])).status_code == 429


def test_other_methods_are_not_allowed(client, channel):
    assert client.put(url()).status_code == 405


def test_the_url_without_trailing_slash_works_too(client, channel):
    body = json.dumps(notification([text_message()])).encode()
    response = client.generic("POST", url().rstrip("/"), body, content_type="application/json",
                              HTTP_X_HUB_SIGNATURE_256=signing.sign(APP_SECRET, body))

    assert response.status_code == 200
    assert Message.objects.count() == 1
