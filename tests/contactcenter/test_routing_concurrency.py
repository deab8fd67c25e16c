"""The routing invariants, proven on PostgreSQL with real transactions and real threads.

A conversation has at most one assignee; an agent never exceeds capacity; no work goes to an
ineligible agent; every agent's status ledger tiles time. Threads drive the real services
(arrivals, closes, offers, pauses, Receive new, queue logins, wrap-ups) at once; afterwards the
rows and the published events are checked against the invariants.
"""

import logging
import random
import threading
import time
import traceback
from collections import Counter, defaultdict
from functools import partial
from unittest import mock

import pytest
from django.db import connection, transaction

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Contact,
    Conversation,
    Offer,
    Queue,
    QueueLogin,
    StatusDefinition,
    StatusInterval,
    SystemStatus,
    User,
)
from contactcenter.services import agents, conversations, locks, offers, queues, routing, sweep, wrapup
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

C = Conversation.Status
WORKERS = 8
ARRIVALS_PER_WORKER = 250  # 2,000 arrivals and half as many churn operations: 3,000 operations
CHAT_CAPACITY = 3


# --- Harness ----------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    """Routing runs in robust on-commit callbacks that log failures instead of raising them: an
    error logged anywhere during a run is a failure of the run."""

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

    def describe(self) -> str:
        return "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in self.records)


def run_threads(targets, *, timeout=120) -> list[BaseException]:
    """Run each target in its own thread (its own connection, closed at the end); return what
    they raised, each with its traceback as a note."""
    errors: list[BaseException] = []
    lock = threading.Lock()

    def wrap(target):
        def run():
            try:
                target()
            except BaseException as exc:  # collected: the caller asserts there are none
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


def described(errors: list[BaseException]) -> str:
    return "\n".join(e.__notes__[-1] for e in errors)


@pytest.fixture
def assigned_events():
    """conversation id -> how many `conversation.assigned` events were published for it."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def listen(event):
        if event.type == events.CONVERSATION_ASSIGNED:
            with lock:
                seen.update(event.data["conversation_ids"])

    events.listeners.append(listen)
    yield seen
    events.listeners.remove(listen)


def ready_agent(organization, queue_list) -> User:
    """A member of the queues, signed in with the workspace open, logged in to them, Receive new on."""
    agent = f.AgentFactory(organization=organization)
    for queue in queue_list:
        f.QueueMembershipFactory(queue=queue, user=agent)
    f.open_workspace(agent)
    agents.agent_sign_in(agent=agent)
    for queue in queue_list:
        queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)
    return agent


# --- The invariants, checked on the rows -------------------------------------------------------


def max_overlap(intervals) -> int:
    """The most intervals [start, end) open at one instant (at equal times an end comes first)."""
    points = []
    for start, end in intervals:
        points.append((start, 1))
        if end is not None:
            points.append((end, -1))
    points.sort()
    current = peak = 0
    for _, step in points:
        current += step
        peak = max(peak, current)
    return peak


