"""The agent state machine: one current status with since-when, validated moves, bans."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.models import AuditEntry, QueueLogin, StatusDefinition, StatusInterval, StatusSource
from contactcenter.services import agent_states, agents, conversations, queues, wrapup
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

pytestmark = pytest.mark.django_db

A, SV, SY = StatusSource.AGENT, StatusSource.SUPERVISOR, StatusSource.SYSTEM


def definition(organization, code):
    return StatusDefinition.objects.get(organization=organization, code=code)


def test_a_new_agent_is_offline_with_one_status_since_creation(personas, engine):
    state = engine.state(personas.agent)
    assert state.status.code == "offline"
    assert state.since <= timezone.now()
    assert state.receive_new is False
    engine.assert_ledger_tiles(personas.agent)


def test_signing_in_sets_online_without_taking_new_work(personas, engine):
    before = timezone.now()
    engine.call(agents.agent_sign_in, agent=personas.agent)
    state = engine.state(personas.agent)
    assert state.status.code == "online"
    assert state.receive_new is False
    assert state.since >= before


def test_signing_in_when_already_signed_in_changes_nothing(personas, engine):
    engine.call(agents.agent_sign_in, agent=personas.agent)
    rows = StatusInterval.objects.filter(agent=personas.agent).count()
    engine.call(agents.agent_sign_in, agent=personas.agent)
    assert engine.status(personas.agent) == "online"
    assert StatusInterval.objects.filter(agent=personas.agent).count() == rows


def test_the_since_of_a_status_is_the_moment_it_changed(personas, engine):
    engine.call(agents.agent_sign_in, agent=personas.agent)
    first = engine.state(personas.agent).since
    engine.call(agents.agent_set_receive_new, agent=personas.agent, on=True)
    state = engine.state(personas.agent)
    assert state.status.code == "ready"
    assert state.since >= first
    assert engine.ledger(personas.agent)[-1].started_at == state.since


def test_receive_new_on_makes_an_idle_agent_ready(personas, engine):
    engine.call(agents.agent_sign_in, agent=personas.agent)
    engine.call(agents.agent_set_receive_new, agent=personas.agent, on=True)
    state = engine.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("ready", True)


def test_receive_new_on_while_holding_work_means_in_service(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    conversation = engine.arrive(p.queue)
    engine.call(conversations.conversation_assign, conversation=conversation, agent=p.agent, by=p.agent)
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=False)
    assert engine.status(p.agent) == "in_service"  # still has the chat

    engine.call(agents.agent_set_receive_new, agent=p.agent, on=True)
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new, state.chat_load) == ("in_service", True, 1)


def test_receive_new_off_shows_online_by_default(personas, engine):
    engine.make_ready(personas.agent)
    engine.call(agents.agent_set_receive_new, agent=personas.agent, on=False)
    state = engine.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("online", False)


def test_receive_new_off_shows_dnd_when_the_agent_chose_dnd(personas, engine):
    engine.make_ready(personas.agent)
    engine.call(agents.agent_set_unavailable, agent=personas.agent, dnd=True)
    assert engine.status(personas.agent) == "dnd"
    engine.call(agents.agent_set_receive_new, agent=personas.agent, on=True)
    assert engine.status(personas.agent) == "ready"
    engine.call(agents.agent_set_receive_new, agent=personas.agent, on=False)
    assert engine.status(personas.agent) == "dnd"


def test_choosing_online_instead_of_dnd_stops_new_work(personas, engine):
    engine.make_ready(personas.agent)
    engine.call(agents.agent_set_unavailable, agent=personas.agent, dnd=False)
    state = engine.state(personas.agent)
    assert (state.status.code, state.receive_new, state.prefers_dnd) == ("online", False, False)


def test_receive_new_while_offline_is_refused(personas, engine):
    with pytest.raises(DomainError) as error:
        engine.call(agents.agent_set_receive_new, agent=personas.agent, on=True)
    assert error.value.code == "offline"
    state = engine.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("offline", False)


def test_handling_a_conversation_puts_the_agent_in_service(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    assert conversation.assignee == p.agent
    state = engine.state(p.agent)
    assert (state.status.code, state.chat_load) == ("in_service", 1)
    row = engine.ledger(p.agent)[-1]
    assert (row.status.code, row.previous_status.code, row.source) == ("in_service", "ready", SY)


def test_signing_out_goes_offline_and_leaves_every_queue(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    f.QueueMembershipFactory(queue=p.other_queue, user=p.agent)
    engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent)
    engine.call(agents.agent_sign_out, agent=p.agent)
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new) == ("offline", False)
    assert not QueueLogin.objects.filter(agent=p.agent, ended_at__isnull=True).exists()
    assert QueueLogin.objects.filter(agent=p.agent).count() == 2
    engine.assert_ledger_tiles(p.agent)


def test_a_supervisor_forcing_an_agent_offline_logs_them_out_of_every_queue_and_is_audited(
    personas, engine
):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_sign_out, agent=p.agent, by=p.supervisor, source=SV, reason="fin de turno")
    assert engine.status(p.agent) == "offline"
    assert not QueueLogin.objects.filter(agent=p.agent, ended_at__isnull=True).exists()
    row = engine.ledger(p.agent)[-1]
    assert (row.source, row.changed_by, row.reason) == (SV, p.supervisor, "fin de turno")
    entry = AuditEntry.objects.get(action="agent.sign_out")
    assert (entry.actor, entry.target_user) == (p.supervisor, p.agent)


def test_a_supervisor_of_another_queue_cannot_force_an_agent_offline(personas, engine, other_supervisor):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with pytest.raises(NotAllowed):
        engine.call(agents.agent_sign_out, agent=p.agent, by=other_supervisor, source=SV)
    assert engine.status(p.agent) == "ready"
    assert QueueLogin.objects.filter(agent=p.agent, ended_at__isnull=True).exists()


def test_a_colleague_cannot_change_another_agents_status(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with pytest.raises(NotAllowed):
        engine.call(agents.agent_set_receive_new, agent=p.agent, on=False, by=p.colleague)
    with pytest.raises(NotAllowed):
        engine.call(agents.agent_sign_out, agent=p.agent, by=p.colleague, source=SV)
    assert engine.status(p.agent) == "ready"


def test_pausing_with_a_reason_and_resuming(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    lunch = f.PauseReasonFactory(organization=p.organization, name="Comida", code="comida")
    engine.call(agents.agent_pause, agent=p.agent, reason=lunch)
    assert engine.status(p.agent) == "comida"
    assert engine.ledger(p.agent)[-1].reason == "Comida"
    engine.call(agents.agent_resume, agent=p.agent)
    assert engine.status(p.agent) == "ready"
    engine.assert_ledger_tiles(p.agent)


def test_a_supervisor_pause_and_resume_are_audited(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    training = f.PauseReasonFactory(organization=p.organization, name="Formación")
    engine.call(agents.agent_pause, agent=p.agent, reason=training, by=p.supervisor, source=SV)
    engine.call(agents.agent_resume, agent=p.agent, by=p.supervisor, source=SV)
    assert engine.status(p.agent) == "ready"
    actions = set(AuditEntry.objects.filter(actor=p.supervisor, target_user=p.agent).values_list("action", flat=True))
    assert actions == {"agent.pause", "agent.resume"}


def test_a_pause_reason_of_another_organization_is_refused(personas, engine):
    p = personas
    engine.make_ready(p.agent)
    foreign = f.PauseReasonFactory(organization=p.outsider.organization)
    with pytest.raises(DomainError) as error:
        engine.call(agents.agent_pause, agent=p.agent, reason=foreign)
    assert error.value.code == "bad_reason"
    assert engine.status(p.agent) == "ready"


def test_resuming_when_not_paused_is_refused(personas, engine):
    engine.make_ready(personas.agent)
    with pytest.raises(DomainError) as error:
        engine.call(agents.agent_resume, agent=personas.agent)
    assert error.value.code == "not_paused"


def test_receive_new_switched_on_during_a_pause_takes_effect_when_it_ends(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    pause = f.PauseReasonFactory(organization=p.organization)
    engine.call(agents.agent_pause, agent=p.agent, reason=pause)
    engine.call(agents.agent_set_receive_new, agent=p.agent, on=True)
    assert engine.status(p.agent) == pause.code
    engine.call(agents.agent_resume, agent=p.agent)
    assert engine.status(p.agent) == "ready"


def test_an_illegal_move_raises_and_changes_nothing(personas, engine):
    p = personas
    pause = f.PauseReasonFactory(organization=p.organization)
    before = engine.state(p.agent)
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    with pytest.raises(DomainError) as error:
        engine.call(agents.agent_pause, agent=p.agent, reason=pause)  # Offline cannot pause
    assert error.value.code == "illegal_move"
    after = engine.state(p.agent)
    assert (after.status_id, after.since) == (before.status_id, before.since)
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows
    engine.assert_ledger_tiles(p.agent)


@pytest.mark.parametrize(
    ("from_code", "to_code", "source", "allowed"),
    [
        ("offline", "online", A, True),
        ("offline", "ready", A, False),
        ("offline", "in_service", SY, False),
        ("online", "ready", A, True),
        ("ready", "in_service", SY, True),
        ("ready", "after_service", A, False),
        ("in_service", "after_service", SY, True),
        ("after_service", "ready", A, True),
        ("ready", "dnd", SV, False),  # DND is the agent's own choice
        ("ready", "banned", SV, True),
        ("banned", "offline", SV, True),  # agent_unban checks the admin role
        ("banned", "offline", A, False),
        ("banned", "ready", SV, False),
        ("banned", "online", A, False),
        ("ready", "offline", SV, True),
    ],
)
def test_moves_are_validated_by_one_table(personas, from_code, to_code, source, allowed):
    org = personas.organization
    assert agent_states.move_allowed(definition(org, from_code), definition(org, to_code), source) is allowed


def test_any_pause_reason_follows_the_pause_row_of_the_table(personas):
    org = personas.organization
    pause = f.PauseReasonFactory(organization=org)
    assert agent_states.move_allowed(definition(org, "ready"), pause, A)
    assert agent_states.move_allowed(pause, definition(org, "ready"), SV)
    assert not agent_states.move_allowed(definition(org, "offline"), pause, A)
    assert not agent_states.move_allowed(definition(org, "banned"), pause, SV)


# --- Bans -----------------------------------------------------------------------------------------


def test_banning_puts_the_agent_out_of_every_queue_and_is_audited(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_ban, agent=p.agent, by=p.admin, reason="abuso")
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new) == ("banned", False)
    assert not QueueLogin.objects.filter(agent=p.agent, ended_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="agent.ban", actor=p.admin, target_user=p.agent).exists()


def test_a_banned_agent_cannot_change_their_own_status(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_ban, agent=p.agent, by=p.admin)
    pause = f.PauseReasonFactory(organization=p.organization)
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    attempts = [
        (agents.agent_set_receive_new, {"agent": p.agent, "on": True}),
        (agents.agent_set_unavailable, {"agent": p.agent, "dnd": True}),
        (agents.agent_pause, {"agent": p.agent, "reason": pause}),
        (agents.agent_resume, {"agent": p.agent}),
    ]
    for service, kwargs in attempts:
        with pytest.raises(NotAllowed):
            engine.call(service, **kwargs)
    engine.call(agents.agent_sign_in, agent=p.agent)
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new) == ("banned", False)
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows


def test_a_supervisor_cannot_switch_receive_new_on_for_a_banned_agent(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_ban, agent=p.agent, by=p.admin)
    with pytest.raises(NotAllowed):
        engine.call(agents.agent_set_receive_new, agent=p.agent, on=True, by=p.supervisor, source=SV)
    assert engine.state(p.agent).receive_new is False


def test_a_banned_agent_gets_no_work(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_ban, agent=p.agent, by=p.admin)
    conversation = engine.arrive(p.queue)
    assert (conversation.status, conversation.assignee) == ("queued", None)
    with pytest.raises(DomainError) as error:
        engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert error.value.code == "banned"
    with pytest.raises(DomainError):
        engine.call(queues.queue_login, queue=p.queue, agent=p.agent, by=p.supervisor)
    engine.make_ready(p.colleague, p.queue)  # takes the waiting chat
    second = engine.arrive(p.queue)
    engine.call(conversations.conversation_close, conversation=second, by=p.colleague)
    third = engine.arrive(p.queue)
    with pytest.raises(DomainError):
        engine.call(conversations.conversation_assign, conversation=third, agent=p.agent, by=p.supervisor)
    assert engine.state(p.agent).chat_load == 0


def test_only_an_admin_bans_an_agent(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    for actor in (p.supervisor, p.colleague, p.outsider):
        with pytest.raises(NotAllowed):
            engine.call(agents.agent_ban, agent=p.agent, by=actor)
    assert engine.status(p.agent) == "ready"


def test_only_an_admin_lifts_a_ban_and_the_agent_is_offline_again(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_ban, agent=p.agent, by=p.admin)
    for actor in (p.supervisor, p.agent, p.outsider):
        with pytest.raises(NotAllowed):
            engine.call(agents.agent_unban, agent=p.agent, by=actor)
    assert engine.status(p.agent) == "banned"
    # A supervisor cannot lift it by forcing the agent offline either.
    engine.call(agents.agent_sign_out, agent=p.agent, by=p.supervisor, source=SV)
    assert engine.status(p.agent) == "banned"

    engine.call(agents.agent_unban, agent=p.agent, by=p.admin)
    assert engine.status(p.agent) == "offline"
    assert AuditEntry.objects.filter(action="agent.unban", actor=p.admin).exists()
    engine.make_ready(p.agent, p.queue)
    assert engine.status(p.agent) == "ready"
    engine.assert_ledger_tiles(p.agent)


def test_lifting_a_ban_of_an_agent_who_is_not_banned_is_refused(personas, engine):
    with pytest.raises(DomainError) as error:
        engine.call(agents.agent_unban, agent=personas.agent, by=personas.admin)
    assert error.value.code == "not_banned"


# --- Pauses, sign-out and after service ------------------------------------------------------------


def after_service_queue(personas, seconds=60):
    personas.queue.after_service_seconds = seconds
    personas.queue.save()
    return personas.queue


def test_resuming_a_pause_taken_during_after_service_returns_to_after_service(personas, engine):
    p = personas
    queue = after_service_queue(p)
    engine.make_ready(p.agent, queue)
    conversation = engine.arrive(queue)
    engine.close(conversation, p.agent)
    assert engine.status(p.agent) == "after_service"
    pause = f.PauseReasonFactory(organization=p.organization)
    engine.call(agents.agent_pause, agent=p.agent, reason=pause)
    engine.call(agents.agent_resume, agent=p.agent)
    assert engine.status(p.agent) == "after_service"
    engine.assert_ledger_tiles(p.agent)


def test_closing_a_conversation_while_paused_keeps_the_pause_and_resuming_starts_after_service(
    personas, engine
):
    p = personas
    queue = after_service_queue(p)
    engine.make_ready(p.agent, queue)
    conversation = engine.arrive(queue)
    pause = f.PauseReasonFactory(organization=p.organization)
    engine.call(agents.agent_pause, agent=p.agent, reason=pause)
    engine.close(conversation, p.agent)
    assert engine.status(p.agent) == pause.code
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=False)
    assert engine.status(p.agent) == "after_service"
    engine.call(wrapup.wrapup_end, agent=p.agent)
    assert engine.status(p.agent) == "online"


def test_an_agent_whose_after_service_ran_out_during_a_pause_resumes_ready(personas, engine):
    from contactcenter import tasks

    p = personas
    queue = after_service_queue(p)
    engine.make_ready(p.agent, queue)
    engine.close(engine.arrive(queue), p.agent)
    pause = f.PauseReasonFactory(organization=p.organization)
    engine.call(agents.agent_pause, agent=p.agent, reason=pause)
    engine.overdue(p.agent)
    with engine.commit():
        assert tasks.wrapup_expire(p.agent.pk, engine.state(p.agent).wrapup_episode) is True
    assert engine.status(p.agent) == pause.code
    engine.call(agents.agent_resume, agent=p.agent)
    assert engine.status(p.agent) == "ready"


def test_signing_out_during_after_service_ends_it(personas, engine):
    p = personas
    queue = after_service_queue(p)
    queue.after_service_enforced = False
    queue.save()
    engine.make_ready(p.agent, queue)
    engine.close(engine.arrive(queue), p.agent)
    engine.call(agents.agent_sign_out, agent=p.agent)
    state = engine.state(p.agent)
    assert (state.wrapup_conversation, state.wrapup_deadline) == (None, None)
    engine.make_ready(p.agent, queue)  # works again after signing back in
    assert engine.status(p.agent) == "ready"


def test_a_change_never_starts_before_the_current_status_began(personas, engine):
    """since is monotonic: a change stamped before the current since is clamped to it."""
    p = personas
    engine.make_ready(p.agent, p.queue)
    future = timezone.now() + timedelta(seconds=5)
    previous = engine.ledger(p.agent)[-2]
    StatusInterval.objects.filter(pk=previous.pk).update(ended_at=future)
    StatusInterval.objects.filter(agent=p.agent, ended_at__isnull=True).update(started_at=future)
    engine.state(p.agent).__class__.objects.filter(agent=p.agent).update(since=future)
    engine.call(agents.agent_set_receive_new, agent=p.agent, on=False)
    assert engine.state(p.agent).since == future
    engine.assert_ledger_tiles(p.agent)
