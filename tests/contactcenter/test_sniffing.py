"""What a file is, by its content: the `filetype` library reads the signatures, and the explicit
rules in `contactcenter.services.sniffing` decide where the library alone would accept a type we
refuse, refuse one we accept, or mistake text for an image."""

import io

import filetype
import pytest
from django.utils import translation

from contactcenter.services import uploads
from contactcenter.services.errors import DomainError
from tests.contactcenter import fixtures_files as ff

OFFICE_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def detect(data: bytes, name: str) -> tuple[str, str]:
    return uploads.detect(io.BytesIO(data), name=name)


def refused(data: bytes, name: str) -> None:
    with pytest.raises(DomainError) as caught:
        detect(data, name)
    assert caught.value.code == "file_type"


def test_the_library_reads_the_signatures():
    assert filetype.guess_mime(ff.jpeg()) == "image/jpeg"
    assert filetype.guess_mime(ff.wav()) == "audio/x-wav"
    assert detect(ff.wav(), "grabacion.wav") == ("audio", "audio/wav")  # our name for it


def test_an_animated_png_is_a_png():
    assert filetype.guess_mime(ff.apng()) == "image/apng"
    assert detect(ff.apng(), "animacion.png") == ("image", "image/png")


# --- ISO base media: by brand ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("libro.m4a", ff.mp4(brand=b"M4B ", compatible=(b"M4B ", b"isom")), ("audio", "audio/mp4")),
        ("clip.mp4", ff.mp4(brand=b"dash", compatible=(b"iso6", b"dash")), ("video", "video/mp4")),
        ("clip.mp4", ff.mp4(brand=b"iso5", compatible=(b"iso5",)), ("video", "video/mp4")),
        ("clip.mp4", ff.mp4(brand=b"avc1", compatible=(b"avc1",)), ("video", "video/mp4")),
    ],
    ids=["m4b", "dash", "iso5", "avc1"],
)
def test_mp4_brands_the_library_does_not_know_are_accepted(name, data, expected):
    assert detect(data, name) == expected


@pytest.mark.parametrize(
    "data",
    [ff.mp4(brand=b"3gp4", compatible=(b"isom", b"3gp4")), ff.mp4(brand=b"f4v ", compatible=(b"isom", b"mp42"))],
    ids=["3gp", "f4v"],
)
def test_other_brands_that_list_isom_are_refused_though_the_library_calls_them_mp4(data):
    assert filetype.guess_mime(data) == "video/mp4"
    refused(data, "video.mp4")


# --- MPEG audio: by the first frame ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("crc.mp3", b"\xff\xfa\x90\x64" + bytes(413), "audio/mpeg"),  # MPEG-1 Layer III with a CRC
        ("mpeg25.mp3", b"\xff\xe3\x90\x64" + bytes(300), "audio/mpeg"),  # MPEG-2.5 Layer III
        ("crc.aac", b"\xff\xf0\x50\x80" + bytes(20), "audio/aac"),  # ADTS with a CRC
    ],
    ids=["mp3-crc", "mpeg-2.5", "aac-crc"],
)
def test_mpeg_audio_frames_the_library_does_not_know_are_accepted(name, data, expected):
    assert filetype.guess(data) is None
    assert detect(data, name) == ("audio", expected)


def test_aac_behind_an_id3_tag_is_aac_though_the_library_says_mp3():
    tag = ff.mp3()[: ff.mp3().index(b"\xff\xfb")]
    data = tag + ff.aac()
    assert filetype.guess_mime(data) == "audio/mpeg"
    assert detect(data, "grabacion.aac") == ("audio", "audio/aac")


def test_an_id3_tag_with_a_broken_size_is_refused():
    refused(b"ID3\x03\x00\x00\x80\x00\x00\x10" + bytes(40), "cancion.mp3")


# --- Zips: by their members --------------------------------------------------------------------


def test_a_word_document_with_macros_is_refused_though_the_library_calls_it_docx():
    assert filetype.guess_mime(ff.docm()) == OFFICE_WORD
    refused(ff.docm(), "carta.docx")


def test_office_documents_other_than_word_excel_and_odt_are_refused():
    refused(ff.pptx(), "presentacion.pptx")
    refused(ff.pptx(), "presentacion.docx")


# --- Text: no signature ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("tarjetas.csv", b"GIFT;importe\nA-1;25,00\n", "text/csv"),  # "GIF": the library's GIF
        ("nota.txt", "GIF animado para la campaña\n".encode(), "text/plain"),
        ("nota.txt", b"%PDF es el formato de la factura\n", "text/plain"),  # "%PDF": the library's PDF
        ("coches.csv", b"BMW;Audi\n1;2\n", "text/csv"),  # "BM": the library's bitmap
        ("nota.txt", b"MZ 4 listo\n", "text/plain"),  # "MZ": the library's Windows executable
        ("nota.txt", b"{\\rtf1 hola}", "text/plain"),  # RTF is text
    ],
    ids=["gift-csv", "gif-word", "pdf-word", "bmp-letters", "exe-letters", "rtf"],
)
def test_text_is_text_whatever_its_first_letters_spell(name, data, expected):
    assert filetype.guess(data) is not None
    assert detect(data, name) == ("document", expected)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("animacion.gif", b"GIF animado\n"),
        ("animacion.gif", b"GIF90a" + bytes(20)),  # no such GIF version
        ("foto.png", b"\x89PNG" + bytes(20)),  # the 8-byte PNG signature cut short
        ("factura.pdf", b"%PDF es el formato\n"),
        ("factura.pdf", b"\xef\xbb\xbf%PDF-1.4\n" + bytes(20)),  # a PDF starts with "%PDF-" itself
    ],
    ids=["gif-text", "gif-version", "png-short", "pdf-text", "pdf-after-bom"],
)
def test_the_short_signatures_the_library_accepts_are_not_enough(name, data):
    assert filetype.guess(data) is not None
    refused(data, name)


def test_a_pdf_named_txt_is_a_pdf_not_text():
    with pytest.raises(DomainError) as caught:
        uploads.validate_upload(ff.upload("factura.txt", ff.pdf()))
    assert caught.value.code == "file_extension"
