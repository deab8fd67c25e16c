"""After service (wrap-up): the time an agent keeps after a conversation ends, to finish notes
and choose a disposition, until they end it, a supervisor ends it, or its deadline passes."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import AgentState, Conversation, Queue, SystemStatus, User
from contactcenter.services import agent_states, jobs, routing
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_end_after_service, dispositions_apply, user_can_supervise_agent

S = SystemStatus
C = Conversation.Status


def wrapup_record_end(conversation_id: int | None, *, now=None) -> None:
    """Note when the after service of `conversation_id` ended (the reports' after-service time);
    the first end counts."""
    if conversation_id is not None:
        Conversation.objects.filter(pk=conversation_id, wrapup_ended_at__isnull=True).update(
            wrapup_ended_at=now or timezone.now())


def wrapup_start(state: AgentState, conversation: Conversation, queue: Queue, *, now) -> None:
    wrapup_record_end(state.wrapup_conversation_id, now=now)  # a new episode ends the previous one
    state.wrapup_episode += 1
    state.wrapup_conversation = conversation
    state.wrapup_deadline = (
        now + timedelta(seconds=queue.after_service_seconds) if queue.after_service_enforced else None
    )
    if state.status.is_pause:
        # A paused agent stays paused; the wrap-up is recorded but their pause wins.
        state.save(update_fields=["wrapup_episode", "wrapup_conversation", "wrapup_deadline"])
    else:
        routing.agent_status_change(
            state, agent_states.status_definition(state.organization_id, S.AFTER_SERVICE),
            by=None, source="system", reason=f"closed {conversation.pk}", now=now, force_interval=True,
        )
    events.publish(events.WRAPUP_STARTED, organization_id=state.organization_id, agent_ids=[state.agent_id],
                   conversation_ids=[conversation.pk], episode=state.wrapup_episode,
                   deadline=state.wrapup_deadline.isoformat() if state.wrapup_deadline else None)
    if state.wrapup_deadline:
        jobs.schedule_wrapup_expiry(state.agent_id, state.wrapup_episode, state.wrapup_deadline)


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
    state = agent_states.lock_state(agent)
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
    now = max(timezone.now(), state.since)  # the ledger's clock: never before the agent's last change
    wrapup_record_end(finished, now=now)
    state.wrapup_conversation = None
    state.wrapup_deadline = None
    reason = {"agent": "ready", "supervisor": "ended early", "system": "time ran out"}.get(source, source)
    if state.status.code == S.AFTER_SERVICE:
        to = agent_states.status_definition(state.organization_id, agent_states.derived_status_code(state))
        routing.agent_status_change(state, to, by=by or (agent if source == "agent" else None), source=source,
                                    reason=f"after service: {reason}", now=now)
    else:
        state.save(update_fields=["wrapup_conversation", "wrapup_deadline"])
    events.publish(events.WRAPUP_ENDED, organization_id=state.organization_id, agent_ids=[agent.pk],
                   conversation_ids=[finished] if finished else [], episode=state.wrapup_episode, source=source)
    if source == "supervisor":
        audit(by, "agent.end_after_service", target_user=agent)
    return True


def wrapup_expire(*, agent_id: int, episode: int, now=None) -> bool:
    """The Celery task and the sweep: end the episode if it is still this one and overdue."""
    state = AgentState.objects.filter(agent_id=agent_id, wrapup_episode=episode).select_related("agent").first()
    if state is None or state.wrapup_deadline is None or state.wrapup_deadline > (now or timezone.now()):
        return False
    return wrapup_end(agent=state.agent, source="system", episode=episode)
