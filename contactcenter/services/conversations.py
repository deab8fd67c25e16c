"""Conversations: arrival, messages, manual assignment, close, after service, transfers."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Channel,
    Contact,
    Conversation,
    Disposition,
    Message,
    Queue,
    SystemStatus,
    Transfer,
    User,
)
from contactcenter.services import agents as agent_services
from contactcenter.services import routing
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import (
    can_end_after_service,
    dispositions_apply,
    user_can_supervise_agent,
    user_can_supervise_queue,
)

S = SystemStatus
C = Conversation.Status
MAX_TEXT = 4000


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 140 else text[:139] + "…"


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
        _add_message(conversation, direction=Message.Direction.INBOUND, body=text, now=now,
                     external_id=message_external_id)
    events.publish(events.CONVERSATION_QUEUED, organization_id=queue.organization_id, queue_ids=[queue.pk],
                   conversation_ids=[conversation.pk])
    routing.route_queue_on_commit(queue.pk)
    from contactcenter.services import autoreplies

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
            last_message_excerpt=_excerpt(text) if text else "",
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
    from contactcenter.services import autoreplies

    for conversation in opened:
        autoreplies.autoreply_send_on_commit(conversation.pk, queue)
    return opened


def _add_message(conversation: Conversation, *, direction: str, body: str = "", sender: User | None = None,
                 kind: str = Message.Kind.TEXT, now=None, external_id: str = "", is_whisper: bool = False,
                 **fields) -> Message:
    if len(body) > MAX_TEXT:
        raise DomainError(_("The message is too long (at most %(max)s characters).") % {"max": MAX_TEXT},
                          code="too_long")
    now = now or timezone.now()
    from contactcenter.connectors import outbound

    delivers = outbound.wants_delivery(conversation, direction=direction, is_whisper=is_whisper)
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
        update["last_message_excerpt"] = _excerpt(body or message.get_kind_display())
        update["last_message_outbound"] = direction == Message.Direction.OUTBOUND
    if direction == Message.Direction.INBOUND:
        from django.db.models import F

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
        outbound.schedule_delivery(message)
    return message


@transaction.atomic
def message_receive(*, conversation: Conversation, text: str, external_id: str = "", now=None) -> Message:
    """An inbound customer message on an open conversation."""
    if not conversation.is_open:
        raise DomainError(_("This conversation is closed."), code="closed")
    return _add_message(conversation, direction=Message.Direction.INBOUND, body=text, now=now,
                        external_id=external_id)


@transaction.atomic
def message_send(*, conversation: Conversation, sender: User, text: str, internal: bool = False) -> Message:
    """An agent replies to the customer, or writes an internal note."""
    text = text.strip()
    if not text:
        raise DomainError(_("Write a message first."), code="empty")
    conversation = routing.lock_conversation(conversation.pk, sender.organization_id)
    if not internal:
        if conversation.status != C.ASSIGNED:
            raise DomainError(_("This conversation is not open for replies."), code="closed")
        if conversation.assignee_id != sender.pk and not user_can_supervise_queue(sender, conversation.queue):
            raise NotAllowed(_("This conversation is assigned to someone else."))
    now = timezone.now()
    message = _add_message(
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


# --- Manual assignment ----------------------------------------------------------------------------


@transaction.atomic
def conversation_assign(*, conversation: Conversation, agent: User, by: User) -> Conversation:
    """"Asignarme" (by == agent) or "Asignar a…" a colleague logged in to the queue."""
    if agent.organization_id != by.organization_id:
        raise DomainError(_("That agent does not exist."), code="not_found")
    conversation = routing.lock_conversation(conversation.pk, by.organization_id)
    queue = conversation.queue
    if conversation.status != C.QUEUED:
        raise DomainError(_("This conversation is no longer waiting: someone already took it."), code="taken")
    if queue.medium != "chat":
        raise DomainError(_("Calls are answered when they ring; they cannot be taken from the list."),
                          code="call")
    by_may = (by.pk == agent.pk) or routing.QueueLogin.objects.filter(
        queue=queue, agent=by, ended_at__isnull=True).exists() or user_can_supervise_queue(by, queue)
    if not by_may:
        raise NotAllowed(_("You are not logged in to this queue."))
    states = routing.lock_states([agent.pk])
    state = states.get(agent.pk)
    if state is None:
        raise DomainError(_("That agent does not exist."), code="not_found")
    reason = routing.agent_is_eligible(state, queue, manual=True)
    if reason:
        raise DomainError(reason, code="ineligible")
    routing.assign_locked(conversation, state, queue, by=by)
    if by.pk != agent.pk:
        _event_message(conversation, _("Assigned to %(agent)s by %(by)s.") % {
            "agent": agent.display_name, "by": by.display_name})
    return conversation


def _event_message(conversation: Conversation, text: str) -> Message:
    """A line in the thread about what happened (assigned, transferred...): the staff see it,
    the customer never does."""
    return _add_message(conversation, direction=Message.Direction.EVENT, body=text)


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
    conversation = routing.lock_conversation(conversation.pk, organization_id)
    if conversation.status not in (C.QUEUED, C.OFFERED):
        raise DomainError(_("Only a waiting conversation's priority can change."), code="not_waiting")
    previous = conversation.priority
    if previous == priority:
        return conversation
    conversation.priority = priority
    conversation.save(update_fields=["priority"])
    if by is not None:
        agent_services.audit(by, "conversation.priority", conversation=conversation,
                             queue=conversation.queue, previous=previous, priority=priority)
    events.publish(events.CONVERSATION_UPDATED, organization_id=conversation.organization_id,
                   queue_ids=[conversation.queue_id], conversation_ids=[conversation.pk])
    routing.route_queue_on_commit(conversation.queue_id)
    return conversation


@transaction.atomic
def message_system(*, conversation: Conversation, text: str) -> Message:
    """A system message the customer also sees (auto-replies)."""
    return _add_message(conversation, direction=Message.Direction.SYSTEM, body=text)


# --- Close and after service ------------------------------------------------------------------------


@transaction.atomic
def conversation_close(*, conversation: Conversation, by: User, now=None) -> Conversation:
    """Cerrar: frees the agent's slot; with after-service time the agent enters After service."""
    conversation = routing.lock_conversation(conversation.pk, by.organization_id)
    if not conversation.is_open:
        raise DomainError(_("This conversation is already closed."), code="closed")
    if conversation.assignee_id != by.pk and not user_can_supervise_queue(by, conversation.queue):
        raise NotAllowed(_("This conversation is assigned to someone else."))
    was_assigned = conversation.status == C.ASSIGNED
    assignee_id = conversation.assignee_id
    # Lock the agent before reading the clock: their ledger must not be backdated to before a
    # change another transaction made to them while this one waited for the lock.
    state = routing.lock_states([assignee_id])[assignee_id] if was_assigned and assignee_id else None
    now = now or timezone.now()
    if conversation.status == C.OFFERED:
        # The caller hung up while it rang: the offers end, the call does not wait again.
        for offer_id in conversation.offers.filter(status="pending").values_list("pk", flat=True):
            routing._end_offer(offer_id, "withdrawn", requeue=False)
    conversation.status = C.CLOSED if was_assigned else C.ABANDONED
    conversation.closed_at = now
    if conversation.medium == Conversation.Medium.VOICE:
        conversation.call_state = Conversation.CallState.ENDED
    conversation.save(update_fields=["status", "closed_at", "call_state"])
    events.publish(events.CONVERSATION_CLOSED, organization_id=conversation.organization_id,
                   agent_ids=[assignee_id] if assignee_id else [], queue_ids=[conversation.queue_id],
                   conversation_ids=[conversation.pk], by_id=by.pk)
    if state is not None:
        routing.release_locked(state, conversation.medium)
        queue = conversation.queue
        if queue.after_service_seconds > 0 and state.status.code not in (S.OFFLINE, S.BANNED):
            _wrapup_start(state, conversation, queue, now=now)
        else:
            still_dialing = Conversation.objects.filter(
                assignee_id=assignee_id, status=C.ASSIGNED, call_state=Conversation.CallState.DIALING
            ).exists()
            if state.status.code == S.DIALING and not still_dialing:
                # settle() leaves Dialing alone; the call that held the agent there is gone.
                agent_services._change(
                    state, agent_services.status_definition(state.organization_id,
                                                            agent_services.derived_status_code(state)),
                    by=None, source="system", reason=f"closed {conversation.pk}", now=now)
            else:
                agent_services.settle(state, by=None, source="system", reason=f"closed {conversation.pk}", now=now)
            if agent_services.is_routable(state):
                routing.route_for_agent_on_commit(assignee_id)
    return conversation


