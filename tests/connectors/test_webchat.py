"""The customers' web chat pages: start, write, attach, reload, closed; one visitor never sees
another's conversation; rate limits; oversized and hostile input is refused and stored nowhere."""

import base64
import json
import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contactcenter.connectors.webchat import tokens, views
from contactcenter.connectors.webchat.snippet import embed_snippet
from contactcenter.models import Attachment, Channel, Contact, Conversation, Message
from contactcenter.services import conversations, messages
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x9a\x1b\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def channel():
    return f.ChannelFactory(kind=Channel.Kind.WEBCHAT, public_key="shop-web", name="Web")


def browser(language="en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def start(client, channel, name="Marta", text="Hola, necesito ayuda", **extra):
    return client.post(f"/chat/{channel.public_key}/start/", {"name": name, "text": text, **extra})


def token_of(client, channel) -> str:
    return client.cookies[tokens.cookie_name(channel)].value


def send(client, channel, text="", token=None, **extra):
    token = token if token is not None else token_of(client, channel)
    return client.post(f"/chat/{channel.public_key}/send/", {"t": token, "text": text, **extra}, headers=HTMX)


# --- The page -----------------------------------------------------------------------------------


def test_a_new_visitor_sees_the_start_form(channel):
    response = browser().get(f"/chat/{channel.public_key}/")
    assert response.status_code == 200
    assert 'data-testid="chat-start"' in response.text


def test_an_unknown_or_inactive_or_non_webchat_channel_is_404(channel):
    assert browser().get("/chat/nope/").status_code == 404
    api = f.ChannelFactory(kind=Channel.Kind.API, organization=channel.organization)
    assert browser().get(f"/chat/{api.public_key}/").status_code == 404
    channel.is_active = False
    channel.save()
    assert browser().get(f"/chat/{channel.public_key}/").status_code == 404


def test_the_page_follows_the_browser_language(channel):
    spanish = browser("es-ES,es;q=0.9").get(f"/chat/{channel.public_key}/").text
    assert '<html lang="es">' in spanish and "Empezar el chat" in spanish
    english = browser("en-GB,en;q=0.9").get(f"/chat/{channel.public_key}/").text
    assert '<html lang="en">' in english and "Start chat" in english


def test_the_page_may_be_framed_by_other_sites_but_the_staff_pages_may_not(channel):
    response = browser().get(f"/chat/{channel.public_key}/")
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    staff = browser().get("/accounts/login/")
    assert staff.headers["X-Frame-Options"] == "DENY"


def test_the_channel_may_restrict_who_embeds_it(channel):
    channel.settings = {"embed_origins": ["https://shop.example"]}
    channel.save()
    response = browser().get(f"/chat/{channel.public_key}/")
    assert "frame-ancestors https://shop.example" in response.headers["Content-Security-Policy"]


# --- Starting -----------------------------------------------------------------------------------


def test_starting_opens_a_conversation_in_the_channels_queue(channel):
    client = browser()
    response = start(client, channel, email="marta@example.com", phone="+34 600 000 000")
    assert response.status_code == 303
    conversation = Conversation.objects.get()
    assert conversation.queue == channel.queue and conversation.channel == channel
    assert conversation.contact.name == "Marta" and conversation.contact.email == "marta@example.com"
    assert conversation.messages.get().body == "Hola, necesito ayuda"


def test_a_reload_keeps_the_conversation(channel):
    client = browser()
    start(client, channel)
    page = client.get(f"/chat/{channel.public_key}/")
    assert "Hola, necesito ayuda" in page.text
    assert 'data-testid="chat-start"' not in page.text
    assert 'data-testid="chat-position"' in page.text


def test_starting_over_htmx_answers_the_chat_with_the_token(channel):
    response = browser().post(f"/chat/{channel.public_key}/start/", {"name": "Marta", "text": "Hola"}, headers=HTMX)
    assert response.status_code == 200
    conversation = Conversation.objects.get()
    token = re.search(r'name="t" value="([^"]+)"', response.text).group(1)
    assert tokens.read(channel, token) == conversation
    assert f'ws-connect="/ws/chat/{channel.public_key}/?t=' in response.text


def test_a_name_is_required(channel):
    response = start(browser(), channel, name="")
    assert response.status_code == 422
    assert Conversation.objects.count() == 0 and Contact.objects.count() == 0


def test_a_bad_email_or_phone_is_refused(channel):
    assert start(browser(), channel, email="not-an-email").status_code == 422
    assert start(browser(), channel, phone="<b>1</b>").status_code == 422
    assert Conversation.objects.count() == 0


def test_html_in_the_name_is_refused_and_stored_nowhere(channel):
    response = start(browser(), channel, name="<script>alert(1)</script>")
    assert response.status_code == 422
    assert "HTML and scripts are not accepted" in response.text
    assert "<script>alert(1)" not in response.text
    assert Contact.objects.count() == 0


# --- Writing --------------------------------------------------------------------------------------


def test_the_visitor_writes_and_sees_the_message(channel):
    client = browser()
    start(client, channel)
    response = send(client, channel, "¿Tenéis envío a Canarias?")
    assert response.status_code == 200
    assert "¿Tenéis envío a Canarias?" in response.text  # the thread, out of band
    assert Message.objects.filter(body="¿Tenéis envío a Canarias?", direction="inbound").exists()


def test_writing_without_javascript_redirects_back_to_the_chat(channel):
    client = browser()
    start(client, channel)
    response = client.post(f"/chat/{channel.public_key}/send/", {"t": token_of(client, channel), "text": "Hola"})
    assert response.status_code == 302


def test_an_empty_message_is_refused(channel):
    client = browser()
    start(client, channel)
    response = send(client, channel, "   ")
    assert response.status_code == 422
    assert "Write a message or attach a file." in response.text


def test_an_oversized_message_is_refused_and_stored_nowhere(channel):
    client = browser()
    start(client, channel)
    before = Message.objects.count()
    response = send(client, channel, "x" * 4001)
    assert response.status_code == 422
    assert "at most 4000 characters" in response.text
    assert Message.objects.count() == before


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "hola </textarea><b>", "<!-- x -->", "a\x00b",
])
def test_hostile_text_is_refused_and_stored_nowhere(channel, hostile):
    client = browser()
    start(client, channel)
    before = Message.objects.count()
    response = send(client, channel, hostile)
    assert response.status_code == 422
    assert Message.objects.count() == before
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text


