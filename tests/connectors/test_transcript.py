"""The web chat's "Download the conversation": a plain-text transcript of the visitor's own
conversation, in their language, with only what they saw (never notes, whispers or the staff's
event lines), reachable only with their token."""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contactcenter.connectors.webchat import tokens, views
from contactcenter.models import Channel, Conversation, Message
from contactcenter.services import attachments, messages, supervision, transcripts
from tests import factories as f
from tests.workspace.conftest import Desk

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
WHISPER = "Ofrécele el 20 % de descuento"
NOTE = "Cliente difícil, ojo"
EVENT = "Asignado a Ana por Sofía"


@pytest.fixture
def desk(django_capture_on_commit_callbacks) -> Desk:
    return Desk(django_capture_on_commit_callbacks)


@pytest.fixture
def channel(personas):
    return f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT,
                            public_key="acme-web", name="Web de Acme")


@pytest.fixture
def chat(personas, desk, channel) -> Conversation:
    """Marta writes on the web chat and routing gives the chat to Ana."""
    desk.ready(personas.agent, personas.queue)
    return desk.chat_for(personas.agent, personas.queue, "Hola, necesito ayuda", name="Marta Gil", channel=channel)


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 11, 21, hour, minute, tzinfo=MADRID)


def set_time(message: Message, when: dt.datetime) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=when)


def download(channel, conversation, language="en", token=None):
    token = tokens.make(channel, conversation) if token is None else token
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    return client.get(f"/chat/{channel.public_key}/transcript/", {"t": token} if token else {})


def transcript_lines(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return response.content.decode("utf-8").splitlines()


# --- Content --------------------------------------------------------------------------------------


def test_the_transcript_is_a_utf8_text_attachment_named_with_the_date(channel, chat):
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=at(9, 58))
    response = download(channel, chat)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="conversation-2026-11-21.txt"'
    assert "Marta Gil: Hola, necesito ayuda" in response.content.decode("utf-8")


def test_the_header_names_the_organization_the_channel_and_the_date(channel, chat):
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=at(9, 58))
    lines = transcript_lines(download(channel, chat))
    assert lines[:3] == ["Acme", "Channel: Web de Acme", "Date: Nov. 21, 2026"]


def test_messages_are_in_order_with_times_in_the_organizations_time_zone_and_who_wrote(personas, channel, chat):
    personas.organization.time_zone = "America/Mexico_City"
    personas.organization.save()
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=at(18, 5))
    first = chat.messages.get()
    reply = messages.message_send(conversation=chat, sender=personas.agent, text="Hola Marta, dime")
    auto = messages.message_system(conversation=chat, text="Te atendemos de 9 a 18 h")
    again = messages.message_receive(conversation=chat, text="Gracias\nhasta luego")
    set_time(first, at(18, 5))
    set_time(reply, at(18, 6))
    set_time(auto, at(18, 7))
    set_time(again, at(18, 9))
    lines = transcript_lines(download(channel, chat))
    assert lines[4:] == [
        "[11:05] Marta Gil: Hola, necesito ayuda",
        "[11:06] Ana López: Hola Marta, dime",
        "[11:07] Acme: Te atendemos de 9 a 18 h",
        "[11:09] Marta Gil: Gracias",
        "    hasta luego",
    ]


