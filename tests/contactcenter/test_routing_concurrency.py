"""The routing invariants, proven on PostgreSQL with real transactions and real threads.

A conversation has at most one assignee; an agent never exceeds capacity; no work goes to an
ineligible agent; every agent's status ledger tiles time. Many threads drive the real services
(arrivals, closes, offers, pauses, Receive new, queue logins, wrap-ups) at once; afterwards the
rows and the published events are checked against the invariants, not against a model of them.
"""

import logging
import random
import threading
import time
import traceback
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.db import connection, transaction

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Contact,
    Conversation,
    Offer,
    QueueLogin,
    StatusInterval,
    SystemStatus,
    User,
)
from contactcenter.services import agents, conversations, queues, routing
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

C = Conversation.Status
WORKERS = 8
ARRIVALS_PER_WORKER = 260  # 2,080 arrivals in all
CHAT_CAPACITY = 3


# --- Harness --------------------------------------------------------------------------------------


class _ErrorLog(logging.Handler):
    """Routing runs in robust on-commit callbacks that log failures instead of raising them:
    an error logged anywhere during the run is a failure of the run."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)

    def describe(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in self.records]


def run_threads(targets, *, timeout=120):
    """Run each target in its own thread with its own connection; return what they raised."""
    errors: list[BaseException] = []
    lock = threading.Lock()

    def wrap(target):
        def run():
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted by the caller
                exc.add_note(traceback.format_exc())
                with lock:
                    errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a worker thread hung (deadlock?)"
    return errors


@pytest.fixture
def assigned_events():
    """conversation id -> how many `conversation.assigned` events were published for it."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def listen(event):
        if event.type == events.CONVERSATION_ASSIGNED:
            with lock:
                for conversation_id in event.data["conversation_ids"]:
                    seen[conversation_id] += 1

    events.listeners.append(listen)
    yield seen
    events.listeners.remove(listen)


def ready_agent(organization, queue_list, **kwargs) -> User:
    agent = f.AgentFactory(organization=organization, **kwargs)
    for queue in queue_list:
        f.QueueMembershipFactory(queue=queue, user=agent)
    agents.agent_sign_in(agent=agent)
    for queue in queue_list:
        queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)
    return agent


# --- Invariant checks (from the rows) ---------------------------------------------------------------


def _max_overlap(intervals) -> int:
    """Most intervals [start, end) open at one instant; at equal times an end comes first."""
    points = []
    for start, end in intervals:
        points.append((start, 1))
        if end is not None:
            points.append((end, -1))
    points.sort(key=lambda p: (p[0], p[1]))
    current = peak = 0
    for _, step in points:
        current += step
        peak = max(peak, current)
    return peak


