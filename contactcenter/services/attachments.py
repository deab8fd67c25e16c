"""Message attachments (image, video, document, audio) and shared locations.

Files are accepted by what they ARE (their first bytes, and for office documents the members of
their zip), never by their extension or the content type a browser claims. The extension must
agree with the content, so a file opens with the right program on the other side. SVG and HTML
are never accepted: a browser runs their scripts.

`ALLOWED` is the table of what may be sent, per kind, with each kind's size limit; screens show
it to people before they upload (`allowed_summary()`) and in the file input (`ACCEPT`).

Every upload is validated before anything is written: on any error there is no message, no
attachment row and no file in storage.
"""

from __future__ import annotations

import codecs
import logging
import math
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import IO, Any, NamedTuple

from django.core.files import File
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactcenter.models import Attachment, Conversation, Message, User
from contactcenter.services import locks
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.messages import MAX_TEXT, message_add
from contactcenter.services.policies import user_can_supervise_queue

logger = logging.getLogger(__name__)

KiB = 1024
MiB = 1024 * KiB

MAX_NAME = 120  # characters of a file name, extension included
MAX_LABEL = 200  # characters of a location's label (Message.location_label)
COORDINATE_PLACES = Decimal("0.000001")  # Message.latitude/longitude: 6 decimal places


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


def _split_extension(name: str) -> tuple[str, str]:
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
    stem, ext = _split_extension(name)
    stem = stem.strip(" .")
    if not stem:
        stem = "file"
    stem = stem[: MAX_NAME - len(ext)].rstrip(" .") or "file"
    return stem + ext


def _storage_name(name: str) -> str:
    """A short name for the file on disk (the full name is kept in original_name)."""
    stem, ext = _split_extension(name)
    stem = re.sub(r"[^\w.-]+", "_", stem)[:40].strip("._") or "file"
    return stem + ext


# --- Detecting what a file is ------------------------------------------------------------------

_HEAD = 4096

_FTYP_QUICKTIME = {b"qt  "}
_FTYP_AUDIO = {b"M4A ", b"M4B "}
_FTYP_VIDEO = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV",
}
_OFFICE = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ODT = "application/vnd.oasis.opendocument.text"
_TEXT_EXTENSIONS = {".txt": "text/plain", ".csv": "text/csv"}
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe")


def _not_allowed(name: str) -> DomainError:
    return DomainError(
        _("This file type is not allowed: “%(name)s”. Send an image, video, document or audio "
          "file of the types listed.") % {"name": name},
        code="file_type",
    )


def _read_at(file: IO[bytes], offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size) or b""


def _mpeg_audio(header: bytes) -> str | None:
    """An MPEG audio frame header: Layer III is MP3, "layer 0" is AAC in ADTS."""
    if len(header) < 2 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    if layer == 0 and header[1] & 0xF6 == 0xF0:
        return "audio/aac"
    if layer == 1 and version != 1:
        return "audio/mpeg"
    return None


def _ftyp(head: bytes, ext: str) -> str | None:
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if major in _FTYP_QUICKTIME:
        return "video/quicktime"
    if major in _FTYP_AUDIO:
        return "audio/mp4"
    if major in _FTYP_VIDEO:
        # Generic brands carry audio-only files too (many phones' .m4a recordings).
        if ext == ".m4a" or compatible & _FTYP_AUDIO:
            return "audio/mp4"
        return "video/mp4"
    return None


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
    while chunk := file.read(64 * KiB):
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


def _content_type(file: IO[bytes], name: str) -> str | None:
    ext = _split_extension(name)[1]
    head = _read_at(file, 0, _HEAD)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return _ftyp(head, ext)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if b"webm" not in head[4:64]:
            return None  # other Matroska files (.mkv) are not on the list
        return "audio/webm" if ext == ".weba" else "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3"):
        size = head[6:10]
        if len(size) < 4 or any(byte & 0x80 for byte in size):
            return None
        offset = 10 + ((size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3])
        if head[5] & 0x10:
            offset += 10  # footer
        return _mpeg_audio(_read_at(file, offset, 4)) or "audio/mpeg"
    if (audio := _mpeg_audio(head[:4])) is not None:
        return audio
    if head.startswith(b"PK\x03\x04"):
        return _office(file)
    if ext in _TEXT_EXTENSIONS and _is_text(file):
        return _TEXT_EXTENSIONS[ext]
    return None


