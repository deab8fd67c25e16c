"""Domain events: one per change, published only after commit, with type, organization, ids and
the groups that care (org.<id>, queue.<id>, agent.<id>, conversation.<id>)."""

from collections import Counter

import pytest
from django.db import transaction

from contactcenter import events
from contactcenter.models import Offer, Queue
from contactcenter.services import agents, conversations, messages, offers, queues, sweep, transfers, wrapup
from tests import factories as f

pytestmark = pytest.mark.django_db


def of_type(captured, type_):
    return [event for event in captured if event.type == type_]


def only(captured, type_):
    found = of_type(captured, type_)
    assert len(found) == 1, f"{type_}: expected exactly one, got {len(found)}"
    return found[0]


def groups(*, org, queues=(), agents=(), conversations=()):
    return {
        f"org.{org.pk}",
        *(f"queue.{q.pk}" for q in queues),
        *(f"agent.{a.pk}" for a in agents),
        *(f"conversation.{c.pk}" for c in conversations),
    }


# --- After commit only ------------------------------------------------------------------------------


def test_nothing_is_published_before_the_transaction_commits(personas, django_capture_on_commit_callbacks,
                                                              captured_events):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agents.agent_sign_in(agent=personas.agent)
    assert callbacks
    assert captured_events == []
    for callback in callbacks:
        callback()
    assert [event.type for event in captured_events] == [events.AGENT_STATUS]


def test_nothing_is_published_when_the_transaction_rolls_back(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    captured_events.clear()
    contact = f.ContactFactory(organization=p.organization)
    with engine.commit(), pytest.raises(RuntimeError), transaction.atomic():
        conversations.conversation_open(queue=p.queue, contact=contact, text="Hola")
        agents.agent_set_unavailable(agent=p.agent, dnd=True)
        raise RuntimeError("the caller fails after the services ran")
    assert captured_events == []
    assert engine.status(p.agent) == "ready"


@pytest.mark.django_db(transaction=True)
def test_events_follow_real_commits_and_never_real_rollbacks(captured_events):
    """With real transactions (no test wrapper): a committed change publishes, a rolled back one
    does not."""
    organization = f.OrganizationFactory()
    agent = f.AgentFactory(organization=organization)
    with pytest.raises(RuntimeError), transaction.atomic():
        agents.agent_sign_in(agent=agent)
        raise RuntimeError
    assert captured_events == []
    agents.agent_sign_in(agent=agent)
    assert [event.type for event in captured_events] == [events.AGENT_STATUS]


def test_an_event_becomes_a_channel_layer_message_with_its_ids(personas, engine, captured_events):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    event = only(captured_events, events.AGENT_STATUS)
    message = event.as_message()
    assert message["type"] == events.LAYER_MESSAGE_TYPE
    assert message["event"]["type"] == "agent.status"
    assert message["event"]["organization_id"] == p.organization.pk
    assert message["event"]["agent_ids"] == [p.agent.pk]
    assert message["event"]["id"] == event.id


# --- One event per change, with its fields --------------------------------------------------------


def test_agent_status_is_published_once_per_status_change(personas, engine, captured_events):
    p = personas
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    captured_events.clear()
    engine.call(agents.agent_sign_in, agent=p.agent)
    event = only(captured_events, events.AGENT_STATUS)
    assert event.organization_id == p.organization.pk
    assert event.data["agent_ids"] == [p.agent.pk]
    assert event.data["queue_ids"] == [p.queue.pk]
    assert (event.data["status"], event.data["previous_status"], event.data["source"]) == (
        "online", "offline", "agent")
    assert event.data["since"] == engine.state(p.agent).since.isoformat()
    assert set(event.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent])
    assert len(captured_events) == 1

    captured_events.clear()
    engine.call(agents.agent_sign_in, agent=p.agent)  # no change, no event
    assert captured_events == []


@pytest.mark.parametrize("change", [
    pytest.param(lambda agent: agents.agent_set_receive_new(agent=agent, on=False), id="receive-new-off"),
    pytest.param(lambda agent: agents.agent_set_unavailable(agent=agent, dnd=True), id="do-not-disturb"),
])
def test_a_change_of_choice_while_in_service_is_published_with_the_status_kept(personas, engine, captured_events,
                                                                               change):
    p = personas
    engine.make_ready(p.agent, p.queue)
    engine.arrive(p.queue)
    assert engine.state(p.agent).status.code == "in_service"
    captured_events.clear()
    with engine.commit():
        change(p.agent)
    event = only(captured_events, events.AGENT_STATUS)
    assert (event.data["status"], event.data["previous_status"]) == ("in_service", "in_service")
    assert event.data["receive_new"] is False
    assert event.data["prefers_dnd"] is (engine.state(p.agent).prefers_dnd)