def routing_violations(organization) -> list[str]:
    """Every way the rows of one organization break a routing invariant, as readable lines."""
    problems: list[str] = []
    org_id = organization.pk
    convs = list(
        Conversation.objects.filter(organization_id=org_id).select_related("queue").values(
            "pk", "status", "medium", "assignee_id", "assigned_at", "closed_at", "queue_id",
            "queue__capacity", "queue__kind",
        )
    )
    offers = list(Offer.objects.filter(organization_id=org_id).values(
        "pk", "conversation_id", "agent_id", "status", "created_at", "resolved_at"))
    states = {s.agent_id: s for s in AgentState.objects.filter(organization_id=org_id).select_related("status")}
    logins = defaultdict(list)
    for login in QueueLogin.objects.filter(organization_id=org_id).values("agent_id", "queue_id", "started_at",
                                                                           "ended_at"):
        logins[(login["agent_id"], login["queue_id"])].append(login)
    ledger = defaultdict(list)
    for interval in (
        StatusInterval.objects.filter(organization_id=org_id)
        .select_related("status")
        .order_by("agent_id", "started_at", "id")
    ):
        ledger[interval.agent_id].append(interval)

    # A conversation is accepted at most once, by the agent it is assigned to.
    accepted = Counter(o["conversation_id"] for o in offers if o["status"] == Offer.Status.ACCEPTED)
    by_pk = {c["pk"]: c for c in convs}
    for conversation_id, count in accepted.items():
        if count > 1:
            problems.append(f"conversation {conversation_id}: {count} accepted offers")
    for o in offers:
        if o["status"] == Offer.Status.ACCEPTED and by_pk[o["conversation_id"]]["assignee_id"] != o["agent_id"]:
            problems.append(f"offer {o['pk']} accepted by {o['agent_id']} but the conversation is someone else's")

    # Conversation states agree with their offers.
    pending = defaultdict(list)
    for o in offers:
        if o["status"] == Offer.Status.PENDING:
            pending[o["conversation_id"]].append(o)
    for c in convs:
        if c["status"] == C.OFFERED and not pending[c["pk"]]:
            problems.append(f"conversation {c['pk']} is offered with no pending offer")
        if c["status"] != C.OFFERED and pending[c["pk"]]:
            problems.append(f"conversation {c['pk']} is {c['status']} with pending offers")
        if c["status"] in (C.ASSIGNED, C.CLOSED) and c["assigned_at"] is not None and c["assignee_id"] is None:
            problems.append(f"conversation {c['pk']} was assigned but has no assignee")

    # Loads equal the work actually held, and never exceeded capacity, at the end or on the way.
    held = defaultdict(Counter)
    chat_history = defaultdict(list)
    voice_history = defaultdict(list)
    for c in convs:
        if c["status"] == C.ASSIGNED:
            held[c["assignee_id"]][c["medium"]] += 1
        if c["assigned_at"] is not None and c["assignee_id"]:
            history = chat_history if c["medium"] == "chat" else voice_history
            history[c["assignee_id"]].append((c["assigned_at"], c["closed_at"]))
    for o in offers:
        held_until = o["resolved_at"]
        if o["status"] == Offer.Status.PENDING:
            held[o["agent_id"]]["voice"] += 1
        voice_history[o["agent_id"]].append((o["created_at"], held_until))
    for agent_id, state in states.items():
        if state.chat_load != held[agent_id]["chat"]:
            problems.append(f"agent {agent_id}: chat_load {state.chat_load}, holds {held[agent_id]['chat']} chats")
        if state.voice_load != held[agent_id]["voice"]:
            problems.append(
                f"agent {agent_id}: voice_load {state.voice_load}, holds {held[agent_id]['voice']} calls/offers")
        if state.chat_load > CHAT_CAPACITY or state.voice_load > 1:
            problems.append(f"agent {agent_id}: over capacity (chat {state.chat_load}, voice {state.voice_load})")
        chat_peak = _max_overlap(chat_history[agent_id])
        if chat_peak > CHAT_CAPACITY:
            problems.append(f"agent {agent_id}: held {chat_peak} chats at once")
        # An accepted offer ends at the instant its call starts: the two never overlap.
        voice_peak = _max_overlap(voice_history[agent_id])
        if voice_peak > 1:
            problems.append(f"agent {agent_id}: held {voice_peak} calls/offers at once")

    # No work reached an ineligible agent: logged in to the queue, Ready or In service.
    routable = {SystemStatus.READY, SystemStatus.IN_SERVICE}
    for c in convs:
        if c["assigned_at"] is None or c["assignee_id"] is None:
            continue
        at, agent_id = c["assigned_at"], c["assignee_id"]
        what = f"{c['medium']} {c['pk']} assigned at {at} to agent {agent_id}"
        if not any(
            login["started_at"] <= at and (login["ended_at"] is None or login["ended_at"] >= at)
            for login in logins[(agent_id, c["queue_id"])]
        ):
            problems.append(f"{what}, not logged in to the queue")
        intervals = ledger[agent_id]
        own = [i for i, iv in enumerate(intervals)
               if iv.started_at == at and iv.reason == f"conversation {c['pk']}"]
        if own:  # the assignment moved the agent (Ready -> In service): what held before it?
            before = intervals[own[0] - 1] if own[0] > 0 else None
        else:
            earlier = [iv for iv in intervals if iv.started_at <= at]
            before = earlier[-1] if earlier else None
        if before is None or before.status.code not in routable:
            problems.append(
                f"{what} while {before.status.code if before else 'nothing'}")

    # Every agent's ledger tiles time: one open interval, each interval ends where the next starts.
    for agent_id, state in states.items():
        intervals = ledger[agent_id]
        open_ones = [iv for iv in intervals if iv.ended_at is None]
        if len(open_ones) != 1 or intervals[-1].ended_at is not None:
            problems.append(f"agent {agent_id}: {len(open_ones)} open ledger intervals")
            continue
        for current, following in zip(intervals, intervals[1:], strict=False):
            if current.ended_at != following.started_at:
                problems.append(f"agent {agent_id}: ledger gap/overlap at {current.ended_at}/{following.started_at}")
            if following.previous_status_id != current.status_id:
                problems.append(f"agent {agent_id}: interval {following.pk} does not follow {current.pk}")
        if intervals[-1].status_id != state.status_id or intervals[-1].started_at != state.since:
            problems.append(f"agent {agent_id}: state {state.status.code} since {state.since} "
                            f"disagrees with the ledger's open interval")
    return problems