def test_plain_text_with_angle_brackets_is_allowed_and_escaped(channel):
    client = browser()
    start(client, channel)
    send(client, channel, "a < b y 3 > 2 <3")
    page = client.get(f"/chat/{channel.public_key}/")
    assert "a &lt; b y 3 &gt; 2 &lt;3" in page.text


def test_messages_are_rendered_escaped(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    f.MessageFactory(conversation=conversation, direction="outbound", body='<b onclick="x()">hola</b>')
    page = client.get(f"/chat/{channel.public_key}/")
    assert "&lt;b onclick=&quot;x()&quot;&gt;hola&lt;/b&gt;" in page.text


def test_the_visitor_attaches_a_file(channel):
    client = browser()
    start(client, channel)
    upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    response = send(client, channel, "mira", file=upload)
    assert response.status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.kind == "image" and attachment.message.direction == "inbound"
    assert "foto.png" in response.text


def test_a_bad_file_is_refused_with_the_reason_and_stored_nowhere(channel):
    client = browser()
    start(client, channel)
    upload = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>", content_type="text/html")
    response = send(client, channel, "", file=upload)
    assert response.status_code == 422
    assert 'data-testid="chat-error"' in response.text
    assert Attachment.objects.count() == 0
    assert Message.objects.filter(kind="attachment").count() == 0


def test_the_visitor_downloads_files_of_their_own_conversation_only(channel):
    client = browser()
    start(client, channel)
    send(client, channel, "", file=SimpleUploadedFile("foto.png", PNG, content_type="image/png"))
    attachment = Attachment.objects.get()
    url = f"/chat/{channel.public_key}/files/{attachment.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    stranger = browser()
    start(stranger, channel, name="Otro")
    assert stranger.get(url).status_code == 404
    assert browser().get(url).status_code == 404


def test_internal_notes_and_whispers_never_reach_the_visitor(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    f.MessageFactory(conversation=conversation, direction="internal", body="nota interna secreta")
    f.MessageFactory(conversation=conversation, direction="internal", is_whisper=True, body="susurro secreto")
    f.MessageFactory(conversation=conversation, direction="outbound", body="respuesta del agente")
    page = client.get(f"/chat/{channel.public_key}/").text
    assert "respuesta del agente" in page
    assert "secreta" not in page and "susurro" not in page


def test_the_engines_notes_never_reach_the_visitor_but_auto_replies_do(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    messages.event_message(conversation, "Transferencia a Luis fallida")
    messages.message_system(conversation=conversation, text="Nuestro horario es de 9 a 18 h")
    page = client.get(f"/chat/{channel.public_key}/").text
    assert "Nuestro horario es de 9 a 18 h" in page
    assert "Transferencia a Luis" not in page


def test_agent_replies_show_the_agents_display_name(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    agent = f.AgentFactory(organization=channel.organization, first_name="Ana", last_name="López", username="ana42")
    f.MessageFactory(conversation=conversation, direction="outbound", sender=agent, body="Hola Marta")
    page = client.get(f"/chat/{channel.public_key}/").text
    assert "Ana López" in page and "ana42" not in page


# --- Closed -----------------------------------------------------------------------------------------


def test_a_closed_conversation_shows_closed_and_refuses_new_messages(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(status="closed")
    page = client.get(f"/chat/{channel.public_key}/").text
    assert 'data-testid="chat-closed"' in page and 'id="composer"' not in page
    response = send(client, channel, "¿sigue ahí?")
    assert response.status_code == 422
    assert "This conversation is closed." in response.text
    assert not Message.objects.filter(body="¿sigue ahí?").exists()


def test_after_a_close_the_visitor_starts_a_new_conversation(channel):
    client = browser()
    start(client, channel)
    first = Conversation.objects.get()
    Conversation.objects.filter(pk=first.pk).update(status="closed")
    response = client.post(f"/chat/{channel.public_key}/new/", {"t": token_of(client, channel)})
    assert response.status_code == 303
    second = Conversation.objects.exclude(pk=first.pk).get()
    assert second.contact_id == first.contact_id and second.is_open
    assert tokens.read(channel, token_of(client, channel)) == second


# --- Other visitors' conversations --------------------------------------------------------------


def test_a_guessed_conversation_id_in_a_forged_token_shows_nothing(channel):
    victim = browser()
    start(victim, channel, text="mi dirección es secreta")
    conversation = Conversation.objects.get()
    forged = base64.urlsafe_b64encode(json.dumps({"c": conversation.pk, "k": conversation.contact_id}).encode())
    for token in (forged.decode() + ":abc:def", f"{conversation.pk}", "", "x" * 5000):
        attacker = browser()
        attacker.cookies[tokens.cookie_name(channel)] = token
        page = attacker.get(f"/chat/{channel.public_key}/").text
        assert "secreta" not in page and 'data-testid="chat-start"' in page
        response = send(attacker, channel, "hola", token=token)
        assert response.status_code == 403
    assert conversation.messages.count() == 1


def test_a_token_for_one_channel_is_worthless_on_another(channel):
    client = browser()
    start(client, channel, text="secreto")
    token = token_of(client, channel)
    other = f.ChannelFactory(kind=Channel.Kind.WEBCHAT, organization=channel.organization)
    assert tokens.read(other, token) is None
    intruder = browser()
    intruder.cookies[tokens.cookie_name(other)] = token
    assert "secreto" not in intruder.get(f"/chat/{other.public_key}/").text


def test_a_token_whose_contact_does_not_match_is_refused(channel):
    client = browser()
    start(client, channel)
    mine = Conversation.objects.get()
    other = conversations.conversation_open(queue=channel.queue, contact=f.ContactFactory(
        organization=channel.organization), channel=channel, text="ajeno")
    mixed = signing.dumps({"c": other.pk, "k": mine.contact_id}, salt=f"webchat:{channel.public_key}")
    assert tokens.read(channel, mixed) is None


def test_a_post_without_the_token_cannot_write_for_the_visitor(channel):
    """The cookie alone is not enough: a cross-site form cannot post into someone's chat."""
    client = browser()
    start(client, channel)
    response = client.post(f"/chat/{channel.public_key}/send/", {"text": "forjado"}, headers=HTMX)
    assert response.status_code == 403
    assert not Message.objects.filter(body="forjado").exists()


# --- Rate limits ------------------------------------------------------------------------------------


def test_starting_is_rate_limited_per_client(channel, still_clock):
    per_client, _ = views.LIMITS["start"]
    client = browser()
    for _ in range(per_client):
        assert start(client, channel).status_code == 303
    response = start(client, channel)
    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert Conversation.objects.count() == per_client


def test_sending_is_rate_limited_per_client(channel, still_clock):
    per_client, _ = views.LIMITS["send"]
    client = browser()
    start(client, channel)
    for n in range(per_client):
        assert send(client, channel, f"m{n}").status_code == 200
    response = send(client, channel, "uno más")
    assert response.status_code == 429
    assert not Message.objects.filter(body="uno más").exists()


def test_sending_is_rate_limited_per_channel(channel, monkeypatch, still_clock):
    monkeypatch.setitem(views.LIMITS, "send", (100, 3))
    first, second = browser(), Client(REMOTE_ADDR="10.0.0.2", HTTP_ACCEPT_LANGUAGE="en")
    start(first, channel)
    start(second, channel)
    assert send(first, channel, "a").status_code == 200
    assert send(first, channel, "b").status_code == 200
    assert send(second, channel, "c").status_code == 200
    assert send(second, channel, "d").status_code == 429


# --- Snippet --------------------------------------------------------------------------------------


def test_the_embed_snippet_is_an_iframe_of_the_chat_page(channel, rf):
    request = rf.get("/config/")
    snippet = embed_snippet(channel, request)
    assert snippet.startswith('<iframe src="http://testserver/chat/shop-web/"')
    assert snippet.endswith("</iframe>")


def test_a_location_shared_by_the_agent_shows_its_label_coordinates_and_map_link(channel):
    client = browser()
    start(client, channel)
    conversation = Conversation.objects.get()
    agent = f.AgentFactory(organization=channel.organization, first_name="Ana", username="ana43")
    f.MessageFactory(conversation=conversation, direction="outbound", sender=agent, kind="location",
                     body="Oficina central", latitude="40.416800", longitude="-3.703800",
                     location_label="Oficina central")
    page = client.get(f"/chat/{channel.public_key}/").text
    location = page.split('data-testid="location"')[1].split("</p>")[0]
    assert "Oficina central" in location and "40.416800, -3.703800" in location
    assert "https://www.openstreetmap.org/?mlat=40.416800&amp;mlon=-3.703800" in location
    assert page.count("Oficina central") == 1  # the label is not repeated as a bare text line
