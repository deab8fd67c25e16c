"""Configuration portal: pre-recorded messages (audio judged by its content) and channels."""

import dataclasses
import json

import pytest

from contactcenter.models import Channel, PrerecordedMessage
from contactcenter.services import uploads
from tests import factories as f
from tests.contactcenter import fixtures_files as files
from tests.permissions.config_support import HTMX, audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

PRERECORDED = list_url("prerecorded")
CHANNELS = list_url("channels")


# --- Pre-recorded messages -----------------------------------------------------------------------


def test_an_admin_uploads_replaces_and_deletes_a_message(personas, django_capture_on_commit_callbacks):
    admin = client_for(personas.admin)
    response = admin.post(PRERECORDED, {"name": "Bienvenida", "audio": files.upload("hola.mp3", files.mp3())})
    assert response.status_code == 302
    message = PrerecordedMessage.objects.get(organization=personas.organization, name="Bienvenida")
    assert message.audio.name.endswith("hola.mp3")
    first = message.audio.name
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(edit_url("prerecorded", message),
                   {"name": "Bienvenida", "audio": files.upload("b.wav", files.wav())})
    message.refresh_from_db()
    assert message.audio.name.endswith("b.wav") and not message.audio.storage.exists(first)
    stored = message.audio.name
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(delete_url("prerecorded", message))
    assert not PrerecordedMessage.objects.filter(pk=message.pk).exists()
    assert not message.audio.storage.exists(stored)
    assert audited(personas.admin, "prerecorded.create")


def test_renaming_keeps_the_audio(personas):
    message = f.PrerecordedMessageFactory(organization=personas.organization, name="Espera")
    client_for(personas.admin).post(edit_url("prerecorded", message), {"name": "En espera"})
    message.refresh_from_db()
    assert message.name == "En espera"


@pytest.mark.parametrize("name,data", [
    ("falso.mp3", b"%PDF-1.4 not audio at all"),  # a name that lies
    ("foto.png", files.png()),  # a real file of another kind
    ("x.mp3", b"<script>alert(1)</script>"),  # hostile markup
    ("vacio.mp3", b""),
])
def test_a_file_that_is_not_audio_is_refused_and_nothing_stored(personas, name, data, settings):
    response = client_for(personas.admin).post(PRERECORDED, {"name": "Bienvenida",
                                                             "audio": files.upload(name, data, "audio/mpeg")})
    assert response.status_code == 422
    assert 'value="Bienvenida"' in html(response)
    assert not PrerecordedMessage.objects.exists()
    stored = [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()] if settings.MEDIA_ROOT.exists() else []
    assert stored == []


def test_an_oversized_audio_is_refused(personas, monkeypatch):
    audio = uploads.ALLOWED["audio"]
    monkeypatch.setitem(uploads.ALLOWED, "audio", dataclasses.replace(audio, max_bytes=1024))
    big = files.upload("grande.wav", files.wav(frames=50_000))
    response = client_for(personas.admin).post(PRERECORDED, {"name": "Grande", "audio": big})
    assert response.status_code == 422
    assert "too large" in html(response)
    assert not PrerecordedMessage.objects.exists()


def test_a_new_message_needs_its_audio(personas):
    response = client_for(personas.admin).post(PRERECORDED, {"name": "Sin audio"})
    assert response.status_code == 422
    assert "Choose the audio file of the message." in html(response)


def test_prerecorded_messages_follow_their_toggle(personas):
    set_toggles(personas.organization, supervisors_access_config=True, agents_manage_prerecorded=False)
    sofia = client_for(personas.supervisor)
    data = {"name": "Hola", "audio": files.upload("hola.mp3", files.mp3())}
    assert sofia.post(PRERECORDED, data).status_code == 403
    set_toggles(personas.organization, agents_manage_prerecorded=True)
    data["audio"] = files.upload("hola.mp3", files.mp3())
    assert sofia.post(PRERECORDED, data).status_code == 302


def test_another_organizations_message_is_a_404(personas):
    foreign = f.PrerecordedMessageFactory(organization=personas.outsider.organization)
    assert client_for(personas.admin).post(delete_url("prerecorded", foreign)).status_code == 404
    assert PrerecordedMessage.objects.filter(pk=foreign.pk).exists()


