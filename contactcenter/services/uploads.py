"""What may be sent as an attachment, and checking a file before anything is stored.

Files are accepted by what they ARE (their content: `sniffing.sniff_content_type`), never by
their extension or the content type a browser claims. The extension must agree with the content,
so a file opens with the right program on the other side. SVG and HTML are never accepted: a
browser runs their scripts.

`ALLOWED` is the table of what may be sent, per kind, with each kind's size limit; screens show
it to people before they upload (`allowed_summary()`) and in the file input (`ACCEPT`).

`validate_upload()` runs before anything is written: on any error there is no message, no
attachment row and no file in storage.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactcenter.models import Attachment
from contactcenter.services.errors import DomainError
from contactcenter.services.sniffing import sniff_content_type

KiB = 1024
MiB = 1024 * KiB

MAX_NAME = 120  # characters of a file name, extension included


# --- What may be sent --------------------------------------------------------------------------


class FileType(NamedTuple):
    name: str  # what people call it: "JPEG", "PDF", "Word (DOCX)"
    content_type: str
    extensions: list[str]  # lower case, with the dot; the first one is the usual one


@dataclass(frozen=True)
class Rule:
    label: Any  # lazily translated name of the kind ("Image")
    types: list[FileType] = field(default_factory=list)
    max_bytes: int = 0


ALLOWED: dict[str, Rule] = {
    Attachment.Kind.IMAGE: Rule(
        label=gettext_lazy("Image"),
        types=[
            FileType("JPEG", "image/jpeg", [".jpg", ".jpeg"]),
            FileType("PNG", "image/png", [".png"]),
            FileType("GIF", "image/gif", [".gif"]),
            FileType("WebP", "image/webp", [".webp"]),
        ],
        max_bytes=5 * MiB,
    ),
    Attachment.Kind.VIDEO: Rule(
        label=gettext_lazy("Video"),
        types=[
            FileType("MP4", "video/mp4", [".mp4", ".m4v"]),
            FileType("WebM", "video/webm", [".webm"]),
            FileType("MOV", "video/quicktime", [".mov", ".qt"]),
        ],
        max_bytes=16 * MiB,
    ),
    Attachment.Kind.DOCUMENT: Rule(
        label=gettext_lazy("Document"),
        types=[
            FileType("PDF", "application/pdf", [".pdf"]),
            FileType("TXT", "text/plain", [".txt"]),
            FileType("CSV", "text/csv", [".csv"]),
            FileType(
                "Word (DOCX)",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                [".docx"],
            ),
            FileType(
                "Excel (XLSX)",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                [".xlsx"],
            ),
            FileType("OpenDocument (ODT)", "application/vnd.oasis.opendocument.text", [".odt"]),
        ],
        max_bytes=10 * MiB,
    ),
    Attachment.Kind.AUDIO: Rule(
        label=gettext_lazy("Audio"),
        types=[
            FileType("MP3", "audio/mpeg", [".mp3"]),
            FileType("Ogg/Opus", "audio/ogg", [".ogg", ".oga", ".opus"]),
            FileType("WAV", "audio/wav", [".wav"]),
            FileType("M4A", "audio/mp4", [".m4a"]),
            FileType("AAC", "audio/aac", [".aac"]),
            FileType("WebM", "audio/webm", [".weba"]),
        ],
        max_bytes=16 * MiB,
    ),
}

# Never, whatever the table says: browsers run the scripts inside these.
FORBIDDEN_CONTENT_TYPES = frozenset({"image/svg+xml", "text/html", "application/xhtml+xml"})

# Translators: allowed attachments: kind, list of formats, size limit ("Image: JPEG, PNG · up to 5 MB").
_SUMMARY = gettext_lazy("%(kind)s: %(types)s · up to %(size)s")


def _file_type(content_type: str) -> tuple[str, FileType] | None:
    for kind, rule in ALLOWED.items():
        for file_type in rule.types:
            if file_type.content_type == content_type:
                return str(kind), file_type
    return None


def max_upload_bytes() -> int:
    """The largest file any kind accepts (for upload handlers and web server limits)."""
    return max(rule.max_bytes for rule in ALLOWED.values())


def format_size(size: int) -> str:
    """A size as people read it: "5 MB", "1,5 MB", "300 KB", "12 bytes" (localized)."""
    if size >= MiB:
        value, unit = size / MiB, "MB"
    elif size >= KiB:
        value, unit = size / KiB, "KB"
    else:
        return ngettext("%(count)s byte", "%(count)s bytes", size) % {"count": size}
    if value == int(value):
        number = formats.number_format(int(value))
    else:
        number = formats.number_format(round(value, 1), 1)
    return f"{number} {unit}"


def allowed_summary() -> dict[str, str]:
    """Per kind, one line to show before upload, e.g. "Imagen: JPEG, PNG, GIF, WebP · hasta 5 MB"."""
    summary = {}
    for kind, rule in ALLOWED.items():
        names = list(dict.fromkeys(file_type.name for file_type in rule.types))
        summary[str(kind)] = _SUMMARY % {
            "kind": rule.label,
            "types": ", ".join(names),
            "size": format_size(rule.max_bytes),
        }
    return summary


def accept_attribute(kinds: list[str] | None = None) -> str:
    """The `accept` attribute of an <input type=file>: content types and extensions."""
    values: list[str] = []
    for kind, rule in ALLOWED.items():
        if kinds is not None and kind not in kinds:
            continue
        for file_type in rule.types:
            values.append(file_type.content_type)
            values.extend(file_type.extensions)
    return ",".join(dict.fromkeys(values))


ACCEPT = accept_attribute()


# --- File names --------------------------------------------------------------------------------

_RESERVED = re.compile(r'[<>:"|?*]')
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
# Format characters that may stay: joiners used by emoji sequences and some scripts.
_KEEP_FORMAT = {"\u200c", "\u200d"}


def split_extension(name: str) -> tuple[str, str]:
    """(stem, extension in lower case with its dot); no extension unless it looks like one
    (1 to 10 letters or digits)."""
    stem, ext = os.path.splitext(name)
    if not _EXTENSION.match(ext.lower()):
        return name, ""
    return stem, ext.lower()


def sanitize_filename(name: str | None) -> str:
    """A file name safe to show and store: no folders, no control or direction-override
    characters, no characters reserved by file systems, at most 120 characters, extension kept
    (in lower case)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]  # no folders, whichever the sender's system
    name = " ".join(name.split())  # line breaks and tabs become spaces
    name = "".join(
        ch
        for ch in name
        if ch in _KEEP_FORMAT or not unicodedata.category(ch).startswith("C")  # Cc Cf Cs Co Cn
    )
    name = _RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, ext = split_extension(name)
    stem = stem.strip(" .")
    if not stem:
        stem = "file"
    stem = stem[: MAX_NAME - len(ext)].rstrip(" .") or "file"
    return stem + ext