def assert_no_violations(organization) -> None:
    problems = routing_violations(organization)
    assert not problems, f"{len(problems)} routing invariant violations:\n" + "\n".join(problems[:40])


# --- The scenario -----------------------------------------------------------------------------------


def test_routing_invariants_hold_under_concurrent_arrivals_and_churn(needs_postgres, assigned_events):
    began = time.monotonic()
    org = f.OrganizationFactory()
    admin = f.AdminFactory(organization=org)
    sales = f.QueueFactory(organization=org, name="Ventas", kind="chat", capacity=CHAT_CAPACITY)
    support = f.QueueFactory(organization=org, name="Soporte", kind="chat", capacity=CHAT_CAPACITY,
                             after_service_seconds=30)
    calls = f.QueueFactory(organization=org, name="Llamadas", kind="voice", strategy="simultaneous",
                           after_service_seconds=30)
    all_queues = [sales, support, calls]
    pause = f.PauseReasonFactory(organization=org, name="Descanso", code="break", max_minutes=None)
    agent_list = [ready_agent(org, all_queues) for _ in range(40)]
    contacts = Contact.objects.bulk_create(
        [Contact(organization=org, name=f"Cliente {i}") for i in range(WORKERS * ARRIVALS_PER_WORKER)]
    )
    agent_ids = [a.pk for a in agent_list]
    start = threading.Barrier(WORKERS)
    counts = Counter()
    counts_lock = threading.Lock()

    def worker(index: int):
        rnd = random.Random(index)
        # Each thread works with its own copies of the rows it passes to the services.
        my_agents = {a.pk: a for a in User.objects.filter(pk__in=agent_ids).select_related("organization")}
        my_admin = User.objects.select_related("organization").get(pk=admin.pk)
        my_queues = {q.pk: q for q in type(sales).objects.filter(organization=org).select_related("organization")}
        arrival_queues = [my_queues[sales.pk]] * 9 + [my_queues[support.pk]] * 9 + [my_queues[calls.pk]] * 2
        my_contacts = contacts[index * ARRIVALS_PER_WORKER:(index + 1) * ARRIVALS_PER_WORKER]
        my_pause = type(pause).objects.get(pk=pause.pk)
        done = Counter()

        def close_one():
            row = (Conversation.objects.filter(organization=org, status=C.ASSIGNED)
                   .order_by("?").values_list("pk", "assignee_id").first())
            if row:
                conversations.conversation_close(conversation=Conversation(pk=row[0]), by=my_agents[row[1]])

        def abandon_one():  # the customer leaves while waiting or ringing
            pk = (Conversation.objects.filter(organization=org, status__in=(C.QUEUED, C.OFFERED))
                  .order_by("?").values_list("pk", flat=True).first())
            if pk:
                conversations.conversation_close(conversation=Conversation(pk=pk), by=my_admin)

        def accept_offer():
            row = (Offer.objects.filter(organization=org, status=Offer.Status.PENDING)
                   .order_by("?").values_list("pk", "agent_id").first())
            if row:
                routing.offer_accept(offer_id=row[0], agent=my_agents[row[1]])

        def decline_offer():
            row = (Offer.objects.filter(organization=org, status=Offer.Status.PENDING)
                   .order_by("?").values_list("pk", "agent_id").first())
            if row:
                routing.offer_decline(offer_id=row[0], agent=my_agents[row[1]])

        # Agents spend most of their time available: ~25% paused, ~20% not receiving new, ~30% of
        # queue logins off, so that routing keeps finding agents and queues keep draining.
        def pause_or_resume():
            agent = my_agents[rnd.choice(agent_ids)]
            if AgentState.objects.filter(agent=agent, status__kind="pause").exists():
                agents.agent_resume(agent=agent)
            elif rnd.random() < 0.35:
                agents.agent_pause(agent=agent, reason=my_pause)

        def toggle_receive_new():
            agents.agent_set_receive_new(agent=my_agents[rnd.choice(agent_ids)], on=rnd.random() < 0.8)

        def queue_login_logout():
            agent, queue = my_agents[rnd.choice(agent_ids)], rnd.choice(list(my_queues.values()))
            if rnd.random() < 0.3:
                queues.queue_logout(queue=queue, agent=agent)
            else:
                queues.queue_login(queue=queue, agent=agent)

        def end_wrapup():
            agent_id = (AgentState.objects.filter(organization=org, wrapup_conversation__isnull=False)
                        .order_by("?").values_list("agent_id", flat=True).first())
            if agent_id:
                conversations.wrapup_end(agent=my_agents[agent_id])

        churn = [(close_one, 30), (accept_offer, 12), (end_wrapup, 10), (pause_or_resume, 6),
                 (toggle_receive_new, 6), (queue_login_logout, 6), (abandon_one, 3), (decline_offer, 2)]
        operations, weights = zip(*churn, strict=True)
        start.wait()
        for contact in my_contacts:
            steps = [None] + rnd.choices(operations, weights, k=rnd.choice((1, 1, 2)))
            rnd.shuffle(steps)
            for step in steps:
                try:
                    if step is None:
                        conversations.conversation_open(queue=rnd.choice(arrival_queues), contact=contact,
                                                        text="Hola")
                        done["arrival"] += 1
                    else:
                        step()
                        done[step.__name__] += 1
                except DomainError as refusal:  # an expected business refusal, e.g. already ringing out
                    done[f"refused {refusal.code}"] += 1
        with counts_lock:
            counts.update(done)

    set_up = time.monotonic()
    with _ErrorLog() as errors:
        raised = run_threads([lambda i=i: worker(i) for i in range(WORKERS)])
        ran = time.monotonic()
        routing.sweep()
    swept = time.monotonic()

    print(
        f"\n{sum(counts.values())} operations in {ran - set_up:.1f}s (set-up {set_up - began:.1f}s, "
        f"sweep {swept - ran:.1f}s): {dict(sorted(counts.items()))}"
    )
    assert not raised, "worker threads raised:\n" + "\n".join(e.__notes__[0] for e in raised)
    assert not errors.records, "errors were logged during the run:\n" + "\n".join(errors.describe())
    assert counts["arrival"] == WORKERS * ARRIVALS_PER_WORKER
    churned = sum(v for k, v in counts.items() if k != "arrival")
    assert churned >= 2000, counts
    # The scenario did exercise what it claims to: assignments, closes, accepted calls, wrap-ups.
    assigned = Conversation.objects.filter(organization=org, assigned_at__isnull=False)
    assert assigned.filter(medium="chat").count() > 500
    assert assigned.filter(medium="voice").count() > 10
    assert counts["close_one"] > 300 and counts["end_wrapup"] > 50, counts

    assert_no_violations(org)
    twice = {pk: n for pk, n in assigned_events.items() if n > 1}
    assert twice == {}, "conversations assigned more than once"


