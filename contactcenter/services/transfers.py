"""Transfers: a conversation handed to another agent (who accepts or declines) or to another
queue (blind: it waits there in its turn)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Conversation, Queue, SystemStatus, Transfer, User
from contactcenter.services import agent_states, agents, autoreplies, eligibility, locks, rollups, routing
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.messages import event_message

S = SystemStatus
C = Conversation.Status


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
    conversation = locks.lock_conversation(conversation.pk, by.organization_id)
    if conversation.status != C.ASSIGNED or conversation.assignee_id != by.pk:
        raise NotAllowed(_("Only the agent handling a conversation can transfer it."))
    if conversation.call_state == Conversation.CallState.DIALING:
        raise DomainError(_("Wait until the call is answered to transfer it."), code="dialing")
    if to_agent is not None and to_agent.pk == by.pk:
        raise DomainError(_("You already have this conversation."), code="self")
    now = timezone.now()
    transfer = Transfer.objects.create(
        organization_id=conversation.organization_id, conversation=conversation, from_agent=by,
        to_agent=to_agent, to_queue=to_queue, from_queue_id=conversation.queue_id,
        mode=Transfer.Mode.CONSULT if consult else Transfer.Mode.BLIND,
        note=note[:300], created_at=now,
    )
    if consult:
        if to_agent is None:
            raise DomainError(_("Ask first works with an agent, not a queue."), code="bad_target")
        event_message(conversation, _("%(from)s asked %(to)s to take this conversation.") % {
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
    states = locks.lock_states(ids)
    if transfer.to_agent_id:
        target_state = states[transfer.to_agent_id]
        why_not = eligibility.agent_is_eligible(target_state, target_queue, manual=True)
    else:
        why_not = None
    routing.release_locked(states[from_id], conversation.medium)
    rollups.rollups_refill_later(organization_id=conversation.organization_id, moments=[
        conversation.enqueued_at, conversation.assigned_at, conversation.first_response_at])
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
        autoreplies.autoreply_send_on_commit(conversation.pk, target_queue)  # after routing, if still waiting
    event_message(conversation, text)
    agents.settle(states[from_id], by=None, source="system", reason=f"transferred {conversation.pk}")
    if agent_states.is_routable(states[from_id]):
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
        conversation = locks.lock_conversation(transfer.conversation_id, agent.organization_id)
        if conversation.status == C.ASSIGNED and conversation.assignee_id == transfer.from_agent_id:
            states = locks.lock_states([agent.pk])
            why_not = eligibility.agent_is_eligible(states[agent.pk], conversation.queue, manual=True)
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
    event_message(conversation, _("%(to)s declined the transfer.") % {"to": agent.display_name})
    events.publish(events.CONVERSATION_TRANSFERRED, organization_id=transfer.organization_id,
                   agent_ids=[transfer.from_agent_id, agent.pk], conversation_ids=[conversation.pk],
                   transfer_id=transfer.pk, status=transfer.status)
    return transfer
