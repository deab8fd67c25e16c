"""The composer: files and locations from the workspace, and nothing typed is lost on refusal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contactcenter.models import Attachment, Message
from contactcenter.services import agents, conversations, queues
from tests import factories as f
from tests.contactcenter import fixtures_files as files


@pytest.fixture
def open_chat(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=personas.agent)
        queues.queue_login(queue=personas.queue, agent=personas.agent)
        agents.agent_set_receive_new(agent=personas.agent, on=True)
        conv = conversations.conversation_open(
            queue=personas.queue, contact=f.ContactFactory(organization=personas.organization), text="Hola")
    conv.refresh_from_db()
    assert conv.assignee == personas.agent
    return conv


def test_agent_attaches_an_image_with_a_caption(client, personas, open_chat):
    client.force_login(personas.agent)
    image = SimpleUploadedFile("foto.png", files.png(), content_type="image/png")
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/", {"text": "Mira", "file": image})
    assert response.status_code == 302
    attachment = Attachment.objects.get(message__conversation=open_chat)
    assert attachment.kind == "image" and attachment.message.body == "Mira"
    page = client.get(f"/workspace/conversations/{open_chat.pk}/").content.decode()
    assert f"/workspace/attachments/{attachment.pk}/" in page and attachment.file.url not in page


def test_a_rejected_file_keeps_the_typed_text_and_stores_nothing(client, personas, open_chat):
    client.force_login(personas.agent)
    fake = SimpleUploadedFile("factura.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/",
                           {"text": "Te adjunto la factura", "file": fake}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert "Te adjunto la factura" in body
    assert 'data-testid="composer-error"' in body
    assert not Attachment.objects.exists()
    assert not Message.objects.filter(conversation=open_chat, direction="outbound").exists()


def test_the_composer_shows_allowed_types_and_sizes_before_upload(client, personas, open_chat):
    client.force_login(personas.agent)
    body = client.get(f"/workspace/conversations/{open_chat.pk}/").content.decode()
    assert "PNG" in body and "5 MB" in body and 'accept="' in body


def test_agent_shares_a_location_rendered_with_a_map_link(client, personas, open_chat):
    client.force_login(personas.agent)
    client.post(f"/workspace/conversations/{open_chat.pk}/send/",
                {"latitude": "40.416775", "longitude": "-3.703790", "location_label": "Oficina central"})
    message = Message.objects.get(conversation=open_chat, kind="location")
    assert message.location_label == "Oficina central" or message.body == "Oficina central"
    page = client.get(f"/workspace/conversations/{open_chat.pk}/").content.decode()
    assert "openstreetmap.org/?mlat=40.416775" in page


@pytest.mark.parametrize("lat,lng", [("91", "0"), ("0", "181"), ("abc", "1"), ("10", "")])
def test_a_bad_location_is_refused_with_a_clear_error(client, personas, open_chat, lat, lng):
    client.force_login(personas.agent)
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/",
                           {"text": "aquí", "latitude": lat, "longitude": lng}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert 'data-testid="composer-error"' in response.content.decode()
    assert not Message.objects.filter(conversation=open_chat, kind="location").exists()


def test_attachments_are_served_only_to_their_organization(client, personas, open_chat):
    client.force_login(personas.agent)
    image = SimpleUploadedFile("foto.png", files.png(), content_type="image/png")
    client.post(f"/workspace/conversations/{open_chat.pk}/send/", {"file": image})
    url = f"/workspace/attachments/{Attachment.objects.get().pk}/"
    assert client.get(url).status_code == 200
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(personas.agent)
    assert client.get("/media/org-1/../../etc/passwd").status_code == 404


def test_one_reply_carries_several_files_the_caption_on_the_first(client, personas, open_chat):
    client.force_login(personas.agent)
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/", {
        "text": "Te adjunto todo",
        "file": [SimpleUploadedFile("foto.png", files.png(), content_type="image/png"),
                 SimpleUploadedFile("factura.pdf", files.pdf(), content_type="application/pdf")]})
    assert response.status_code == 302
    sent = list(Message.objects.filter(conversation=open_chat, direction="outbound").order_by("pk"))
    assert [m.body for m in sent] == ["Te adjunto todo", ""]
    assert [m.attachments.get().original_name for m in sent] == ["foto.png", "factura.pdf"]


def test_one_refused_file_refuses_the_whole_reply_naming_it_and_keeps_the_text(client, personas, open_chat):
    client.force_login(personas.agent)
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/", {
        "text": "Te adjunto todo",
        "file": [SimpleUploadedFile("foto.png", files.png(), content_type="image/png"),
                 SimpleUploadedFile("virus.exe", files.exe(), content_type="application/pdf")]},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = response.content.decode()
    assert "virus.exe:" in body and "Te adjunto todo" in body
    assert not Attachment.objects.exists()
    assert not Message.objects.filter(conversation=open_chat, direction="outbound").exists()


def test_more_than_ten_files_in_one_reply_are_refused(client, personas, open_chat):
    client.force_login(personas.agent)
    client.cookies["django_language"] = "en"
    uploads = [SimpleUploadedFile(f"foto{i}.png", files.png(), content_type="image/png") for i in range(11)]
    response = client.post(f"/workspace/conversations/{open_chat.pk}/send/", {"file": uploads},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "at most 10 files" in response.content.decode()
    assert not Attachment.objects.exists()
