"""Customers reaching us through a provider (the inbound API, WhatsApp): the contact is found
by channel and external id, a message joins the contact's open conversation on that channel or
opens one in the channel's queue (routing runs on commit), and calls ring, get answered and end.

Providers retry their deliveries, so everything here is idempotent by the provider's id: the
message id (Message.external_id, unique per organization) and the call id
(Conversation.external_id, unique per channel). A repeated delivery creates nothing and returns
what the first one created. Files are validated by content before anything is written; one
transaction writes everything or nothing.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import Channel, Contact, Conversation, Message
from contactcenter.services import attachments, calls, locks
from contactcenter.services import conversations as conversation_services
from contactcenter.services.errors import DomainError
from contactcenter.services.messages import MAX_TEXT, message_add
from contactcenter.services.uploads import validate_upload

C = Conversation.Status
CS = Conversation.CallState
MAX_PARTS = 5  # attachments in one inbound message
# The further messages one delivery creates are "<message_id>\x1f2", "\x1f3"…: a control character
# can never be part of a provider's id (the API refuses them), so no real id collides with these.
PART_SEPARATOR = "\x1f"
CALL_EVENTS = ("ringing", "answered", "ended", "abandoned")
MAX_RING_AGE = timedelta(hours=1)  # the earliest a reported ringing call is taken to have started


class InvalidField(DomainError):
    """A value the provider sent is refused; `field` names it (e.g. "attachments.1")."""

    def __init__(self, field: str, message, *, code: str = "invalid"):
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class Location:
    latitude: Decimal | float | int
    longitude: Decimal | float | int
    label: str = ""


@dataclass(frozen=True)
class Received:
    conversation: Conversation
    contact: Contact
    messages: list[Message] = field(default_factory=list)
    duplicate: bool = False


@dataclass(frozen=True)
class CallReport:
    conversation: Conversation
    contact: Contact
    changed: bool


# --- Contacts -------------------------------------------------------------------------------------


def contact_for_channel(*, channel: Channel, external_id: str, name: str = "", phone: str = "") -> Contact:
    """The channel's contact with this external id, created on first contact. A name or phone
    the provider sends fills the contact's empty fields only: what agents typed is kept."""
    name, phone = " ".join((name or "").split())[:120], (phone or "").strip()[:32]
    contact, created = Contact.objects.get_or_create(
        channel=channel, external_id=external_id,
        defaults={"organization_id": channel.organization_id, "name": name, "phone": phone},
    )
    if not created:
        fill = {}
        if name and not contact.name:
            fill["name"] = name
        if phone and not contact.phone:
            fill["phone"] = phone
        if fill:
            Contact.objects.filter(pk=contact.pk).update(**fill)
            for key, value in fill.items():
                setattr(contact, key, value)
    return contact


# --- Messages -------------------------------------------------------------------------------------


def _message_ids(message_id: str):
    yield message_id
    n = 2
    while True:
        yield f"{message_id}{PART_SEPARATOR}{n}"
        n += 1


def already_received(channel: Channel, message_id: str) -> Received | None:
    """What an earlier delivery of `message_id` created, or None. A message id already used
    on another channel of the organization is refused."""
    first = (
        Message.objects.filter(organization_id=channel.organization_id, external_id=message_id)
        .select_related("conversation__contact")
        .first()
    )
    if first is None:
        return None
    if first.conversation.channel_id != channel.pk or first.direction != Message.Direction.INBOUND:
        raise InvalidField("message_id", _("This message id was already used for another message."),
                           code="duplicate")
    messages = list(
        Message.objects.filter(conversation_id=first.conversation_id)
        .filter(Q(external_id=message_id) | Q(external_id__startswith=message_id + PART_SEPARATOR))
        .order_by("created_at", "id")
    )
    return Received(first.conversation, first.conversation.contact, messages, duplicate=True)


def inbound_message_receive(
    *,
    channel: Channel,
    external_id: str,
    message_id: str,
    name: str = "",
    phone: str = "",
    text: str = "",
    uploads: list[IO[bytes]] = (),
    kinds: list[str] | None = None,
    location: Location | None = None,
    sent_at: datetime | None = None,
    priority: int | None = None,
) -> Received:
    """A customer wrote through a provider: text, up to MAX_PARTS files (each its own message,
    the text its first caption; `kinds`, when given, is what each file must be) and/or a
    location. `sent_at`, when given, orders the messages
    within the conversation (never before it began, never in the future)."""
    text = (text or "").strip()
    if not (text or uploads or location):
        raise InvalidField("text", _("Send a text, an attachment or a location."), code="empty")
    if len(text) > MAX_TEXT:
        raise InvalidField("text", _("The message is too long (at most %(max)s characters).")
                           % {"max": MAX_TEXT}, code="too_long")
    if len(uploads) > MAX_PARTS:
        raise InvalidField("attachments", _("Send at most %(max)s attachments in one message.")
                           % {"max": MAX_PARTS}, code="too_many")
    valid = []
    for index, upload in enumerate(uploads):
        try:
            valid.append(validate_upload(upload))
        except DomainError as error:
            raise InvalidField(f"attachments.{index}", error.message, code=error.code) from None
        if kinds and index < len(kinds) and valid[-1].kind != kinds[index]:
            raise InvalidField(f"attachments.{index}.type", _("The file is of type %(kind)s, not %(declared)s.")
                               % {"kind": valid[-1].kind, "declared": kinds[index]}, code="file_type")
    place = None
    if location is not None:
        try:
            place = attachments.location_clean(location.latitude, location.longitude, location.label)
        except DomainError as error:
            raise InvalidField("location", error.message, code=error.code) from None
    try:
        return _receive(channel=channel, external_id=external_id, message_id=message_id, name=name, phone=phone,
                        text=text, valid=valid, place=place, sent_at=sent_at, priority=priority)
    except IntegrityError:
        # The same delivery arrived twice at once and the other one committed first.
        if (found := already_received(channel, message_id)) is not None:
            return found
        raise


