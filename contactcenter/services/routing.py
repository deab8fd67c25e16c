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

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Conversation,
    Offer,
    Queue,
    QueueLogin,
    StatusDefinition,
    SystemStatus,
    Transfer,
    User,
)
from contactcenter.services import agent_states, eligibility, jobs
from contactcenter.services.bulk import update_rows

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
            eligibility.prepare(queue)
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
    sql, params = eligibility.eligible_sql(queue, conversation=conversation, lock=True)
    for state in AgentState.objects.raw(sql, params):
        status = queue.routable_statuses.get(state.status_id)
        logins = QueueLogin.objects.filter(queue_id=queue.pk, agent_id=state.agent_id, ended_at__isnull=True)
        if status and logins.exists():
            state.status = status
            return state
    return None


def _anyone_eligible(queue: Queue, conversation: Conversation | None = None) -> bool:
    sql, params = eligibility.eligible_sql(queue, conversation=conversation, lock=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


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
        eligible = eligibility.eligible_states(queue, conversation=conversation)
        candidates = list(eligibility.ordered(eligible, queue).values_list("agent_id", flat=True)[:50])
        if candidates:
            return conversation, candidates
        if not anyone_checked:
            if not eligibility.eligible_states(queue).exists():
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
                if state is None or eligibility.agent_is_eligible(state, queue):
                    continue
                _offer(conversation, state, queue)
                offered += 1
            return 1 if offered else None
        for agent_id in candidates:
            state = _lock_candidate(agent_id)
            if state is None or eligibility.agent_is_eligible(state, queue):
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
        eligibility.prepare(queue)
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


def _lock_pool(queue: Queue, *, limit: int) -> list[AgentState]:
    """The best `limit` eligible agents by the queue's strategy, locked (SKIP LOCKED) and checked
    again under the lock."""
    sql, params = eligibility.eligible_sql(queue, conversation=None, lock=True, limit=limit)
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
    capacity, field = queue.effective_capacity, eligibility.load_field(queue)
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
        in_service = agent_states.status_definition(queue.organization_id, S.IN_SERVICE)
        first = {}
        for conversation, state in pairs:
            first.setdefault(state.agent_id, f"conversation {conversation.pk}")
        agent_states.change_many(starting, in_service, source="system", reasons=first, now=now)
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
    jobs.schedule_offer_expiry(offer)
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
    setattr(state, eligibility.load_field(queue), getattr(state, eligibility.load_field(queue)) + 1)
    state.last_assigned_at = now
    if state.status.code in (S.READY, S.ONLINE, S.DND):
        agent_status_change(
            state, agent_states.status_definition(state.organization_id, S.IN_SERVICE),
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


def agent_status_change(state: AgentState, to: StatusDefinition, **kwargs) -> bool:
    """Move a locked agent to `to` (agent_states.change: the checks, the ledger, the event) and,
    when the move leaves them able to take work, route their queues after commit. Every status
    change made above the router goes through here."""
    changed = agent_states.change(state, to, **kwargs)
    if changed and agent_states.is_routable(state):
        route_for_agent_on_commit(state.agent_id)
    return changed
