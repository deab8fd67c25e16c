"""Routing: queued conversations to eligible agents, within capacity.

Lock order everywhere: conversation rows first, then agent-state rows (several agents: by id).
The router takes the oldest highest-priority queued conversation with SKIP LOCKED (concurrent
routers work on different conversations), picks candidates by the queue's strategy, and locks
one candidate with SKIP LOCKED before re-checking eligibility and capacity under that lock.
One assignment per transaction, so no transaction ever holds two agents it waited for.
"""

import logging
import random
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
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
from contactcenter.services import agents as agent_services
from contactcenter.services.bulk import update_rows
from contactcenter.services.errors import DomainError

logger = logging.getLogger(__name__)
S = SystemStatus
C = Conversation.Status


# --- Triggers -----------------------------------------------------------------------------------


def route_queue_on_commit(queue_id: int) -> None:
    transaction.on_commit(lambda: _safe_route(queue_id), robust=True)


def route_for_agent_on_commit(agent_id: int) -> None:
    def run():
        for queue_id in QueueLogin.objects.filter(agent_id=agent_id, ended_at__isnull=True).values_list(
            "queue_id", flat=True
        ):
            _safe_route(queue_id)

    transaction.on_commit(run, robust=True)


def _safe_route(queue_id: int) -> None:
    try:
        route_queue(queue_id)
    except Exception:  # the sweep will retry; a routing failure must not fail the caller
        logger.exception("routing queue %s failed", queue_id)


# --- Eligibility ----------------------------------------------------------------------------------


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


def _ordered(qs, queue: Queue):
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


def _lock_candidate(agent_id: int) -> AgentState | None:
    # Lock without joins, then read (see agents.lock_state).
    if not AgentState.objects.select_for_update(skip_locked=True).filter(agent_id=agent_id).values_list("pk"):
        return None
    return AgentState.objects.select_related("status", "agent").get(agent_id=agent_id)


# --- Routing ------------------------------------------------------------------------------------


def route_queue(queue_id: int, *, limit: int = 1000) -> int:
    """Assign (or offer) queued conversations of one queue until none or no agent is left."""
    done = 0
    queue = None
    # Most triggers (an agent freed, a login...) find nothing waiting: one read, no transaction.
    while done < limit and Conversation.objects.filter(queue_id=queue_id, status=C.QUEUED).exists():
        if queue is None:
            queue = Queue.objects.select_related("organization").filter(pk=queue_id, is_active=True).first()
            if queue is None:
                break
            _prepare(queue)
        if queue.medium == "chat":
            assigned, taken = _route_batch(queue)
            done += assigned
            if not assigned or assigned < taken:
                break  # no free agent left for the rest (or none may take them)
            continue
        outcome = _route_one(queue)
        if outcome is None:
            break
        done += outcome
    return done


def _lock_best(queue: Queue, conversation: Conversation) -> AgentState | None:
    """The best eligible agent by the queue's strategy, locked (SKIP LOCKED) by one statement.

    PostgreSQL re-checks the row's own conditions (status, Receive new, load) on the version it
    locks; the login, in other rows, is re-read after the lock (a logout takes the same lock).
    """
    sql, params = _eligible_sql(queue, conversation=conversation, lock=True)
    for state in AgentState.objects.raw(sql, params):
        status = queue.routable_statuses.get(state.status_id)
        logins = QueueLogin.objects.filter(queue_id=queue.pk, agent_id=state.agent_id, ended_at__isnull=True)
        if status and logins.exists():
            state.status = status
            return state
    return None


