"""Delivery state of the messages we send to customers through a provider (API webhooks,
WhatsApp): pending → sent → delivered → read, or failed.

Providers report out of order (a "delivered" may arrive before its "sent") and more than once,
so a state only moves forward; "failed" is accepted until the message was delivered.
"""

from django.db import transaction

from contactcenter import events
from contactcenter.models import Channel, Conversation, Message

D = Message.Delivery
KINDS = (Channel.Kind.API, Channel.Kind.WHATSAPP)  # the channel kinds whose messages leave through a provider
RANK = {D.NONE: 0, D.PENDING: 1, D.SENT: 2, D.DELIVERED: 3, D.READ: 4}


def wants_delivery(conversation: Conversation, *, direction: str, is_whisper: bool = False) -> bool:
    """Whether a new message leaves through the provider: what the customer sees (outbound and
    system lines; never whispers or internal notes) on an api or whatsapp chat."""
    if is_whisper or direction not in (Message.Direction.OUTBOUND, Message.Direction.SYSTEM):
        return False
    if not conversation.channel_id or conversation.medium != Conversation.Medium.CHAT:
        return False
    return conversation.channel.kind in KINDS


def advances(current: str, new: str) -> bool:
    if new == D.FAILED:
        return current in (D.NONE, D.PENDING, D.SENT)
    if current == D.FAILED or new not in RANK:
        return False
    return RANK[new] > RANK.get(current, 0)


@transaction.atomic
def message_delivery_update(*, message_id: int, state: str, external_id: str | None = None) -> bool:
    """Move the message to `state` (ignored unless it advances) and remember the provider's id
    for it (WhatsApp's wamid, which its status reports name). True when something changed."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        return False
    fields = []
    if external_id and not message.external_id:
        message.external_id = external_id[:128]
        fields.append("external_id")
    if advances(message.delivery, state):
        message.delivery = state
        fields.append("delivery")
    if not fields:
        return False
    message.save(update_fields=fields)
    if "delivery" in fields:
        conversation = message.conversation
        events.publish(
            events.MESSAGE_UPDATED,
            organization_id=message.organization_id,
            agent_ids=[conversation.assignee_id] if conversation.assignee_id else [],
            conversation_ids=[conversation.pk],
            message_id=message.pk,
            delivery=message.delivery,
        )
    return True


def message_delivery_report(*, organization_id: int, external_id: str, state: str) -> bool:
    """A provider's status report about one of our messages, named by the provider's id."""
    message_id = (
        Message.objects.filter(organization_id=organization_id, external_id=external_id,
                               direction__in=(Message.Direction.OUTBOUND, Message.Direction.SYSTEM))
        .values_list("pk", flat=True)
        .first()
    )
    if message_id is None:
        return False
    return message_delivery_update(message_id=message_id, state=state)