def test_attachments_are_listed_by_name_not_url(channel, chat, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x9a\x1b\x00\x00\x00\x00IEND\xaeB`\x82")
    attachments.message_receive_attachment(
        conversation=chat, upload=SimpleUploadedFile("factura.png", png, content_type="image/png"), caption="mira")
    text = download(channel, chat).content.decode("utf-8")
    assert "Marta Gil: mira [Attachment: factura.png]" in text
    assert "/files/" not in text and "/media/" not in text and "attachments/" not in text


def test_a_conversation_over_two_days_marks_the_new_day(channel, chat):
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=at(23, 50))
    set_time(chat.messages.get(), at(23, 50))
    later = messages.message_receive(conversation=chat, text="¿Hola?")
    set_time(later, at(23, 50) + dt.timedelta(minutes=20))
    lines = transcript_lines(download(channel, chat))
    assert lines[-3:] == ["", "— Nov. 22, 2026 —", "[00:10] Marta Gil: ¿Hola?"]


# --- Never what the customer did not see -------------------------------------------------------------


def test_whispers_internal_notes_and_events_never_appear(personas, channel, chat):
    supervision.supervisor_whisper(by=personas.supervisor, conversation=chat, text=WHISPER)
    messages.message_send(conversation=chat, sender=personas.agent, text=NOTE, internal=True)
    messages.event_message(chat, EVENT)
    messages.message_send(conversation=chat, sender=personas.agent, text="Enseguida le ayudo")
    text = download(channel, chat).content.decode("utf-8")
    assert "Ana López: Enseguida le ayudo" in text
    assert WHISPER not in text and NOTE not in text and EVENT not in text
    assert "Sofía" not in text


def test_the_service_keeps_only_customer_visible_messages(personas, chat):
    supervision.supervisor_whisper(by=personas.supervisor, conversation=chat, text=WHISPER)
    messages.message_send(conversation=chat, sender=personas.agent, text=NOTE, internal=True)
    messages.event_message(chat, EVENT)
    kept = transcripts.customer_messages(chat)
    assert [m.body for m in kept] == ["Hola, necesito ayuda"]
    assert all(m.is_customer_visible and not m.is_whisper for m in kept)


# --- Language -------------------------------------------------------------------------------------


def test_the_transcript_follows_the_visitors_language(channel, chat, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=at(9, 58))
    attachments.message_receive_attachment(
        conversation=chat, upload=SimpleUploadedFile("nota.txt", b"hola", content_type="text/plain"))
    spanish = download(channel, chat, language="es-ES,es;q=0.9").content.decode("utf-8")
    assert "Canal: Web de Acme" in spanish and "Fecha: 21 de noviembre de 2026" in spanish
    assert "[Adjunto: nota.txt]" in spanish
    english = download(channel, chat, language="en-GB,en;q=0.9").content.decode("utf-8")
    assert "Channel: Web de Acme" in english and "[Attachment: nota.txt]" in english


# --- Who may download -----------------------------------------------------------------------------


def test_the_visitors_cookie_is_enough(channel, chat):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[tokens.cookie_name(channel)] = tokens.make(channel, chat)
    response = client.get(f"/chat/{channel.public_key}/transcript/")
    assert response.status_code == 200 and "Hola, necesito ayuda" in response.content.decode("utf-8")


def test_without_a_token_it_is_404(channel, chat):
    assert download(channel, chat, token="").status_code == 404


@pytest.mark.parametrize("token", ["x", "1", "x" * 5000, "eyJjIjoxLCJrIjoxfQ:abc:def"])
def test_a_bad_or_guessed_token_is_404(channel, chat, token):
    assert download(channel, chat, token=token).status_code == 404


def test_a_token_of_another_channel_is_404(personas, channel, chat):
    other = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT)
    response = download(other, chat, token=tokens.make(channel, chat))
    assert response.status_code == 404


def test_a_token_of_another_organizations_channel_is_404(personas, channel, chat):
    foreign = f.ChannelFactory(organization=personas.outsider.organization, queue=personas.outsider_queue,
                               kind=Channel.Kind.WEBCHAT)
    assert download(channel, chat, token=tokens.make(foreign, chat)).status_code == 404
    assert download(foreign, chat, token=tokens.make(channel, chat)).status_code == 404


def test_another_visitors_token_gives_only_their_own_conversation(personas, desk, channel, chat):
    stranger = desk.arrive(personas.queue, "Soy otra persona", name="Pedro Ruiz", channel=channel, route=False)
    text = download(channel, stranger).content.decode("utf-8")
    assert "Pedro Ruiz: Soy otra persona" in text
    assert "Marta" not in text and "necesito ayuda" not in text


def test_downloading_is_rate_limited(channel, chat, monkeypatch, still_clock):
    monkeypatch.setitem(views.LIMITS, "transcript", (2, 100))
    assert download(channel, chat).status_code == 200
    assert download(channel, chat).status_code == 200
    assert download(channel, chat).status_code == 404


# --- The link on the page -------------------------------------------------------------------------


def page(channel, conversation, language="en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[tokens.cookie_name(channel)] = tokens.make(channel, conversation)
    return client.get(f"/chat/{channel.public_key}/").content.decode("utf-8")


def test_the_chat_page_links_to_the_transcript(channel, chat):
    html = page(channel, chat)
    assert 'data-testid="chat-transcript"' in html and "Download the conversation" in html
    assert f'href="/chat/{channel.public_key}/transcript/?t=' in html


def test_the_link_is_translated(channel, chat):
    assert "Descargar la conversación" in page(channel, chat, language="es")


def test_the_closed_conversation_still_links_to_the_transcript(channel, chat):
    Conversation.objects.filter(pk=chat.pk).update(status=Conversation.Status.CLOSED)
    html = page(channel, chat)
    assert 'data-testid="chat-closed"' in html and 'data-testid="chat-transcript"' in html


def test_a_new_visitor_sees_no_link(channel):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/chat/{channel.public_key}/").content.decode("utf-8")
    assert 'data-testid="chat-start"' in html and 'data-testid="chat-transcript"' not in html
