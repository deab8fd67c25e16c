"""POST /api/v1/channels/<key>/messages: signed, idempotent by message_id, every error code,
nothing written on error."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from contactcenter.connectors import signing
from contactcenter.connectors.api import views
from contactcenter.models import Attachment, Channel, Contact, Conversation, Message
from contactcenter.services import conversations
from tests import factories as f
from tests.connectors.api_helpers import (  # noqa: F401 (fixtures)
    SECRET,
    api_channel,
    json_reply,
    local_server_fixture,
    messages_url,
    post_signed,
    ready_agent_fixture,
)
from tests.contactcenter import fixtures_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(personas):
    return api_channel(personas)


def payload(**fields):
    return {"external_id": "cust-1", "message_id": "m-1", "text": "Hola, ¿tenéis envíos a Canarias?", **fields}


def post(client, data, **kwargs):
    return post_signed(client, messages_url(), data, **kwargs)


def nothing_written():
    return not (Contact.objects.exists() or Conversation.objects.exists() or Message.objects.exists()
                or Attachment.objects.exists())


# --- Accepted ----------------------------------------------------------------------------------


def test_a_signed_message_is_accepted_with_its_ids(client, channel):
    response = post(client, payload(name="Marta Gil"))

    assert response.status_code == 202
    data = response.json()
    message = Message.objects.get()
    assert data == {"status": "accepted", "duplicate": False, "contact_id": message.conversation.contact_id,
                    "conversation_id": message.conversation_id, "message_ids": [message.pk]}
    assert message.body == "Hola, ¿tenéis envíos a Canarias?"
    assert message.direction == Message.Direction.INBOUND
    assert message.external_id == "m-1"


def test_the_contact_is_created_by_channel_and_external_id(client, channel):
    post(client, payload(name="Marta Gil"))

    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id, contact.name) == (channel, "cust-1", "Marta Gil")
    assert contact.organization == channel.organization


def test_a_new_conversation_waits_in_the_channel_queue(client, channel):
    post(client, payload())

    conversation = Conversation.objects.get()
    assert (conversation.queue, conversation.channel, conversation.status) == (channel.queue, channel, "queued")
    assert conversation.medium == Conversation.Medium.CHAT


def test_the_new_conversation_is_routed_to_a_ready_agent(client, channel, ready_agent,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload())

    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.assignee) == ("assigned", ready_agent)


def test_the_message_is_published_to_the_queue(client, channel, captured_events,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload())

    created = [e for e in captured_events if e.type == "message.created"]
    assert [e.data["message_id"] for e in created] == [Message.objects.get().pk]
    assert channel.queue_id in created[0].data["queue_ids"]


def test_a_second_message_joins_the_open_conversation(client, channel):
    first = post(client, payload()).json()
    second = post(client, payload(message_id="m-2", text="¿Y a Ceuta?")).json()

    assert second["conversation_id"] == first["conversation_id"]
    assert second["contact_id"] == first["contact_id"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


def test_after_the_conversation_closed_a_message_opens_a_new_one(client, channel, personas):
    first = post(client, payload()).json()
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    conversations.conversation_close(conversation=conversation, by=personas.supervisor)

    second = post(client, payload(message_id="m-2")).json()

    assert second["conversation_id"] != first["conversation_id"]
    assert second["contact_id"] == first["contact_id"]


def test_another_external_id_is_another_contact(client, channel):
    post(client, payload())
    post(client, payload(external_id="cust-2", message_id="m-2"))

    assert Contact.objects.count() == 2
    assert Conversation.objects.count() == 2


def test_a_known_contact_keeps_the_name_an_agent_gave_it(client, channel):
    Contact.objects.create(organization=channel.organization, channel=channel, external_id="cust-1",
                           name="Marta (clienta VIP)")
    post(client, payload(name="marta"))

    assert Contact.objects.get().name == "Marta (clienta VIP)"


# --- Idempotency -------------------------------------------------------------------------------


def test_a_retried_delivery_creates_nothing_new(client, channel):
    first = post(client, payload())
    again = post(client, payload())

    assert again.status_code == 202
    assert again.json() == {**first.json(), "duplicate": True}
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_a_retry_with_other_text_is_still_the_same_message(client, channel):
    post(client, payload())
    again = post(client, payload(text="otra cosa"))

    assert again.json()["duplicate"] is True
    assert list(Message.objects.values_list("body", flat=True)) == ["Hola, ¿tenéis envíos a Canarias?"]


def test_a_retried_delivery_with_attachments_returns_every_message(client, channel):
    data = payload(attachments=[
        {"type": "image", "content": base64.b64encode(files.png()).decode(), "filename": "a.png"},
        {"type": "image", "content": base64.b64encode(files.gif()).decode(), "filename": "b.gif"},
    ])
    first = post(client, data).json()
    again = post(client, data).json()

    assert len(first["message_ids"]) == 2
    assert again["message_ids"] == first["message_ids"]
    assert Attachment.objects.count() == 2


def test_a_message_id_used_on_another_channel_is_refused(client, channel, personas):
    other = api_channel(personas, public_key="acme-api-2", name="API 2")
    post_signed(client, messages_url(other.public_key), payload())

    response = post(client, payload())

    assert response.status_code == 400
    assert "message_id" in response.json()["errors"]
    assert Message.objects.count() == 1


# --- Attachments and locations ---------------------------------------------------------------


def test_a_base64_image_is_stored_as_an_attachment_with_the_text_as_caption(client, channel):
    response = post(client, payload(attachments=[
        {"type": "image", "content": base64.b64encode(files.png()).decode(), "filename": "foto.png"}]))

    assert response.status_code == 202
    message = Message.objects.get()
    assert (message.kind, message.body) == (Message.Kind.ATTACHMENT, "Hola, ¿tenéis envíos a Canarias?")
    attachment = message.attachments.get()
    assert (attachment.kind, attachment.content_type, attachment.original_name) == ("image", "image/png", "foto.png")
    assert attachment.file.read() == files.png()


def test_an_attachment_by_url_is_downloaded(client, channel, local_server):
    local_server.answer("/files/factura.pdf", (200, files.pdf(), "application/pdf"))
    response = post(client, payload(text="", attachments=[
        {"type": "document", "url": local_server.url + "/files/factura.pdf"}]))

    assert response.status_code == 202, response.json()
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.original_name) == ("document", "factura.pdf")
    assert attachment.file.read() == files.pdf()


def test_an_attachment_url_that_fails_is_refused_and_nothing_is_written(client, channel, local_server):
    response = post(client, payload(attachments=[{"type": "document", "url": local_server.url + "/missing.pdf"}]))

    assert response.status_code == 400
    assert "attachments.0.url" in response.json()["errors"]
    assert nothing_written()


def test_an_attachment_url_on_a_private_network_is_refused(client, channel, settings, local_server):
    settings.CONNECTORS_ALLOW_PRIVATE_URLS = False
    local_server.answer("/a.png", (200, files.png(), "image/png"))
    response = post(client, payload(attachments=[{"type": "image", "url": local_server.url + "/a.png"}]))

    assert response.status_code == 400
    assert "attachments.0.url" in response.json()["errors"]
    assert local_server.received == []


def test_a_file_is_judged_by_its_content_not_its_name(client, channel):
    response = post(client, payload(attachments=[
        {"type": "image", "content": base64.b64encode(files.html()).decode(), "filename": "foto.png"}]))

    assert response.status_code == 400
    assert "attachments.0" in response.json()["errors"]
    assert nothing_written()


def test_a_file_of_another_type_than_declared_is_refused(client, channel):
    response = post(client, payload(attachments=[
        {"type": "video", "content": base64.b64encode(files.png()).decode(), "filename": "foto.png"}]))

    assert response.status_code == 400
    assert "attachments.0.type" in response.json()["errors"]


def test_invalid_base64_is_refused(client, channel):
    response = post(client, payload(attachments=[{"type": "image", "content": "not base64!!"}]))

    assert response.status_code == 400
    assert "attachments.0.content" in response.json()["errors"]


def test_one_bad_attachment_writes_nothing_at_all(client, channel, settings):
    response = post(client, payload(attachments=[
        {"type": "image", "content": base64.b64encode(files.png()).decode(), "filename": "ok.png"},
        {"type": "document", "content": base64.b64encode(files.exe()).decode(), "filename": "virus.pdf"},
    ]))

    assert response.status_code == 400
    assert "attachments.1" in response.json()["errors"]
    assert nothing_written()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_location_becomes_a_location_message(client, channel):
    response = post(client, payload(text="", location={"latitude": 40.4168, "longitude": -3.7038,
                                                       "name": "Puerta del Sol"}))

    assert response.status_code == 202
    message = Message.objects.get()
    assert message.kind == Message.Kind.LOCATION
    assert (float(message.latitude), float(message.longitude)) == (40.4168, -3.7038)
    assert message.location_label == "Puerta del Sol"


def test_a_location_out_of_range_is_refused(client, channel):
    response = post(client, payload(location={"latitude": 91, "longitude": 0}))

    assert response.status_code == 400
    assert "location" in response.json()["errors"]
    assert nothing_written()


# --- sent_at -----------------------------------------------------------------------------------


def test_sent_at_orders_a_late_message_before_a_newer_one(client, channel):
    post(client, payload())
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    late = (timezone.now() - timedelta(minutes=30)).isoformat()
    post(client, payload(message_id="m-2", text="escrito antes", sent_at=late))

    assert list(Message.objects.order_by("created_at").values_list("external_id", flat=True)) == ["m-2", "m-1"]


@pytest.mark.parametrize("value", ["2026-01-31", "2026-01-31T10:15:00", "ayer", "31/01/2026 10:15", ""])
def test_sent_at_must_be_iso_8601_with_a_time_zone(client, channel, value):
    response = post(client, payload(sent_at=value))

    assert response.status_code == 400
    assert "sent_at" in response.json()["errors"]


def test_sent_at_in_the_future_is_refused(client, channel):
    response = post(client, payload(sent_at=(timezone.now() + timedelta(days=3)).isoformat()))

    assert response.status_code == 400
    assert "sent_at" in response.json()["errors"]


# --- 400: bad JSON and fields ----------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'"text"', b"null", b"\xff\xfe", b'{"a": NaN}',
                                  b'{"external_id": "a", "external_id": "b"}'])
def test_a_body_that_is_not_a_json_object_is_refused(client, channel, body):
    response = post(client, body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert "body" in response.json()["errors"]
    assert nothing_written()


@pytest.mark.parametrize("field, value", [
    ("external_id", None), ("external_id", ""), ("external_id", "   "), ("external_id", 12),
    ("external_id", "x" * 129), ("external_id", "a\x00b"), ("external_id", "a\nb"),
    ("message_id", None), ("message_id", ["m"]), ("message_id", "m" * 101),
    ("name", 5), ("name", "n" * 121),
    ("text", 3.5), ("text", "t" * 4001), ("text", "nul\x00"), ("text", "\ud800"),
    ("attachments", "foto.png"), ("attachments", [{"type": "image"}]), ("attachments", [7]),
    ("attachments", [{"type": "sticker", "content": "AAAA"}]),
    ("attachments", [{"type": "image", "url": "ftp://example.com/a.png"}]),
    ("attachments", [{"type": "image", "url": "https://example.com/a.png", "content": "AAAA"}]),
    ("location", {"latitude": "40", "longitude": 3}), ("location", [40, 3]),
    ("location", {"latitude": True, "longitude": 3}),
    ("sent_at", 1700000000),
])
def test_each_bad_field_is_reported_by_name(client, channel, field, value):
    data = payload()
    if value is None:
        del data[field]
    else:
        data[field] = value

    response = post(client, data)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(key == field or key.startswith(field + ".") for key in errors), errors
    assert nothing_written()


def test_unknown_fields_are_refused(client, channel):
    response = post(client, payload(colour=9))

    assert response.status_code == 400
    assert response.json()["errors"] == {"colour": [str(response.json()["errors"]["colour"][0])]}


def test_a_new_conversation_takes_the_priority_the_provider_gives(client, channel):
    response = post(client, payload(priority=7))

    assert response.status_code == 202
    assert Conversation.objects.get(pk=response.json()["conversation_id"]).priority == 7


def test_a_message_joining_a_waiting_conversation_changes_its_priority(client, channel):
    first = post(client, payload(message_id="m-1"))
    post(client, payload(message_id="m-2", text="¿Hola?", priority=-3))

    assert Conversation.objects.get(pk=first.json()["conversation_id"]).priority == -3


@pytest.mark.parametrize("value", [101, -101, 2.5, "5", True, [1]])
def test_a_priority_out_of_range_or_not_a_whole_number_is_refused_and_stores_nothing(client, channel, value):
    response = post(client, payload(priority=value))

    assert response.status_code == 400
    assert "priority" in response.json()["errors"]
    assert not Conversation.objects.exists()


def test_a_message_without_text_attachment_or_location_is_refused(client, channel):
    response = post(client, payload(text="  "))

    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_errors_are_reported_field_by_field_together(client, channel):
    response = post(client, {"external_id": 1, "text": 2})

    assert set(response.json()["errors"]) == {"external_id", "message_id", "text"}


# --- 401, 404, 405, 413, 429 -----------------------------------------------------------------


def test_a_missing_signature_is_401(client, channel):
    response = client.post(messages_url(), json.dumps(payload()), content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert nothing_written()


def test_a_wrong_signature_is_401(client, channel):
    response = post(client, payload(), signature="sha256=" + "0" * 64)

    assert response.status_code == 401
    assert nothing_written()


def test_a_signature_of_another_body_is_401(client, channel):
    response = post(client, payload(), signature=signing.sign(SECRET, b"{}"))

    assert response.status_code == 401


def test_a_signature_with_another_channels_secret_is_401(client, channel):
    response = post(client, payload(), secret="someone-elses-secret")

    assert response.status_code == 401


def test_the_signature_is_checked_before_the_json(client, channel):
    response = post(client, b"{not json", signature="sha256=00")

    assert response.status_code == 401


def test_an_unknown_channel_is_404(client, channel):
    response = post_signed(client, messages_url("nope"), payload())

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_an_inactive_channel_is_404(client, channel):
    Channel.objects.filter(pk=channel.pk).update(is_active=False)

    assert post(client, payload()).status_code == 404
    assert nothing_written()


def test_a_channel_of_another_kind_is_404(client, personas):
    f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT,
                     public_key="acme-web", secret=SECRET)

    assert post_signed(client, messages_url("acme-web"), payload()).status_code == 404


def test_an_api_channel_of_a_voice_queue_takes_no_messages(client, personas):
    api_channel(personas, queue=personas.other_queue)

    assert post(client, payload()).status_code == 404


def test_get_is_not_allowed(client, channel):
    assert client.get(messages_url()).status_code == 405


def test_a_declared_length_over_the_limit_is_413_before_reading(client, channel):
    response = client.generic("POST", messages_url(), b"{}", content_type="application/json",
                              CONTENT_LENGTH=str(views.MAX_BODY + 1))

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_a_body_over_the_limit_is_413(client, channel, monkeypatch):
    monkeypatch.setattr(views, "MAX_BODY", 1000)
    response = post(client, payload(text="x" * 2000))

    assert response.status_code == 413
    assert nothing_written()


def test_a_large_body_under_the_limit_is_read_whole(client, channel):
    image = files.png(width=700, height=700)
    assert len(image) < views.MAX_BODY
    response = post(client, payload(attachments=[
        {"type": "image", "content": base64.b64encode(image).decode(), "filename": "grande.png"}]))

    assert response.status_code == 202


def test_too_many_requests_from_one_client_is_429(client, channel, monkeypatch, still_clock):
    monkeypatch.setattr(views, "CLIENT_LIMIT", 2)
    codes = [post(client, payload(message_id=f"m-{i}")).status_code for i in range(3)]

    assert codes == [202, 202, 429]
    assert Message.objects.count() == 2


def test_the_429_says_when_to_retry(client, channel, monkeypatch, still_clock):
    monkeypatch.setattr(views, "CLIENT_LIMIT", 1)
    post(client, payload())
    response = post(client, payload(message_id="m-2"))

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["error"] == "rate_limited"


def test_too_many_requests_for_one_channel_is_429_whatever_the_client(client, channel, monkeypatch, still_clock):
    monkeypatch.setattr(views, "CHANNEL_LIMIT", 2)
    codes = [post(client, payload(message_id=f"m-{i}"), REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(3)]

    assert codes == [202, 202, 429]


def test_csrf_is_not_required(channel):
    client = Client(enforce_csrf_checks=True)

    assert post(client, payload()).status_code == 202


# --- At the same time (PostgreSQL) -------------------------------------------------------------


def _race(*posts):
    """Run the posts in threads released together; returns their responses."""
    import threading

    from django.db import connection

    barrier, responses, errors = threading.Barrier(len(posts)), [None] * len(posts), []

    def run(index, data):
        try:
            barrier.wait(timeout=10)
            responses[index] = post(Client(), data)
        except Exception as error:  # reported below: a thread's exception must fail the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, data)) for i, data in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return responses


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_twice_at_once_stores_one_message(needs_postgres, personas):
    api_channel(personas)

    responses = _race(*[payload()] * 4)

    assert [r.status_code for r in responses] == [202] * 4
    assert Message.objects.count() == 1
    assert sorted(r.json()["duplicate"] for r in responses) == [False, True, True, True]
    assert len({r.json()["conversation_id"] for r in responses}) == 1


@pytest.mark.django_db(transaction=True)
def test_messages_at_once_open_one_conversation(needs_postgres, personas):
    channel = api_channel(personas)
    Contact.objects.create(organization=channel.organization, channel=channel, external_id="cust-1")

    responses = _race(*[payload(message_id=f"m-{i}") for i in range(4)])

    assert [r.status_code for r in responses] == [202] * 4
    assert Contact.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 4


def test_a_message_id_like_a_part_of_another_delivery_is_its_own_message(client, channel):
    post(client, payload(message_id="m", attachments=[
        {"type": "image", "content": base64.b64encode(files.png()).decode()},
        {"type": "image", "content": base64.b64encode(files.gif()).decode()}]))

    response = post(client, payload(message_id="m#2", text="otro"))

    assert response.json()["duplicate"] is False
    assert Message.objects.count() == 3
