"""Who may take work from a queue: the eligibility rules (as a queryset for many agents and as
reasons for one, re-checked under the agent's lock) and the strategies' orderings.

Building the eligibility queryset (five EXISTS subqueries) costs more CPU than running it, and it
is the same SQL for every conversation of a queue: `eligible_sql` compiles it once per queue
configuration, with placeholders swapped for the conversation's values.
"""

from datetime import UTC, datetime, timedelta

from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import (
    AgentSkill,
    AgentState,
    Conversation,
    Device,
    Offer,
    Queue,
    QueueLogin,
    QueueMembership,
    StatusDefinition,
    SystemStatus,
    Transfer,
    User,
)

S = SystemStatus


def load_field(queue: Queue) -> str:
    return "chat_load" if queue.medium == "chat" else "voice_load"


def reoffer_cutoff_for(queue: Queue, now: datetime | None = None) -> datetime:
    """Offers declined or missed before this moment no longer keep their agent away."""
    return (now or timezone.now()) - timedelta(seconds=queue.reoffer_after_seconds)


def eligible_states(queue: Queue, *, conversation: Conversation | None = None, reoffer_cutoff: datetime | None = None):
    """Agent states that may take new work from this queue now (without locks)."""
    reoffer_cutoff = reoffer_cutoff or reoffer_cutoff_for(queue)
    capacity = queue.effective_capacity
    routable = StatusDefinition.objects.filter(
        organization_id=queue.organization_id, code__in=(S.READY, S.IN_SERVICE)
    ).values("pk")
    # Every skill the queue requires, in one subquery.
    missing_skill = Queue.required_skills.through.objects.filter(queue_id=queue.pk).exclude(
        Exists(AgentSkill.objects.filter(agent_id=OuterRef(OuterRef("agent_id")), skill_id=OuterRef("skill_id")))
    )
    qs = AgentState.objects.filter(
        Exists(User.objects.filter(pk=OuterRef("agent_id"), is_active=True)),
        Exists(QueueLogin.objects.filter(queue_id=queue.pk, agent_id=OuterRef("agent_id"), ended_at__isnull=True)),
        ~Exists(missing_skill),
        organization_id=queue.organization_id,
        receive_new=True,
        status_id__in=routable,
        **{f"{load_field(queue)}__lt": capacity},
    )
    if queue.medium == "chat" and queue.organization.calls_block_chats:
        qs = qs.filter(voice_load=0)
    if queue.organization.shift_routing:
        # Kept by services/shifts.py from the agent's schedule: no pattern is evaluated here.
        qs = qs.filter(in_shift=True)
    if queue.medium == "voice":
        # A call rings only where someone can answer it: an agent with a workspace open.
        qs = qs.filter(Exists(Device.objects.filter(user_id=OuterRef("agent_id"), disconnected_at__isnull=True)))
    if conversation is not None:
        # An agent who declined or let this conversation ring out is not offered it again until
        # the queue's re-offer delay has passed (then it comes back to them in its turn).
        qs = qs.exclude(
            Exists(
                Offer.objects.filter(
                    conversation_id=conversation.pk,
                    agent_id=OuterRef("agent_id"),
                    status__in=(Offer.Status.DECLINED, Offer.Status.EXPIRED),
                    resolved_at__gte=reoffer_cutoff,
                )
            )
        )
        # Whoever transferred it back into the queue is not given it again (a failed blind
        # transfer does not return to the sender); they can still take it by hand.
        qs = qs.exclude(
            Exists(
                Transfer.objects.filter(
                    conversation_id=conversation.pk,
                    from_agent_id=OuterRef("agent_id"),
                    status__in=(Transfer.Status.COMPLETED, Transfer.Status.FAILED),
                    resolved_at__gte=conversation.enqueued_at,
                )
            )
        )
    return qs


def ordered(qs, queue: Queue):
    strategy = queue.strategy
    idle = F("last_assigned_at").asc(nulls_first=True)
    if strategy == Queue.Strategy.ROUND_ROBIN:
        return qs.order_by(idle, "agent_id")
    if strategy == Queue.Strategy.RANDOM:
        return qs.order_by("?")
    if strategy == Queue.Strategy.SEQUENTIAL:
        position = QueueMembership.objects.filter(
            queue_id=queue.pk, user_id=OuterRef("agent_id"), role=QueueMembership.Role.AGENT
        ).values("position")[:1]
        return qs.annotate(member_position=Subquery(position)).order_by(
            F("member_position").asc(nulls_last=True), "agent_id"
        )
    # least busy (and simultaneous, which offers to all anyway)
    return qs.order_by(load_field(queue), idle, "agent_id")


