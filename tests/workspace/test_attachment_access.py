"""A conversation's files are served only to who may open that conversation (its agent, a
supervisor of its queue, an administrator), never to a colleague who learned the address; files
the browser would run download instead of opening; production hands the bytes to the proxy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contactcenter.models import Attachment
from contactcenter.services import attachments
from tests.contactcenter import fixtures_files as files
from tests.workspace.conftest import client_for

pytestmark = pytest.mark.django_db


def attach(conversation, name, data, content_type) -> Attachment:
    message = attachments.message_receive_attachment(
        conversation=conversation, upload=SimpleUploadedFile(name, data, content_type=content_type), caption="")
    return message.attachments.get()


def file_url(attachment) -> str:
    return reverse("workspace:attachment", args=[attachment.pk])


@pytest.fixture
def image(chat):
    return attach(chat, "foto.png", files.png(), "image/png")


@pytest.fixture
def pdf(chat):
    return attach(chat, "factura.pdf", files.pdf(), "application/pdf")


def test_the_conversations_agent_gets_an_image_inline(ana, image):
    response = ana.get(file_url(image))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == files.png()
    assert "attachment" not in response.get("Content-Disposition", "inline")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_a_document_always_downloads(ana, pdf):
    response = ana.get(file_url(pdf))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"


def test_a_colleague_who_cannot_open_the_conversation_gets_a_404(personas, desk, image):
    desk.sign_in(personas.colleague)  # Luis, same organization and queue, not logged in to it
    assert client_for(personas.colleague).get(file_url(image)).status_code == 404


def test_the_storage_address_is_not_a_way_around_it(personas, ana, image):
    assert ana.get(image.file.url).status_code == 404
    assert client_for(personas.colleague).get(image.file.url).status_code == 404


def test_a_supervisor_of_the_queue_and_an_admin_get_it(personas, image):
    assert client_for(personas.supervisor).get(file_url(image)).status_code == 200
    assert client_for(personas.admin).get(file_url(image)).status_code == 200


def test_another_organization_gets_a_404(personas, image):
    assert client_for(personas.outsider).get(file_url(image)).status_code == 404


def test_with_x_accel_redirect_the_proxy_sends_the_bytes(ana, pdf, settings):
    settings.MEDIA_X_ACCEL_REDIRECT = "/protected-media/"
    response = ana.get(file_url(pdf))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{pdf.file.name}"
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''factura.pdf"
