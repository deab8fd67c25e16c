"""What a supervisor does to agents and their conversations (the supervisor panel's actions).

Each action checks, again, that the supervisor may act (the view checked first), does the work
through the agent/queue/conversation services where one exists (they write the status ledger
with source "supervisor"), and leaves an AuditEntry. Monitoring sessions and the periodic
alerts (a pause over its maximum, a customer waiting over the queue's target, an agent who did
not log in for their shift) live here too.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Conversation,
    Message,
    MonitoringSession,
    Organization,
    Queue,
    QueueLogin,
    QueueMembership,
    StatusDefinition,
    StatusInterval,
    StatusSource,
    SupervisionAlert,
    SystemStatus,
    User,
)
from contactcenter.selectors import shifts as shift_sel
from contactcenter.services import agents as agent_services
from contactcenter.services import calls as call_services
from contactcenter.services import locks, messages, wrapup
from contactcenter.services import queues as queue_services
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_end_after_service, user_can_supervise_agent, user_can_supervise_queue

SV = StatusSource.SUPERVISOR
C = Conversation.Status

# Events of the supervisor panel (published through contactcenter.events like every other).
ALERT = "supervision.alert"
MONITORING = "supervision.monitoring"


def _require_queue(by: User, queue: Queue) -> None:
    if not user_can_supervise_queue(by, queue):
        raise NotAllowed(_("You do not supervise this queue."))


def _require_agent(by: User, agent: User) -> None:
    if not user_can_supervise_agent(by, agent):
        raise NotAllowed(_("You do not supervise this agent."))


# --- Queue login ----------------------------------------------------------------------------------


def supervisor_queue_login(*, by: User, agent: User, queue: Queue):
    """Log an agent in to a queue (Iniciar sesión en la cola, Registrar agentes): a login, not a
    membership; a non-member only while the organization allows unassigned-queue logins."""
    _require_queue(by, queue)
    if agent.organization_id != by.organization_id:
        raise NotAllowed(_("You do not supervise this agent."))
    return queue_services.queue_login(queue=queue, agent=agent, by=by)


def supervisor_queue_logout(*, by: User, agent: User, queue: Queue) -> bool:
    _require_queue(by, queue)
    if agent.organization_id != by.organization_id:
        raise NotAllowed(_("You do not supervise this agent."))
    if not queue_services.queue_logout(queue=queue, agent=agent, by=by):
        raise DomainError(_("%(agent)s is not logged in to %(queue)s.")
                          % {"agent": agent.display_name, "queue": queue.name}, code="not_logged_in")
    return True


# --- Status ---------------------------------------------------------------------------------------


def supervisor_pause(*, by: User, agent: User, reason: StatusDefinition, note: str = "", queue: Queue | None = None):
    """`queue`: the queue page the supervisor acted from, if any (recorded in the audit log)."""
    _require_agent(by, agent)
    if queue is not None:
        _require_queue(by, queue)
    return agent_services.agent_pause(agent=agent, reason=reason, by=by, source=SV, note=note, queue=queue)


def supervisor_resume(*, by: User, agent: User, queue: Queue | None = None):
    _require_agent(by, agent)
    if queue is not None:
        _require_queue(by, queue)
    return agent_services.agent_resume(agent=agent, by=by, source=SV, queue=queue)



def supervisor_force_offline(*, by: User, agent: User, reason: str = ""):
    """Forzar desconexión: offline everywhere, logged out of every queue."""
    _require_agent(by, agent)
    return agent_services.agent_sign_out(agent=agent, by=by, source=SV, reason=reason or "forced by supervisor")


def supervisor_end_after_service(*, by: User, agent: User) -> bool:
    _require_agent(by, agent)
    if not can_end_after_service(by):
        raise NotAllowed(_("Your organization does not allow supervisors to end after service early."))
    return wrapup.wrapup_end(agent=agent, by=by, source="supervisor")


# --- Monitoring -----------------------------------------------------------------------------------


@transaction.atomic
def monitoring_start(*, by: User, agent: User, now=None) -> MonitoringSession:
    """Supervisar: a read-only view of the agent's work, audited from start to end."""
    _require_agent(by, agent)
    if agent.pk == by.pk:
        raise DomainError(_("You cannot monitor yourself."), code="self")
    now = now or timezone.now()
    for stale in MonitoringSession.objects.filter(supervisor=by, agent=agent, ended_at__isnull=True):
        monitoring_stop(session=stale, now=now)
    session = MonitoringSession.objects.create(organization_id=by.organization_id, supervisor=by, agent=agent,
                                               started_at=now)
    audit(by, "monitor.start", target_user=agent, session=session.pk, started_at=now.isoformat())
    return session


