"""Small, real sample files built in memory (no binary fixtures in the repository).

Each builder returns bytes; `upload(name, data)` wraps them as a browser upload would, with a
content type the browser claims (which the services must ignore).
"""

import io
import struct
import wave
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- Images ------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 2, height: int = 2) -> bytes:
    """A real RGB PNG (red pixels)."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def apng() -> bytes:
    """An animated PNG: a PNG with an animation control chunk (acTL) before its image data."""
    data = png()
    ihdr_end = 8 + 25  # signature, then the IHDR chunk (13 bytes of data)
    return data[:ihdr_end] + _png_chunk(b"acTL", struct.pack(">II", 1, 0)) + data[ihdr_end:]


def gif() -> bytes:
    """A real 1×1 GIF89a."""
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
        b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def jpeg() -> bytes:
    """A JPEG's markers: SOI, JFIF APP0, a comment, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comment = b"sample"
    return (
        b"\xff\xd8"
        + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
        + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        + b"\xff\xd9"
    )


def _riff(form: bytes, chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + form + chunks


def webp() -> bytes:
    """A 1×1 lossless WebP."""
    vp8l = b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    return _riff(b"WEBP", b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l)


# --- Audio and video ---------------------------------------------------------------------------


def wav(frames: int = 800) -> bytes:
    """A real WAV (silence, 8 kHz mono) written by the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes = b"isom", compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"mp41")) -> bytes:
    """An ISO base media file: ftyp, an empty moov and mdat."""
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 512) + b"".join(compatible))
    return ftyp + _box(b"moov", _box(b"mvhd", b"\x00" * 100)) + _box(b"mdat", b"\x00" * 32)


def mov() -> bytes:
    return mp4(brand=b"qt  ", compatible=(b"qt  ",))


def m4a() -> bytes:
    return mp4(brand=b"M4A ", compatible=(b"M4A ", b"mp42", b"isom"))


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    assert len(payload) < 127
    return element_id + bytes([0x80 | len(payload)]) + payload


def webm() -> bytes:
    """An EBML header with DocType webm, then an empty Segment."""
    header = (
        _ebml(b"\x42\x86", b"\x01")  # EBMLVersion
        + _ebml(b"\x42\xf7", b"\x01")  # EBMLReadVersion
        + _ebml(b"\x42\xf2", b"\x04")  # EBMLMaxIDLength
        + _ebml(b"\x42\xf3", b"\x08")  # EBMLMaxSizeLength
        + _ebml(b"\x42\x82", b"webm")  # DocType
        + _ebml(b"\x42\x87", b"\x04")  # DocTypeVersion
        + _ebml(b"\x42\x85", b"\x02")  # DocTypeReadVersion
    )
    return _ebml(b"\x1a\x45\xdf\xa3", header) + b"\x18\x53\x80\x67\x80"


def mkv() -> bytes:
    return webm().replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska")


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(payload: bytes, *, sequence: int, flags: int) -> bytes:
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    header = (
        b"OggS\x00" + bytes([flags]) + struct.pack("<qII", 0, 0x5EED, sequence) + b"\x00\x00\x00\x00"
        + bytes([len(segments)]) + bytes(segments)
    )
    page = header + payload
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus() -> bytes:
    """An Ogg Opus stream's two header pages (OpusHead, OpusTags), with valid checksums."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 6) + b"sample" + struct.pack("<I", 0)
    return _ogg_page(head, sequence=0, flags=0x02) + _ogg_page(tags, sequence=1, flags=0x00)


def mp3(with_id3: bool = True) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz), optionally after an ID3v2 tag."""
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    tag = b""
    if with_id3:
        title = b"\x00sample"
        frames = b"TIT2" + struct.pack(">I", len(title)) + b"\x00\x00" + title
        tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(frames)]) + frames
    return tag + frame * 3


def aac() -> bytes:
    """AAC in ADTS frames (the header of a 7-byte frame without payload, repeated)."""
    length = 7
    header = bytes([
        0xFF, 0xF1, 0x50, 0x80 | (length >> 11), (length >> 3) & 0xFF, ((length & 7) << 5) | 0x1F,
        0xFC,
    ])
    return header * 4


# --- Documents ---------------------------------------------------------------------------------


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, members.pop(stored_first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="%s"/></Relationships>'
)


def docx() -> bytes:
    """A minimal Word document Word opens: content types, package rels, the document part."""
    return _zip({
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": _RELS % b"word/document.xml",
        "word/document.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>Hola</w:t></w:r></w:p></w:body></w:document>"
        ),
    })


def xlsx() -> bytes:
    return _zip({
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": _RELS % b"xl/workbook.xml",
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheets><sheet name="Hoja1" sheetId="1"/></sheets></workbook>'
        ),
    })


def docm() -> bytes:
    """A Word document with macros (vbaProject.bin), named like a .docx by whoever sends it."""
    members = zipfile.ZipFile(io.BytesIO(docx()))
    data = {name: members.read(name) for name in members.namelist()}
    data["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0macros"
    return _zip(data)


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    """An OpenDocument text: the `mimetype` member first and stored, as the format requires."""
    return _zip(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                b'manifest:full-path="/" manifest:media-type="' + mimetype + b'"/>'
                b"</manifest:manifest>"
            ),
            "content.xml": b'<?xml version="1.0" encoding="UTF-8"?><office:document-content/>',
        },
        stored_first="mimetype",
    )


def pptx() -> bytes:
    """A PowerPoint package: an Office document, but not one of the types accepted."""
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types/>',
        "_rels/.rels": _RELS % b"ppt/presentation.xml",
        "ppt/presentation.xml": b'<?xml version="1.0" encoding="UTF-8"?><p:presentation/>',
    })


def plain_zip() -> bytes:
    return _zip({"notas.txt": b"hola", "foto.png": png()})


def text() -> bytes:
    return "Pedido nº 42: entregar mañana por la tarde.\n".encode()


def csv() -> bytes:
    return "nombre;importe\nMaría;12,50\nLuis;7,00\n".encode()


# --- Never allowed -----------------------------------------------------------------------------


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b'<circle r="4"/></svg>'
    )


def exe() -> bytes:
    """The start of a Windows executable: MZ header, PE offset, PE signature."""
    header = bytearray(64)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 64)
    return bytes(header) + b"PE\x00\x00" + b"\x00" * 64