# --- Focused races ----------------------------------------------------------------------------------


def test_two_agents_taking_the_same_chat_at_once_one_wins_the_other_is_told_it_is_taken(needs_postgres):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, kind="chat", capacity=50)
    ana, luis = (f.AgentFactory(organization=org) for _ in range(2))
    for agent in (ana, luis):
        f.QueueMembershipFactory(queue=queue, user=agent)
        agents.agent_sign_in(agent=agent)  # Online, Receive new off: routing leaves the chats queued
        queues.queue_login(queue=queue, agent=agent)
    rounds = 25
    waiting = [f.ConversationFactory(queue=queue) for _ in range(rounds)]
    barrier = threading.Barrier(2)
    outcomes = defaultdict(list)  # conversation id -> [(agent id, "won" | refusal code)]
    lock = threading.Lock()

    def take(agent_id):
        agent = User.objects.select_related("organization").get(pk=agent_id)
        for conversation in waiting:
            barrier.wait()
            try:
                conversations.conversation_assign(conversation=Conversation(pk=conversation.pk), agent=agent,
                                                  by=agent)
                result = "won"
            except DomainError as refusal:
                result = refusal.code
            with lock:
                outcomes[conversation.pk].append((agent_id, result))

    assert run_threads([lambda: take(ana.pk), lambda: take(luis.pk)]) == []

    for conversation in waiting:
        results = sorted(r for _, r in outcomes[conversation.pk])
        assert results == ["taken", "won"], (conversation.pk, outcomes[conversation.pk])
        winner = next(a for a, r in outcomes[conversation.pk] if r == "won")
        conversation.refresh_from_db()
        assert conversation.status == C.ASSIGNED and conversation.assignee_id == winner
    wins = Counter(a for results in outcomes.values() for a, r in results if r == "won")
    for agent in (ana, luis):
        assert AgentState.objects.get(agent=agent).chat_load == wins[agent.pk]