@transaction.atomic
def _receive(*, channel, external_id, message_id, name, phone, text, valid, place, sent_at,
             priority=None) -> Received:
    if (found := already_received(channel, message_id)) is not None:
        return found
    contact = contact_for_channel(channel=channel, external_id=external_id, name=name, phone=phone)
    # One open conversation per contact and channel: two messages arriving together must not
    # open two conversations.
    Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk").get()
    conversation = (
        Conversation.objects.filter(channel=channel, contact=contact, medium=Conversation.Medium.CHAT,
                                    status__in=Conversation.OPEN_STATUSES)
        .order_by("-enqueued_at", "-id")
        .first()
    )
    if conversation is None:
        conversation = conversation_services.conversation_open(queue=channel.queue, contact=contact, channel=channel,
                                                               priority=priority)
    elif priority is not None and conversation.status in (C.QUEUED, C.OFFERED):
        conversation_services.conversation_set_priority(conversation=conversation, priority=priority)
    conversation = locks.lock_conversation(conversation.pk)
    now = timezone.now()
    at = now if sent_at is None else min(max(sent_at, conversation.enqueued_at), now)
    ids = _message_ids(message_id)
    messages = []
    inbound = Message.Direction.INBOUND
    if text and not valid:
        messages.append(message_add(conversation, direction=inbound, body=text, now=at,
                                                           external_id=next(ids)))
    for index, upload in enumerate(valid):
        message = message_add(
            conversation, direction=inbound, kind=Message.Kind.ATTACHMENT, body=text if index == 0 else "",
            now=at, external_id=next(ids))
        attachments.attachment_store(message=message, upload=upload)
        messages.append(message)
    if place is not None:
        latitude, longitude, label = place
        messages.append(message_add(
            conversation, direction=inbound, kind=Message.Kind.LOCATION, body=label, now=at,
            external_id=next(ids), latitude=latitude, longitude=longitude, location_label=label))
    return Received(conversation, contact, messages, duplicate=False)


# --- Calls ----------------------------------------------------------------------------------------


def inbound_call_event(*, channel: Channel, call_id: str, caller: str, event: str, at: datetime,
                       name: str = "", priority: int | None = None) -> CallReport:
    """What the telephony provider reports about an inbound call.

    ringing: the call waits in the channel's (voice) queue and is offered to an agent.
    answered: confirms an agent's answer (an outbound leg that was dialing becomes active).
    ended / abandoned: the caller hung up; a waiting call is abandoned, a connected one closes.
    A repeated report changes nothing (`changed` is False).
    """
    if event not in CALL_EVENTS:
        raise InvalidField("event", _("Unknown event."), code="bad_event")
    try:
        return _call_event(channel=channel, call_id=call_id, caller=caller, event=event, at=at, name=name,
                           priority=priority)
    except IntegrityError:
        existing = Conversation.objects.filter(channel=channel, external_id=call_id).select_related("contact").first()
        if existing is not None and event == "ringing":
            return CallReport(existing, existing.contact, changed=False)
        raise


@transaction.atomic
def _call_event(*, channel, call_id, caller, event, at, name, priority=None) -> CallReport:
    conversation = Conversation.objects.filter(channel=channel, external_id=call_id).first()
    if event == "ringing":
        if conversation is not None:
            return CallReport(conversation, conversation.contact, changed=False)
        try:
            phone = calls.normalize_number(caller)
        except DomainError:
            phone = ""  # "anonymous", a SIP address: still a caller, without a number
        contact = contact_for_channel(channel=channel, external_id=caller, name=name, phone=phone)
        # It has waited since `at`, but a late or wrong clock must not jump the queue by hours.
        now = timezone.now()
        conversation = conversation_services.conversation_open(
            queue=channel.queue, contact=contact, channel=channel, external_id=call_id, priority=priority,
            now=min(max(at, now - MAX_RING_AGE), now))
        return CallReport(conversation, contact, changed=True)
    if conversation is None:
        raise InvalidField("call_id", _("No call with this id has rung on this channel."), code="unknown_call")
    conversation = locks.lock_conversation(conversation.pk)
    if event == "answered":
        if conversation.status == C.ASSIGNED and conversation.call_state == CS.DIALING:
            conversation = calls.call_answered(conversation=conversation)
            return CallReport(conversation, conversation.contact, changed=True)
        return CallReport(conversation, conversation.contact, changed=False)
    if not conversation.is_open:
        return CallReport(conversation, conversation.contact, changed=False)
    conversation = calls.call_remote_hangup(conversation=conversation)
    conversation.refresh_from_db()
    return CallReport(conversation, conversation.contact, changed=True)
