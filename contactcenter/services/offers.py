"""Offers: a call rings at an agent (routing creates the offer) until they answer, decline or
let it ring out, or it is withdrawn; a call no longer ringing anyone waits in its queue again."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Conversation, Offer, StatusRule, SystemStatus, User
from contactcenter.services import agent_states, eligibility, jobs, locks, routing
from contactcenter.services.errors import DomainError

S = SystemStatus
C = Conversation.Status


@transaction.atomic
def offer_accept(*, offer_id: int, agent: User) -> Conversation:
    offer = Offer.objects.filter(pk=offer_id, agent=agent).first()
    if offer is None:
        raise DomainError(_("That call is not offered to you."), code="not_found")
    conversation = locks.lock_conversation(offer.conversation_id)
    offer.refresh_from_db()
    if offer.status != Offer.Status.PENDING or conversation.status != C.OFFERED:
        raise DomainError(_("This call was already answered or stopped ringing."), code="gone")
    pending = list(Offer.objects.filter(conversation=conversation, status=Offer.Status.PENDING))
    states = locks.lock_states([o.agent_id for o in pending])
    now = timezone.now()
    for other in pending:
        other.status = Offer.Status.ACCEPTED if other.pk == offer.pk else Offer.Status.WITHDRAWN
        other.resolved_at = now
        other.save(update_fields=["status", "resolved_at"])
        routing.release_locked(states[other.agent_id], Conversation.Medium.VOICE)
        if other.pk != offer.pk:
            publish_offer_ended(other)
    # It rang while the agent was eligible; since then they may have paused, entered after service
    # or logged out of the queue. Re-check under the lock with the ringing slot released (refusing
    # rolls all of this back: the offer rings on until it is withdrawn or expires).
    why_not = eligibility.agent_is_eligible(states[agent.pk], conversation.queue)
    if why_not:
        raise DomainError(why_not, code="ineligible")
    routing.assign_locked(conversation, states[agent.pk], conversation.queue, by=agent, now=now)
    return conversation


def publish_offer_ended(offer: Offer) -> None:
    events.publish(events.OFFER_ENDED, organization_id=offer.organization_id, agent_ids=[offer.agent_id],
                   conversation_ids=[offer.conversation_id], offer_id=offer.pk, status=offer.status)


@transaction.atomic
def offer_decline(*, offer_id: int, agent: User) -> None:
    offer = Offer.objects.filter(pk=offer_id, agent=agent).first()
    if offer is None:
        raise DomainError(_("That call is not offered to you."), code="not_found")
    offer_end(offer.pk, Offer.Status.DECLINED)


def offer_expire(*, offer_id: int, now=None) -> bool:
    """Task and sweep: a pending offer past its time goes back to the queue and the agent is
    paused with "No answer" (agents who walk away stop receiving work)."""
    with transaction.atomic():
        offer = Offer.objects.filter(pk=offer_id, status=Offer.Status.PENDING).first()
        if offer is None or offer.expires_at > (now or timezone.now()):
            return False
        if not offer_end(offer.pk, Offer.Status.EXPIRED):
            return False
        state = agent_states.lock_state(offer.agent_id)
        if agent_states.is_routable(state) or state.status.code in (S.ONLINE, S.DND):
            no_answer = agent_states.status_definition(state.organization_id, "no_answer")
            routing.agent_status_change(state, no_answer, by=None, source="system", reason="offer not answered")
        if StatusRule.objects.filter(organization_id=offer.organization_id, is_enabled=True,
                                     trigger=StatusRule.Trigger.MISSED_OFFERS).exists():
            jobs.enqueue_on_commit(jobs.RULES_CHECK_AGENT, offer.agent_id)  # the status rules, at once
    return True


def offer_end(offer_id: int, status: str, *, requeue: bool = True) -> bool:
    """End one pending offer. With `requeue`, a call no longer ringing anyone waits again."""
    offer = Offer.objects.get(pk=offer_id)
    conversation = locks.lock_conversation(offer.conversation_id)
    offer.refresh_from_db()
    if offer.status != Offer.Status.PENDING:
        return False
    states = locks.lock_states([offer.agent_id])
    offer.status = status
    offer.resolved_at = timezone.now()
    offer.save(update_fields=["status", "resolved_at"])
    routing.release_locked(states[offer.agent_id], Conversation.Medium.VOICE)
    publish_offer_ended(offer)
    if requeue and conversation.status == C.OFFERED and not Offer.objects.filter(
        conversation=conversation, status=Offer.Status.PENDING
    ).exists():
        conversation.status = C.QUEUED
        conversation.call_state = Conversation.CallState.RINGING
        conversation.save(update_fields=["status", "call_state"])
        events.publish(events.CONVERSATION_QUEUED, organization_id=conversation.organization_id,
                       queue_ids=[conversation.queue_id], conversation_ids=[conversation.pk])
        routing.route_queue_on_commit(conversation.queue_id)
    return True


def offers_withdraw_for_agent(*, agent_id: int) -> None:
    for offer_id in Offer.objects.filter(agent_id=agent_id, status=Offer.Status.PENDING).values_list("pk", flat=True):
        with transaction.atomic():
            offer_end(offer_id, Offer.Status.WITHDRAWN)
