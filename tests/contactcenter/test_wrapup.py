"""After service (wrap-up): the episode after a conversation closes, how it ends (agent,
supervisor, task at the deadline, sweep), idempotence, and dispositions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter import tasks
from contactcenter.celery import app
from contactcenter.models import AuditEntry, Queue, StatusInterval
from contactcenter.services import conversations, sweep, wrapup
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(personas):
    """Ventas with 30 seconds of enforced after service."""
    personas.queue.after_service_seconds = 30
    personas.queue.after_service_enforced = True
    personas.queue.save()
    return personas.queue


def serve_and_close(engine, agent, queue):
    """The agent gets a chat and closes it: After service starts."""
    conversation = engine.arrive(queue)
    assert conversation.assignee == agent
    return engine.close(conversation, agent)


def rows(agent):
    return StatusInterval.objects.filter(agent=agent).count()


def test_closing_in_a_queue_with_after_service_starts_an_episode(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    before = timezone.now()
    conversation = serve_and_close(engine, p.agent, queue)
    state = engine.state(p.agent)
    assert state.status.code == "after_service"
    assert (state.wrapup_episode, state.wrapup_conversation) == (1, conversation)
    assert before + timedelta(seconds=30) <= state.wrapup_deadline <= timezone.now() + timedelta(seconds=30)
    assert state.chat_load == 0
    row = engine.ledger(p.agent)[-1]
    assert (row.status.code, row.previous_status.code, row.source) == ("after_service", "in_service", "system")
    engine.assert_ledger_tiles(p.agent)


def test_closing_in_a_queue_without_after_service_goes_straight_back_to_ready(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    serve_and_close(engine, p.agent, p.queue)
    state = engine.state(p.agent)
    assert (state.status.code, state.wrapup_episode, state.wrapup_deadline) == ("ready", 0, None)


def test_a_second_close_during_after_service_starts_a_new_episode(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    first = engine.arrive(queue)
    second = engine.arrive(queue)
    engine.close(first, p.agent)
    engine.close(second, p.agent)
    state = engine.state(p.agent)
    assert (state.status.code, state.wrapup_episode, state.wrapup_conversation) == ("after_service", 2, second)
    engine.assert_ledger_tiles(p.agent)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.wrapup_ended_at == second.closed_at  # the new episode ended the first one's after service
    assert second.wrapup_ended_at is None


def test_the_agent_leaves_after_service_themself(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    conversation = serve_and_close(engine, p.agent, queue)
    assert engine.call(wrapup.wrapup_end, agent=p.agent) is True
    state = engine.state(p.agent)
    conversation.refresh_from_db()
    assert conversation.wrapup_ended_at == engine.ledger(p.agent)[-1].started_at  # the reports' after service
    assert (state.status.code, state.wrapup_deadline, state.wrapup_conversation) == ("ready", None, None)
    row = engine.ledger(p.agent)[-1]
    assert (row.source, row.changed_by, row.previous_status.code) == ("agent", p.agent, "after_service")


def test_leaving_after_service_when_not_in_it_is_refused(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(wrapup.wrapup_end, agent=p.agent)
    assert error.value.code == "not_in_wrapup"


def test_without_enforcement_after_service_has_no_deadline_and_waits_for_the_agent(personas, engine, queue):
    p = personas
    queue.after_service_enforced = False
    queue.save()
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    state = engine.state(p.agent)
    assert (state.status.code, state.wrapup_deadline) == ("after_service", None)
    with engine.commit():
        assert sweep.sweep(now=timezone.now() + timedelta(hours=1))["wrapups"] == 0
    assert engine.status(p.agent) == "after_service"
    engine.call(wrapup.wrapup_end, agent=p.agent)
    assert engine.status(p.agent) == "ready"


def test_a_supervisor_ends_after_service_early_when_the_organization_allows_it(personas, engine, queue):
    p = personas
    assert p.organization.supervisors_end_after_service
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    engine.call(wrapup.wrapup_end, agent=p.agent, by=p.supervisor, source="supervisor")
    assert engine.status(p.agent) == "ready"
    row = engine.ledger(p.agent)[-1]
    assert (row.source, row.changed_by) == ("supervisor", p.supervisor)
    entry = AuditEntry.objects.get(action="agent.end_after_service")
    assert (entry.actor, entry.target_user) == (p.supervisor, p.agent)


def test_a_supervisor_cannot_end_after_service_early_when_the_organization_does_not_allow_it(
    personas, engine, queue
):
    p = personas
    p.organization.supervisors_end_after_service = False
    p.organization.save()
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    with pytest.raises(NotAllowed):
        engine.call(wrapup.wrapup_end, agent=p.agent, by=p.supervisor, source="supervisor")
    assert engine.status(p.agent) == "after_service"
    assert not AuditEntry.objects.exists()


def test_a_supervisor_of_another_queue_cannot_end_an_agents_after_service(
    personas, engine, queue, other_supervisor
):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    with pytest.raises(NotAllowed):
        engine.call(wrapup.wrapup_end, agent=p.agent, by=other_supervisor, source="supervisor")
    assert engine.status(p.agent) == "after_service"


def test_a_supervisor_ending_after_service_returns_a_dnd_agent_to_dnd(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    from contactcenter.services import agents

    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=True)  # chosen during after service
    assert engine.status(p.agent) == "after_service"
    engine.call(wrapup.wrapup_end, agent=p.agent, by=p.supervisor, source="supervisor")
    assert engine.status(p.agent) == "dnd"


# --- Automatic end: the task at the deadline and the sweep ---------------------------------------------


def test_the_task_ends_after_service_once_the_deadline_has_passed(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    episode = engine.state(p.agent).wrapup_episode
    engine.overdue(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, episode) is True
    state = engine.state(p.agent)
    assert (state.status.code, state.wrapup_deadline, state.wrapup_conversation) == ("ready", None, None)
    row = engine.ledger(p.agent)[-1]
    assert (row.source, row.changed_by, row.previous_status.code) == ("system", None, "after_service")
    engine.assert_ledger_tiles(p.agent)


def test_the_task_before_the_deadline_changes_nothing(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    count = rows(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, engine.state(p.agent).wrapup_episode) is False
    assert engine.status(p.agent) == "after_service"
    assert rows(p.agent) == count


def test_the_sweep_ends_an_overdue_after_service_whose_task_never_ran(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    engine.overdue(p.agent)
    with engine.commit():
        result = sweep.sweep()
    assert result["wrapups"] == 1
    assert engine.status(p.agent) == "ready"


def test_the_sweep_leaves_an_after_service_that_is_not_due_yet(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    with engine.commit():
        assert sweep.sweep()["wrapups"] == 0
    assert engine.status(p.agent) == "after_service"
    with engine.commit():
        assert sweep.sweep(now=timezone.now() + timedelta(seconds=31))["wrapups"] == 1
    assert engine.status(p.agent) == "ready"


def test_a_duplicate_task_run_changes_nothing(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    episode = engine.state(p.agent).wrapup_episode
    engine.overdue(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, episode) is True
    count, since = rows(p.agent), engine.state(p.agent).since
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, episode) is False
        assert sweep.sweep()["wrapups"] == 0
    assert rows(p.agent) == count
    assert engine.state(p.agent).since == since


def test_a_task_running_after_the_agent_already_left_changes_nothing(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    episode = engine.state(p.agent).wrapup_episode
    engine.call(wrapup.wrapup_end, agent=p.agent)
    count = rows(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, episode) is False
    assert rows(p.agent) == count
    assert engine.status(p.agent) == "ready"


def test_a_late_task_from_an_old_episode_does_not_end_the_new_one(personas, engine, queue):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    old_episode = engine.state(p.agent).wrapup_episode
    engine.call(wrapup.wrapup_end, agent=p.agent)
    serve_and_close(engine, p.agent, queue)  # a new episode
    engine.overdue(p.agent)  # even overdue, the old task is not for this episode
    count = rows(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, old_episode) is False
    state = engine.state(p.agent)
    assert (state.status.code, state.wrapup_episode) == ("after_service", old_episode + 1)
    assert rows(p.agent) == count


def test_a_task_after_the_agent_signed_out_changes_nothing(personas, engine, queue):
    from contactcenter.services import agents

    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    episode = engine.state(p.agent).wrapup_episode
    engine.call(agents.agent_sign_out, agent=p.agent)
    count = rows(p.agent)
    engine.overdue(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, episode) is False
    assert engine.status(p.agent) == "offline"
    assert rows(p.agent) == count


def test_closing_schedules_the_expiry_task_at_the_deadline(personas, engine, queue, monkeypatch):
    p = personas
    scheduled = []
    monkeypatch.setattr(tasks.wrapup_expire, "apply_async", lambda **kwargs: scheduled.append(kwargs))
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    state = engine.state(p.agent)
    assert scheduled == [{"args": [p.agent.pk, state.wrapup_episode], "eta": state.wrapup_deadline}]


# --- Dispositions -------------------------------------------------------------------------------------


@pytest.fixture
def dispositions(personas, queue):
    sold = f.DispositionFactory(organization=personas.organization, name="Venta")
    lost = f.DispositionFactory(organization=personas.organization, name="Sin interés")
    queue.dispositions.add(sold, lost)
    return sold, lost


def test_the_agent_must_choose_a_disposition_before_leaving_after_service(personas, engine, queue, dispositions):
    p = personas
    assert p.organization.dispositions_enabled
    engine.make_ready(p.agent, queue)
    conversation = serve_and_close(engine, p.agent, queue)
    with pytest.raises(DomainError) as error:
        engine.call(wrapup.wrapup_end, agent=p.agent)
    assert error.value.code == "disposition"
    assert engine.status(p.agent) == "after_service"

    engine.call(conversations.conversation_set_disposition, conversation=conversation,
                disposition=dispositions[0], by=p.agent, notes="compra 2 unidades")
    conversation.refresh_from_db()
    assert (conversation.disposition, conversation.wrapup_notes) == (dispositions[0], "compra 2 unidades")
    engine.call(wrapup.wrapup_end, agent=p.agent)
    assert engine.status(p.agent) == "ready"


def test_a_disposition_must_be_one_of_the_queues(personas, engine, queue, dispositions):
    p = personas
    engine.make_ready(p.agent, queue)
    conversation = serve_and_close(engine, p.agent, queue)
    elsewhere = f.DispositionFactory(organization=p.organization)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_set_disposition, conversation=conversation,
                    disposition=elsewhere, by=p.agent)
    assert error.value.code == "bad_disposition"


def test_the_automatic_end_does_not_require_a_disposition(personas, engine, queue, dispositions):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    engine.overdue(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, engine.state(p.agent).wrapup_episode) is True
    assert engine.status(p.agent) == "ready"


def test_a_supervisor_ending_after_service_early_does_not_require_a_disposition(
    personas, engine, queue, dispositions
):
    p = personas
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    engine.call(wrapup.wrapup_end, agent=p.agent, by=p.supervisor, source="supervisor")
    assert engine.status(p.agent) == "ready"


def test_no_disposition_is_required_when_the_organization_disabled_them(personas, engine, queue, dispositions):
    p = personas
    p.organization.dispositions_enabled = False
    p.organization.save()
    engine.make_ready(p.agent, queue)
    serve_and_close(engine, p.agent, queue)
    engine.call(wrapup.wrapup_end, agent=p.agent)
    assert engine.status(p.agent) == "ready"


def test_a_deadline_task_outlives_a_dying_worker_and_is_never_redelivered_before_its_time():
    """Several workers, any of which may die: the deadline task is acknowledged only once it ran,
    given back if its worker's process dies, and Redis' visibility timeout (after which an
    unacknowledged task is delivered again) exceeds the longest wrap-up a queue may set."""
    longest = max(v.limit_value for v in Queue._meta.get_field("after_service_seconds").validators)
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] > longest