def test_many_threads_filling_an_agents_last_slot_never_push_it_over_capacity(needs_postgres):
    org = f.OrganizationFactory()
    admin = f.AdminFactory(organization=org)
    queue = f.QueueFactory(organization=org, kind="chat", capacity=CHAT_CAPACITY)
    agent = ready_agent(org, [queue])
    rounds, racers = 6, 10
    for _ in range(rounds):
        # The agent holds capacity - 1 chats (routing fills them on arrival)...
        for _ in range(CHAT_CAPACITY - 1):
            conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
        assert AgentState.objects.get(agent=agent).chat_load == CHAT_CAPACITY - 1
        # ...while a crowd of chats waits (created as rows: nothing has routed them yet).
        waiting = [f.ConversationFactory(queue=queue) for _ in range(racers)]
        # Half the racers route the queue, half click "Asignarme" on different chats, all at once.
        barrier = threading.Barrier(racers)
        wins = Counter()
        lock = threading.Lock()

        def race(i):
            me = User.objects.select_related("organization").get(pk=agent.pk)
            barrier.wait()
            if i % 2:
                won = routing.route_queue(queue.pk)
            else:
                try:
                    conversations.conversation_assign(conversation=Conversation(pk=waiting[i].pk), agent=me, by=me)
                    won = 1
                except DomainError as refusal:
                    assert refusal.code in ("ineligible", "taken"), refusal.code
                    won = 0
            with lock:
                wins["won"] += won

        assert run_threads([lambda i=i: race(i) for i in range(racers)]) == []
        state = AgentState.objects.get(agent=agent)
        holding = Conversation.objects.filter(assignee=agent, status=C.ASSIGNED).count()
        assert state.chat_load == holding == CHAT_CAPACITY
        assert wins["won"] == 1
        # Free the agent for the next round: the waiting customers leave, then the agent closes.
        for conversation in Conversation.objects.filter(queue=queue, status=C.QUEUED):
            conversations.conversation_close(conversation=conversation, by=admin)
        for conversation in Conversation.objects.filter(assignee=agent, status=C.ASSIGNED):
            conversations.conversation_close(conversation=conversation, by=agent)
    assert_no_violations(org)


def test_agents_answering_the_same_ringing_call_at_once_only_one_gets_it(needs_postgres):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, kind="voice", strategy="simultaneous")
    team = [ready_agent(org, [queue]) for _ in range(6)]
    for _ in range(10):
        call = conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
        offers = list(Offer.objects.filter(conversation=call, status=Offer.Status.PENDING))
        assert len(offers) == len(team)
        barrier = threading.Barrier(len(offers))
        results = []
        lock = threading.Lock()

        def answer(offer):
            me = User.objects.select_related("organization").get(pk=offer.agent_id)
            barrier.wait()
            try:
                routing.offer_accept(offer_id=offer.pk, agent=me)
                result = "won"
            except DomainError as refusal:
                result = refusal.code
            with lock:
                results.append((offer.agent_id, result))

        assert run_threads([lambda o=o: answer(o) for o in offers]) == []
        assert sorted(r for _, r in results) == ["gone"] * (len(team) - 1) + ["won"]
        winner = next(a for a, r in results if r == "won")
        call.refresh_from_db()
        assert call.status == C.ASSIGNED and call.assignee_id == winner
        conversations.conversation_close(conversation=call, by=call.assignee)
    assert_no_violations(org)


# --- Reproductions of engine bugs found by the scenario above ---------------------------------------


