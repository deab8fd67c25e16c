"""Auto-replies: what a waiting customer is told by the queue, on any channel.

When a conversation enters a queue and routing did not give it to an agent, the customer gets
the queue's text for the first case that applies: outside business hours, no agent logged in to
the queue, or queued (with "{position}" replaced by their place in line). Each kind is sent at
most once per conversation, as a system message; the conversation keeps waiting either way.
"""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter.models import Conversation, Message, Queue, QueueLogin
from contactcenter.services import locks
from contactcenter.services.business_hours import queue_is_open
from contactcenter.services.errors import DomainError
from contactcenter.services.messages import message_system

logger = logging.getLogger(__name__)

OUTSIDE_HOURS = "outside_hours"
NO_AGENTS = "no_agents"
QUEUED = "queued"

WAITING = (Conversation.Status.QUEUED, Conversation.Status.OFFERED)


def waiting_position(conversation: Conversation) -> int | None:
    """1 for the next in line (priority, then arrival), None when not waiting."""
    if conversation.status not in WAITING:
        return None
    ahead = Conversation.objects.filter(queue_id=conversation.queue_id, status__in=WAITING).filter(
        Q(priority__gt=conversation.priority)
        | Q(priority=conversation.priority, enqueued_at__lt=conversation.enqueued_at)
        | Q(priority=conversation.priority, enqueued_at=conversation.enqueued_at, pk__lt=conversation.pk)
    )
    return ahead.count() + 1


def due_reply(conversation: Conversation, now=None) -> tuple[str, str] | None:
    """(kind, text) the customer should get now, or None. Reads only; see autoreply_send."""
    queue = conversation.queue
    if not queue_is_open(queue, now or timezone.now()):
        kind, text = OUTSIDE_HOURS, queue.auto_reply_outside_hours
    elif not QueueLogin.objects.filter(queue_id=queue.pk, ended_at__isnull=True).exists():
        kind, text = NO_AGENTS, queue.auto_reply_no_agents
    else:
        kind = QUEUED
        text = queue.auto_reply_queued.replace("{position}", str(waiting_position(conversation) or 1))
    text = text.strip()
    if not text or kind in (conversation.auto_replies_sent or []):
        return None
    return kind, text


@transaction.atomic
def autoreply_send(*, conversation_id: int, now=None) -> Message | None:
    """Send the due auto-reply of a waiting chat conversation, once per kind."""
    try:
        conversation = locks.lock_conversation(conversation_id)
    except DomainError:  # gone meanwhile: nothing to say
        return None
    if conversation.status != Conversation.Status.QUEUED or conversation.medium != Conversation.Medium.CHAT:
        return None
    due = due_reply(conversation, now)
    if due is None:
        return None
    kind, text = due
    conversation.auto_replies_sent = [*(conversation.auto_replies_sent or []), kind]
    conversation.save(update_fields=["auto_replies_sent"])
    return message_system(conversation=conversation, text=text)


@transaction.atomic
def autoreply_send_once(*, conversation_id: int, kind: str, text: str) -> Message | None:
    """Send `text` to a waiting chat customer once per `kind` (a status rule's auto-reply, kind
    "rule:<id>"), as the queue's own auto-replies are: a system message, recorded on the
    conversation so that it is never sent twice."""
    try:
        conversation = locks.lock_conversation(conversation_id)
    except DomainError:
        return None
    text = text.strip()
    if (conversation.status != Conversation.Status.QUEUED or conversation.medium != Conversation.Medium.CHAT
            or not text or kind in (conversation.auto_replies_sent or [])):
        return None
    conversation.auto_replies_sent = [*(conversation.auto_replies_sent or []), kind]
    conversation.save(update_fields=["auto_replies_sent"])
    return message_system(conversation=conversation, text=text)


def has_auto_replies(queue: Queue) -> bool:
    return queue.medium == "chat" and any(
        text.strip() for text in (queue.auto_reply_outside_hours, queue.auto_reply_no_agents, queue.auto_reply_queued)
    )


def autoreply_send_on_commit(conversation_id: int, queue: Queue) -> None:
    """Scheduled after the routing of a conversation's arrival, so it sees the routing's result.
    Queues without auto-reply texts (and calls) cost nothing."""
    if not has_auto_replies(queue):
        return

    def run():
        try:
            autoreply_send(conversation_id=conversation_id)
        except Exception:  # an auto-reply must never fail the arrival
            logger.exception("auto-reply for conversation %s failed", conversation_id)

    transaction.on_commit(run, robust=True)