def _wrapup_start(state: AgentState, conversation: Conversation, queue: Queue, *, now) -> None:
    state.wrapup_episode += 1
    state.wrapup_conversation = conversation
    state.wrapup_deadline = (
        now + timedelta(seconds=queue.after_service_seconds) if queue.after_service_enforced else None
    )
    if state.status.is_pause:
        # A paused agent stays paused; the wrap-up is recorded but their pause wins.
        state.save(update_fields=["wrapup_episode", "wrapup_conversation", "wrapup_deadline"])
    else:
        agent_services._change(
            state, agent_services.status_definition(state.organization_id, S.AFTER_SERVICE),
            by=None, source="system", reason=f"closed {conversation.pk}", now=now, force_interval=True,
        )
    events.publish(events.WRAPUP_STARTED, organization_id=state.organization_id, agent_ids=[state.agent_id],
                   conversation_ids=[conversation.pk], episode=state.wrapup_episode,
                   deadline=state.wrapup_deadline.isoformat() if state.wrapup_deadline else None)
    if state.wrapup_deadline:
        from contactcenter import tasks

        tasks.schedule_wrapup_expiry(state.agent_id, state.wrapup_episode, state.wrapup_deadline)


def needs_disposition(conversation: Conversation) -> bool:
    queue = conversation.queue
    return bool(
        dispositions_apply(queue)
        and conversation.disposition_id is None
        and queue.dispositions.filter(is_active=True).exists()
    )