# --- Channels -----------------------------------------------------------------------------------------


def channel_data(queue, **overrides):
    data = {"kind": "whatsapp", "name": "WhatsApp ventas", "queue": queue.pk,
            "webhook_url": "https://example.com/hook", "settings": json.dumps({"verify_token": "abc"}),
            "is_active": "on"}
    data.update(overrides)
    return data


def test_an_admin_creates_edits_and_deletes_a_channel(personas):
    admin = client_for(personas.admin)
    assert admin.post(CHANNELS, channel_data(personas.queue)).status_code == 302
    channel = Channel.objects.get(organization=personas.organization, name="WhatsApp ventas")
    assert channel.settings == {"verify_token": "abc"} and channel.queue == personas.queue
    admin.post(edit_url("channels", channel), channel_data(personas.other_queue, webhook_url=""))
    channel.refresh_from_db()
    assert channel.queue == personas.other_queue and channel.webhook_url == ""
    admin.post(delete_url("channels", channel))
    assert not Channel.objects.filter(pk=channel.pk).exists()
    assert audited(personas.admin, "channel.delete")


@pytest.mark.parametrize("field,value", [
    ("settings", "{not json"), ("settings", "[1, 2]"), ("webhook_url", "javascript:alert(1)"),
    ("webhook_url", "ftp://example.com/x"), ("kind", "fax"), ("name", ""),
])
def test_bad_channel_settings_are_refused_and_kept(personas, field, value):
    response = client_for(personas.admin).post(CHANNELS, channel_data(personas.queue, **{field: value}))
    assert response.status_code == 422
    assert not Channel.objects.filter(organization=personas.organization).exists()


def test_another_organizations_queue_cannot_be_chosen(personas):
    response = client_for(personas.admin).post(CHANNELS, channel_data(personas.outsider_queue))
    assert response.status_code == 422
    assert not Channel.objects.filter(organization=personas.organization).exists()


def test_a_channel_with_conversations_is_deactivated(personas):
    channel = f.ChannelFactory(organization=personas.organization, queue=personas.queue)
    f.ConversationFactory(queue=personas.queue, channel=channel)
    client_for(personas.admin).post(delete_url("channels", channel))
    channel.refresh_from_db()
    assert channel.is_active is False


def test_a_web_chat_channel_shows_its_embed_snippet(personas):
    channel = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind="webchat")
    response = client_for(personas.admin).get(edit_url("channels", channel), headers=HTMX)
    assert 'data-testid="embed-snippet"' in response.content.decode()
    assert f"&lt;iframe src=&quot;http://testserver/chat/{channel.public_key}" in response.content.decode()


def test_channels_are_for_administrators_only(personas):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_manage_queue_settings=True)
    assert client_for(personas.supervisor).get(CHANNELS).status_code == 403
    foreign = f.ChannelFactory(organization=personas.outsider.organization, queue=personas.outsider_queue)
    assert client_for(personas.admin).get(edit_url("channels", foreign)).status_code == 404


def test_deleting_a_live_web_chat_says_the_chat_page_stops_and_why_it_is_deactivated(personas):
    channel = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind="webchat")
    f.ConversationFactory(queue=personas.queue, channel=channel)
    body = html(client_for(personas.admin).get(CHANNELS))
    assert ("The chat page stops working for customers. The channel is deactivated, not deleted, because "
            "conversations refer to it. Continue?") in body
    assert "Delete it?" not in body


def test_the_embed_help_keeps_the_body_tag_in_spanish(personas):
    channel = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind="webchat")
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    raw = client.get(edit_url("channels", channel)).content.decode()
    assert "Pega este código antes de &lt;/body&gt; en las páginas de tu sitio web:" in raw
    assert 'class="embed-snippet"' in raw


def test_channels_say_active_in_the_masculine_in_spanish(personas):
    f.ChannelFactory(organization=personas.organization, queue=personas.queue)
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    assert "<th>Activo</th>" in html(client.get(CHANNELS))
