"""What a file is, by its content: its content type, never taken from its name or the browser.

The maintained `filetype` library reads the signatures: JPEG, PNG, GIF, WebP, WAV, PDF, Ogg,
WebM (and other Matroska files, which are not accepted), zips. A few explicit rules remain where
the library cannot tell what we need to know:

- ISO base media files (MP4, MOV, M4A) are told apart by their brand. filetype's MP4 matcher takes
  any file that lists the `isom` brand (3GP and F4V too, which are not accepted) and misses M4B,
  DASH and the other MP4 brands, which are.
- MPEG audio (MP3, and AAC in ADTS frames) is judged by its first frame header, after the ID3 tag
  if there is one. filetype calls every ID3 tag MP3 (AAC files carry them too) and does not know
  frames with a CRC nor MPEG-2.5 frames.
- GIF, PNG and PDF must begin with their format's full signature, which filetype shortens.
- A zip is accepted only as a real DOCX, XLSX or ODT, judged by all its members. filetype looks
  at the first few member names only, and cannot see macros.
- Plain text and CSV have no signature: UTF-8 without NUL bytes that is not markup a browser
  would render, named .txt or .csv.

The extension only breaks ties the content cannot: .txt/.csv for text, .weba for WebM audio, .m4a
for MP4 files with a generic brand.
"""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

import filetype

# filetype reads this much of a file; the rules below look at the same bytes.
_HEAD = 8192

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ODT = "application/vnd.oasis.opendocument.text"

# What filetype calls the types it recognises for us, and what we call them.
_FROM_LIBRARY = {
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/apng": "image/png",  # an animated PNG is a PNG: same format, same extension
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "audio/x-wav": "audio/wav",
    "application/pdf": "application/pdf",
    "audio/ogg": "audio/ogg",
    "video/webm": "video/webm",
}
# filetype knows these by a shorter prefix than their format's own signature ("GIF", "\x89PNG",
# "%PDF" even after a byte-order mark): a note that begins "GIFT card…" would pass for an image.
_FULL_SIGNATURE = {
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
# Every zip filetype names: what it really holds is decided by `_office`.
_ZIPS = {
    "application/zip", "application/epub+zip", _DOCX, _XLSX, _ODT,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
_MPEG_AUDIO = {"audio/mpeg", "audio/aac"}

_FTYP_QUICKTIME = {b"qt  "}
_FTYP_AUDIO = {b"M4A ", b"M4B "}
_FTYP_VIDEO = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV",
}
_OFFICE = {"word/": _DOCX, "xl/": _XLSX}
_TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv"}
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe")


def sniff_content_type(file: IO[bytes], *, extension: str) -> str | None:
    """The content type of what `file` holds (one of the types attachments may be), or None when
    it is none of them. `extension` is the file name's, lower case with its dot ("" if none).
    Reads from the start of `file`; where it is left afterwards is unspecified."""
    head = _read_at(file, 0, _HEAD)
    guess = filetype.guess(head)
    said = guess.mime if guess is not None else None
    if said in _FULL_SIGNATURE and not head.startswith(_FULL_SIGNATURE[said]):
        said = None
    if said in _FROM_LIBRARY:
        content_type = _FROM_LIBRARY[said]
        if content_type == "video/webm" and extension == ".weba":
            return "audio/webm"  # the same container: only the name says it holds sound alone
        return content_type
    if head[4:8] == b"ftyp":  # whatever filetype said: the brands decide
        return _iso_media(head, extension)
    if said in _MPEG_AUDIO or head[:1] == b"\xff":
        return _mpeg_audio(file, head)
    if said in _ZIPS:
        return _office(file)
    if extension in _TEXT_EXTENSIONS and _is_text(file):
        return _TEXT_EXTENSIONS[extension]
    return None


def _read_at(file: IO[bytes], offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size) or b""


def _iso_media(head: bytes, extension: str) -> str | None:
    """MP4 video, QuickTime or MP4 audio, by the major brand of the `ftyp` box."""
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if major in _FTYP_QUICKTIME:
        return "video/quicktime"
    if major in _FTYP_AUDIO:
        return "audio/mp4"
    if major in _FTYP_VIDEO:
        # Generic brands carry audio-only files too (many phones' .m4a recordings).
        if extension == ".m4a" or compatible & _FTYP_AUDIO:
            return "audio/mp4"
        return "video/mp4"
    return None


def _mpeg_frame(header: bytes) -> str | None:
    """An MPEG audio frame header: Layer III is MP3, "layer 0" is AAC in ADTS."""
    if len(header) < 2 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    if layer == 0 and header[1] & 0xF6 == 0xF0:
        return "audio/aac"
    if layer == 1 and version != 1:
        return "audio/mpeg"
    return None


def _mpeg_audio(file: IO[bytes], head: bytes) -> str | None:
    """MP3 or AAC by the first frame; after an ID3 tag, MP3 unless that frame is AAC."""
    if not head.startswith(b"ID3"):
        return _mpeg_frame(head[:4])
    size = head[6:10]
    if len(size) < 4 or any(byte & 0x80 for byte in size):
        return None  # not a real tag: its size is a "syncsafe" integer
    offset = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
    if head[5] & 0x10:
        offset += 10  # footer
    return _mpeg_frame(_read_at(file, offset, 4)) or "audio/mpeg"


def _office(file: IO[bytes]) -> str | None:
    """A zip is accepted only as a real DOCX, XLSX or ODT (by its members), never as a zip."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(100).strip()
                return _ODT if mimetype == _ODT.encode() else None
            if "[Content_Types].xml" not in names:
                return None
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            found = {ct for prefix, ct in _OFFICE.items() if any(n.startswith(prefix) for n in names)}
            return found.pop() if len(found) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError, ValueError, KeyError):
        return None


def _is_text(file: IO[bytes]) -> bool:
    """UTF-8 without NUL bytes, and not markup a browser would render."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    while chunk := file.read(64 * 1024):
        if b"\x00" in chunk:
            return False
        if first:
            start = chunk.removeprefix(codecs.BOM_UTF8).lstrip().lower()
            if start.startswith(_MARKUP):
                return False
            first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