@transaction.atomic
def wrapup_end(*, agent: User, by: User | None = None, source: str = "agent", episode: int | None = None) -> bool:
    """Leave After service: the agent clicks Listo, or a supervisor ends it early."""
    if source == "supervisor":
        if by is None or not can_end_after_service(by):
            raise NotAllowed(_("Your organization does not allow supervisors to end after service early."))

        if not user_can_supervise_agent(by, agent):
            raise NotAllowed(_("You do not supervise this agent."))
    state = agent_services.lock_state(agent)
    if state.wrapup_conversation_id is None and state.status.code != S.AFTER_SERVICE:
        if source == "system":
            return False
        raise DomainError(_("%(agent)s is not in after service.") % {"agent": agent.display_name},
                          code="not_in_wrapup")
    if episode is not None and state.wrapup_episode != episode:
        return False
    if source == "agent" and state.wrapup_conversation_id:
        conversation = Conversation.objects.select_related("queue__organization").get(pk=state.wrapup_conversation_id)
        if needs_disposition(conversation):
            raise DomainError(_("Choose a disposition before leaving after service."), code="disposition")
    finished = state.wrapup_conversation_id
    state.wrapup_conversation = None
    state.wrapup_deadline = None
    reason = {"agent": "ready", "supervisor": "ended early", "system": "time ran out"}.get(source, source)
    if state.status.code == S.AFTER_SERVICE:
        to = agent_services.status_definition(state.organization_id, agent_services.derived_status_code(state))
        agent_services._change(state, to, by=by or (agent if source == "agent" else None), source=source,
                               reason=f"after service: {reason}")
    else:
        state.save(update_fields=["wrapup_conversation", "wrapup_deadline"])
    events.publish(events.WRAPUP_ENDED, organization_id=state.organization_id, agent_ids=[agent.pk],
                   conversation_ids=[finished] if finished else [], episode=state.wrapup_episode, source=source)
    if source == "supervisor":
        agent_services.audit(by, "agent.end_after_service", target_user=agent)
    return True


