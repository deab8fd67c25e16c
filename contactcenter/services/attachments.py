"""Message attachments (image, video, document, audio) and shared locations: the writes.

A file is checked first (`uploads.validate_upload`: size, type by content, name), then stored
(`attachment_store`: the file in storage and its Attachment row), as a message of its own. On any
error there is no message, no attachment row and no file in storage. Serving a stored file to a
browser is `contactcenter.files`.
"""

from __future__ import annotations

import logging
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import Attachment, Conversation, Message, User
from contactcenter.services import locks
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.messages import MAX_TEXT, message_add
from contactcenter.services.policies import user_can_supervise_queue
from contactcenter.services.uploads import ValidUpload, split_extension, validate_upload

logger = logging.getLogger(__name__)

MAX_LABEL = 200  # characters of a location's label (Message.location_label)
COORDINATE_PLACES = Decimal("0.000001")  # Message.latitude/longitude: 6 decimal places


# --- Storing a file ----------------------------------------------------------------------------


def _storage_name(name: str) -> str:
    """A short name for the file on disk (the full name is kept in original_name)."""
    stem, ext = split_extension(name)
    stem = re.sub(r"[^\w.-]+", "_", stem)[:40].strip("._") or "file"
    return stem + ext


def attachment_store(*, message: Message, upload: ValidUpload) -> Attachment:
    """Store a validated file as `message`'s attachment: the file in storage, then its row.

    Runs inside the caller's transaction. If the file cannot be written, raises DomainError
    (code="file_storage"); if the row cannot, the file is deleted again, so a rolled-back
    transaction leaves no orphan file.
    """
    attachment = Attachment(
        organization_id=message.organization_id,
        message=message,
        kind=upload.kind,
        content_type=upload.content_type,
        size=upload.size,
        original_name=upload.name,
    )
    content = upload.file if isinstance(upload.file, File) else File(upload.file, name=upload.name)
    content.seek(0)
    try:
        attachment.file.save(_storage_name(upload.name), content, save=False)
    except OSError as error:
        logger.exception("could not store attachment %r", upload.name)
        raise DomainError(
            _("The file “%(name)s” could not be saved. Try again in a moment.") % {"name": upload.name},
            code="file_storage",
        ) from error
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)  # the transaction rolls back; leave no orphan file
        raise
    return attachment


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
    attachment_store(message=message, upload=valid)
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
        attachment_store(message=message, upload=upload)
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
    attachment_store(message=message, upload=valid)
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


def location_clean(latitude, longitude, label: str) -> tuple[Decimal, Decimal, str]:
    """(latitude, longitude, label) of a shared place, ready to store; raises DomainError.

    Coordinates are rounded to 6 decimals (about 10 cm); text, booleans, NaN, infinity and values
    out of range are refused (code="location"). The label's spaces are collapsed; a label over
    MAX_LABEL characters is refused (code="too_long").
    """
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
    lat, lng, label = location_clean(latitude, longitude, label)
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
    lat, lng, label = location_clean(latitude, longitude, label)
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
