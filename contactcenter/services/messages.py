"""Messages in a conversation's thread: the customer's, the agent's replies and internal notes,
system lines the customer sees (auto-replies), event lines only the staff see."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Conversation, Message, User
from contactcenter.services import delivery, jobs, locks
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import user_can_supervise_queue

C = Conversation.Status


MAX_TEXT = 4000


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 140 else text[:139] + "…"


def message_add(conversation: Conversation, *, direction: str, body: str = "", sender: User | None = None,
                 kind: str = Message.Kind.TEXT, now=None, external_id: str = "", is_whisper: bool = False,
                 **fields) -> Message:
    """Write one message in a thread (under the caller's transaction): the conversation's
    preview and unread count follow, message.created is published, and a message the customer
    sees on an api or whatsapp channel is sent through the provider after commit."""
    if len(body) > MAX_TEXT:
        raise DomainError(_("The message is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
                          code="too_long")
    now = now or timezone.now()
    delivers = delivery.wants_delivery(conversation, direction=direction, is_whisper=is_whisper)
    if delivers:  # it leaves through the provider after commit: pending until the provider takes it
        fields["delivery"] = Message.Delivery.PENDING
    message = Message.objects.create(
        organization_id=conversation.organization_id,
        conversation=conversation,
        direction=direction,
        kind=kind,
        body=body,
        sender=sender,
        created_at=now,
        external_id=external_id,
        is_whisper=is_whisper,
        **fields,
    )
    update = {"last_message_at": now}
    # The list's preview is what the customer or an agent wrote, never an auto-reply or an event.
    if direction in (Message.Direction.INBOUND, Message.Direction.OUTBOUND) and not is_whisper:
        update["last_message_excerpt"] = excerpt(body or message.get_kind_display())
        update["last_message_outbound"] = direction == Message.Direction.OUTBOUND
    if direction == Message.Direction.INBOUND:
        update["unread_count"] = F("unread_count") + 1
    Conversation.objects.filter(pk=conversation.pk).update(**update)
    events.publish(
        events.MESSAGE_CREATED,
        organization_id=conversation.organization_id,
        agent_ids=[conversation.assignee_id] if conversation.assignee_id else [],
        queue_ids=[conversation.queue_id],
        conversation_ids=[conversation.pk],
        message_id=message.pk,
        direction=direction,
    )
    if delivers:
        jobs.schedule_delivery(message)
    return message


@transaction.atomic
def message_receive(*, conversation: Conversation, text: str, external_id: str = "", now=None) -> Message:
    """An inbound customer message on an open conversation."""
    if not conversation.is_open:
        raise DomainError(_("This conversation is closed."), code="closed")
    return message_add(conversation, direction=Message.Direction.INBOUND, body=text, now=now,
                        external_id=external_id)


@transaction.atomic
def message_send(*, conversation: Conversation, sender: User, text: str, internal: bool = False) -> Message:
    """An agent replies to the customer, or writes an internal note."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write a message first."), code="empty")
    conversation = locks.lock_conversation(conversation.pk, sender.organization_id)
    if not internal:
        if conversation.status != C.ASSIGNED:
            raise DomainError(_("This conversation is not open for replies."), code="closed")
        if conversation.assignee_id != sender.pk and not user_can_supervise_queue(sender, conversation.queue):
            raise NotAllowed(_("This conversation is assigned to someone else."))
    now = timezone.now()
    message = message_add(
        conversation,
        direction=Message.Direction.INTERNAL if internal else Message.Direction.OUTBOUND,
        body=text,
        sender=sender,
        now=now,
        delivery=Message.Delivery.SENT if not internal else "",
    )
    if not internal and conversation.first_response_at is None:
        Conversation.objects.filter(pk=conversation.pk).update(first_response_at=now)
    return message


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, agent: User) -> None:
    if conversation.assignee_id == agent.pk and conversation.unread_count:
        Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
        events.publish(events.CONVERSATION_UPDATED, organization_id=conversation.organization_id,
                       agent_ids=[agent.pk], conversation_ids=[conversation.pk])


def event_message(conversation: Conversation, text: str) -> Message:
    """A line in the thread about what happened (assigned, transferred...): the staff see it,
    the customer never does."""
    return message_add(conversation, direction=Message.Direction.EVENT, body=text)


@transaction.atomic
def message_system(*, conversation: Conversation, text: str) -> Message:
    """A system message the customer also sees (auto-replies)."""
    return message_add(conversation, direction=Message.Direction.SYSTEM, body=text)