def routing_violations(organization, *, chat_capacity: int = CHAT_CAPACITY) -> list[str]:
    """Every way the rows of one organization break a routing invariant, one line each."""
    problems: list[str] = []
    convs = list(
        Conversation.objects.filter(organization=organization).values(
            "pk", "status", "medium", "assignee_id", "assigned_at", "closed_at", "queue_id"
        )
    )
    by_pk = {c["pk"]: c for c in convs}
    offers = list(
        Offer.objects.filter(organization=organization).values(
            "pk", "conversation_id", "agent_id", "status", "created_at", "resolved_at"
        )
    )
    states = {s.agent_id: s for s in AgentState.objects.filter(organization=organization).select_related("status")}
    logins = defaultdict(list)
    for login in QueueLogin.objects.filter(organization=organization).values(
        "agent_id", "queue_id", "started_at", "ended_at"
    ):
        logins[login["agent_id"], login["queue_id"]].append(login)
    ledger = defaultdict(list)
    for interval in (
        StatusInterval.objects.filter(organization=organization)
        .select_related("status")
        .order_by("agent_id", "started_at", "id")
    ):
        ledger[interval.agent_id].append(interval)

    # At most one assignee: a call is accepted once, by the agent it is assigned to.
    accepted = Counter(o["conversation_id"] for o in offers if o["status"] == Offer.Status.ACCEPTED)
    problems += [f"conversation {pk}: {n} accepted offers" for pk, n in accepted.items() if n > 1]
    for o in offers:
        if o["status"] == Offer.Status.ACCEPTED:
            if by_pk[o["conversation_id"]]["assignee_id"] != o["agent_id"]:
                problems.append(f"offer {o['pk']} accepted, the call went to someone else")

    # A conversation rings while, and only while, it has pending offers.
    pending = Counter(o["conversation_id"] for o in offers if o["status"] == Offer.Status.PENDING)
    for c in convs:
        if (c["status"] == C.OFFERED) != bool(pending[c["pk"]]):
            problems.append(f"conversation {c['pk']} is {c['status']} with {pending[c['pk']]} offers")

    # Loads equal the work held, and capacity was never exceeded: now, nor at any instant of
    # the history (assigned_at..closed_at of chats; offers and calls for the single call slot).
    held = defaultdict(Counter)
    history = {"chat": defaultdict(list), "voice": defaultdict(list)}
    for c in convs:
        if c["status"] == C.ASSIGNED:
            held[c["assignee_id"]][c["medium"]] += 1
        if c["assigned_at"] is not None:
            history[c["medium"]][c["assignee_id"]].append((c["assigned_at"], c["closed_at"]))
    for o in offers:
        if o["status"] == Offer.Status.PENDING:
            held[o["agent_id"]]["voice"] += 1
        # An accepted offer ends at the instant its call starts: the two never overlap.
        history["voice"][o["agent_id"]].append((o["created_at"], o["resolved_at"]))
    for agent_id, state in states.items():
        chats, calls = held[agent_id]["chat"], held[agent_id]["voice"]
        if (state.chat_load, state.voice_load) != (chats, calls):
            problems.append(
                f"agent {agent_id}: loads chat {state.chat_load} voice {state.voice_load}, "
                f"holds {chats} chats and {calls} calls or ringing offers"
            )
        if state.chat_load > chat_capacity or state.voice_load > 1:
            problems.append(f"agent {agent_id}: over capacity now")
        if (peak := max_overlap(history["chat"][agent_id])) > chat_capacity:
            problems.append(f"agent {agent_id}: held {peak} chats at once")
        if (peak := max_overlap(history["voice"][agent_id])) > 1:
            problems.append(f"agent {agent_id}: held {peak} calls or ringing offers at once")

    # No work reached an ineligible agent: logged in to the queue, Ready or In service.
    routable = {SystemStatus.READY, SystemStatus.IN_SERVICE}
    for c in convs:
        if c["assigned_at"] is None:
            continue
        at, agent_id = c["assigned_at"], c["assignee_id"]
        what = f"{c['medium']} {c['pk']} assigned at {at:%H:%M:%S.%f} to agent {agent_id}"
        if not any(
            login["started_at"] <= at and (login["ended_at"] is None or login["ended_at"] >= at)
            for login in logins[agent_id, c["queue_id"]]
        ):
            problems.append(f"{what}, who was not logged in to the queue")
        intervals = ledger[agent_id]
        moved = [
            i
            for i, interval in enumerate(intervals)
            if interval.started_at == at and interval.reason == f"conversation {c['pk']}"
        ]
        if moved:  # the assignment itself put the agent In service: what held just before?
            before = intervals[moved[0] - 1] if moved[0] else None
        else:
            before = ([i for i in intervals if i.started_at <= at] or [None])[-1]
        if before is None or before.status.code not in routable:
            problems.append(f"{what}, who was {before.status.code if before else 'nowhere'}")

    # Every ledger tiles time: one open interval, each interval ends where the next starts.
    for agent_id, state in states.items():
        intervals = ledger[agent_id]
        if [i.ended_at is None for i in intervals][-1:] != [True] or sum(i.ended_at is None for i in intervals) != 1:
            problems.append(f"agent {agent_id}: not exactly one open ledger interval, the last")
            continue
        for current, following in zip(intervals, intervals[1:], strict=False):
            if current.ended_at != following.started_at:
                problems.append(f"agent {agent_id}: ledger gap or overlap at {current.ended_at}")
            if following.previous_status_id != current.status_id:
                problems.append(f"agent {agent_id}: interval {following.pk} does not follow on")
        if (intervals[-1].status_id, intervals[-1].started_at) != (state.status_id, state.since):
            problems.append(f"agent {agent_id}: state and open ledger interval disagree")
    return problems


