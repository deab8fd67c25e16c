"""Helpers for the engine behaviour tests: run services with their on-commit work (routing,
events, tasks scheduling) executed, read fresh agent states, and check the status ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.models import AgentState, Conversation, Queue, StatusInterval, User
from contactcenter.services import agents, conversations, queues
from tests import factories as f


class Engine:
    def __init__(self, capture):
        self._capture = capture

    def commit(self):
        """`with engine.commit(): ...` runs the on-commit callbacks (routing, events) at the end."""
        return self._capture(execute=True)

    def call(self, fn, /, **kwargs):
        """Call one service and run what it scheduled on commit."""
        with self.commit():
            return fn(**kwargs)

    def make_ready(self, agent: User, *logged_in_to: Queue) -> AgentState:
        """Signed in with the workspace open, logged in to the queues, Receive new on: Ready."""
        with self.commit():
            f.open_workspace(agent)
            agents.agent_sign_in(agent=agent)
            for queue in logged_in_to:
                queues.queue_login(queue=queue, agent=agent)
            agents.agent_set_receive_new(agent=agent, on=True)
        return self.state(agent)

    def arrive(self, queue: Queue, *, text: str = "Hola", priority: int | None = None, **kwargs) -> Conversation:
        """A customer writes (or calls) into the queue; routing runs on commit."""
        contact = f.ContactFactory(organization=queue.organization)
        with self.commit():
            conversation = conversations.conversation_open(
                queue=queue, contact=contact, text=text, priority=priority, **kwargs
            )
        conversation.refresh_from_db()
        return conversation

    def close(self, conversation: Conversation, by: User) -> Conversation:
        with self.commit():
            conversations.conversation_close(conversation=conversation, by=by)
        conversation.refresh_from_db()
        return conversation

    @staticmethod
    def state(agent: User) -> AgentState:
        return AgentState.objects.select_related("status").get(agent=agent)

    def status(self, agent: User) -> str:
        return self.state(agent).status.code

    @staticmethod
    def ledger(agent: User) -> list[StatusInterval]:
        return list(
            StatusInterval.objects.filter(agent=agent)
            .select_related("status", "previous_status")
            .order_by("started_at", "id")
        )

    @staticmethod
    def overdue(agent: User, seconds: int = 1) -> None:
        """Move the agent's wrap-up deadline into the past (no test sleeps for real)."""
        AgentState.objects.filter(agent=agent).update(
            wrapup_deadline=timezone.now() - timedelta(seconds=seconds)
        )

    def assert_ledger_tiles(self, agent: User) -> None:
        """The agent's intervals tile time: no gap, no overlap, exactly one open interval, and
        the open one is the agent's current status since the same instant."""
        rows = self.ledger(agent)
        assert rows, "an agent always has a ledger"
        open_rows = [row for row in rows if row.ended_at is None]
        assert len(open_rows) == 1, f"exactly one open interval, got {len(open_rows)}"
        assert rows[-1].ended_at is None, "the open interval is the last one"
        for previous, current in zip(rows, rows[1:], strict=False):
            assert previous.ended_at == current.started_at, (
                f"gap or overlap: {previous.status.code} ended {previous.ended_at}, "
                f"{current.status.code} started {current.started_at}"
            )
            assert current.previous_status_id == previous.status_id
        for row in rows:
            if row.ended_at is not None:
                assert row.ended_at >= row.started_at
        state = self.state(agent)
        assert open_rows[0].status_id == state.status_id
        assert open_rows[0].started_at == state.since


@pytest.fixture
def engine(django_capture_on_commit_callbacks) -> Engine:
    return Engine(django_capture_on_commit_callbacks)


@pytest.fixture
def voice_queue(personas):
    """The organization's voice queue ("Soporte") with ana and luis as members."""
    p = personas
    f.QueueMembershipFactory(queue=p.other_queue, user=p.agent, position=0)
    f.QueueMembershipFactory(queue=p.other_queue, user=p.colleague, position=1)
    return p.other_queue


@pytest.fixture
def other_supervisor(personas) -> User:
    """A supervisor of the voice queue only (not of "Ventas")."""
    supervisor = f.SupervisorFactory(organization=personas.organization, username="sergio")
    f.QueueMembershipFactory(queue=personas.other_queue, user=supervisor, role="supervisor")
    return supervisor
