"""Calls: outbound dialing, answering, hold, mute, pre-recorded messages, hang-up, monitoring.

The media runs on an external telephony system (`contactcenter.connectors.voice`): these
services change the conversation and the agent under their locks and send the backend its
command after commit. What the telephony system reports comes back through `call_answered`,
`call_no_answer`, `call_failed` and `call_remote_hangup`.

Lock order, as everywhere: the conversation row first, then a campaign contact row, then agent
states (locks.lock_states).
"""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    AgentState,
    CampaignContact,
    Contact,
    Conversation,
    Message,
    PrerecordedMessage,
    Queue,
    QueueLogin,
    SystemStatus,
    User,
)
from contactcenter.services import agent_states, eligibility, locks, messages, offers, routing, telephony
from contactcenter.services import agents as agent_services
from contactcenter.services import conversations as conversation_services
from contactcenter.services.audit import audit
from contactcenter.services.campaign_contacts import campaign_contact_set_outcome
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import user_can_supervise_queue

S = SystemStatus
C = Conversation.Status
CS = Conversation.CallState
CONNECTED = (CS.ACTIVE, CS.HELD, CS.MUTED)
OUTCOME = CampaignContact.CallOutcome

_NUMBER_SEPARATORS = re.compile(r"[\s().\-/]")
_NUMBER = re.compile(r"^\+?[0-9*#]{2,20}$")


