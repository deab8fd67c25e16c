"""The status ledger: every change closes the open interval and opens the next, in the same
transaction, with who/from/to/by/reason/source; an agent's intervals tile time exactly."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.models import Conversation, StatusInterval, StatusSource
from contactcenter.services import agents, conversations, queues, sweep, wrapup
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db

SV, SY = StatusSource.SUPERVISOR, StatusSource.SYSTEM


def test_every_change_closes_the_open_interval_and_opens_the_next(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(agents.agent_set_receive_new, agent=p.agent, on=True)
    rows = engine.ledger(p.agent)
    assert [row.status.code for row in rows] == ["offline", "online", "ready"]
    offline, online, ready = rows
    assert offline.ended_at == online.started_at
    assert online.ended_at == ready.started_at
    assert ready.ended_at is None
    assert (online.agent, online.previous_status.code, online.changed_by, online.source, online.reason) == (
        p.agent, "offline", p.agent, StatusSource.AGENT, "login"
    )
    assert (ready.previous_status.code, ready.changed_by, ready.source, ready.reason) == (
        "online", p.agent, StatusSource.AGENT, "receive_new on"
    )
    engine.assert_ledger_tiles(p.agent)


def test_a_supervisor_change_records_the_supervisor_and_the_reason(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    meeting = f.PauseReasonFactory(organization=p.organization, name="Reunión")
    engine.call(agents.agent_pause, agent=p.agent, reason=meeting, by=p.supervisor, source=SV, note="1:1")
    row = engine.ledger(p.agent)[-1]
    assert (row.status, row.previous_status.code, row.changed_by, row.source, row.reason) == (
        meeting, "ready", p.supervisor, SV, "1:1"
    )
    engine.assert_ledger_tiles(p.agent)


def test_a_change_made_by_the_engine_is_recorded_as_system(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    row = engine.ledger(p.agent)[-1]
    assert (row.status.code, row.source, row.changed_by) == ("in_service", SY, None)
    assert str(conversation.pk) in row.reason


def test_the_ledger_and_the_status_change_together_or_not_at_all(personas, engine, captured_events):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    with engine.commit(), pytest.raises(RuntimeError), transaction.atomic():
        agents.agent_set_receive_new(agent=p.agent, on=True)
        raise RuntimeError("the caller's transaction fails after the change")
    assert engine.status(p.agent) == "online"
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows
    engine.assert_ledger_tiles(p.agent)


def test_an_idempotent_request_writes_no_interval(personas, engine):
    p = personas
    engine.make_ready(p.agent)
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    engine.call(agents.agent_set_receive_new, agent=p.agent, on=True)
    engine.call(agents.agent_sign_in, agent=p.agent)
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows


# --- Property: random sequences of operations keep every agent's ledger tiled ---------------------

# Operation names, repeated to weight them: work-giving steps often, ones that end work less.
OPERATIONS = [
    *["sign_in"] * 3,
    *["receive_new_on"] * 3,
    "receive_new_off",
    "online",
    "dnd",
    "pause",
    "other_pause",
    *["resume"] * 2,
    "supervisor_pause",
    "supervisor_resume",
    *["arrive"] * 4,
    "take",
    *["close"] * 3,
    *["wrapup_end"] * 2,
    *["wrapup_expire"] * 2,
    "supervisor_wrapup_end",
    "sweep",
    "sign_out",
    "force_offline",
    "ban",
    "unban",
]


class World:
    """A fresh organization per example: examples never see each other's rows."""

    def __init__(self, engine):
        self.engine = engine
        self.org = f.OrganizationFactory()
        self.queue = f.QueueFactory(organization=self.org, name="Ventas", capacity=2,
                                    after_service_seconds=30)
        self.quick = f.QueueFactory(organization=self.org, name="Rápida", capacity=2)
        self.agents = [f.AgentFactory(organization=self.org) for _ in range(2)]
        for position, agent in enumerate(self.agents):
            for queue in (self.queue, self.quick):
                f.QueueMembershipFactory(queue=queue, user=agent, position=position)
        self.supervisor = f.SupervisorFactory(organization=self.org)
        f.QueueMembershipFactory(queue=self.queue, user=self.supervisor, role="supervisor")
        self.admin = f.AdminFactory(organization=self.org)
        self.pauses = [f.PauseReasonFactory(organization=self.org) for _ in range(2)]
        engine.make_ready(self.agents[0], self.queue)  # one agent starts working, one offline

    def run(self, operation: str, who: int, which_queue: int) -> None:
        agent = self.agents[who]
        queue = (self.queue, self.quick)[which_queue]
        calls = {
            "sign_in": lambda: self._sign_in(agent, queue),
            "receive_new_on": lambda: agents.agent_set_receive_new(agent=agent, on=True),
            "receive_new_off": lambda: agents.agent_set_receive_new(agent=agent, on=False),
            "online": lambda: agents.agent_set_unavailable(agent=agent, dnd=False),
            "dnd": lambda: agents.agent_set_unavailable(agent=agent, dnd=True),
            "pause": lambda: agents.agent_pause(agent=agent, reason=self.pauses[0]),
            "other_pause": lambda: agents.agent_pause(agent=agent, reason=self.pauses[1]),
            "resume": lambda: agents.agent_resume(agent=agent),
            "supervisor_pause": lambda: agents.agent_pause(
                agent=agent, reason=self.pauses[0], by=self.supervisor, source=SV),
            "supervisor_resume": lambda: agents.agent_resume(agent=agent, by=self.supervisor, source=SV),
            "arrive": lambda: conversations.conversation_open(
                queue=queue, contact=f.ContactFactory(organization=self.org), text="Hola"),
            "take": lambda: self._take(agent, queue),
            "close": lambda: self._close(agent),
            "wrapup_end": lambda: wrapup.wrapup_end(agent=agent),
            "wrapup_expire": lambda: self._expire(agent),
            "supervisor_wrapup_end": lambda: wrapup.wrapup_end(
                agent=agent, by=self.supervisor, source=SV),
            "sweep": lambda: self._sweep(),
            "sign_out": lambda: agents.agent_sign_out(agent=agent),
            "force_offline": lambda: agents.agent_sign_out(agent=agent, by=self.supervisor, source=SV),
            "ban": lambda: agents.agent_ban(agent=agent, by=self.admin),
            "unban": lambda: agents.agent_unban(agent=agent, by=self.admin),
        }
        before = [self._snapshot(a) for a in self.agents]
        try:
            with self.engine.commit():
                calls[operation]()
        except DomainError:
            # A refused operation changes nothing.
            assert [self._snapshot(a) for a in self.agents] == before, operation

    @staticmethod
    def _snapshot(agent):
        rows = StatusInterval.objects.filter(agent=agent)
        open_row = rows.get(ended_at__isnull=True)
        return rows.count(), open_row.pk, open_row.status_id

    @staticmethod
    def _sign_in(agent, queue):
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=queue, agent=agent)

    @staticmethod
    def _take(agent, queue):
        waiting = Conversation.objects.filter(queue=queue, status="queued").first()
        if waiting is not None:
            conversations.conversation_assign(conversation=waiting, agent=agent, by=agent)

    @staticmethod
    def _close(agent):
        mine = Conversation.objects.filter(assignee=agent, status="assigned").first()
        if mine is not None:
            conversations.conversation_close(conversation=mine, by=agent)

    def _expire(self, agent):
        state = self.engine.state(agent)
        if state.wrapup_deadline is not None:
            self.engine.overdue(agent)
            from contactcenter import tasks

            tasks.wrapup_expire(agent.pk, state.wrapup_episode)

    def _sweep(self):

        sweep.sweep()

    def check(self):
        for agent in self.agents:
            self.engine.assert_ledger_tiles(agent)
            state = self.engine.state(agent)
            open_work = Conversation.objects.filter(assignee=agent, status="assigned")
            assert state.chat_load == open_work.count()
            assert state.chat_load <= 2
            if state.status.code in ("offline", "banned"):
                assert not agent.queue_logins.filter(ended_at__isnull=True).exists()
            if state.status.code == "after_service":
                assert state.wrapup_conversation_id is not None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 1), st.integers(0, 1)),
        min_size=15,
        max_size=40,
    )
)
def test_random_operations_keep_each_agents_intervals_tiling_time(engine, steps):
    world = World(engine)
    for operation, who, which_queue in steps:
        world.run(operation, who, which_queue)
        world.check()