@transaction.atomic
def monitoring_stop(*, session: MonitoringSession, by: User | None = None, now=None) -> bool:
    """End a monitoring session (the supervisor leaves the page, or clicks Stop). Idempotent."""
    if by is not None and by.pk != session.supervisor_id:
        raise NotAllowed(_("This is not your monitoring session."))
    now = now or timezone.now()
    ended = MonitoringSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=now)
    if not ended:
        return False
    session.refresh_from_db()
    audit(session.supervisor, "monitor.stop", target_user=session.agent, conversation=session.call,
                         session=session.pk, started_at=session.started_at.isoformat(), ended_at=now.isoformat())
    if session.call_mode:
        _publish_monitoring(session)
    return True


def _publish_monitoring(session: MonitoringSession) -> None:
    events.publish(MONITORING, organization_id=session.organization_id, agent_ids=[session.agent_id],
                   conversation_ids=[session.call_id] if session.call_id else [], session_id=session.pk,
                   mode=session.call_mode if session.ended_at is None else "")


@transaction.atomic
def monitoring_call(*, by: User, session: MonitoringSession, conversation: Conversation,
                    mode: str) -> MonitoringSession:
    """Escuchar / Susurrar / Intervenir on the monitored agent's call, through the voice connector."""
    if session.supervisor_id != by.pk or session.ended_at is not None:
        raise NotAllowed(_("This is not your monitoring session."))
    if conversation.assignee_id != session.agent_id:
        raise DomainError(_("This call is not the monitored agent's."), code="not_agents")
    call_services.call_monitor(conversation=conversation, by=by, mode=mode)  # checks and audits
    session.call = conversation
    session.call_mode = mode
    session.save(update_fields=["call", "call_mode"])
    _publish_monitoring(session)
    return session


def _supervised_conversation(by: User, conversation: Conversation) -> Conversation:
    conversation = locks.lock_conversation(conversation.pk, by.organization_id)
    _require_queue(by, conversation.queue)
    if conversation.status != C.ASSIGNED:
        raise DomainError(_("This conversation is not open."), code="closed")
    return conversation


@transaction.atomic
def supervisor_whisper(*, by: User, conversation: Conversation, text: str) -> Message:
    """Susurrar: an internal message only the agent sees, marked as the supervisor's whisper."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write a message first."), code="empty")
    conversation = _supervised_conversation(by, conversation)
    if conversation.assignee_id == by.pk:
        raise DomainError(_("This conversation is yours: write a note instead."), code="self")
    message = messages.message_add(conversation, direction=Message.Direction.INTERNAL, body=text, sender=by,
                                         is_whisper=True)
    audit(by, "conversation.whisper", target_user=conversation.assignee, queue=conversation.queue,
                         conversation=conversation, message=message.pk)
    return message


@transaction.atomic
def supervisor_barge(*, by: User, conversation: Conversation, text: str) -> Message:
    """Intervenir: the supervisor writes to the customer, who sees the supervisor's name."""
    conversation = _supervised_conversation(by, conversation)
    message = messages.message_send(conversation=conversation, sender=by, text=text)
    audit(by, "conversation.barge", target_user=conversation.assignee, queue=conversation.queue,
                         conversation=conversation, message=message.pk)
    return message


# --- Alerts --------------------------------------------------------------------------------------


def _record_once(organization_id: int, kind: str, subject_id: int) -> bool:
    try:
        with transaction.atomic():
            SupervisionAlert.objects.create(organization_id=organization_id, kind=kind, subject_id=subject_id)
    except IntegrityError:
        return False
    return True