def normalize_number(number: str) -> str:
    """'+34 600 12-34-56' -> '+34600123456'. Raises DomainError for what cannot be dialed."""
    cleaned = _NUMBER_SEPARATORS.sub("", number or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not _NUMBER.match(cleaned):
        raise DomainError(
            _("“%(number)s” is not a phone number that can be dialed.") % {"number": number or ""},
            code="bad_number",
        )
    return cleaned


# --- Helpers ----------------------------------------------------------------------------------


def _publish_updated(conversation: Conversation, **data) -> None:
    events.publish(
        events.CONVERSATION_UPDATED,
        organization_id=conversation.organization_id,
        agent_ids=[conversation.assignee_id] if conversation.assignee_id else [],
        queue_ids=[conversation.queue_id],
        conversation_ids=[conversation.pk],
        call_state=conversation.call_state,
        **data,
    )


def _event_message(conversation: Conversation, text: str) -> Message:
    return messages.event_message(conversation, text)


def _lock_call(conversation: Conversation, organization_id: int | None = None) -> Conversation:
    conversation = locks.lock_conversation(conversation.pk, organization_id)
    if conversation.medium != Conversation.Medium.VOICE:
        raise DomainError(_("This conversation is not a call."), code="not_a_call")
    return conversation


def _lock_own_call(conversation: Conversation, by: User, *, states=CONNECTED) -> Conversation:
    """The caller's own open call, locked; another organization's is "does not exist"."""
    conversation = _lock_call(conversation, by.organization_id)
    if conversation.status != C.ASSIGNED or conversation.call_state not in (*CONNECTED, CS.DIALING):
        raise DomainError(_("This call has already ended."), code="ended")
    if conversation.assignee_id != by.pk:
        raise NotAllowed(_("Only the agent on the call can do this."))
    if conversation.call_state not in states:
        if conversation.call_state == CS.DIALING:
            raise DomainError(_("The call has not been answered yet."), code="dialing")
        raise DomainError(
            _("Not possible while the call is %(state)s.") % {"state": conversation.get_call_state_display()},
            code="call_state",
        )
    return conversation


def _still_dialing(agent_id: int) -> bool:
    return Conversation.objects.filter(assignee_id=agent_id, status=C.ASSIGNED, call_state=CS.DIALING).exists()


def _leave_dialing(state: AgentState, *, to: str | None = None, reason: str) -> None:
    """An agent in Dialing whose last dialing call ended or was answered moves on (`to`, or
    their resting status). `agents.settle` leaves Dialing alone, so the move is made here."""
    if state.status.code != S.DIALING or _still_dialing(state.agent_id):
        return
    code = to or agent_states.derived_status_code(state)
    routing.agent_status_change(state, agent_states.status_definition(state.organization_id, code), by=None,
                           source="system", reason=reason)


def _mark_campaign_contact(conversation: Conversation, outcome: str) -> None:
    if conversation.queue.kind == Queue.Kind.CAMPAIGN:
        campaign_contact_set_outcome(conversation=conversation, outcome=outcome)


# --- Outbound -----------------------------------------------------------------------------------


@transaction.atomic
def call_dial(*, agent: User, queue: Queue, number: str | None = None, contact: Contact | None = None) -> Conversation:
    """An outbound call from a signed-in agent with a free call slot, in a voice queue or
    campaign they are logged in to: the agent goes to Dialing and the backend dials on commit.

    Without `contact`, the organization's contact with that number is used (or created)."""
    if queue.organization_id != agent.organization_id:
        raise DomainError(_("That queue does not exist."), code="not_found")
    if contact is not None and contact.organization_id != agent.organization_id:
        raise DomainError(_("That contact does not exist."), code="not_found")
    if queue.kind not in (Queue.Kind.VOICE, Queue.Kind.CAMPAIGN):
        raise DomainError(_("Calls are made from a voice queue or a campaign."), code="not_voice")
    if not queue.is_active:
        raise DomainError(_("The queue %(queue)s is not active.") % {"queue": queue.name}, code="inactive")
    raw = number if number else (contact.phone if contact is not None else "")
    if not raw or not raw.strip():
        raise DomainError(_("Enter the number to call."), code="no_number")
    number = normalize_number(raw)

    state = locks.lock_states([agent.pk]).get(agent.pk)
    if state is None:
        raise DomainError(_("This user has no agent state."), code="no_state")
    code = state.status.code
    if not state.agent.is_active:
        raise DomainError(_("%(agent)s is deactivated.") % {"agent": agent.display_name}, code="inactive")
    if code in (S.OFFLINE, S.BANNED):
        raise DomainError(_("Log in before making calls."), code="offline")
    if state.status.is_pause:
        raise DomainError(_("You are paused (%(status)s). Resume before making calls.")
                          % {"status": state.status.label}, code="paused")
    if code == S.AFTER_SERVICE:
        raise DomainError(_("Finish your after service before making another call."), code="after_service")
    if not QueueLogin.objects.filter(queue=queue, agent_id=agent.pk, ended_at__isnull=True).exists():
        raise DomainError(_("Log in to %(queue)s before calling from it.") % {"queue": queue.name},
                          code="not_logged_in")
    if state.voice_load >= queue.effective_capacity:
        raise DomainError(_("You are already on a call."), code="busy")

    if contact is None:
        contact = (
            Contact.objects.filter(organization_id=agent.organization_id, phone=number).order_by("id").first()
            or Contact.objects.create(organization_id=agent.organization_id, phone=number)
        )
    now = max(timezone.now(), state.since)
    conversation = Conversation.objects.create(
        organization_id=agent.organization_id,
        queue=queue,
        contact=contact,
        medium=Conversation.Medium.VOICE,
        status=C.ASSIGNED,
        assignee=agent,
        priority=queue.priority,
        enqueued_at=now,
        assigned_at=now,
        call_state=CS.DIALING,
    )
    state.voice_load += 1
    state.last_assigned_at = now
    if not routing.agent_status_change(
        state, agent_states.status_definition(agent.organization_id, S.DIALING), by=agent, source="agent",
        reason=f"call {conversation.pk}", now=now,
    ):
        state.save(update_fields=["voice_load", "last_assigned_at"])
    _event_message(conversation, _("Outbound call to %(number)s by %(agent)s.")
                    % {"number": number, "agent": agent.display_name})
    events.publish(
        events.CONVERSATION_ASSIGNED,
        organization_id=conversation.organization_id,
        agent_ids=[agent.pk],
        queue_ids=[queue.pk],
        conversation_ids=[conversation.pk],
        assignee_id=agent.pk,
        by_id=agent.pk,
        outbound=True,
    )
    telephony.send_on_commit("dial", conversation, number=number)
    return conversation


@transaction.atomic
def call_answered(*, conversation: Conversation) -> Conversation:
    """The telephony system reports that the callee answered: the call is active and the agent
    goes from Dialing to In service. A repeated report changes nothing."""
    conversation = _lock_call(conversation)
    if conversation.status == C.ASSIGNED and conversation.call_state in CONNECTED:
        return conversation  # already answered
    if conversation.status != C.ASSIGNED or conversation.call_state != CS.DIALING:
        raise DomainError(_("This call has already ended."), code="ended")
    now = timezone.now()
    conversation.call_state = CS.ACTIVE
    conversation.first_response_at = conversation.first_response_at or now
    conversation.save(update_fields=["call_state", "first_response_at"])
    _mark_campaign_contact(conversation, OUTCOME.ANSWERED)
    state = locks.lock_states([conversation.assignee_id])[conversation.assignee_id]
    _leave_dialing(state, to=S.IN_SERVICE, reason=f"call {conversation.pk} answered")
    _publish_updated(conversation)
    return conversation


def _end_unanswered(conversation: Conversation, *, outcome: str, text: str) -> Conversation:
    conversation = _lock_call(conversation)
    if conversation.status in (C.CLOSED, C.ABANDONED):
        return conversation  # a late or repeated report
    if conversation.status != C.ASSIGNED or conversation.call_state != CS.DIALING:
        raise DomainError(_("This call is not being dialed."), code="not_dialing")
    assignee_id = conversation.assignee_id
    conversation.status = C.CLOSED
    conversation.closed_at = timezone.now()
    conversation.call_state = CS.ENDED
    conversation.save(update_fields=["status", "closed_at", "call_state"])
    _event_message(conversation, text)
    _mark_campaign_contact(conversation, outcome)
    state = locks.lock_states([assignee_id])[assignee_id]
    routing.release_locked(state, Conversation.Medium.VOICE)
    if state.status.code == S.DIALING:
        _leave_dialing(state, reason=f"call {conversation.pk} not answered")
    else:
        agent_services.settle(state, by=None, source="system", reason=f"call {conversation.pk} not answered")
    events.publish(events.CONVERSATION_CLOSED, organization_id=conversation.organization_id,
                   agent_ids=[assignee_id], queue_ids=[conversation.queue_id],
                   conversation_ids=[conversation.pk], by_id=None, call_outcome=outcome)
    return conversation


@transaction.atomic
def call_no_answer(*, conversation: Conversation) -> Conversation:
    """The outbound call rang out: closed, no after service; the agent is back to their resting
    status. A campaign contact keeps its agent, who chooses the disposition (e.g. "No contesta")."""
    return _end_unanswered(conversation, outcome=OUTCOME.NO_ANSWER, text=_("No answer."))


@transaction.atomic
def call_failed(*, conversation: Conversation) -> Conversation:
    """The outbound call could not be connected (busy, invalid number, network)."""
    return _end_unanswered(conversation, outcome=OUTCOME.FAILED, text=_("The call could not be connected."))


# --- Inbound ------------------------------------------------------------------------------------


@transaction.atomic
def call_answer(*, offer_id: int, agent: User) -> Conversation:
    """Contestar: accept the ringing call offered to the agent (offers.offer_accept makes it
    active and the agent In service) and connect it on commit."""
    conversation = offers.offer_accept(offer_id=offer_id, agent=agent)
    if conversation.medium == Conversation.Medium.VOICE:
        telephony.send_on_commit("answer", conversation)
    return conversation


@transaction.atomic
def call_take(*, conversation: Conversation, agent: User) -> Conversation:
    """Contestar a waiting call from the list or the call's page (as "Asignarme" for chats): the
    agent answers it now, whoever it would ring at next; connected on commit."""
    conversation = locks.lock_conversation(conversation.pk, agent.organization_id)
    if conversation.medium != Conversation.Medium.VOICE:
        raise DomainError(_("This is not a call."), code="not_call")
    if conversation.status != Conversation.Status.QUEUED:
        raise DomainError(_("This call is no longer waiting: someone already answered it or it rings now."),
                          code="taken")
    state = locks.lock_states([agent.pk]).get(agent.pk)
    if state is None:
        raise DomainError(_("That agent does not exist."), code="not_found")
    reason = eligibility.agent_is_eligible(state, conversation.queue, manual=True)
    if reason:
        raise DomainError(reason, code="ineligible")
    routing.assign_locked(conversation, state, conversation.queue, by=agent)
    telephony.send_on_commit("answer", conversation)
    return conversation


@transaction.atomic
def call_remote_hangup(*, conversation: Conversation) -> Conversation:
    """The telephony system reports that the other party hung up.

    Dialing: the call was not answered. Connected: the call closes as if the agent hung up
    (after service applies). Waiting in the queue or ringing: the call is abandoned.
    An ended call is left as it is."""
    conversation = _lock_call(conversation)
    if conversation.status in (C.CLOSED, C.ABANDONED):
        return conversation
    if conversation.status == C.ASSIGNED:
        if conversation.call_state == CS.DIALING:
            return _end_unanswered(conversation, outcome=OUTCOME.NO_ANSWER, text=_("No answer."))
        _event_message(conversation, _("The customer hung up."))
        return conversation_services.conversation_close(conversation=conversation, by=conversation.assignee)
    # Queued or ringing: the caller gave up waiting.
    for offer_id in conversation.offers.filter(status="pending").values_list("pk", flat=True):
        offers.offer_end(offer_id, "withdrawn", requeue=False)
    conversation.status = C.ABANDONED
    conversation.closed_at = conversation.abandoned_at = timezone.now()
    conversation.call_state = CS.ENDED
    conversation.save(update_fields=["status", "closed_at", "abandoned_at", "call_state"])
    events.publish(events.CONVERSATION_CLOSED, organization_id=conversation.organization_id,
                   queue_ids=[conversation.queue_id], conversation_ids=[conversation.pk], by_id=None)
    return conversation


# --- Call controls (the agent on the call) --------------------------------------------------------


@transaction.atomic
def call_hold(*, conversation: Conversation, by: User, on: bool) -> Conversation:
    """Poner en espera / Reanudar. Unmute before holding (one state at a time)."""
    conversation = _lock_own_call(conversation, by, states=(CS.ACTIVE, CS.HELD) if on else (CS.HELD, CS.ACTIVE))
    target = CS.HELD if on else CS.ACTIVE
    if conversation.call_state == target:
        return conversation
    now = timezone.now()
    if on:
        conversation.held_since = now
    elif conversation.held_since is not None:
        conversation.hold_duration += max(now - conversation.held_since, timedelta(0))
        conversation.held_since = None
    conversation.call_state = target
    conversation.save(update_fields=["call_state", "held_since", "hold_duration"])
    telephony.send_on_commit("hold", conversation, on=on)
    _publish_updated(conversation)
    return conversation


@transaction.atomic
def call_mute(*, conversation: Conversation, by: User, on: bool) -> Conversation:
    """Silenciar / Activar micrófono. Not while the call is on hold."""
    conversation = _lock_own_call(conversation, by, states=(CS.ACTIVE, CS.MUTED) if on else (CS.MUTED, CS.ACTIVE))
    target = CS.MUTED if on else CS.ACTIVE
    if conversation.call_state == target:
        return conversation
    conversation.call_state = target
    conversation.save(update_fields=["call_state"])
    telephony.send_on_commit("mute", conversation, on=on)
    _publish_updated(conversation)
    return conversation


@transaction.atomic
def call_play_message(*, conversation: Conversation, by: User, message: PrerecordedMessage) -> Message:
    """Play one of the organization's pre-recorded messages to the other party; the
    conversation records it."""
    if message.organization_id != by.organization_id:
        raise DomainError(_("That pre-recorded message does not exist."), code="not_found")
    conversation = _lock_own_call(conversation, by)
    telephony.send_on_commit("play", conversation, prerecorded_message=message)
    return _event_message(conversation, _("Played the message “%(name)s”.") % {"name": message.name})


@transaction.atomic
def call_hangup(*, conversation: Conversation, by: User) -> Conversation:
    """Colgar: the call ends and the conversation closes (conversation_close: after service
    applies). Hanging up while dialing cancels the call."""
    conversation = _lock_own_call(conversation, by, states=(*CONNECTED, CS.DIALING))
    if conversation.call_state == CS.DIALING:
        _mark_campaign_contact(conversation, OUTCOME.NO_ANSWER)
    conversation = conversation_services.conversation_close(conversation=conversation, by=by)
    telephony.send_on_commit("hangup", conversation)
    # conversation_close settles the agent, but `settle` leaves Dialing alone.
    _leave_dialing(locks.lock_states([by.pk])[by.pk], reason=f"call {conversation.pk} cancelled")
    return conversation


# --- Supervision ------------------------------------------------------------------------------


@transaction.atomic
def call_monitor(*, conversation: Conversation, by: User, mode: str) -> Conversation:
    """Escuchar (listen), Susurrar (whisper: only the agent hears) or Intervenir (barge) on a
    connected call of a queue the supervisor supervises. Audited."""
    if mode not in telephony.MONITOR_MODES:
        raise DomainError(_("Choose listen, whisper or barge."), code="bad_mode")
    conversation = _lock_call(conversation, by.organization_id)
    if not user_can_supervise_queue(by, conversation.queue):
        raise NotAllowed(_("You do not supervise this queue."))
    if conversation.status != C.ASSIGNED or conversation.call_state not in CONNECTED:
        raise DomainError(_("Only a connected call can be monitored."), code="not_connected")
    if conversation.assignee_id == by.pk:
        raise DomainError(_("You are on this call."), code="self")
    audit(by, f"call.{mode}", target_user=conversation.assignee, queue=conversation.queue,
                         conversation=conversation)
    telephony.send_on_commit("monitor", conversation, supervisor=by, mode=mode)
    return conversation
