"""Attachments and shared locations: files are judged by their content, refused files leave no
trace (no message, no attachment row, no file), and only the people working a conversation
write into it."""

import dataclasses
import io
import math
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import translation

from contactcenter import events
from contactcenter.models import Attachment, Conversation, Message
from contactcenter.services import agents, attachments, conversations, messages, queues, uploads
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f
from tests.contactcenter import fixtures_files as ff

OFFICE_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFFICE_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# name, bytes, kind, content type: one real sample per allowed type.
SAMPLES = [
    ("foto.jpg", ff.jpeg, "image", "image/jpeg"),
    ("foto.jpeg", ff.jpeg, "image", "image/jpeg"),
    ("captura.png", ff.png, "image", "image/png"),
    ("saludo.gif", ff.gif, "image", "image/gif"),
    ("pegatina.webp", ff.webp, "image", "image/webp"),
    ("video.mp4", ff.mp4, "video", "video/mp4"),
    ("video.webm", ff.webm, "video", "video/webm"),
    ("IMG_0001.mov", ff.mov, "video", "video/quicktime"),
    ("contrato.pdf", ff.pdf, "document", "application/pdf"),
    ("notas.txt", ff.text, "document", "text/plain"),
    ("pedidos.csv", ff.csv, "document", "text/csv"),
    ("carta.docx", ff.docx, "document", OFFICE_WORD),
    ("cuentas.xlsx", ff.xlsx, "document", OFFICE_EXCEL),
    ("informe.odt", ff.odt, "document", "application/vnd.oasis.opendocument.text"),
    ("cancion.mp3", ff.mp3, "audio", "audio/mpeg"),
    ("sin-etiqueta.mp3", lambda: ff.mp3(with_id3=False), "audio", "audio/mpeg"),
    ("nota-de-voz.ogg", ff.ogg_opus, "audio", "audio/ogg"),
    ("nota-de-voz.opus", ff.ogg_opus, "audio", "audio/ogg"),
    ("grabacion.wav", ff.wav, "audio", "audio/wav"),
    ("grabacion.m4a", ff.m4a, "audio", "audio/mp4"),
    ("telefono.m4a", lambda: ff.mp4(brand=b"mp42", compatible=(b"mp42", b"isom")), "audio", "audio/mp4"),
    ("grabacion.aac", ff.aac, "audio", "audio/aac"),
    ("grabacion.weba", ff.webm, "audio", "audio/webm"),
]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); Spanish translations come later."""
    with translation.override("en"):
        yield


@pytest.fixture
def conversation(personas, django_capture_on_commit_callbacks) -> Conversation:
    """A chat in "Ventas" assigned to ana by routing."""
    p = personas
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=p.agent)
        queues.queue_login(queue=p.queue, agent=p.agent)
        agents.agent_set_receive_new(agent=p.agent, on=True)
    contact = f.ContactFactory(organization=p.organization)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations.conversation_open(queue=p.queue, contact=contact, text="Hola")
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ASSIGNED
    assert conversation.assignee_id == p.agent.pk
    return conversation


@pytest.fixture
def send(personas, conversation, django_capture_on_commit_callbacks):
    """Send a file as ana (or `sender`) with the on-commit work (events) executed."""

    def _send(name: str, data: bytes, *, sender=None, **kwargs) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return attachments.message_send_attachment(
                conversation=kwargs.pop("into", conversation),
                sender=sender or personas.agent,
                upload=ff.upload(name, data),
                **kwargs,
            )

    return _send


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_nothing_stored() -> None:
    assert not Message.objects.exclude(kind=Message.Kind.TEXT).exists()
    assert not Attachment.objects.exists()
    assert media_files() == []


def refused(send, name: str, data: bytes, code: str, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        send(name, data, **kwargs)
    assert caught.value.code == code, str(caught.value)
    assert_nothing_stored()
    return caught.value


# --- Accepted files ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "build", "kind", "content_type"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_allowed_type_is_accepted_and_stored_with_its_kind_and_content_type(
    send, conversation, personas, name, build, kind, content_type
):
    data = build()
    message = send(name, data, caption="Aquí lo tienes")

    message.refresh_from_db()
    assert message.kind == Message.Kind.ATTACHMENT
    assert message.direction == Message.Direction.OUTBOUND
    assert message.delivery == Message.Delivery.SENT
    assert message.body == "Aquí lo tienes"
    assert message.sender == personas.agent
    (attachment,) = message.attachments.all()
    assert attachment.organization_id == personas.organization.pk
    assert (attachment.kind, attachment.content_type) == (kind, content_type)
    assert attachment.size == len(data)
    assert attachment.original_name == name
    assert attachment.file.name.startswith(f"org-{personas.organization.pk}/attachments/")
    assert attachment.file.name.endswith(Path(name).suffix)
    with attachment.file.open("rb") as stored:
        assert stored.read() == data
    assert media_files() == [Path(attachment.file.path)]


def test_every_type_in_the_table_has_an_accepted_sample():
    listed = {t.content_type for rule in uploads.ALLOWED.values() for t in rule.types}
    assert listed == {sample[3] for sample in SAMPLES}


def test_detect_judges_the_content_not_the_name():
    assert uploads.detect(io.BytesIO(ff.png()), name="factura.pdf") == ("image", "image/png")
    assert uploads.detect(io.BytesIO(ff.pdf()), name="foto.png") == ("document", "application/pdf")


def test_the_content_type_the_browser_claims_is_ignored(personas, conversation):
    upload = ff.upload("captura.png", ff.png(), content_type="application/pdf")
    message = attachments.message_send_attachment(
        conversation=conversation, sender=personas.agent, upload=upload
    )
    assert message.attachments.get().content_type == "image/png"

    lying = ff.upload("foto.png", ff.exe(), content_type="image/png")
    with pytest.raises(DomainError) as caught:
        attachments.message_send_attachment(conversation=conversation, sender=personas.agent, upload=lying)
    assert caught.value.code == "file_type"
    assert Attachment.objects.count() == 1


def test_an_upper_case_extension_is_accepted_and_kept_in_lower_case(send):
    message = send("FOTO.JPG", ff.jpeg())
    assert message.attachments.get().original_name == "FOTO.jpg"


def test_a_file_without_extension_gets_the_extension_of_its_type(send):
    message = send("pegado", ff.png())
    attachment = message.attachments.get()
    assert attachment.original_name == "pegado.png"
    assert attachment.file.name.endswith(".png")


def test_a_file_spooled_to_disk_by_the_upload_handler_is_accepted(personas, conversation):
    data = ff.wav(frames=20_000)
    upload = TemporaryUploadedFile("llamada.wav", "audio/x-wav", len(data), None)
    upload.write(data)
    upload.seek(0)
    try:
        message = attachments.message_send_attachment(
            conversation=conversation, sender=personas.agent, upload=upload
        )
    finally:
        upload.close()
    attachment = message.attachments.get()
    assert (attachment.kind, attachment.size) == ("audio", len(data))


def test_sending_a_file_updates_the_conversation_like_a_reply(send, conversation):
    send("contrato.pdf", ff.pdf(), caption="  El contrato  ")
    conversation.refresh_from_db()
    assert conversation.last_message_excerpt == "El contrato"
    assert conversation.first_response_at is not None

    send("foto.png", ff.png())
    conversation.refresh_from_db()
    assert conversation.last_message_excerpt == str(Message.Kind.ATTACHMENT.label)


def test_an_internal_note_with_a_file_is_not_sent_to_the_customer(send, conversation):
    message = send("captura.png", ff.png(), caption="Para revisar", internal=True)
    assert message.direction == Message.Direction.INTERNAL
    assert message.delivery == ""
    assert not message.is_customer_visible
    conversation.refresh_from_db()
    assert conversation.first_response_at is None
    assert conversation.last_message_excerpt == "Hola"
    assert message.attachments.get().kind == "image"


def test_message_created_is_published_once_for_a_file(send, conversation, personas, captured_events):
    captured_events.clear()
    message = send("contrato.pdf", ff.pdf())
    created = [e for e in captured_events if e.type == events.MESSAGE_CREATED]
    assert len(created) == 1
    assert created[0].data["message_id"] == message.pk
    assert created[0].data["conversation_ids"] == [conversation.pk]
    assert created[0].data["agent_ids"] == [personas.agent.pk]
    assert Attachment.objects.filter(message_id=created[0].data["message_id"]).count() == 1


def test_a_supervisor_of_the_queue_may_send_a_file(send, personas):
    message = send("contrato.pdf", ff.pdf(), sender=personas.supervisor)
    assert message.sender == personas.supervisor
    assert message.attachments.count() == 1


# --- Refused files -----------------------------------------------------------------------------


def test_a_png_named_pdf_is_refused_with_a_clear_message(send):
    error = refused(send, "factura.pdf", ff.png(), "file_extension")
    assert str(error) == (
        "“factura.pdf” ends in .pdf but it is a PNG file. Rename it to end in .png, or choose "
        "another file."
    )


@pytest.mark.parametrize("name", ["foto.png", "foto.jpg", "dibujo.svg", "pagina.html", "nota.txt"])
@pytest.mark.parametrize("build", [ff.html, ff.svg], ids=["html", "svg"])
def test_html_and_svg_are_never_accepted_whatever_their_name(send, name, build):
    error = refused(send, name, build(), "file_type")
    assert "This file type is not allowed" in str(error)


def test_svg_and_html_are_not_in_the_table_of_allowed_types():
    listed = {t.content_type for rule in uploads.ALLOWED.values() for t in rule.types}
    extensions = {e for rule in uploads.ALLOWED.values() for t in rule.types for e in t.extensions}
    assert not listed & {"image/svg+xml", "text/html", "application/xhtml+xml"}
    assert not extensions & {".svg", ".html", ".htm", ".xhtml"}
    assert "svg" not in uploads.ACCEPT and "html" not in uploads.ACCEPT


@pytest.mark.parametrize("name", ["programa.exe", "factura.pdf", "foto.png", "notas.txt"])
def test_a_windows_executable_is_refused(send, name):
    refused(send, name, ff.exe(), "file_type")


@pytest.mark.parametrize("name", ["carta.docx", "cuentas.xlsx", "informe.odt", "fotos.zip"])
def test_a_zip_that_is_not_an_office_document_is_refused(send, name):
    refused(send, name, ff.plain_zip(), "file_type")


def test_a_word_document_with_macros_is_refused(send):
    refused(send, "carta.docx", ff.docm(), "file_type")


def test_an_opendocument_other_than_text_is_refused(send):
    refused(send, "hoja.odt", ff.odt(mimetype=b"application/vnd.oasis.opendocument.spreadsheet"), "file_type")


def test_a_broken_zip_is_refused(send):
    refused(send, "carta.docx", ff.docx()[:200], "file_type")


def test_matroska_video_other_than_webm_is_refused(send):
    refused(send, "pelicula.mkv", ff.mkv(), "file_type")
    refused(send, "pelicula.webm", ff.mkv(), "file_type")


def test_mp4_family_files_of_other_brands_are_refused(send):
    refused(send, "foto.heic", ff.mp4(brand=b"heic", compatible=(b"mif1", b"heic")), "file_type")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("datos.txt", b"hola\x00mundo"),
        ("datos.txt", b"caf\xe9 con leche"),  # Latin-1, not UTF-8
        ("datos.csv", b"\xff\xfe" + "a;b".encode("utf-16-le")),
        ("datos.md", b"# Hola"),
        ("datos", b"hola"),
    ],
    ids=["nul", "latin1", "utf16", "markdown", "no-extension"],
)
def test_text_is_accepted_only_as_utf8_txt_or_csv(send, name, data):
    refused(send, name, data, "file_type")


def test_an_empty_file_is_refused(send):
    error = refused(send, "vacio.pdf", b"", "file_empty")
    assert "vacio.pdf" in str(error)


def test_a_file_over_its_kinds_limit_is_refused_with_the_limit_in_the_message(send, monkeypatch):
    rule = uploads.ALLOWED["audio"]
    monkeypatch.setitem(uploads.ALLOWED, "audio", dataclasses.replace(rule, max_bytes=1024))
    data = ff.wav(frames=2000)
    error = refused(send, "llamada.wav", data, "file_too_large")
    assert str(error) == "“llamada.wav” is too large (3.9 KB). The limit for audio files is 1 KB."
    assert send("corta.wav", ff.wav(frames=100)).attachments.count() == 1  # under the limit: fine


def test_a_document_over_10_mb_is_refused(send):
    data = b"a;b\n" * (10 * uploads.MiB // 4) + b"x"
    error = refused(send, "enorme.csv", data, "file_too_large")
    assert "10 MB" in str(error)


def test_a_file_larger_than_any_limit_is_refused_without_reading_it(send, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the content of a file over every limit is not read")

    monkeypatch.setattr(uploads, "detect", must_not_run)
    error = refused(send, "video.mp4", ff.mp4() + bytes(16 * uploads.MiB), "file_too_large")
    assert "16 MB" in str(error)


def test_a_caption_that_is_too_long_is_refused_before_anything_is_stored(send):
    refused(send, "foto.png", ff.png(), "too_long", caption="a" * (messages.MAX_TEXT + 1))


def test_nothing_is_kept_when_the_file_cannot_be_saved(send, monkeypatch, captured_events):
    def disk_full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    captured_events.clear()
    error = refused(send, "foto.png", ff.png(), "file_storage")
    assert "could not be saved" in str(error)
    assert captured_events == []


def test_the_file_is_removed_when_its_row_cannot_be_written(send, monkeypatch, captured_events):
    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Attachment, "save", broken)
    captured_events.clear()
    with pytest.raises(RuntimeError):
        send("foto.png", ff.png())
    assert_nothing_stored()
    assert captured_events == []


# --- File names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\Windows\\system32\\foto.png", "foto.png"),
        ("C:\\fakepath\\foto de perfil.png", "foto de perfil.png"),
        ("foto\x00.php.png", "foto.php.png"),
        ("foto\nde\r\nperfil\t.png", "foto de perfil.png"),
        ("factura\u202egnp.exe.png", "facturagnp.exe.png"),  # right-to-left override
        ("a<b>:c|d?*.png", "a_b__c_d__.png"),
        (".png", "png.png"),
        ("...", "file.png"),
    ],
)
def test_hostile_file_names_are_sanitised(send, name, expected):
    message = send(name, ff.png())
    attachment = message.attachments.get()
    assert attachment.original_name == expected
    path = Path(attachment.file.path).resolve()
    folder = Path(settings.MEDIA_ROOT).resolve() / f"org-{attachment.organization_id}" / "attachments"
    assert path.is_relative_to(folder)
    assert ".." not in Path(attachment.file.name).parts


def test_a_500_character_name_is_cut_to_120_keeping_its_extension(send):
    message = send("informe " + "x" * 500 + ".pdf", ff.pdf())
    attachment = message.attachments.get()
    assert len(attachment.original_name) == 120
    assert attachment.original_name.startswith("informe xxx")
    assert attachment.original_name.endswith(".pdf")
    assert len(attachment.file.name) <= Attachment._meta.get_field("file").max_length


def test_sanitising_a_sanitised_name_changes_nothing():
    for name in ["../a.png", "x" * 300 + ".JPEG", " . a . ", "ñandú  feliz.webp", "\x01\x02"]:
        once = uploads.sanitize_filename(name)
        assert uploads.sanitize_filename(once) == once
        assert 0 < len(once) <= uploads.MAX_NAME


# --- Who may send ------------------------------------------------------------------------------


@pytest.mark.parametrize("internal", [False, True], ids=["reply", "internal-note"])
def test_another_agent_cannot_send_a_file_into_a_colleagues_conversation(send, personas, internal):
    with pytest.raises(NotAllowed):
        send("foto.png", ff.png(), sender=personas.colleague, internal=internal)
    assert_nothing_stored()


def test_someone_from_another_organization_cannot_find_the_conversation(send, personas):
    error = refused(send, "foto.png", ff.png(), "not_found", sender=personas.outsider)
    assert "does not exist" in str(error)


def test_a_file_is_not_sent_into_a_conversation_nobody_handles(personas, send):
    waiting = f.ConversationFactory(queue=personas.queue)  # queued, no assignee
    refused(send, "foto.png", ff.png(), "closed", sender=personas.supervisor, into=waiting)
    note = send("foto.png", ff.png(), sender=personas.supervisor, into=waiting, internal=True)
    assert note.direction == Message.Direction.INTERNAL


def test_a_file_is_not_sent_into_a_closed_conversation(send, conversation, personas,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversations.conversation_close(conversation=conversation, by=personas.agent)
    refused(send, "foto.png", ff.png(), "closed")


# --- Files from the customer -------------------------------------------------------------------


def test_a_customer_file_arrives_as_an_inbound_message(conversation, captured_events,
                                                       django_capture_on_commit_callbacks):
    unread = conversation.unread_count
    captured_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = attachments.message_receive_attachment(
            conversation=conversation, upload=ff.upload("ticket.jpg", ff.jpeg()), caption="Mi ticket",
            external_id="wamid.1",
        )
    assert (message.direction, message.kind, message.body) == ("inbound", "attachment", "Mi ticket")
    assert message.sender is None
    assert message.attachments.get().content_type == "image/jpeg"
    conversation.refresh_from_db()
    assert conversation.unread_count == unread + 1
    assert [e.type for e in captured_events] == [events.MESSAGE_CREATED]


def test_a_retried_customer_file_is_stored_once(conversation):
    first = attachments.message_receive_attachment(
        conversation=conversation, upload=ff.upload("ticket.jpg", ff.jpeg()), external_id="wamid.7"
    )
    again = attachments.message_receive_attachment(
        conversation=conversation, upload=ff.upload("ticket.jpg", ff.jpeg()), external_id="wamid.7"
    )
    assert again.pk == first.pk
    assert Attachment.objects.count() == 1
    assert len(media_files()) == 1


def test_a_customer_file_is_checked_like_an_agents_file(conversation):
    with pytest.raises(DomainError) as caught:
        attachments.message_receive_attachment(conversation=conversation, upload=ff.upload("foto.png", ff.svg()))
    assert caught.value.code == "file_type"
    assert_nothing_stored()


def test_a_customer_file_on_a_closed_conversation_is_refused(conversation, personas,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversations.conversation_close(conversation=conversation, by=personas.agent)
    with pytest.raises(DomainError) as caught:
        attachments.message_receive_attachment(conversation=conversation, upload=ff.upload("a.png", ff.png()))
    assert caught.value.code == "closed"
    assert_nothing_stored()


# --- Locations ---------------------------------------------------------------------------------


@pytest.fixture
def share(personas, conversation, django_capture_on_commit_callbacks):
    def _share(latitude, longitude, *, sender=None, **kwargs) -> Message:
        with django_capture_on_commit_callbacks(execute=True):
            return attachments.message_send_location(
                conversation=conversation, sender=sender or personas.agent,
                latitude=latitude, longitude=longitude, **kwargs,
            )

    return _share


def test_an_agent_shares_a_location(share, conversation, personas, captured_events):
    captured_events.clear()
    message = share(Decimal("40.416775"), Decimal("-3.703790"), label="  Puerta del   Sol ")
    message.refresh_from_db()
    assert message.kind == Message.Kind.LOCATION
    assert message.direction == Message.Direction.OUTBOUND
    assert message.delivery == Message.Delivery.SENT
    assert (message.latitude, message.longitude) == (Decimal("40.416775"), Decimal("-3.703790"))
    assert message.location_label == message.body == "Puerta del Sol"
    assert message.sender == personas.agent
    assert not message.attachments.exists()
    created = [e for e in captured_events if e.type == events.MESSAGE_CREATED]
    assert len(created) == 1 and created[0].data["message_id"] == message.pk
    conversation.refresh_from_db()
    assert conversation.last_message_excerpt == "Puerta del Sol"
    assert conversation.first_response_at is not None


@pytest.mark.parametrize(
    ("latitude", "longitude", "stored"),
    [
        (90, 180, (Decimal("90"), Decimal("180"))),
        (-90, -180, (Decimal("-90"), Decimal("-180"))),
        (0, 0, (Decimal("0"), Decimal("0"))),
        (40.4167754321, -3.7037902, (Decimal("40.416775"), Decimal("-3.703790"))),
        (Decimal("-33.8688197"), Decimal("151.2092955"), (Decimal("-33.868820"), Decimal("151.209296"))),
    ],
)
def test_coordinates_are_stored_with_six_decimals(share, latitude, longitude, stored):
    message = share(latitude, longitude)
    message.refresh_from_db()
    assert (message.latitude, message.longitude) == stored
    assert message.location_label == ""


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (90.5, 0),
        (-91, 0),
        (0, 180.000001),
        (0, -181),
        (math.nan, 0),
        (0, math.inf),
        (-math.inf, 0),
        (Decimal("NaN"), 0),
        (0, Decimal("-Infinity")),
        ("40.4", "-3.7"),
        (None, 0),
        (True, False),
        ([40], [3]),
    ],
)
def test_impossible_coordinates_are_refused(share, latitude, longitude):
    with pytest.raises(DomainError) as caught:
        share(latitude, longitude)
    assert caught.value.code == "location"
    assert "must be a number between" in str(caught.value)
    assert_nothing_stored()


def test_a_location_label_over_200_characters_is_refused(share):
    with pytest.raises(DomainError) as caught:
        share(40, -3, label="x" * 201)
    assert caught.value.code == "too_long"
    assert_nothing_stored()
    assert share(40, -3, label="x" * 200).location_label == "x" * 200


def test_another_agent_cannot_share_a_location_in_a_colleagues_conversation(share, personas):
    with pytest.raises(NotAllowed):
        share(40, -3, sender=personas.colleague)
    assert_nothing_stored()


def test_a_location_as_an_internal_note(share, conversation):
    message = share(40, -3, label="Almacén", internal=True)
    assert message.direction == Message.Direction.INTERNAL
    assert message.delivery == ""
    conversation.refresh_from_db()
    assert conversation.first_response_at is None


def test_a_customer_shares_a_location(conversation):
    message = attachments.message_receive_location(
        conversation=conversation, latitude=19.432608, longitude=-99.133209, label="Zócalo",
        external_id="wamid.loc",
    )
    assert (message.direction, message.kind) == ("inbound", "location")
    assert (message.latitude, message.longitude) == (Decimal("19.432608"), Decimal("-99.133209"))
    again = attachments.message_receive_location(
        conversation=conversation, latitude=19.432608, longitude=-99.133209, external_id="wamid.loc"
    )
    assert again.pk == message.pk


# --- What people see before uploading ----------------------------------------------------------


def test_the_allowed_summary_lists_every_kind_with_its_types_and_limit():
    summary = uploads.allowed_summary()
    assert list(summary) == ["image", "video", "document", "audio"]
    assert summary["image"] == "Image: JPEG, PNG, GIF, WebP · up to 5 MB"
    assert summary["video"] == "Video: MP4, WebM, MOV · up to 16 MB"
    assert summary["document"].startswith("Document: PDF, TXT, CSV, Word (DOCX)")
    assert summary["document"].endswith("· up to 10 MB")
    assert summary["audio"].endswith("· up to 16 MB")


def test_the_accept_attribute_lists_types_and_extensions():
    accept = uploads.ACCEPT.split(",")
    assert {"image/png", ".png", "application/pdf", ".pdf", ".docx", "audio/ogg", ".opus"} <= set(accept)
    assert uploads.accept_attribute(["image"]) == (
        "image/jpeg,.jpg,.jpeg,image/png,.png,image/gif,.gif,image/webp,.webp"
    )


def test_sizes_are_written_as_people_read_them():
    assert uploads.format_size(5 * uploads.MiB) == "5 MB"
    assert uploads.format_size(1536 * uploads.KiB) == "1.5 MB"
    assert uploads.format_size(300 * uploads.KiB) == "300 KB"
    assert uploads.format_size(1) == "1 byte"
    with translation.override("es"):
        assert uploads.format_size(1536 * uploads.KiB) == "1,5 MB"