def detect(file: IO[bytes], *, name: str | None = None) -> tuple[str, str]:
    """(kind, content type) of a file, by its content. Raises DomainError(code="file_type").

    The name only breaks ties the content cannot: .txt/.csv for text, .weba for WebM audio,
    .m4a for MP4 files with a generic brand.
    """
    name = sanitize_filename(name if name is not None else getattr(file, "name", ""))
    try:
        content_type = _content_type(file, name)
    finally:
        file.seek(0)
    found = _file_type(content_type) if content_type else None
    if found is None or content_type in FORBIDDEN_CONTENT_TYPES:
        raise _not_allowed(name)
    return found[0], content_type


# --- Validating an upload ----------------------------------------------------------------------


@dataclass(frozen=True)
class ValidUpload:
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
    ext = _split_extension(name)[1]
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


# --- Sending and receiving attachments ---------------------------------------------------------


def _clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    if len(caption) > MAX_TEXT:
        raise DomainError(
            _("The message is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
            code="too_long",
        )
    return caption


def _lock_for_sender(conversation: Conversation, sender: User, *, internal: bool) -> Conversation:
    """The rules of message_send: a reply needs an assigned conversation; the sender must be
    its assignee or supervise its queue (for internal notes too: files and places are only
    added by the people working the conversation)."""
    conversation = locks.lock_conversation(conversation.pk, sender.organization_id)
    if not internal and conversation.status != Conversation.Status.ASSIGNED:
        raise DomainError(_("This conversation is not open for replies."), code="closed")
    if conversation.assignee_id != sender.pk and not user_can_supervise_queue(
        sender, conversation.queue
    ):
        raise NotAllowed(_("This conversation is assigned to someone else."))
    return conversation


def _store(message: Message, valid: ValidUpload) -> Attachment:
    attachment = Attachment(
        organization_id=message.organization_id,
        message=message,
        kind=valid.kind,
        content_type=valid.content_type,
        size=valid.size,
        original_name=valid.name,
    )
    content = valid.file if isinstance(valid.file, File) else File(valid.file, name=valid.name)
    content.seek(0)
    try:
        attachment.file.save(_storage_name(valid.name), content, save=False)
    except OSError as error:
        logger.exception("could not store attachment %r", valid.name)
        raise DomainError(
            _("The file “%(name)s” could not be saved. Try again in a moment.") % {"name": valid.name},
            code="file_storage",
        ) from error
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)  # the transaction rolls back; leave no orphan file
        raise
    return attachment


def _already_received(conversation: Conversation, external_id: str) -> Message | None:
    """Providers retry their webhooks: the same external id is the same message."""
    if not external_id:
        return None
    existing = Message.objects.filter(
        organization_id=conversation.organization_id, external_id=external_id
    ).first()
    if existing is not None and existing.conversation_id != conversation.pk:
        raise DomainError(_("That message id belongs to another conversation."), code="duplicate")
    return existing


def _outbound_sent(conversation: Conversation, internal: bool, now) -> None:
    if not internal and conversation.first_response_at is None:
        Conversation.objects.filter(pk=conversation.pk).update(first_response_at=now)


@transaction.atomic
def message_send_attachment(
    *,
    conversation: Conversation,
    sender: User,
    upload: IO[bytes],
    caption: str = "",
    internal: bool = False,
) -> Message:
    """An agent sends a file to the customer (or attaches it to an internal note)."""
    valid = validate_upload(upload)
    caption = _clean_caption(caption)
    conversation = _lock_for_sender(conversation, sender, internal=internal)
    now = timezone.now()
    message = message_add(
        conversation,
        direction=Message.Direction.INTERNAL if internal else Message.Direction.OUTBOUND,
        body=caption,
        sender=sender,
        kind=Message.Kind.ATTACHMENT,
        now=now,
        delivery=Message.Delivery.SENT if not internal else "",
    )
    _store(message, valid)
    _outbound_sent(conversation, internal, now)
    return message


MAX_FILES_PER_REPLY = 10