def assert_no_violations(organization, **kwargs) -> None:
    problems = routing_violations(organization, **kwargs)
    assert not problems, f"{len(problems)} violations:\n" + "\n".join(problems[:40])


# --- Thousands of operations at once ------------------------------------------------------------


def test_routing_invariants_hold_under_concurrent_arrivals_and_churn(needs_postgres, assigned_events):
    org = f.OrganizationFactory()
    admin = f.AdminFactory(organization=org)
    sales = f.QueueFactory(organization=org, name="Ventas", capacity=CHAT_CAPACITY)
    support = f.QueueFactory(organization=org, name="Soporte", capacity=CHAT_CAPACITY, after_service_seconds=30)
    calls = f.QueueFactory(
        organization=org,
        name="Llamadas",
        kind=Queue.Kind.VOICE,
        strategy=Queue.Strategy.SIMULTANEOUS,  # ring everyone: accepts race for each call
        after_service_seconds=30,
    )
    pause = f.PauseReasonFactory(organization=org, name="Descanso", code="break")
    agent_ids = [ready_agent(org, [sales, support, calls]).pk for _ in range(40)]
    contacts = Contact.objects.bulk_create(
        Contact(organization=org, name=f"Cliente {i}") for i in range(WORKERS * ARRIVALS_PER_WORKER)
    )
    start = threading.Barrier(WORKERS)
    counts: Counter = Counter()
    counts_lock = threading.Lock()

    def worker(index: int):
        rnd = random.Random(index)
        # Each thread passes its own copies of the rows to the services.
        people = User.objects.select_related("organization").in_bulk([*agent_ids, admin.pk])
        queue_rows = Queue.objects.filter(organization=org).select_related("organization").in_bulk()
        arrivals = [queue_rows[sales.pk], queue_rows[support.pk]] * 9 + [queue_rows[calls.pk]] * 2
        reason = StatusDefinition.objects.get(pk=pause.pk)

        def random_row(qs, *fields):
            return qs.filter(organization=org).order_by("?").values_list(*fields).first()

        def close():
            if row := random_row(Conversation.objects.filter(status=C.ASSIGNED), "pk", "assignee"):
                conversations.conversation_close(conversation=Conversation(pk=row[0]), by=people[row[1]])

        def abandon():  # the customer leaves while waiting or ringing
            if row := random_row(Conversation.objects.filter(status__in=(C.QUEUED, C.OFFERED)), "pk"):
                conversations.conversation_close(conversation=Conversation(pk=row[0]), by=people[admin.pk])

        def accept():
            if row := random_row(Offer.objects.filter(status=Offer.Status.PENDING), "pk", "agent"):
                offers.offer_accept(offer_id=row[0], agent=people[row[1]])

        def decline():
            if row := random_row(Offer.objects.filter(status=Offer.Status.PENDING), "pk", "agent"):
                offers.offer_decline(offer_id=row[0], agent=people[row[1]])

        def end_wrapup():
            if row := random_row(AgentState.objects.filter(wrapup_conversation__isnull=False), "agent"):
                wrapup.wrapup_end(agent=people[row[0]])

        # Agents are mostly available (about a quarter paused, a fifth not receiving new, a third
        # of the queue logins off), so that routing keeps finding agents and queues drain.
        def pause_or_resume():
            agent = people[rnd.choice(agent_ids)]
            if AgentState.objects.filter(agent=agent, status__kind=StatusDefinition.Kind.PAUSE).exists():
                agents.agent_resume(agent=agent)
            elif rnd.random() < 0.35:
                agents.agent_pause(agent=agent, reason=reason)

        def receive_new():
            agents.agent_set_receive_new(agent=people[rnd.choice(agent_ids)], on=rnd.random() < 0.8)

        def queue_login_or_logout():
            agent, queue = people[rnd.choice(agent_ids)], rnd.choice([sales, support, calls])
            if rnd.random() < 0.3:
                queues.queue_logout(queue=queue_rows[queue.pk], agent=agent)
            else:
                queues.queue_login(queue=queue_rows[queue.pk], agent=agent)

        churn = {
            close: 40,
            end_wrapup: 25,  # most closes start a wrap-up; agents leave it to take work again
            accept: 12,
            pause_or_resume: 6,
            receive_new: 6,
            queue_login_or_logout: 6,
            abandon: 3,
            decline: 2,
        }
        done: Counter = Counter()
        start.wait()
        for n, contact in enumerate(contacts[index::WORKERS]):
            steps = [None, *rnd.choices(list(churn), list(churn.values()), k=1 - n % 2)]
            rnd.shuffle(steps)
            for step in steps:
                try:
                    if step is None:
                        queue = rnd.choice(arrivals)
                        conversations.conversation_open(queue=queue, contact=contact, text="Hola")
                    else:
                        step()
                    done[step.__name__ if step else "arrival"] += 1
                except DomainError as refusal:  # a business refusal, e.g. the call stopped ringing
                    done[f"refused: {refusal.code}"] += 1
        with counts_lock:
            counts.update(done)

    began = time.monotonic()
    with ErrorLog() as errors:
        raised = run_threads([lambda i=i: worker(i) for i in range(WORKERS)])
        sweep.sweep()
    print(f"\n{counts.total()} operations in {time.monotonic() - began:.1f} s: {dict(counts)}")

    assert not raised, "worker threads raised:\n" + described(raised)
    assert not errors.records, "errors were logged:\n" + errors.describe()
    assert counts["arrival"] == WORKERS * ARRIVALS_PER_WORKER
    assert counts.total() >= 3000
    assert_no_violations(org)
    assert {pk: n for pk, n in assigned_events.items() if n > 1} == {}, "assigned twice"
    # The run exercised what it claims to: assignments, accepted calls, closes, wrap-ups.
    assigned = Conversation.objects.filter(organization=org, assigned_at__isnull=False)
    assert assigned.filter(medium="chat").count() > 200
    assert assigned.filter(medium="voice").count() > 10
    assert counts["close"] > 250 and counts["end_wrapup"] > 100, counts