def test_queue_login_and_logout_are_published_once(personas, engine, captured_events):
    p = personas
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)  # already logged in
    login = only(captured_events, events.QUEUE_LOGIN)
    assert (login.data["agent_ids"], login.data["queue_ids"]) == ([p.agent.pk], [p.queue.pk])
    assert set(login.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent])

    captured_events.clear()
    engine.call(queues.queue_logout, queue=p.queue, agent=p.agent)
    engine.call(queues.queue_logout, queue=p.queue, agent=p.agent)  # already out
    logout = only(captured_events, events.QUEUE_LOGOUT)
    assert set(logout.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent])
    assert len(captured_events) == 1


def test_signing_out_publishes_a_logout_per_queue_and_one_status_change(personas, engine, captured_events):
    p = personas
    f.QueueMembershipFactory(queue=p.other_queue, user=p.agent)
    engine.make_ready(p.agent, p.queue, p.other_queue)
    captured_events.clear()
    engine.call(agents.agent_sign_out, agent=p.agent)
    assert Counter(event.type for event in captured_events) == {events.QUEUE_LOGOUT: 2, events.AGENT_STATUS: 1}
    assert {e.data["queue_ids"][0] for e in of_type(captured_events, events.QUEUE_LOGOUT)} == {
        p.queue.pk, p.other_queue.pk}


def test_an_arrival_nobody_can_take_publishes_queued_and_the_message(personas, engine, captured_events):
    p = personas
    conversation = engine.arrive(p.queue, text="Hola")
    assert Counter(event.type for event in captured_events) == {
        events.CONVERSATION_QUEUED: 1, events.MESSAGE_CREATED: 1}
    queued = only(captured_events, events.CONVERSATION_QUEUED)
    assert (queued.organization_id, queued.data["conversation_ids"], queued.data["queue_ids"]) == (
        p.organization.pk, [conversation.pk], [p.queue.pk])
    assert set(queued.groups) == groups(org=p.organization, queues=[p.queue], conversations=[conversation])
    message = only(captured_events, events.MESSAGE_CREATED)
    assert message.data["message_id"] == conversation.messages.get().pk
    assert message.data["direction"] == "inbound"


def test_a_routed_arrival_publishes_assigned_once_and_the_agents_status(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    captured_events.clear()
    conversation = engine.arrive(p.queue, text="Hola")
    assert Counter(event.type for event in captured_events) == {
        events.CONVERSATION_QUEUED: 1, events.MESSAGE_CREATED: 1, events.CONVERSATION_ASSIGNED: 1,
        events.AGENT_STATUS: 1}
    assigned = only(captured_events, events.CONVERSATION_ASSIGNED)
    assert (assigned.data["assignee_id"], assigned.data["by_id"]) == (p.agent.pk, None)
    assert set(assigned.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent],
                                          conversations=[conversation])
    assert only(captured_events, events.AGENT_STATUS).data["status"] == "in_service"


def test_a_manual_assignment_publishes_assigned_with_who_assigned_it(personas, engine, captured_events):
    p = personas
    engine.call(agents.agent_sign_in, agent=p.agent)
    engine.call(queues.queue_login, queue=p.queue, agent=p.agent)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    engine.call(conversations.conversation_assign, conversation=conversation, agent=p.agent, by=p.supervisor)
    assigned = only(captured_events, events.CONVERSATION_ASSIGNED)
    assert (assigned.data["assignee_id"], assigned.data["by_id"]) == (p.agent.pk, p.supervisor.pk)
    only(captured_events, events.MESSAGE_CREATED)  # the "assigned by" system message