def wrapup_expire(*, agent_id: int, episode: int, now=None) -> bool:
    """The Celery task and the sweep: end the episode if it is still this one and overdue."""
    state = AgentState.objects.filter(agent_id=agent_id, wrapup_episode=episode).select_related("agent").first()
    if state is None or state.wrapup_deadline is None or state.wrapup_deadline > (now or timezone.now()):
        return False
    return wrapup_end(agent=state.agent, source="system", episode=episode)


@transaction.atomic
def conversation_set_disposition(*, conversation: Conversation, disposition: Disposition | None, by: User,
                                 notes: str | None = None) -> Conversation:
    conversation = routing.lock_conversation(conversation.pk, by.organization_id)
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
    return conversation


# --- Transfers ------------------------------------------------------------------------------------


@transaction.atomic
def conversation_transfer(*, conversation: Conversation, by: User, to_agent: User | None = None,
                          to_queue: Queue | None = None, consult: bool = False, note: str = "") -> Transfer:
    """Blind to a queue (back in that queue), blind to an agent, or consult (ask first).

    A failed blind transfer to an agent does not return to the sender: it waits in the queue.
    """
    if (to_agent is None) == (to_queue is None):
        raise DomainError(_("Choose one agent or one queue to transfer to."), code="bad_target")
    target_org = (to_agent or to_queue).organization_id
    if target_org != by.organization_id:
        raise DomainError(_("That transfer target does not exist."), code="not_found")
    conversation = routing.lock_conversation(conversation.pk, by.organization_id)
    if conversation.status != C.ASSIGNED or conversation.assignee_id != by.pk:
        raise NotAllowed(_("Only the agent handling a conversation can transfer it."))
    if conversation.call_state == Conversation.CallState.DIALING:
        raise DomainError(_("Wait until the call is answered to transfer it."), code="dialing")
    if to_agent is not None and to_agent.pk == by.pk:
        raise DomainError(_("You already have this conversation."), code="self")
    now = timezone.now()
    transfer = Transfer.objects.create(
        organization_id=conversation.organization_id, conversation=conversation, from_agent=by,
        to_agent=to_agent, to_queue=to_queue, mode=Transfer.Mode.CONSULT if consult else Transfer.Mode.BLIND,
        note=note[:300], created_at=now,
    )
    if consult:
        if to_agent is None:
            raise DomainError(_("Ask first works with an agent, not a queue."), code="bad_target")
        _event_message(conversation, _("%(from)s asked %(to)s to take this conversation.") % {
            "from": by.display_name, "to": to_agent.display_name})
        events.publish(events.CONVERSATION_TRANSFERRED, organization_id=conversation.organization_id,
                       agent_ids=[by.pk, to_agent.pk], conversation_ids=[conversation.pk],
                       transfer_id=transfer.pk, status=transfer.status)
        return transfer
    _move(conversation, transfer, by=by, now=now)
    return transfer