# --- Detecting what a file is ------------------------------------------------------------------


def _not_allowed(name: str) -> DomainError:
    return DomainError(
        _("This file type is not allowed: “%(name)s”. Send an image, video, document or audio "
          "file of the types listed.") % {"name": name},
        code="file_type",
    )


def detect(file: IO[bytes], *, name: str | None = None) -> tuple[str, str]:
    """(kind, content type) of a file, by its content. Raises DomainError(code="file_type").

    The name only breaks ties the content cannot: .txt/.csv for text, .weba for WebM audio,
    .m4a for MP4 files with a generic brand.
    """
    name = sanitize_filename(name if name is not None else getattr(file, "name", ""))
    try:
        content_type = sniff_content_type(file, extension=split_extension(name)[1])
    finally:
        file.seek(0)
    found = _file_type(content_type) if content_type else None
    if found is None or content_type in FORBIDDEN_CONTENT_TYPES:
        raise _not_allowed(name)
    return found[0], content_type


# --- Validating an upload ----------------------------------------------------------------------


@dataclass(frozen=True)
class ValidUpload:
    """A file `validate_upload` accepted, with what it found out; ready for `attachment_store`."""

    file: IO[bytes]
    name: str  # sanitized, shown to people (Attachment.original_name)
    kind: str
    content_type: str
    size: int


def _size(file: IO[bytes]) -> int:
    try:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
        return size
    except (AttributeError, OSError):
        return int(getattr(file, "size", 0) or 0)


def _too_large(name: str, size: int, limit: int, kind_label) -> DomainError:
    return DomainError(
        _("“%(name)s” is too large (%(size)s). The limit for %(kind)s files is %(max)s.")
        % {"name": name, "size": format_size(size), "kind": str(kind_label).lower(),
           "max": format_size(limit)},
        code="file_too_large",
    )


def validate_upload(upload: IO[bytes]) -> ValidUpload:
    """Check a file before anything is stored; raises DomainError with a message to show.

    Codes: file_empty, file_too_large, file_type, file_extension.
    """
    if upload is None:
        raise DomainError(_("Choose a file first."), code="file_empty")
    name = sanitize_filename(getattr(upload, "name", ""))
    size = _size(upload)
    if size <= 0:
        raise DomainError(_("The file “%(name)s” is empty.") % {"name": name}, code="file_empty")
    if size > max_upload_bytes():  # refused before reading it: no file this large is accepted
        raise DomainError(
            _("“%(name)s” is too large (%(size)s). No file can be larger than %(max)s.")
            % {"name": name, "size": format_size(size), "max": format_size(max_upload_bytes())},
            code="file_too_large",
        )
    kind, content_type = detect(upload, name=name)
    file_type = _file_type(content_type)[1]
    ext = split_extension(name)[1]
    if not ext:
        name = sanitize_filename(name + file_type.extensions[0])
    elif ext not in file_type.extensions:
        raise DomainError(
            _("“%(name)s” ends in %(ext)s but it is a %(type)s file. Rename it to end in "
              "%(expected)s, or choose another file.")
            % {"name": name, "ext": ext, "type": file_type.name,
               "expected": ", ".join(file_type.extensions)},
            code="file_extension",
        )
    rule = ALLOWED[kind]
    if size > rule.max_bytes:
        raise _too_large(name, size, rule.max_bytes, rule.label)
    return ValidUpload(file=upload, name=name, kind=kind, content_type=content_type, size=size)