@transaction.atomic
def message_send_attachments(
    *,
    conversation: Conversation,
    sender: User,
    uploads: list[IO[bytes]],
    caption: str = "",
    internal: bool = False,
) -> list[Message]:
    """Several files in one reply: each is checked (size, type) before any is stored, and each is
    its own message, the caption on the first. One refused file refuses the reply, naming it."""
    if len(uploads) > MAX_FILES_PER_REPLY:
        raise DomainError(_("Attach at most %(max)s files to one reply.") % {"max": MAX_FILES_PER_REPLY},
                          code="too_many")
    valid = []
    for upload in uploads:
        try:
            valid.append(validate_upload(upload))
        except DomainError as error:
            name = getattr(upload, "name", "") or ""
            raise DomainError(f"{name}: {error.message}" if name else error.message, code=error.code) from None
    caption = _clean_caption(caption)
    conversation = _lock_for_sender(conversation, sender, internal=internal)
    now = timezone.now()
    messages = []
    for index, upload in enumerate(valid):
        message = message_add(
            conversation,
            direction=Message.Direction.INTERNAL if internal else Message.Direction.OUTBOUND,
            body=caption if index == 0 else "",
            sender=sender,
            kind=Message.Kind.ATTACHMENT,
            now=now,
            delivery=Message.Delivery.SENT if not internal else "",
        )
        _store(message, upload)
        messages.append(message)
    _outbound_sent(conversation, internal, now)
    return messages


@transaction.atomic
def message_receive_attachment(
    *,
    conversation: Conversation,
    upload: IO[bytes],
    caption: str = "",
    external_id: str = "",
) -> Message:
    """A customer sends a file (web chat, API, messaging channels).

    With an external id already received in this conversation, the first message is returned
    and nothing is stored again (providers retry their webhooks).
    """
    valid = validate_upload(upload)
    caption = _clean_caption(caption)
    conversation = locks.lock_conversation(conversation.pk)
    if existing := _already_received(conversation, external_id):
        return existing
    if not conversation.is_open:
        raise DomainError(_("This conversation is closed."), code="closed")
    message = message_add(
        conversation,
        direction=Message.Direction.INBOUND,
        body=caption,
        kind=Message.Kind.ATTACHMENT,
        external_id=external_id,
    )
    _store(message, valid)
    return message


# --- Locations ---------------------------------------------------------------------------------


def _coordinate(value, *, limit: int, message: str) -> Decimal:
    invalid = DomainError(message, code="location")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise invalid
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise invalid
        number = number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise invalid from None
    if not -limit <= number <= limit:
        raise invalid
    return number + 0  # no negative zero


def _clean_location(latitude, longitude, label: str) -> tuple[Decimal, Decimal, str]:
    lat = _coordinate(latitude, limit=90,
                      message=_("The latitude must be a number between -90 and 90."))
    lng = _coordinate(longitude, limit=180,
                      message=_("The longitude must be a number between -180 and 180."))
    label = " ".join(str(label or "").split())
    if len(label) > MAX_LABEL:
        raise DomainError(
            _("The place name is too long (at most %(max)s characters).") % {"max": MAX_LABEL},
            code="too_long",
        )
    return lat, lng, label


@transaction.atomic
def message_send_location(
    *,
    conversation: Conversation,
    sender: User,
    latitude: Decimal | float | int,
    longitude: Decimal | float | int,
    label: str = "",
    internal: bool = False,
) -> Message:
    """An agent shares a place (shown with a map link). Coordinates are rounded to 6 decimals
    (about 10 cm); text, NaN, infinity and values out of range are refused."""
    lat, lng, label = _clean_location(latitude, longitude, label)
    conversation = _lock_for_sender(conversation, sender, internal=internal)
    now = timezone.now()
    message = message_add(
        conversation,
        direction=Message.Direction.INTERNAL if internal else Message.Direction.OUTBOUND,
        body=label,
        sender=sender,
        kind=Message.Kind.LOCATION,
        now=now,
        delivery=Message.Delivery.SENT if not internal else "",
        latitude=lat,
        longitude=lng,
        location_label=label,
    )
    _outbound_sent(conversation, internal, now)
    return message


@transaction.atomic
def message_receive_location(
    *,
    conversation: Conversation,
    latitude: Decimal | float | int,
    longitude: Decimal | float | int,
    label: str = "",
    external_id: str = "",
) -> Message:
    """A customer shares a place (web chat, API, messaging channels); an external id already
    received in this conversation returns that message."""
    lat, lng, label = _clean_location(latitude, longitude, label)
    conversation = locks.lock_conversation(conversation.pk)
    if existing := _already_received(conversation, external_id):
        return existing
    if not conversation.is_open:
        raise DomainError(_("This conversation is closed."), code="closed")
    return message_add(
        conversation,
        direction=Message.Direction.INBOUND,
        body=label,
        kind=Message.Kind.LOCATION,
        external_id=external_id,
        latitude=lat,
        longitude=lng,
        location_label=label,
    )