# --- Focused races ------------------------------------------------------------------------------


def test_two_agents_taking_the_same_chat_at_once_one_wins_the_other_is_told_it_is_taken(
    needs_postgres,
):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, capacity=50)
    ana, luis = f.AgentFactory(organization=org), f.AgentFactory(organization=org)
    for agent in (ana, luis):
        f.QueueMembershipFactory(queue=queue, user=agent)
        agents.agent_sign_in(agent=agent)  # Receive new off: routing leaves the chats waiting
        queues.queue_login(queue=queue, agent=agent)
    waiting = [f.ConversationFactory(queue=queue) for _ in range(25)]
    barrier = threading.Barrier(2)
    outcomes = {c.pk: {} for c in waiting}  # conversation -> {agent: "won" or the refusal code}

    def take_each(agent_id):
        me = User.objects.select_related("organization").get(pk=agent_id)
        for conversation in waiting:
            barrier.wait()
            try:
                conversations.conversation_assign(conversation=conversation, agent=me, by=me)
                outcomes[conversation.pk][agent_id] = "won"
            except DomainError as refusal:
                outcomes[conversation.pk][agent_id] = refusal.code

    assert run_threads([lambda: take_each(ana.pk), lambda: take_each(luis.pk)]) == []

    for conversation in waiting:
        results = outcomes[conversation.pk]
        assert sorted(results.values()) == ["taken", "won"], results
        conversation.refresh_from_db()
        assert conversation.status == C.ASSIGNED
        assert results[conversation.assignee_id] == "won"
    for agent in (ana, luis):
        won = sum(results[agent.pk] == "won" for results in outcomes.values())
        assert AgentState.objects.get(agent=agent).chat_load == won