def alerts_check(*, now=None) -> int:
    """The periodic check: one alert per pause that ran past its reason's maximum and per
    customer waiting longer than their queue's target. Safe to run often and concurrently
    (a unique row per pause interval / conversation decides who publishes)."""
    now = now or timezone.now()
    sent = 0
    long_pauses = (
        StatusInterval.objects.filter(ended_at__isnull=True, status__kind=StatusDefinition.Kind.PAUSE,
                                      status__max_minutes__isnull=False)
        .exclude(pk__in=SupervisionAlert.objects.filter(kind=SupervisionAlert.Kind.PAUSE_OVER).values("subject_id"))
        .select_related("status")
    )
    for interval in long_pauses:
        if now - interval.started_at <= timedelta(minutes=interval.status.max_minutes):
            continue
        if not _record_once(interval.organization_id, SupervisionAlert.Kind.PAUSE_OVER, interval.pk):
            continue
        queue_ids = set(QueueLogin.objects.filter(agent_id=interval.agent_id, ended_at__isnull=True)
                        .values_list("queue_id", flat=True))
        queue_ids |= set(QueueMembership.objects.filter(user_id=interval.agent_id, role=QueueMembership.Role.AGENT)
                         .values_list("queue_id", flat=True))
        with transaction.atomic():
            events.publish(ALERT, organization_id=interval.organization_id, agent_ids=[interval.agent_id],
                           queue_ids=sorted(queue_ids), kind=SupervisionAlert.Kind.PAUSE_OVER,
                           status=interval.status.name, minutes=interval.status.max_minutes)
        sent += 1
    long_waits = (
        Conversation.objects.filter(status__in=(C.QUEUED, C.OFFERED), enqueued_at__lt=now)
        .exclude(pk__in=SupervisionAlert.objects.filter(kind=SupervisionAlert.Kind.WAIT_OVER).values("subject_id"))
        .select_related("queue")
    )
    for conversation in long_waits:
        target = conversation.queue.effective_service_level_seconds
        if now - conversation.enqueued_at <= timedelta(seconds=target):
            continue
        if not _record_once(conversation.organization_id, SupervisionAlert.Kind.WAIT_OVER, conversation.pk):
            continue
        with transaction.atomic():
            events.publish(ALERT, organization_id=conversation.organization_id, queue_ids=[conversation.queue_id],
                           conversation_ids=[conversation.pk], kind=SupervisionAlert.Kind.WAIT_OVER,
                           seconds=target)
        sent += 1
    return sent + _missed_shifts(now)


# An agent still offline this long after their shift started missed it.
MISSED_SHIFT_AFTER = timedelta(minutes=10)


def _missed_shifts(now) -> int:
    """One alert per agent who is offline this long into their shift (per offline interval: an
    agent who logs in and out again during the shift is alerted again)."""
    offline = (AgentState.objects.filter(shift_phase="on", status__code=SystemStatus.OFFLINE,
                                         since__lte=now - MISSED_SHIFT_AFTER)
               .exclude(agent__is_active=False).values_list("organization_id", "agent_id"))
    by_organization: dict[int, list[int]] = {}
    for organization_id, agent_id in offline:
        by_organization.setdefault(organization_id, []).append(agent_id)
    sent = 0
    for organization in Organization.objects.filter(pk__in=list(by_organization)):
        found = shift_sel.shifts_for_agents(organization, by_organization[organization.pk], now - timedelta(days=1),
                                            now + timedelta(minutes=1))
        for agent_id in by_organization[organization.pk]:
            shift = next((s for s in found.get(agent_id, []) if s.contains(now)), None)
            interval = StatusInterval.objects.filter(agent_id=agent_id, ended_at__isnull=True).first()
            if shift is None or interval is None or now - shift.start < MISSED_SHIFT_AFTER:
                continue
            if not _record_once(organization.pk, SupervisionAlert.Kind.MISSED_SHIFT, interval.pk):
                continue
            queue_ids = QueueMembership.objects.filter(user_id=agent_id, role=QueueMembership.Role.AGENT
                                                       ).values_list("queue_id", flat=True)
            with transaction.atomic():
                events.publish(ALERT, organization_id=organization.pk, agent_ids=[agent_id],
                               queue_ids=sorted(queue_ids), kind=SupervisionAlert.Kind.MISSED_SHIFT,
                               starts=shift.start.isoformat())
            sent += 1
    return sent