def _anyone_eligible(queue: Queue, conversation: Conversation | None = None) -> bool:
    sql, params = _eligible_sql(queue, conversation=conversation, lock=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


# Building the eligibility queryset (five EXISTS subqueries) costs more CPU than running it, and
# it is the same SQL for every conversation of a queue: compile it once per queue configuration.
_PLACEHOLDER_ID = -770_000_000_007
_PLACEHOLDER_TIME = datetime(1901, 1, 1, tzinfo=UTC)
_PLACEHOLDER_CUTOFF = datetime(1902, 2, 2, tzinfo=UTC)
_compiled_sql: dict[tuple, tuple[str, tuple]] = {}


def _eligible_sql(queue: Queue, *, conversation: Conversation | None, lock: bool, limit: int = 1
                  ) -> tuple[str, list]:
    key = (queue.pk, queue.organization_id, queue.kind, queue.strategy, queue.effective_capacity,
           queue.organization.calls_block_chats, conversation is not None, lock, limit)
    if key not in _compiled_sql:
        placeholder = None
        if conversation is not None:
            placeholder = Conversation(pk=_PLACEHOLDER_ID, enqueued_at=_PLACEHOLDER_TIME)
        qs = eligible_states(queue, conversation=placeholder, reoffer_cutoff=_PLACEHOLDER_CUTOFF)
        if lock:
            qs = _ordered(qs, queue).select_for_update(skip_locked=True, of=("self",))[:limit]
        else:
            qs = qs.values_list("pk")[:1]
        _compiled_sql[key] = qs.query.sql_with_params()
    sql, params = _compiled_sql[key]
    if conversation is not None:
        swap = {_PLACEHOLDER_ID: conversation.pk, _PLACEHOLDER_TIME: conversation.enqueued_at,
                _PLACEHOLDER_CUTOFF: reoffer_cutoff_for(queue)}
        params = [swap.get(p, p) if isinstance(p, (int, datetime)) else p for p in params]
    return sql, params


# How far down the line the router looks past conversations no free agent may take (e.g. a call
# the only free agent declined): those must not block the ones behind them.
LOOKAHEAD = 50


def _next_routable(queue: Queue) -> tuple[Conversation, list[int]] | None:
    """The first waiting conversation (priority, then FIFO) that some eligible agent may take,
    locked (SKIP LOCKED: concurrent routers work on different conversations), with its
    candidates in strategy order."""
    waiting = (
        Conversation.objects.filter(queue_id=queue.pk, status=C.QUEUED)
        .order_by("-priority", "enqueued_at", "id")
        .values_list("pk", flat=True)[:LOOKAHEAD]
    )
    anyone_checked = False
    for conversation_id in waiting:
        conversation = (
            Conversation.objects.select_for_update(skip_locked=True)
            .filter(pk=conversation_id, status=C.QUEUED)
            .first()
        )
        if conversation is None:
            continue
        candidates = list(
            _ordered(eligible_states(queue, conversation=conversation), queue).values_list("agent_id", flat=True)[:50]
        )
        if candidates:
            return conversation, candidates
        if not anyone_checked:
            if not eligible_states(queue).exists():
                return None  # no agent is free for this queue at all
            anyone_checked = True
    return None


def _route_one(queue: Queue) -> int | None:
    """One routing step in its own transaction. None: nothing more to do now."""
    with transaction.atomic():
        if not (queue.strategy == Queue.Strategy.SIMULTANEOUS and queue.medium == "voice"):
            # The usual case in two statements: the head of the line and the best agent for it.
            head = (
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(queue_id=queue.pk, status=C.QUEUED)
                .order_by("-priority", "enqueued_at", "id")
                .first()
            )
            if head is None:
                return None
            state = _lock_best(queue, head)
            if state is not None:
                if queue.medium == "voice":
                    _offer(head, state, queue)
                else:
                    assign_locked(head, state, queue, by=None)
                return 1
            if _anyone_eligible(queue, head):
                return None  # its agents are locked by other transactions, which route on commit
            if not _anyone_eligible(queue):
                return None  # no agent is free for this queue at all
            # Free agents none of whom may take the head (declined it...): look further down.
        found = _next_routable(queue)
        if found is None:
            return None
        conversation, candidates = found
        if queue.strategy == Queue.Strategy.SIMULTANEOUS and queue.medium == "voice":
            offered = 0
            for agent_id in candidates:
                state = _lock_candidate(agent_id)
                if state is None or agent_is_eligible(state, queue):
                    continue
                _offer(conversation, state, queue)
                offered += 1
            return 1 if offered else None
        for agent_id in candidates:
            state = _lock_candidate(agent_id)
            if state is None or agent_is_eligible(state, queue):
                continue
            if queue.medium == "voice":
                _offer(conversation, state, queue)
            else:
                assign_locked(conversation, state, queue, by=None)
            return 1
        return None


# How many waiting chats one routing transaction takes at most. A burst (many arrivals at once,
# agents freed, a queue reopened) is assigned in a handful of statements, not one transaction
# per conversation.
BATCH = 50


def _route_batch(queue: Queue) -> tuple[int, int]:
    """One routing transaction for a chat queue: up to BATCH waiting conversations (priority,
    then FIFO; SKIP LOCKED) to the best eligible agents. Returns (assigned, conversations taken)."""
    with transaction.atomic():
        waiting = list(
            Conversation.objects.select_for_update(skip_locked=True)
            .filter(queue_id=queue.pk, status=C.QUEUED)
            .order_by("-priority", "enqueued_at", "id")
            .only("pk", "organization_id", "queue_id", "enqueued_at", "medium", "status")[:BATCH]
        )
        if not waiting:
            return 0, 0
        # Whoever transferred a conversation back into the queue is not given it again.
        transferred_back = {
            (conversation_id, agent_id)
            for conversation_id, agent_id, resolved_at, enqueued_at in Transfer.objects.filter(
                conversation_id__in=[c.pk for c in waiting],
                status__in=(Transfer.Status.COMPLETED, Transfer.Status.FAILED),
            ).values_list("conversation_id", "from_agent_id", "resolved_at", "conversation__enqueued_at")
            if resolved_at >= enqueued_at
        }
        return _assign_to_best(queue, waiting, transferred_back), len(waiting)


def open_arrivals(queue: Queue, arriving: list[Conversation]) -> int:
    """Insert chats that just arrived (unsaved, in line order) and, when nobody waits before
    them, give them to free agents in the same transaction: they are inserted already assigned.
    What is left waits in the queue and is routed on commit. Returns how many were assigned."""
    pairs, now = [], None
    # The queue's settings as they are now (the caller's copy may be older), and whether anyone
    # waits in it, in one read.
    queue = (
        Queue.objects.select_related("organization")
        .filter(pk=queue.pk, is_active=True, kind=Queue.Kind.CHAT)
        .exclude(Exists(Conversation.objects.filter(queue_id=OuterRef("pk"), status=C.QUEUED)))
        .first()
    )
    if queue is not None:
        _prepare(queue)
        pool = _lock_pool(queue, limit=min(len(arriving), BATCH))
        now = timezone.now()
        pairs = _match(queue, arriving[:BATCH], pool, set(), now=now)
        for conversation, state in pairs:
            conversation.status = C.ASSIGNED
            conversation.assignee_id = state.agent_id
            conversation.assigned_at = state.last_assigned_at
    Conversation.objects.bulk_create(arriving)
    if pairs:
        _assign_many(queue, pairs, now=now, inserted=True)
    if len(pairs) < len(arriving):
        route_queue_on_commit(arriving[0].queue_id)
    return len(pairs)


def _prepare(queue: Queue) -> None:
    if not hasattr(queue, "routable_statuses"):
        queue.routable_statuses = {
            s.pk: s for s in StatusDefinition.objects.filter(
                organization_id=queue.organization_id, code__in=(S.READY, S.IN_SERVICE))
        }


def _lock_pool(queue: Queue, *, limit: int) -> list[AgentState]:
    """The best `limit` eligible agents by the queue's strategy, locked (SKIP LOCKED) and checked
    again under the lock."""
    sql, params = _eligible_sql(queue, conversation=None, lock=True, limit=limit)
    pool = list(AgentState.objects.raw(sql, params))
    if not pool:
        return []
    # The login lives in another row: re-read it under the agent's lock (a logout takes it too).
    logged_in = set(
        QueueLogin.objects.filter(queue_id=queue.pk, agent_id__in=[s.agent_id for s in pool],
                                  ended_at__isnull=True).values_list("agent_id", flat=True)
    )
    pool = [s for s in pool if s.agent_id in logged_in and s.status_id in queue.routable_statuses]
    for state in pool:
        state.status = queue.routable_statuses[state.status_id]
    return pool


def _assign_to_best(queue: Queue, waiting: list[Conversation], excluded: set[tuple]) -> int:
    """Locked waiting chats, in line order, to the best eligible agents by the queue's strategy.
    Returns how many were assigned."""
    # The best n agents are enough for n chats (each assignment only makes its agent less
    # preferred than before), plus one for every agent some conversation may not go to.
    pool = _lock_pool(queue, limit=len(waiting) + len({agent_id for _, agent_id in excluded}))
    if not pool:
        return 0
    now = timezone.now()
    pairs = _match(queue, waiting, pool, excluded, now=now)
    if pairs:
        _assign_many(queue, pairs, now=now)
    return len(pairs)


def _match(queue: Queue, waiting: list[Conversation], pool: list[AgentState], excluded: set[tuple], *, now
           ) -> list[tuple]:
    """Each conversation, in line order, to the best agent with room by the queue's strategy, as
    if assigned one after another; never to an excluded (conversation, agent) pair."""
    capacity, field = queue.effective_capacity, load_field(queue)
    never = datetime.min.replace(tzinfo=UTC)
    order = {state.agent_id: index for index, state in enumerate(pool)}  # the SQL's strategy order
    if queue.strategy == Queue.Strategy.ROUND_ROBIN:
        def rank(s):
            return (s.last_assigned_at or never, s.agent_id)
    elif queue.strategy in (Queue.Strategy.SEQUENTIAL, Queue.Strategy.RANDOM):
        def rank(s):
            return order[s.agent_id]
    else:  # least busy
        def rank(s):
            return (getattr(s, field), s.last_assigned_at or never, s.agent_id)
    pairs = []
    for conversation in waiting:
        free = [
            s for s in pool
            if getattr(s, field) < capacity and (conversation.pk, s.agent_id) not in excluded
        ]
        if not free:
            continue
        state = random.choice(free) if queue.strategy == Queue.Strategy.RANDOM else min(free, key=rank)
        setattr(state, field, getattr(state, field) + 1)
        state.last_assigned_at = max(now, state.since)
        pairs.append((conversation, state))
    return pairs


def _assign_many(queue: Queue, pairs: list[tuple], *, now, inserted: bool = False) -> None:
    """Write a batch of assignments: conversations (unless `inserted` so), agents' loads, the
    ledger of agents who start serving (Ready -> In service), and one event for the batch."""
    if not inserted:
        for conversation, state in pairs:
            conversation.status = C.ASSIGNED
            conversation.assignee_id = state.agent_id
            conversation.assigned_at = state.last_assigned_at
        update_rows(Conversation, "id", ["status", "assignee_id", "assigned_at"],
                    [(c.pk, c.status, c.assignee_id, c.assigned_at) for c, _ in pairs])
    states = list({state.agent_id: state for _, state in pairs}.values())
    starting = [s for s in states if s.status.code == S.READY]
    if starting:
        in_service = agent_services.status_definition(queue.organization_id, S.IN_SERVICE)
        first = {}
        for conversation, state in pairs:
            first.setdefault(state.agent_id, f"conversation {conversation.pk}")
        agent_services.change_many(starting, in_service, source="system", reasons=first, now=now)
    update_rows(AgentState, "agent_id", ["chat_load", "last_assigned_at"],
                [(s.agent_id, s.chat_load, s.last_assigned_at) for s in states])
    assignees = {c.pk: s.agent_id for c, s in pairs}
    events.publish(
        events.CONVERSATION_ASSIGNED,
        organization_id=queue.organization_id,
        agent_ids=[s.agent_id for s in states],
        queue_ids=[queue.pk],
        conversation_ids=list(assignees),
        assignee_id=states[0].agent_id if len(states) == 1 else None,
        assignees={str(k): v for k, v in assignees.items()},
        by_id=None,
    )


def _offer(conversation: Conversation, state: AgentState, queue: Queue) -> Offer:
    now = timezone.now()
    offer = Offer.objects.create(
        organization_id=conversation.organization_id,
        conversation=conversation,
        agent_id=state.agent_id,
        created_at=now,
        expires_at=now + timedelta(seconds=queue.offer_timeout_seconds),
    )
    if conversation.status != C.OFFERED:
        conversation.status = C.OFFERED
        conversation.call_state = Conversation.CallState.RINGING
        conversation.save(update_fields=["status", "call_state"])
    state.voice_load += 1  # the ringing phone holds the agent's call slot
    state.save(update_fields=["voice_load"])
    events.publish(
        events.CONVERSATION_OFFERED,
        organization_id=conversation.organization_id,
        agent_ids=[state.agent_id],
        queue_ids=[conversation.queue_id],
        conversation_ids=[conversation.pk],
        offer_id=offer.pk,
    )
    from contactcenter import tasks

    tasks.schedule_offer_expiry(offer)
    return offer


def assign_locked(conversation: Conversation, state: AgentState, queue: Queue, *, by: User | None,
                  now=None) -> None:
    """Assign a locked, waiting conversation to a locked, checked agent state."""
    now = now or timezone.now()
    now = max(now, state.since)
    conversation.status = C.ASSIGNED
    conversation.assignee_id = state.agent_id
    conversation.assigned_at = now
    if conversation.medium == Conversation.Medium.VOICE and conversation.call_state in ("", "ringing"):
        conversation.call_state = Conversation.CallState.ACTIVE
    conversation.save(update_fields=["status", "assignee", "assigned_at", "call_state"])
    setattr(state, load_field(queue), getattr(state, load_field(queue)) + 1)
    state.last_assigned_at = now
    if state.status.code in (S.READY, S.ONLINE, S.DND):
        agent_services._change(
            state, agent_services.status_definition(state.organization_id, S.IN_SERVICE),
            by=by, source="system", reason=f"conversation {conversation.pk}", now=now,
        )
    else:
        state.save(update_fields=["chat_load", "voice_load", "last_assigned_at"])
    events.publish(
        events.CONVERSATION_ASSIGNED,
        organization_id=conversation.organization_id,
        agent_ids=[state.agent_id],
        queue_ids=[conversation.queue_id],
        conversation_ids=[conversation.pk],
        assignee_id=state.agent_id,
        by_id=by.pk if by else None,
    )


def release_locked(state: AgentState, medium: str) -> None:
    field = "chat_load" if medium == Conversation.Medium.CHAT else "voice_load"
    setattr(state, field, max(0, getattr(state, field) - 1))
    state.save(update_fields=[field])


def lock_states(agent_ids) -> dict[int, AgentState]:
    """Lock several agents in id order (no deadlock between two such lockers)."""
    locked = (
        AgentState.objects.select_for_update().filter(agent_id__in=set(agent_ids)).order_by("agent_id")
        .values_list("agent_id", flat=True)
    )
    # Lock without joins, then read (see agents.lock_state).
    states = AgentState.objects.select_related("status", "agent").filter(agent_id__in=list(locked))
    return {s.agent_id: s for s in states}


def lock_conversation(conversation_id: int, organization_id: int | None = None) -> Conversation:
    qs = Conversation.objects.filter(pk=conversation_id)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    # Lock without joins, then read: a transfer changing queue_id must not make the row vanish
    # from a locker waiting for it (see agents.lock_state).
    if not qs.select_for_update().values_list("pk"):
        raise DomainError(_("That conversation does not exist."), code="not_found")
    return qs.select_related("queue", "queue__organization").get()


# --- Offers ---------------------------------------------------------------------------------------


@transaction.atomic
def offer_accept(*, offer_id: int, agent: User) -> Conversation:
    offer = Offer.objects.filter(pk=offer_id, agent=agent).first()
    if offer is None:
        raise DomainError(_("That call is not offered to you."), code="not_found")
    conversation = lock_conversation(offer.conversation_id)
    offer.refresh_from_db()
    if offer.status != Offer.Status.PENDING or conversation.status != C.OFFERED:
        raise DomainError(_("This call was already answered or stopped ringing."), code="gone")
    pending = list(Offer.objects.filter(conversation=conversation, status=Offer.Status.PENDING))
    states = lock_states([o.agent_id for o in pending])
    now = timezone.now()
    for other in pending:
        other.status = Offer.Status.ACCEPTED if other.pk == offer.pk else Offer.Status.WITHDRAWN
        other.resolved_at = now
        other.save(update_fields=["status", "resolved_at"])
        release_locked(states[other.agent_id], Conversation.Medium.VOICE)
        if other.pk != offer.pk:
            _publish_offer_ended(other)
    # It rang while the agent was eligible; since then they may have paused, entered after service
    # or logged out of the queue. Re-check under the lock with the ringing slot released (refusing
    # rolls all of this back: the offer rings on until it is withdrawn or expires).
    why_not = agent_is_eligible(states[agent.pk], conversation.queue)
    if why_not:
        raise DomainError(why_not, code="ineligible")
    assign_locked(conversation, states[agent.pk], conversation.queue, by=agent, now=now)
    return conversation


def _publish_offer_ended(offer: Offer) -> None:
    events.publish(events.OFFER_ENDED, organization_id=offer.organization_id, agent_ids=[offer.agent_id],
                   conversation_ids=[offer.conversation_id], offer_id=offer.pk, status=offer.status)


@transaction.atomic
def offer_decline(*, offer_id: int, agent: User) -> None:
    offer = Offer.objects.filter(pk=offer_id, agent=agent).first()
    if offer is None:
        raise DomainError(_("That call is not offered to you."), code="not_found")
    _end_offer(offer.pk, Offer.Status.DECLINED)


def offer_expire(*, offer_id: int, now=None) -> bool:
    """Task and sweep: a pending offer past its time goes back to the queue and the agent is
    paused with "No answer" (agents who walk away stop receiving work)."""
    with transaction.atomic():
        offer = Offer.objects.filter(pk=offer_id, status=Offer.Status.PENDING).first()
        if offer is None or offer.expires_at > (now or timezone.now()):
            return False
        if not _end_offer(offer.pk, Offer.Status.EXPIRED):
            return False
        state = agent_services.lock_state(offer.agent_id)
        if agent_services.is_routable(state) or state.status.code in (S.ONLINE, S.DND):
            no_answer = agent_services.status_definition(state.organization_id, "no_answer")
            agent_services._change(state, no_answer, by=None, source="system", reason="offer not answered")
    return True


def _end_offer(offer_id: int, status: str, *, requeue: bool = True) -> bool:
    """End one pending offer. With `requeue`, a call no longer ringing anyone waits again."""
    offer = Offer.objects.get(pk=offer_id)
    conversation = lock_conversation(offer.conversation_id)
    offer.refresh_from_db()
    if offer.status != Offer.Status.PENDING:
        return False
    states = lock_states([offer.agent_id])
    offer.status = status
    offer.resolved_at = timezone.now()
    offer.save(update_fields=["status", "resolved_at"])
    release_locked(states[offer.agent_id], Conversation.Medium.VOICE)
    _publish_offer_ended(offer)
    if requeue and conversation.status == C.OFFERED and not Offer.objects.filter(
        conversation=conversation, status=Offer.Status.PENDING
    ).exists():
        conversation.status = C.QUEUED
        conversation.call_state = Conversation.CallState.RINGING
        conversation.save(update_fields=["status", "call_state"])
        events.publish(events.CONVERSATION_QUEUED, organization_id=conversation.organization_id,
                       queue_ids=[conversation.queue_id], conversation_ids=[conversation.pk])
        route_queue_on_commit(conversation.queue_id)
    return True


def offers_withdraw_for_agent(*, agent_id: int) -> None:
    for offer_id in Offer.objects.filter(agent_id=agent_id, status=Offer.Status.PENDING).values_list("pk", flat=True):
        with transaction.atomic():
            _end_offer(offer_id, Offer.Status.WITHDRAWN)


# --- Sweep ----------------------------------------------------------------------------------------


def sweep(now=None) -> dict:
    """Periodic safety net: overdue wrap-ups and offers end, Ready agents with no workspace open
    stop receiving, and every queue with waiting work is routed. Each step is idempotent."""
    from contactcenter.services import conversations

    now = now or timezone.now()
    ended_wrapups = 0
    for agent_id, episode in AgentState.objects.filter(
        status__code=S.AFTER_SERVICE, wrapup_deadline__lte=now
    ).values_list("agent_id", "wrapup_episode"):
        ended_wrapups += conversations.wrapup_expire(agent_id=agent_id, episode=episode, now=now)
    expired_offers = 0
    for offer_id in Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now).values_list("pk", flat=True):
        expired_offers += offer_expire(offer_id=offer_id, now=now)
    away = 0
    for agent_id in agent_services.agents_away_from_desk(now):
        away += agent_services.agent_left_desk(agent_id=agent_id, now=now)
    routed = 0
    # order_by(): without it the model's ordering joins the DISTINCT (one run per conversation).
    waiting_queues = Conversation.objects.filter(status=C.QUEUED).order_by().values_list("queue_id", flat=True)
    for queue_id in waiting_queues.distinct():
        routed += route_queue(queue_id)
    return {"wrapups": ended_wrapups, "offers": expired_offers, "away": away, "routed": routed}


def sweep_interval() -> int:
    return settings.ROUTING_SWEEP_SECONDS