def test_many_threads_filling_an_agents_last_slot_never_push_it_over_capacity(needs_postgres):
    org = f.OrganizationFactory()
    admin = f.AdminFactory(organization=org)
    queue = f.QueueFactory(organization=org, capacity=CHAT_CAPACITY)
    agent = ready_agent(org, [queue])
    racers = 10

    def race(i, barrier, waiting, won):
        me = User.objects.select_related("organization").get(pk=agent.pk)
        barrier.wait()
        if i % 2:
            won.append(routing.route_queue(queue.pk))
            return
        try:
            conversations.conversation_assign(conversation=waiting[i], agent=me, by=me)
            won.append(1)
        except DomainError as refusal:
            assert refusal.code in ("ineligible", "taken"), refusal.code

    for _ in range(6):
        # The agent holds capacity - 1 chats (routed on arrival)...
        for _ in range(CHAT_CAPACITY - 1):
            conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
        assert AgentState.objects.get(agent=agent).chat_load == CHAT_CAPACITY - 1
        # ...while a crowd of chats waits (rows only: nothing has routed them yet). Half the
        # racers route the queue, half click "Asignarme" on different chats, all at once.
        waiting = [f.ConversationFactory(queue=queue) for _ in range(racers)]
        barrier, won = threading.Barrier(racers), []
        racing = [partial(race, i, barrier, waiting, won) for i in range(racers)]
        assert run_threads(racing) == []
        holding = Conversation.objects.filter(assignee=agent, status=C.ASSIGNED).count()
        assert AgentState.objects.get(agent=agent).chat_load == holding == CHAT_CAPACITY
        assert sum(won) == 1
        # The waiting customers leave, then the agent closes everything: the next round.
        for conversation in Conversation.objects.filter(queue=queue, status=C.QUEUED):
            conversations.conversation_close(conversation=conversation, by=admin)
        for conversation in Conversation.objects.filter(assignee=agent, status=C.ASSIGNED):
            conversations.conversation_close(conversation=conversation, by=agent)
    assert_no_violations(org)


def test_agents_answering_the_same_ringing_call_at_once_only_one_gets_it(needs_postgres):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, kind=Queue.Kind.VOICE, strategy="simultaneous")
    team = [ready_agent(org, [queue]) for _ in range(6)]

    def answer(offer, barrier, results):
        me = User.objects.select_related("organization").get(pk=offer.agent_id)
        barrier.wait()
        try:
            offers.offer_accept(offer_id=offer.pk, agent=me)
            results[offer.agent_id] = "won"
        except DomainError as refusal:
            results[offer.agent_id] = refusal.code

    for _ in range(10):
        call = conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
        ringing = list(Offer.objects.filter(conversation=call, status=Offer.Status.PENDING))
        assert len(ringing) == len(team)
        barrier, results = threading.Barrier(len(ringing)), {}
        assert run_threads([partial(answer, offer, barrier, results) for offer in ringing]) == []
        assert sorted(results.values()) == ["gone"] * (len(team) - 1) + ["won"]
        call.refresh_from_db()
        assert call.status == C.ASSIGNED and results[call.assignee_id] == "won"
        conversations.conversation_close(conversation=call, by=call.assignee)
    assert_no_violations(org)


