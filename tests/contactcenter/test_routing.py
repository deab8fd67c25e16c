"""Routing: who is eligible, in which order conversations go, the strategies, the triggers,
manual assignment, and closing freeing a slot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.models import AgentState, Conversation, Queue
from contactcenter.services import agents, conversations, offers, queues, sweep, transfers, wrapup
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

pytestmark = pytest.mark.django_db


def assigned(conversation):
    conversation.refresh_from_db()
    return conversation.assignee if conversation.status == "assigned" else None


def set_last_assigned(agent, minutes_ago):
    AgentState.objects.filter(agent=agent).update(last_assigned_at=timezone.now() - timedelta(minutes=minutes_ago))


def queued_without_routing(queue, *, priority=0, enqueued_at=None):
    """A waiting conversation that no trigger routed yet (as if a routing run was lost)."""
    return f.ConversationFactory(queue=queue, priority=priority, enqueued_at=enqueued_at or timezone.now())


# --- Eligibility ----------------------------------------------------------------------------------


def test_a_ready_agent_logged_in_to_the_queue_gets_a_new_chat(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    assert (conversation.status, conversation.assignee) == ("assigned", p.agent)
    assert conversation.assigned_at is not None
    state = engine.state(p.agent)
    assert (state.status.code, state.chat_load) == ("in_service", 1)


def test_an_agent_not_logged_in_to_the_queue_gets_nothing(personas, engine):
    p = personas
    engine.make_ready(p.agent)  # Ready, but in no queue
    assert engine.arrive(p.queue).status == "queued"


def test_an_agent_with_receive_new_off_gets_nothing(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert engine.status(p.agent) == "online"
    assert engine.arrive(p.queue).status == "queued"


def test_a_paused_agent_gets_nothing(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_pause, agent=p.agent, reason=f.PauseReasonFactory(organization=p.organization))
    assert engine.arrive(p.queue).status == "queued"


def test_an_agent_in_after_service_gets_nothing(personas, engine):
    p = personas
    p.queue.after_service_seconds = 60
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    engine.close(engine.arrive(p.queue), p.agent)
    assert engine.status(p.agent) == "after_service"
    assert engine.arrive(p.queue).status == "queued"


def test_an_agent_in_service_below_capacity_gets_more_chats(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.arrive(p.queue)
    second = engine.arrive(p.queue)
    assert assigned(second) == p.agent
    assert engine.state(p.agent).chat_load == 2


def test_an_agent_at_capacity_gets_no_new_chat(personas, engine):
    p = personas
    assert p.queue.capacity is None  # chat default: 6
    engine.make_ready(p.agent, p.queue)
    chats = [engine.arrive(p.queue) for _ in range(7)]
    assert [c.status for c in chats] == ["assigned"] * 6 + ["queued"]
    assert engine.state(p.agent).chat_load == 6


def test_the_queue_capacity_replaces_the_default(personas, engine):
    p = personas
    p.queue.capacity = 2
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    chats = [engine.arrive(p.queue) for _ in range(3)]
    assert [c.status for c in chats] == ["assigned", "assigned", "queued"]


def test_an_agent_takes_one_call_at_a_time(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    first = engine.arrive(voice_queue)
    engine.call(offers.offer_accept, offer_id=first.offers.get().pk, agent=p.agent)
    second = engine.arrive(voice_queue)
    assert second.status == "queued"
    assert not second.offers.exists()
    assert engine.state(p.agent).voice_load == 1


def test_an_active_call_blocks_new_chats_by_default(personas, engine, voice_queue):
    p = personas
    assert p.organization.calls_block_chats
    engine.make_ready(p.agent, p.queue, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_accept, offer_id=call.offers.get().pk, agent=p.agent)
    assert engine.arrive(p.queue).status == "queued"


def test_chats_still_arrive_during_a_call_when_calls_do_not_block_chats(personas, engine, voice_queue):
    p = personas
    p.organization.calls_block_chats = False
    p.organization.save()
    engine.make_ready(p.agent, p.queue, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_accept, offer_id=call.offers.get().pk, agent=p.agent)
    assert assigned(engine.arrive(p.queue)) == p.agent


def test_an_agent_without_the_required_skills_gets_nothing(personas, engine):
    p = personas
    english = f.SkillFactory(organization=p.organization, name="Inglés")
    billing = f.SkillFactory(organization=p.organization, name="Facturación")
    p.queue.required_skills.add(english, billing)
    f.AgentSkillFactory(agent=p.agent, skill=english)  # one of two
    f.AgentSkillFactory(agent=p.colleague, skill=english)
    f.AgentSkillFactory(agent=p.colleague, skill=billing)
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    assert conversation.status == "queued"
    engine.make_ready(p.colleague, p.queue)
    assert assigned(conversation) == p.colleague


def test_a_deactivated_agent_gets_nothing(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    type(p.agent).objects.filter(pk=p.agent.pk).update(is_active=False)
    assert engine.arrive(p.queue).status == "queued"


def test_an_inactive_queue_routes_nothing(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    Queue.objects.filter(pk=p.queue.pk).update(is_active=False)
    assert engine.arrive(p.queue).status == "queued"


# --- Order ------------------------------------------------------------------------------------------


def test_higher_priority_conversations_go_first(personas, engine):
    p = personas
    now = timezone.now()
    low = queued_without_routing(p.queue, priority=0, enqueued_at=now - timedelta(minutes=5))
    high = queued_without_routing(p.queue, priority=5, enqueued_at=now)
    p.queue.capacity = 1
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    assert assigned(high) == p.agent
    assert assigned(low) is None


def test_conversations_of_equal_priority_go_first_in_first_out(personas, engine):
    p = personas
    now = timezone.now()
    newer = queued_without_routing(p.queue, enqueued_at=now - timedelta(minutes=1))
    older = queued_without_routing(p.queue, enqueued_at=now - timedelta(minutes=3))
    p.queue.capacity = 1
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    assert assigned(older) == p.agent
    assert assigned(newer) is None


# --- Strategies ---------------------------------------------------------------------------------


def test_least_busy_gives_the_chat_to_the_agent_with_fewest_active(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.arrive(p.queue)
    engine.arrive(p.queue)  # ana has 2
    engine.make_ready(p.colleague, p.queue)  # luis has 0
    set_last_assigned(p.colleague, 0)
    set_last_assigned(p.agent, 60)  # idle longer, but busier
    assert assigned(engine.arrive(p.queue)) == p.colleague


@pytest.mark.parametrize("idle_longest", ["agent", "colleague"])
def test_least_busy_ties_go_to_the_agent_longest_since_the_last_assignment(personas, engine, idle_longest):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)
    winner, other = (p.agent, p.colleague) if idle_longest == "agent" else (p.colleague, p.agent)
    set_last_assigned(winner, 10)
    set_last_assigned(other, 1)
    assert assigned(engine.arrive(p.queue)) == winner


def test_least_busy_spreads_chats_evenly(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)
    for _ in range(6):
        engine.arrive(p.queue)
    assert (engine.state(p.agent).chat_load, engine.state(p.colleague).chat_load) == (3, 3)


def test_round_robin_gives_the_chat_to_the_agent_idle_longest(personas, engine):
    p = personas
    p.queue.strategy = Queue.Strategy.ROUND_ROBIN
    p.queue.save()
    engine.make_ready(p.colleague, p.queue)
    for _ in range(3):
        engine.arrive(p.queue)  # luis has 3 chats
    engine.make_ready(p.agent, p.queue)
    set_last_assigned(p.colleague, 30)
    set_last_assigned(p.agent, 1)
    # luis is busier but was given nothing for longer: round robin goes by idle time, not load
    assert assigned(engine.arrive(p.queue)) == p.colleague
    assert assigned(engine.arrive(p.queue)) == p.agent  # now luis was served last


def test_random_assigns_to_an_eligible_agent(personas, engine):
    p = personas
    p.queue.strategy = Queue.Strategy.RANDOM
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)
    outsider = f.AgentFactory(organization=p.organization)  # Ready but not logged in to Ventas
    engine.make_ready(outsider)
    for _ in range(6):
        assert assigned(engine.arrive(p.queue)) in (p.agent, p.colleague)


def test_sequential_follows_the_member_order(personas, engine):
    p = personas
    p.queue.strategy = Queue.Strategy.SEQUENTIAL
    p.queue.save()
    p.queue.memberships.filter(user=p.agent).update(position=2)
    p.queue.memberships.filter(user=p.colleague).update(position=1)
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)
    # luis comes first while he has room, even with more chats than ana
    chats = [engine.arrive(p.queue) for _ in range(7)]
    assert [assigned(c) for c in chats] == [p.colleague] * 6 + [p.agent]


# --- Triggers: routing runs on every event that can change a match ---------------------------------


def test_routing_runs_when_a_conversation_arrives(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    assert assigned(engine.arrive(p.queue)) == p.agent


def test_routing_runs_when_the_agent_switches_receive_new_on(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    engine.call(agents.agent_set_receive_new, agent=p.agent, on=True)
    assert assigned(waiting) == p.agent


def test_routing_runs_when_the_agent_is_back_to_ready_after_a_pause(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_pause, agent=p.agent, reason=f.PauseReasonFactory(organization=p.organization))
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    engine.call(agents.agent_resume, agent=p.agent)
    assert assigned(waiting) == p.agent


def test_routing_runs_when_a_conversation_closes(personas, engine):
    p = personas
    p.queue.capacity = 1
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    first = engine.arrive(p.queue)
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    engine.close(first, p.agent)
    assert assigned(waiting) == p.agent


def test_routing_runs_when_a_conversation_is_transferred_away(personas, engine):
    p = personas
    p.queue.capacity = 1
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    first = engine.arrive(p.queue)
    waiting = engine.arrive(p.queue)
    engine.call(transfers.conversation_transfer, conversation=first, by=p.agent, to_queue=p.other_queue)
    assert assigned(waiting) == p.agent


def test_routing_runs_when_after_service_ends(personas, engine):
    p = personas
    p.queue.after_service_seconds = 60
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    engine.close(engine.arrive(p.queue), p.agent)
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    engine.call(wrapup.wrapup_end, agent=p.agent)
    assert assigned(waiting) == p.agent


def test_routing_runs_when_an_agent_logs_in_to_the_queue(personas, engine):
    p = personas
    engine.make_ready(p.agent)
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    assert assigned(waiting) == p.agent


def test_the_sweep_routes_waiting_conversations_no_trigger_routed(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    lost = queued_without_routing(p.queue)
    with engine.commit():
        result = sweep.sweep()
    assert result["routed"] == 1
    assert assigned(lost) == p.agent


def test_routing_fills_every_free_slot_in_one_run(personas, engine):
    p = personas
    for _ in range(3):
        queued_without_routing(p.queue)
    engine.make_ready(p.agent, p.queue)
    assert engine.state(p.agent).chat_load == 3
    assert not Conversation.objects.filter(queue=p.queue, status="queued").exists()


# --- Manual assignment -------------------------------------------------------------------------------


def test_an_agent_takes_a_waiting_chat_with_asignarme(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    waiting = engine.arrive(p.queue)
    engine.call(conversations.conversation_assign, conversation=waiting, agent=p.agent, by=p.agent)
    assert assigned(waiting) == p.agent
    assert engine.status(p.agent) == "in_service"


def test_asignarme_at_capacity_is_refused_with_a_clear_message(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    for _ in range(6):
        engine.arrive(p.queue)
    waiting = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=waiting, agent=p.agent, by=p.agent)
    assert error.value.code == "ineligible"
    assert "6" in str(error.value)
    assert assigned(waiting) is None
    assert engine.state(p.agent).chat_load == 6


def test_asignarme_needs_a_login_to_the_queue(personas, engine):
    p = personas
    engine.make_ready(p.agent)
    waiting = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=waiting, agent=p.agent, by=p.agent)
    assert error.value.code == "ineligible"
    assert assigned(waiting) is None


def test_a_conversation_already_taken_cannot_be_taken_again(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    conversation = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=conversation, agent=p.colleague,
                    by=p.colleague)
    assert error.value.code == "taken"
    assert assigned(conversation) == p.agent


def test_calls_cannot_be_taken_from_the_list(personas, engine, voice_queue):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=voice_queue, agent=p.agent)
    call = engine.arrive(voice_queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=call, agent=p.agent, by=p.agent)
    assert error.value.code == "call"


def test_an_agent_assigns_a_waiting_chat_to_a_colleague(personas, engine):
    p = personas
    for agent in (p.agent, p.colleague):
        engine.call(agents.agent_sign_in, agent=agent)
        engine.call(queues.queue_login, queue=p.queue, agent=agent)
    waiting = engine.arrive(p.queue)
    engine.call(conversations.conversation_assign, conversation=waiting, agent=p.colleague, by=p.agent)
    assert assigned(waiting) == p.colleague
    assert waiting.messages.filter(direction="event").exists()


def test_a_supervisor_assigns_a_waiting_chat_to_an_agent(personas, engine):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    waiting = engine.arrive(p.queue)
    engine.call(conversations.conversation_assign, conversation=waiting, agent=p.agent, by=p.supervisor)
    assert assigned(waiting) == p.agent


def test_assigning_to_a_colleague_at_capacity_is_refused(personas, engine):
    p = personas
    p.queue.capacity = 1
    p.queue.save()
    engine.make_ready(p.colleague, p.queue)
    engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    waiting = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=waiting, agent=p.colleague, by=p.agent)
    assert error.value.code == "ineligible"
    assert assigned(waiting) is None


@pytest.mark.parametrize("situation", ["offline", "paused", "not_logged_in", "lacks_skill"])
def test_assigning_to_an_ineligible_colleague_is_refused(personas, engine, situation):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    if situation != "offline":
        engine.call(agents.agent_sign_in, agent=p.colleague)
    if situation != "not_logged_in":
        engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    if situation == "paused":
        engine.call(agents.agent_pause, agent=p.colleague,
                    reason=f.PauseReasonFactory(organization=p.organization))
    if situation == "lacks_skill":
        p.queue.required_skills.add(f.SkillFactory(organization=p.organization))
    waiting = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        engine.call(conversations.conversation_assign, conversation=waiting, agent=p.colleague, by=p.agent)
    assert error.value.code == "ineligible"
    assert assigned(waiting) is None


def test_an_agent_outside_the_queue_cannot_assign_its_chats(personas, engine):
    p = personas
    stranger = f.AgentFactory(organization=p.organization)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    waiting = engine.arrive(p.queue)
    with pytest.raises(NotAllowed):
        engine.call(conversations.conversation_assign, conversation=waiting, agent=p.colleague, by=stranger)


def test_closing_a_conversation_frees_the_slot_and_the_next_waiting_one_is_assigned_at_once(
    personas, engine
):
    p = personas
    engine.make_ready(p.agent, p.queue)
    chats = [engine.arrive(p.queue) for _ in range(6)]
    waiting = engine.arrive(p.queue)
    assert waiting.status == "queued"
    closed = engine.close(chats[0], p.agent)
    assert (closed.status, closed.closed_at is not None) == ("closed", True)
    assert assigned(waiting) == p.agent
    assert engine.state(p.agent).chat_load == 6


def test_closing_the_last_conversation_makes_the_agent_ready_again(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.close(engine.arrive(p.queue), p.agent)
    state = engine.state(p.agent)
    assert (state.status.code, state.chat_load) == ("ready", 0)


def test_closing_a_waiting_conversation_abandons_it(personas, engine):
    p = personas
    waiting = engine.arrive(p.queue)
    closed = engine.close(waiting, p.supervisor)
    assert closed.status == "abandoned"