def test_locking_an_agent_whose_status_just_changed_still_finds_the_agent(needs_postgres):
    """PostgreSQL re-checks a FOR UPDATE query's joins against the row version it waited for:
    a lock taken together with a join to the status drops the row if a concurrent transaction
    changed the agent's status (conversation_close then raised KeyError, agent actions said
    "This user has no agent state")."""
    org = f.OrganizationFactory()
    agent = f.AgentFactory(organization=org)
    agents.agent_sign_in(agent=agent)
    holding = threading.Event()
    found = {}

    def change_status():
        with transaction.atomic():
            agents.agent_set_receive_new(agent=agent, on=True)  # Online -> Ready, row locked
            holding.set()
            time.sleep(0.5)  # the other thread is now waiting for the row

    def lock_meanwhile():
        holding.wait()
        with transaction.atomic():
            found["locked"] = list(routing.lock_states([agent.pk]))

    assert run_threads([change_status, lock_meanwhile]) == []
    assert found["locked"] == [agent.pk]


@pytest.mark.parametrize("since_it_rang", ["paused", "entered after service", "logged out of the queue"])
def test_an_agent_who_became_ineligible_while_the_phone_rang_cannot_answer_it(needs_postgres, since_it_rang):
    org = f.OrganizationFactory()
    chats = f.QueueFactory(organization=org, kind="chat", after_service_seconds=30)
    calls = f.QueueFactory(organization=org, kind="voice")
    agent = ready_agent(org, [chats, calls])
    chat = conversations.conversation_open(queue=chats, contact=f.ContactFactory(organization=org))
    call = conversations.conversation_open(queue=calls, contact=f.ContactFactory(organization=org))
    offer = Offer.objects.get(conversation=call, agent=agent, status=Offer.Status.PENDING)
    if since_it_rang == "paused":
        agents.agent_pause(agent=agent, reason=f.PauseReasonFactory(organization=org))
    elif since_it_rang == "entered after service":
        conversations.conversation_close(conversation=chat, by=agent)
    else:
        queues.queue_logout(queue=calls, agent=agent)

    with pytest.raises(DomainError) as refused:
        routing.offer_accept(offer_id=offer.pk, agent=agent)

    assert refused.value.code == "ineligible"
    call.refresh_from_db()
    assert call.status == C.OFFERED and call.assignee_id is None
    assert_no_violations(org)


def test_closing_a_chat_never_backdates_the_agents_status_before_an_assignment(needs_postgres):
    """conversation_close read the clock before waiting for the agent's lock: a chat assigned
    meanwhile then fell inside the After service interval the close wrote afterwards."""
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, kind="chat", capacity=CHAT_CAPACITY, after_service_seconds=30)
    agent = ready_agent(org, [queue])
    first = conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
    second = f.ConversationFactory(queue=queue)  # waiting, not routed yet
    holding = threading.Event()

    def assign_while_the_close_waits():
        me = User.objects.get(pk=agent.pk)
        with transaction.atomic():
            routing.lock_states([agent.pk])
            holding.set()
            time.sleep(0.5)  # the close has read its clock and waits for the agent
            conversations.conversation_assign(conversation=second, agent=me, by=me)

    def close():
        holding.wait()
        conversations.conversation_close(conversation=first, by=User.objects.get(pk=agent.pk))

    assert run_threads([assign_while_the_close_waits, close]) == []
    assert_no_violations(org)


def test_an_agent_logging_out_of_a_queue_gets_no_chat_from_it_at_the_same_time(needs_postgres):
    """queue_logout ended the login without the agent's lock: the router, checking the login
    under that lock, could assign after the logout's time but before its commit."""
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, kind="chat", capacity=CHAT_CAPACITY)
    agent = ready_agent(org, [queue])
    waiting = f.ConversationFactory(queue=queue)  # not routed yet
    logging_out = threading.Event()

    def log_out_slowly():
        with transaction.atomic():
            queues.queue_logout(queue=queue, agent=User.objects.get(pk=agent.pk))
            logging_out.set()
            time.sleep(0.5)  # the router runs before this commits

    def route():
        logging_out.wait()
        routing.route_queue(queue.pk)

    assert run_threads([log_out_slowly, route]) == []
    waiting.refresh_from_db()
    assert waiting.status == C.QUEUED  # the agent was logging out: not theirs
    assert_no_violations(org)


def test_the_sweep_routes_each_waiting_queue_once():
    """The sweep's DISTINCT queue ids kept the model's default ordering, so it routed the same
    queue once per waiting conversation (seconds of work per sweep with a backlog)."""
    queue = f.QueueFactory(kind="chat")
    for _ in range(5):
        f.ConversationFactory(queue=queue)
    with mock.patch.object(routing, "route_queue", wraps=routing.route_queue) as route_queue:
        routing.sweep()
    assert route_queue.call_count == 1