def _move(conversation: Conversation, transfer: Transfer, *, by: User, now) -> None:
    from_id = conversation.assignee_id
    from_queue_id = conversation.queue_id
    target_queue = transfer.to_queue or conversation.queue
    ids = [from_id] + ([transfer.to_agent_id] if transfer.to_agent_id else [])
    states = routing.lock_states(ids)
    if transfer.to_agent_id:
        target_state = states[transfer.to_agent_id]
        why_not = routing.agent_is_eligible(target_state, target_queue, manual=True)
    else:
        why_not = None
    routing.release_locked(states[from_id], conversation.medium)
    conversation.assignee = None
    conversation.status = C.QUEUED
    conversation.queue = target_queue
    conversation.enqueued_at = now
    conversation.save(update_fields=["assignee", "status", "queue", "enqueued_at"])
    if transfer.to_agent_id and why_not is None:
        routing.assign_locked(conversation, states[transfer.to_agent_id], target_queue, by=by, now=now)
        transfer.status = Transfer.Status.COMPLETED
        text = _("Transferred from %(from)s to %(to)s.") % {
            "from": by.display_name, "to": transfer.to_agent.display_name}
    elif transfer.to_agent_id:
        transfer.status = Transfer.Status.FAILED
        text = _("Transfer to %(to)s failed (%(why)s); the conversation waits in %(queue)s.") % {
            "to": transfer.to_agent.display_name, "why": why_not, "queue": target_queue.name}
        routing.route_queue_on_commit(target_queue.pk)
    else:
        transfer.status = Transfer.Status.COMPLETED
        text = _("Transferred by %(from)s to the queue %(queue)s.") % {"from": by.display_name,
                                                                     "queue": target_queue.name}
        routing.route_queue_on_commit(target_queue.pk)
    transfer.resolved_at = now
    transfer.save(update_fields=["status", "resolved_at"])
    if conversation.status == C.QUEUED:
        events.publish(events.CONVERSATION_QUEUED, organization_id=conversation.organization_id,
                       queue_ids=[target_queue.pk], conversation_ids=[conversation.pk])
        from contactcenter.services import autoreplies

        autoreplies.autoreply_send_on_commit(conversation.pk, target_queue)  # after routing, if still waiting
    _event_message(conversation, text)
    agent_services.settle(states[from_id], by=None, source="system", reason=f"transferred {conversation.pk}")
    if agent_services.is_routable(states[from_id]):
        routing.route_for_agent_on_commit(from_id)
    events.publish(events.CONVERSATION_TRANSFERRED, organization_id=conversation.organization_id,
                   agent_ids=[i for i in ids if i], queue_ids=list(dict.fromkeys([from_queue_id, target_queue.pk])),
                   conversation_ids=[conversation.pk],
                   transfer_id=transfer.pk, status=transfer.status)


def transfer_accept(*, transfer: Transfer, agent: User) -> Transfer:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.to_agent_id != agent.pk:
            raise NotAllowed(_("This transfer is not for you."))
        if transfer.status != Transfer.Status.PENDING:
            raise DomainError(_("This transfer is no longer pending."), code="gone")
        conversation = routing.lock_conversation(transfer.conversation_id, agent.organization_id)
        if conversation.status == C.ASSIGNED and conversation.assignee_id == transfer.from_agent_id:
            states = routing.lock_states([agent.pk])
            why_not = routing.agent_is_eligible(states[agent.pk], conversation.queue, manual=True)
            if why_not:
                raise DomainError(why_not, code="ineligible")
            transfer.status = Transfer.Status.ACCEPTED
            transfer.save(update_fields=["status"])
            _move(conversation, transfer, by=transfer.from_agent, now=timezone.now())
            return transfer
        # The cancellation is committed; only then is the user told.
        transfer.status = Transfer.Status.CANCELLED
        transfer.resolved_at = timezone.now()
        transfer.save(update_fields=["status", "resolved_at"])
    raise DomainError(_("The conversation changed hands before you accepted."), code="gone")


@transaction.atomic
def transfer_decline(*, transfer: Transfer, agent: User) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.to_agent_id != agent.pk:
        raise NotAllowed(_("This transfer is not for you."))
    if transfer.status != Transfer.Status.PENDING:
        raise DomainError(_("This transfer is no longer pending."), code="gone")
    transfer.status = Transfer.Status.DECLINED
    transfer.resolved_at = timezone.now()
    transfer.save(update_fields=["status", "resolved_at"])
    conversation = transfer.conversation
    _event_message(conversation, _("%(to)s declined the transfer.") % {"to": agent.display_name})
    events.publish(events.CONVERSATION_TRANSFERRED, organization_id=transfer.organization_id,
                   agent_ids=[transfer.from_agent_id, agent.pk], conversation_ids=[conversation.pk],
                   transfer_id=transfer.pk, status=transfer.status)
    return transfer
