"""Conversations: arrival, manual assignment, priority, close and disposition. Messages are in
messages.py, after service in wrapup.py, transfers in transfers.py."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    Channel,
    Contact,
    Conversation,
    Disposition,
    Message,
    Queue,
    QueueLogin,
    SystemStatus,
    User,
)
from contactcenter.services import (
    agent_states,
    agents,
    autoreplies,
    csat,
    eligibility,
    locks,
    offers,
    rollups,
    routing,
    wrapup,
)
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.messages import MAX_TEXT, event_message, excerpt, message_add
from contactcenter.services.policies import (
    dispositions_apply,
    user_can_supervise_queue,
)

S = SystemStatus
C = Conversation.Status


# --- Arrival and messages -------------------------------------------------------------------------


@transaction.atomic
def conversation_open(
    *,
    queue: Queue,
    contact: Contact,
    channel: Channel | None = None,
    text: str = "",
    priority: int | None = None,
    external_id: str = "",
    message_external_id: str = "",
    now=None,
) -> Conversation:
    """A customer writes or calls: the conversation waits in the queue and routing runs on commit."""
    if contact.organization_id != queue.organization_id or (
        channel and channel.organization_id != queue.organization_id
    ):
        raise DomainError(_("The contact, channel and queue must belong to one organization."))
    now = now or timezone.now()
    medium = Conversation.Medium.CHAT if queue.medium == "chat" else Conversation.Medium.VOICE
    conversation = Conversation.objects.create(
        organization_id=queue.organization_id,
        queue=queue,
        channel=channel,
        contact=contact,
        medium=medium,
        priority=queue.priority if priority is None else priority,
        enqueued_at=now,
        external_id=external_id,
        call_state=Conversation.CallState.RINGING if medium == Conversation.Medium.VOICE else "",
    )
    if text:
        message_add(conversation, direction=Message.Direction.INBOUND, body=text, now=now,
                     external_id=message_external_id)
    events.publish(events.CONVERSATION_QUEUED, organization_id=queue.organization_id, queue_ids=[queue.pk],
                   conversation_ids=[conversation.pk])
    routing.route_queue_on_commit(queue.pk)
    autoreplies.autoreply_send_on_commit(conversation.pk, queue)  # after routing: only if still waiting
    return conversation


@transaction.atomic
def conversation_open_many(*, queue: Queue, arrivals: list[tuple[Contact, str]], now=None) -> list[Conversation]:
    """A burst of customers writing at once (an import, a provider's batch, the routing benchmark):
    `conversation_open` for each, in a few statements. When nobody waits in the queue, free agents
    get them in this transaction; the rest wait in line in the given order and are routed in
    batches on commit."""
    if any(contact.organization_id != queue.organization_id for contact, _text in arrivals):
        raise DomainError(_("The contact, channel and queue must belong to one organization."))
    if any(len(text) > MAX_TEXT for _contact, text in arrivals):
        raise DomainError(_("The message is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
                          code="too_long")
    if not arrivals:
        return []
    now = now or timezone.now()
    medium = Conversation.Medium.CHAT if queue.medium == "chat" else Conversation.Medium.VOICE
    opened = [
        Conversation(
            organization_id=queue.organization_id,
            queue=queue,
            contact=contact,
            medium=medium,
            priority=queue.priority,
            # A microsecond apart: the line keeps the given order.
            enqueued_at=now + timedelta(microseconds=index),
            call_state=Conversation.CallState.RINGING if medium == Conversation.Medium.VOICE else "",
            last_message_at=now if text else None,
            last_message_excerpt=excerpt(text) if text else "",
            unread_count=1 if text else 0,
        )
        for index, (contact, text) in enumerate(arrivals)
    ]
    # Inserted already assigned to free agents when the line is empty (one conversation.assigned
    # event); the rest wait (one conversation.queued event) and are routed on commit.
    routing.open_arrivals(queue, opened)
    waiting = [c.pk for c in opened if c.status == C.QUEUED]
    if waiting:
        events.publish(events.CONVERSATION_QUEUED, organization_id=queue.organization_id, queue_ids=[queue.pk],
                       conversation_ids=waiting, to_conversation_groups=False)
    Message.objects.bulk_create(
        Message(organization_id=queue.organization_id, conversation=conversation, direction=Message.Direction.INBOUND,
                kind=Message.Kind.TEXT, body=text, created_at=now)
        for conversation, (_contact, text) in zip(opened, arrivals, strict=True)
        if text
    )
    for conversation in opened:
        autoreplies.autoreply_send_on_commit(conversation.pk, queue)
    return opened


# --- Manual assignment ----------------------------------------------------------------------------


@transaction.atomic
def conversation_assign(*, conversation: Conversation, agent: User, by: User) -> Conversation:
    """"Asignarme" (by == agent) or "Asignar a…" a colleague logged in to the queue."""
    if agent.organization_id != by.organization_id:
        raise DomainError(_("That agent does not exist."), code="not_found")
    conversation = locks.lock_conversation(conversation.pk, by.organization_id)
    queue = conversation.queue
    if conversation.status != C.QUEUED:
        raise DomainError(_("This conversation is no longer waiting: someone already took it."), code="taken")
    if queue.medium != "chat":
        raise DomainError(_("Calls are answered when they ring; they cannot be taken from the list."),
                          code="call")
    by_may = (by.pk == agent.pk) or QueueLogin.objects.filter(
        queue=queue, agent=by, ended_at__isnull=True).exists() or user_can_supervise_queue(by, queue)
    if not by_may:
        raise NotAllowed(_("You are not logged in to this queue."))
    states = locks.lock_states([agent.pk])
    state = states.get(agent.pk)
    if state is None:
        raise DomainError(_("That agent does not exist."), code="not_found")
    reason = eligibility.agent_is_eligible(state, queue, manual=True)
    if reason:
        raise DomainError(reason, code="ineligible")
    routing.assign_locked(conversation, state, queue, by=by)
    if by.pk != agent.pk:
        event_message(conversation, _("Assigned to %(agent)s by %(by)s.") % {
            "agent": agent.display_name, "by": by.display_name})
    return conversation


PRIORITY_MIN, PRIORITY_MAX = -100, 100


@transaction.atomic
def conversation_set_priority(*, conversation: Conversation, priority: int | None,
                              by: User | None = None) -> Conversation:
    """Raise or lower a waiting conversation's priority (higher first; FIFO within a priority).
    A supervisor's change (`by`) is audited; routing runs at once on commit."""
    if isinstance(priority, bool) or not isinstance(priority, int) or not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise DomainError(_("The priority is a whole number from %(min)s to %(max)s.")
                          % {"min": PRIORITY_MIN, "max": PRIORITY_MAX}, code="invalid")
    organization_id = by.organization_id if by is not None else conversation.organization_id
    conversation = locks.lock_conversation(conversation.pk, organization_id)
    if conversation.status not in (C.QUEUED, C.OFFERED):
        raise DomainError(_("Only a waiting conversation's priority can change."), code="not_waiting")
    previous = conversation.priority
    if previous == priority:
        return conversation
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    if by is not None:
        audit(by, "conversation.priority", conversation=conversation,
                             queue=conversation.queue, previous=previous, priority=priority)
    events.publish(events.CONVERSATION_UPDATED, organization_id=conversation.organization_id,
                   queue_ids=[conversation.queue_id], conversation_ids=[conversation.pk])
    routing.route_queue_on_commit(conversation.queue_id)
    return conversation


# --- Close and after service ------------------------------------------------------------------------


@transaction.atomic
def conversation_close(*, conversation: Conversation, by: User, now=None) -> Conversation:
    """Cerrar: frees the agent's slot; with after-service time the agent enters After service."""
    conversation = locks.lock_conversation(conversation.pk, by.organization_id)
    if not conversation.is_open:
        raise DomainError(_("This conversation is already closed."), code="closed")
    if conversation.assignee_id != by.pk and not user_can_supervise_queue(by, conversation.queue):
        raise NotAllowed(_("This conversation is assigned to someone else."))
    was_assigned = conversation.status == C.ASSIGNED
    assignee_id = conversation.assignee_id
    # Lock the agent before reading the clock: their ledger must not be backdated to before a
    # change another transaction made to them while this one waited for the lock.
    state = locks.lock_states([assignee_id])[assignee_id] if was_assigned and assignee_id else None
    now = now or timezone.now()
    if conversation.status == C.OFFERED:
        # The caller hung up while it rang: the offers end, the call does not wait again.
        for offer_id in conversation.offers.filter(status="pending").values_list("pk", flat=True):
            offers.offer_end(offer_id, "withdrawn", requeue=False)
    conversation.status = C.CLOSED if was_assigned else C.ABANDONED
    conversation.closed_at = now
    if not was_assigned:
        conversation.abandoned_at = now  # closed while still waiting: the customer was not served
    if conversation.medium == Conversation.Medium.VOICE:
        conversation.call_state = Conversation.CallState.ENDED
    if conversation.held_since is not None:  # hung up while on hold
        conversation.hold_duration += max(now - conversation.held_since, timedelta(0))
        conversation.held_since = None
    conversation.save(update_fields=["status", "closed_at", "abandoned_at", "call_state", "held_since",
                                     "hold_duration"])
    events.publish(events.CONVERSATION_CLOSED, organization_id=conversation.organization_id,
                   agent_ids=[assignee_id] if assignee_id else [], queue_ids=[conversation.queue_id],
                   conversation_ids=[conversation.pk], by_id=by.pk)
    if was_assigned:
        csat.csat_ask(conversation, now=now)
    if state is not None:
        routing.release_locked(state, conversation.medium)
        queue = conversation.queue
        if queue.after_service_seconds > 0 and state.status.code not in (S.OFFLINE, S.BANNED):
            wrapup.wrapup_start(state, conversation, queue, now=now)
        else:
            still_dialing = Conversation.objects.filter(
                assignee_id=assignee_id, status=C.ASSIGNED, call_state=Conversation.CallState.DIALING
            ).exists()
            if state.status.code == S.DIALING and not still_dialing:
                # settle() leaves Dialing alone; the call that held the agent there is gone.
                routing.agent_status_change(
                    state, agent_states.status_definition(state.organization_id,
                                                            agent_states.derived_status_code(state)),
                    by=None, source="system", reason=f"closed {conversation.pk}", now=now)
            else:
                agents.settle(state, by=None, source="system", reason=f"closed {conversation.pk}", now=now)
            if agent_states.is_routable(state):
                routing.route_for_agent_on_commit(assignee_id)
    return conversation


@transaction.atomic
def conversation_set_disposition(*, conversation: Conversation, disposition: Disposition | None, by: User,
                                 notes: str | None = None) -> Conversation:
    conversation = locks.lock_conversation(conversation.pk, by.organization_id)
    if conversation.assignee_id != by.pk and not user_can_supervise_queue(by, conversation.queue):
        raise NotAllowed(_("This conversation is assigned to someone else."))
    if disposition is not None:
        if not dispositions_apply(conversation.queue) and conversation.queue.kind != Queue.Kind.CAMPAIGN:
            raise NotAllowed(_("Call dispositions do not apply to this queue."))
        if disposition.organization_id != by.organization_id or not conversation.queue.dispositions.filter(
            pk=disposition.pk
        ).exists():
            raise DomainError(_("Choose one of this queue's dispositions."), code="bad_disposition")
    conversation.disposition = disposition
    fields = ["disposition"]
    if notes is not None:
        conversation.wrapup_notes = notes[:MAX_TEXT]
        fields.append("wrapup_notes")
    conversation.save(update_fields=fields)
    rollups.rollups_refill_later(organization_id=conversation.organization_id, moments=[conversation.closed_at])
    return conversation


# --- Transfers ------------------------------------------------------------------------------------