# --- Reproductions of the engine bugs the scenario found ----------------------------------------


def test_locking_an_agent_whose_status_just_changed_still_finds_the_agent(needs_postgres):
    """PostgreSQL re-checks a FOR UPDATE query's join conditions against the row version it
    waited for: joined to the old status, the new version does not match and the row is dropped.
    conversation_close then raised KeyError; agent actions said "This user has no agent state"."""
    agent = f.AgentFactory()
    agents.agent_sign_in(agent=agent)
    holding = threading.Event()
    found = {}

    def change_status():
        with transaction.atomic():
            agents.agent_set_receive_new(agent=agent, on=True)  # Online -> Ready, row locked
            holding.set()
            time.sleep(0.5)  # meanwhile the other thread waits for the row

    def lock_meanwhile():
        holding.wait()
        with transaction.atomic():
            found["locked"] = list(locks.lock_states([agent.pk]))

    assert run_threads([change_status, lock_meanwhile]) == []
    assert found["locked"] == [agent.pk]


@pytest.mark.parametrize("since_it_rang", ["paused", "entered after service", "logged out"])
def test_an_agent_who_became_ineligible_while_the_phone_rang_cannot_answer_it(needs_postgres, since_it_rang):
    org = f.OrganizationFactory()
    chats = f.QueueFactory(organization=org, after_service_seconds=30)
    calls = f.QueueFactory(organization=org, kind=Queue.Kind.VOICE)
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

    try:
        offers.offer_accept(offer_id=offer.pk, agent=agent)
        refusal = None
    except DomainError as refused:
        refusal = refused.code

    assert refusal == "ineligible"
    call.refresh_from_db()
    assert call.status == C.OFFERED and call.assignee_id is None
    assert_no_violations(org)


def test_closing_a_chat_never_backdates_the_agents_status_before_an_assignment(needs_postgres):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, capacity=CHAT_CAPACITY, after_service_seconds=30)
    agent = ready_agent(org, [queue])
    first = conversations.conversation_open(queue=queue, contact=f.ContactFactory(organization=org))
    second = f.ConversationFactory(queue=queue)  # waiting, not routed yet
    holding = threading.Event()

    def assign_while_the_close_waits():
        me = User.objects.get(pk=agent.pk)
        with transaction.atomic():
            locks.lock_states([agent.pk])
            holding.set()
            time.sleep(0.5)  # the close has read its clock and waits for the agent
            conversations.conversation_assign(conversation=second, agent=me, by=me)

    def close():
        holding.wait()
        conversations.conversation_close(conversation=first, by=User.objects.get(pk=agent.pk))

    assert run_threads([assign_while_the_close_waits, close]) == []
    assert_no_violations(org)


def test_an_agent_logging_out_of_a_queue_gets_no_chat_from_it_at_the_same_time(needs_postgres):
    org = f.OrganizationFactory()
    queue = f.QueueFactory(organization=org, capacity=CHAT_CAPACITY)
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
    assert waiting.status == C.QUEUED  # the agent was leaving the queue: not theirs
    assert_no_violations(org)


def test_the_sweep_routes_each_waiting_queue_once():
    """It used to route a queue once per waiting conversation: DISTINCT over the queue ids kept
    the model's default ordering, so each row was distinct (seconds per sweep with a backlog)."""
    queue = f.QueueFactory()
    for _ in range(5):
        f.ConversationFactory(queue=queue)
    with mock.patch.object(routing, "route_queue", wraps=routing.route_queue) as route_queue:
        sweep.sweep()
    assert route_queue.call_count == 1