def test_an_offered_call_publishes_offered_once(personas, engine, captured_events, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    captured_events.clear()
    call = engine.arrive(voice_queue, text="")
    offer = call.offers.get()
    offered = only(captured_events, events.CONVERSATION_OFFERED)
    assert (offered.data["offer_id"], offered.data["agent_ids"], offered.data["conversation_ids"]) == (
        offer.pk, [p.agent.pk], [call.pk])
    assert set(offered.groups) == groups(org=p.organization, queues=[voice_queue], agents=[p.agent],
                                         conversations=[call])
    assert Counter(event.type for event in captured_events) == {
        events.CONVERSATION_QUEUED: 1, events.CONVERSATION_OFFERED: 1}


def test_simultaneous_offers_publish_one_offered_per_agent(personas, engine, captured_events, voice_queue):
    p = personas
    voice_queue.strategy = Queue.Strategy.SIMULTANEOUS
    voice_queue.save()
    engine.make_ready(p.agent, voice_queue)
    engine.make_ready(p.colleague, voice_queue)
    captured_events.clear()
    engine.arrive(voice_queue, text="")
    offered = of_type(captured_events, events.CONVERSATION_OFFERED)
    assert sorted(event.data["agent_ids"][0] for event in offered) == sorted([p.agent.pk, p.colleague.pk])


def test_accepting_one_of_two_offers_ends_the_other_once(personas, engine, captured_events, voice_queue):
    p = personas
    voice_queue.strategy = Queue.Strategy.SIMULTANEOUS
    voice_queue.save()
    engine.make_ready(p.agent, voice_queue)
    engine.make_ready(p.colleague, voice_queue)
    call = engine.arrive(voice_queue, text="")
    captured_events.clear()
    engine.call(offers.offer_accept, offer_id=call.offers.get(agent=p.agent).pk, agent=p.agent)
    ended = only(captured_events, events.OFFER_ENDED)
    other = call.offers.get(agent=p.colleague)
    assert (ended.data["offer_id"], ended.data["status"], ended.data["agent_ids"]) == (
        other.pk, Offer.Status.WITHDRAWN, [p.colleague.pk])
    assert set(ended.groups) == groups(org=p.organization, agents=[p.colleague], conversations=[call])
    only(captured_events, events.CONVERSATION_ASSIGNED)


def test_a_declined_offer_publishes_offer_ended_and_queued_once(personas, engine, captured_events, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue, text="")
    captured_events.clear()
    engine.call(offers.offer_decline, offer_id=call.offers.get().pk, agent=p.agent)
    assert only(captured_events, events.OFFER_ENDED).data["status"] == Offer.Status.DECLINED
    assert only(captured_events, events.CONVERSATION_QUEUED).data["conversation_ids"] == [call.pk]


def test_a_call_hung_up_while_ringing_is_closed_not_queued(personas, engine, captured_events, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue, text="")
    captured_events.clear()
    engine.close(call, p.admin)
    assert Counter(event.type for event in captured_events) == {
        events.OFFER_ENDED: 1, events.CONVERSATION_CLOSED: 1}


def test_closing_publishes_closed_once(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    engine.close(conversation, p.agent)
    closed = only(captured_events, events.CONVERSATION_CLOSED)
    assert (closed.data["conversation_ids"], closed.data["agent_ids"], closed.data["by_id"]) == (
        [conversation.pk], [p.agent.pk], p.agent.pk)
    assert set(closed.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent],
                                        conversations=[conversation])
    assert Counter(event.type for event in captured_events) == {
        events.CONVERSATION_CLOSED: 1, events.AGENT_STATUS: 1}


def test_after_service_publishes_started_and_ended_once(personas, engine, captured_events):
    p = personas
    p.queue.after_service_seconds = 30
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    engine.close(conversation, p.agent)
    started = only(captured_events, events.WRAPUP_STARTED)
    state = engine.state(p.agent)
    assert (started.data["episode"], started.data["deadline"], started.data["conversation_ids"]) == (
        1, state.wrapup_deadline.isoformat(), [conversation.pk])
    assert set(started.groups) == groups(org=p.organization, agents=[p.agent], conversations=[conversation])
    assert only(captured_events, events.AGENT_STATUS).data["status"] == "after_service"

    captured_events.clear()
    engine.call(wrapup.wrapup_end, agent=p.agent)
    ended = only(captured_events, events.WRAPUP_ENDED)
    assert (ended.data["episode"], ended.data["source"], ended.data["conversation_ids"]) == (
        1, "agent", [conversation.pk])
    assert only(captured_events, events.AGENT_STATUS).data["status"] == "ready"


def test_an_expired_after_service_publishes_ended_once_even_when_run_twice(personas, engine, captured_events):
    from contactcenter import tasks

    p = personas
    p.queue.after_service_seconds = 30
    p.queue.save()
    engine.make_ready(p.agent, p.queue)
    engine.close(engine.arrive(p.queue), p.agent)
    engine.overdue(p.agent)
    captured_events.clear()
    with engine.commit():
        tasks.wrapup_expire(p.agent.pk, 1)
        tasks.wrapup_expire(p.agent.pk, 1)
        sweep.sweep()
    assert only(captured_events, events.WRAPUP_ENDED).data["source"] == "system"
    only(captured_events, events.AGENT_STATUS)


def test_a_transfer_to_a_queue_publishes_transferred_and_queued_once(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    transfer = engine.call(transfers.conversation_transfer, conversation=conversation, by=p.agent,
                           to_queue=p.other_queue)
    moved = only(captured_events, events.CONVERSATION_TRANSFERRED)
    assert (moved.data["transfer_id"], moved.data["status"], moved.data["conversation_ids"]) == (
        transfer.pk, "completed", [conversation.pk])
    assert {f"queue.{p.queue.pk}", f"queue.{p.other_queue.pk}", f"agent.{p.agent.pk}"} <= set(moved.groups)
    queued = only(captured_events, events.CONVERSATION_QUEUED)
    assert queued.data["queue_ids"] == [p.other_queue.pk]
    assert Counter(event.type for event in captured_events) == {
        events.CONVERSATION_TRANSFERRED: 1, events.CONVERSATION_QUEUED: 1, events.MESSAGE_CREATED: 1,
        events.AGENT_STATUS: 1}


def test_a_transfer_to_an_agent_publishes_transferred_and_assigned_once(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    captured_events.clear()
    engine.call(transfers.conversation_transfer, conversation=conversation, by=p.agent, to_agent=p.colleague)
    moved = only(captured_events, events.CONVERSATION_TRANSFERRED)
    assert set(moved.data["agent_ids"]) == {p.agent.pk, p.colleague.pk}
    assert only(captured_events, events.CONVERSATION_ASSIGNED).data["assignee_id"] == p.colleague.pk
    assert not of_type(captured_events, events.CONVERSATION_QUEUED)
    assert Counter(e.data["agent_ids"][0] for e in of_type(captured_events, events.AGENT_STATUS)) == {
        p.agent.pk: 1, p.colleague.pk: 1}


def test_a_consult_transfer_publishes_transferred_on_ask_and_on_answer(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    transfer = engine.call(transfers.conversation_transfer, conversation=conversation, by=p.agent,
                           to_agent=p.colleague, consult=True)
    asked = only(captured_events, events.CONVERSATION_TRANSFERRED)
    assert (asked.data["status"], set(asked.groups)) == (
        "pending", groups(org=p.organization, agents=[p.agent, p.colleague], conversations=[conversation]))
    captured_events.clear()
    engine.call(transfers.transfer_decline, transfer=transfer, agent=p.colleague)
    assert only(captured_events, events.CONVERSATION_TRANSFERRED).data["status"] == "declined"


def test_messages_publish_message_created_once(personas, engine, captured_events):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    captured_events.clear()
    message = engine.call(messages.message_send, conversation=conversation, sender=p.agent, text="¿Sí?")
    created = only(captured_events, events.MESSAGE_CREATED)
    assert (created.data["message_id"], created.data["direction"], created.data["agent_ids"]) == (
        message.pk, "outbound", [p.agent.pk])
    assert set(created.groups) == groups(org=p.organization, queues=[p.queue], agents=[p.agent],
                                         conversations=[conversation])
    assert len(captured_events) == 1
    captured_events.clear()
    engine.call(messages.message_receive, conversation=conversation, text="Sí")
    assert only(captured_events, events.MESSAGE_CREATED).data["direction"] == "inbound"


def test_a_refused_change_publishes_nothing(personas, engine, captured_events):
    from contactcenter.services.errors import DomainError

    p = personas
    with pytest.raises(DomainError):
        engine.call(agents.agent_pause, agent=p.agent, reason=f.PauseReasonFactory(organization=p.organization))
    with pytest.raises(DomainError):
        engine.call(queues.queue_login, queue=p.other_queue, agent=p.agent)
    assert captured_events == []