def agent_is_eligible(state: AgentState, queue: Queue, *, manual: bool = False) -> str | None:
    """Re-checked under the agent's row lock. Returns why not, or None when eligible."""
    agent = state.agent
    name = agent.display_name
    if not agent.is_active:
        return _("%(agent)s is deactivated.") % {"agent": name}
    code = state.status.code
    if manual:
        if code in (S.OFFLINE, S.BANNED) or state.status.is_pause or code == S.AFTER_SERVICE:
            return _("%(agent)s is %(status)s and cannot take work now.") % {
                "agent": name, "status": state.status.label}
    elif not (state.receive_new and code in (S.READY, S.IN_SERVICE)):
        return _("%(agent)s is not receiving new work.") % {"agent": name}
    if not manual and queue.organization.shift_routing and not state.in_shift:
        return _("%(agent)s is outside their shift.") % {"agent": name}
    if not QueueLogin.objects.filter(queue_id=queue.pk, agent_id=agent.pk, ended_at__isnull=True).exists():
        return _("%(agent)s is not logged in to %(queue)s.") % {"agent": name, "queue": queue.name}
    capacity = queue.effective_capacity
    load = getattr(state, load_field(queue))
    if load >= capacity:
        if queue.medium == "chat":
            return _("%(agent)s already handles %(count)s conversations.") % {"agent": name, "count": load}
        return _("%(agent)s is already on a call.") % {"agent": name}
    if queue.medium == "chat" and queue.organization.calls_block_chats and state.voice_load:
        return _("%(agent)s is on a call.") % {"agent": name}
    if (queue.medium == "voice" and not manual
            and not Device.objects.filter(user_id=agent.pk, disconnected_at__isnull=True).exists()):
        return _("%(agent)s has no workspace open to answer calls.") % {"agent": name}
    required = set(queue.required_skills.values_list("pk", flat=True))
    if required and required - set(AgentSkill.objects.filter(agent_id=agent.pk).values_list("skill_id", flat=True)):
        return _("%(agent)s lacks the skills %(queue)s requires.") % {"agent": name, "queue": queue.name}
    return None


_PLACEHOLDER_ID = -770_000_000_007


_PLACEHOLDER_TIME = datetime(1901, 1, 1, tzinfo=UTC)


_PLACEHOLDER_CUTOFF = datetime(1902, 2, 2, tzinfo=UTC)


_compiled_sql: dict[tuple, tuple[str, tuple]] = {}


def eligible_sql(queue: Queue, *, conversation: Conversation | None, lock: bool, limit: int = 1
                  ) -> tuple[str, list]:
    key = (queue.pk, queue.organization_id, queue.kind, queue.strategy, queue.effective_capacity,
           queue.organization.calls_block_chats, queue.organization.shift_routing, conversation is not None, lock,
           limit)
    if key not in _compiled_sql:
        placeholder = None
        if conversation is not None:
            placeholder = Conversation(pk=_PLACEHOLDER_ID, enqueued_at=_PLACEHOLDER_TIME)
        qs = eligible_states(queue, conversation=placeholder, reoffer_cutoff=_PLACEHOLDER_CUTOFF)
        if lock:
            qs = ordered(qs, queue).select_for_update(skip_locked=True, of=("self",))[:limit]
        else:
            qs = qs.values_list("pk")[:1]
        _compiled_sql[key] = qs.query.sql_with_params()
    sql, params = _compiled_sql[key]
    if conversation is not None:
        swap = {_PLACEHOLDER_ID: conversation.pk, _PLACEHOLDER_TIME: conversation.enqueued_at,
                _PLACEHOLDER_CUTOFF: reoffer_cutoff_for(queue)}
        params = [swap.get(p, p) if isinstance(p, (int, datetime)) else p for p in params]
    return sql, params


def prepare(queue: Queue) -> None:
    """Remember on the queue object its routable statuses (Ready, In service) by id."""
    if not hasattr(queue, "routable_statuses"):
        queue.routable_statuses = {
            s.pk: s for s in StatusDefinition.objects.filter(
                organization_id=queue.organization_id, code__in=(S.READY, S.IN_SERVICE))
        }
