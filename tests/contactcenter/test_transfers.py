"""Transfers: blind to a queue, blind to an agent, consult (ask first)."""

import pytest

from contactcenter.models import Message, Transfer
from contactcenter.services import agents, conversations, queues, transfers
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

pytestmark = pytest.mark.django_db


def transfer(engine, conversation, by, **kwargs):
    return engine.call(transfers.conversation_transfer, conversation=conversation, by=by, **kwargs)


def system_messages(conversation):
    return list(conversation.messages.filter(direction=Message.Direction.EVENT).values_list("body", flat=True))


def test_a_blind_transfer_to_a_queue_puts_the_conversation_back_in_that_queue(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    result = transfer(engine, conversation, p.agent, to_queue=p.other_queue, note="es de soporte")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.queue, conversation.assignee) == ("queued", p.other_queue, None)
    state = engine.state(p.agent)
    assert (state.chat_load, state.status.code) == (0, "ready")
    result.refresh_from_db()
    assert (result.mode, result.status, result.from_agent, result.to_queue, result.note) == (
        Transfer.Mode.BLIND, Transfer.Status.COMPLETED, p.agent, p.other_queue, "es de soporte"
    )
    assert result.resolved_at is not None
    assert len(system_messages(conversation)) == 1


def test_a_blind_transfer_to_a_queue_is_routed_there_at_once(personas, engine):
    p = personas
    f.QueueMembershipFactory(queue=p.other_queue, user=p.colleague)
    p.other_queue.kind = "chat"
    p.other_queue.save()
    engine.make_ready(p.colleague, p.other_queue)
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    transfer(engine, conversation, p.agent, to_queue=p.other_queue)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", p.colleague)


def test_a_blind_transfer_back_to_the_same_queue_goes_to_another_agent(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.make_ready(p.colleague, p.queue)
    engine.arrive(p.queue)  # luis is as busy as ana
    transfer(engine, conversation, p.agent, to_queue=p.queue)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", p.colleague)


def test_a_blind_transfer_to_an_agent_assigns_it_to_that_agent(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", p.colleague)
    result.refresh_from_db()
    assert result.status == Transfer.Status.COMPLETED
    assert (engine.state(p.agent).chat_load, engine.state(p.colleague).chat_load) == (0, 1)
    assert engine.status(p.colleague) == "in_service"
    assert engine.status(p.agent) == "ready"
    assert len(system_messages(conversation)) == 1


def test_a_failed_blind_transfer_waits_in_the_queue_and_does_not_go_back_to_the_sender(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)  # signed in, but not logged in to Ventas
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague)
    conversation.refresh_from_db()
    result.refresh_from_db()
    assert result.status == Transfer.Status.FAILED
    # the sender is Ready with a free slot, yet it is not given back to them
    assert engine.status(p.agent) == "ready"
    assert (conversation.status, conversation.assignee, conversation.queue) == ("queued", None, p.queue)
    assert engine.state(p.colleague).chat_load == 0
    assert len(system_messages(conversation)) == 1


def test_a_failed_blind_transfer_goes_to_the_next_eligible_agent(personas, engine):
    p = personas
    third = f.AgentFactory(organization=p.organization)
    f.QueueMembershipFactory(queue=p.queue, user=third)
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.make_ready(third, p.queue)
    transfer(engine, conversation, p.agent, to_agent=p.colleague)  # luis is offline
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", third)


def test_the_sender_can_still_take_a_failed_transfer_back_by_hand(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    transfer(engine, conversation, p.agent, to_agent=p.colleague)
    engine.call(conversations.conversation_assign, conversation=conversation, agent=p.agent, by=p.agent)
    conversation.refresh_from_db()
    assert conversation.assignee == p.agent


def test_a_consult_transfer_stays_with_the_sender_until_accepted(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague, consult=True)
    conversation.refresh_from_db()
    assert (result.mode, result.status) == (Transfer.Mode.CONSULT, Transfer.Status.PENDING)
    assert conversation.assignee == p.agent
    assert len(system_messages(conversation)) == 1

    engine.call(transfers.transfer_accept, transfer=result, agent=p.colleague)
    conversation.refresh_from_db()
    result.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", p.colleague)
    assert result.status == Transfer.Status.COMPLETED
    assert (engine.state(p.agent).chat_load, engine.state(p.colleague).chat_load) == (0, 1)


def test_a_declined_consult_transfer_leaves_the_conversation_with_the_sender(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague, consult=True)
    engine.call(transfers.transfer_decline, transfer=result, agent=p.colleague)
    conversation.refresh_from_db()
    result.refresh_from_db()
    assert result.status == Transfer.Status.DECLINED
    assert (conversation.status, conversation.assignee) == ("assigned", p.agent)
    assert engine.state(p.agent).chat_load == 1
    assert len(system_messages(conversation)) == 2
    with pytest.raises(DomainError) as error:
        engine.call(transfers.transfer_accept, transfer=result, agent=p.colleague)
    assert error.value.code == "gone"


def test_only_the_asked_agent_answers_a_consult_transfer(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague, consult=True)
    with pytest.raises(NotAllowed):
        engine.call(transfers.transfer_accept, transfer=result, agent=p.supervisor)
    with pytest.raises(NotAllowed):
        engine.call(transfers.transfer_decline, transfer=result, agent=p.agent)


def test_accepting_a_consult_transfer_while_ineligible_is_refused(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)  # not logged in to Ventas
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague, consult=True)
    with pytest.raises(DomainError) as error:
        engine.call(transfers.transfer_accept, transfer=result, agent=p.colleague)
    assert error.value.code == "ineligible"
    result.refresh_from_db()
    conversation.refresh_from_db()
    assert result.status == Transfer.Status.PENDING
    assert conversation.assignee == p.agent


def test_accepting_a_consult_transfer_after_the_conversation_closed_cancels_it(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    engine.call(agents.agent_sign_in, agent=p.colleague)
    engine.call(queues.queue_login, queue=p.queue, agent=p.colleague)
    result = transfer(engine, conversation, p.agent, to_agent=p.colleague, consult=True)
    engine.close(conversation, p.agent)
    with pytest.raises(DomainError) as error:
        engine.call(transfers.transfer_accept, transfer=result, agent=p.colleague)
    assert error.value.code == "gone"
    result.refresh_from_db()
    assert result.status == Transfer.Status.CANCELLED
    assert engine.state(p.colleague).chat_load == 0


def test_only_the_agent_handling_a_conversation_can_transfer_it(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    with pytest.raises(NotAllowed):
        transfer(engine, conversation, p.colleague, to_queue=p.other_queue)
    assert not Transfer.objects.exists()


def test_a_transfer_needs_exactly_one_target(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    for kwargs in ({}, {"to_agent": p.colleague, "to_queue": p.other_queue}):
        with pytest.raises(DomainError) as error:
            transfer(engine, conversation, p.agent, **kwargs)
        assert error.value.code == "bad_target"
    with pytest.raises(DomainError) as error:
        transfer(engine, conversation, p.agent, to_queue=p.other_queue, consult=True)
    assert error.value.code == "bad_target"
    with pytest.raises(DomainError) as error:
        transfer(engine, conversation, p.agent, to_agent=p.agent)
    assert error.value.code == "self"
    assert not Transfer.objects.exists()


def test_a_transfer_to_another_organization_does_not_exist(personas, engine):
    p = personas
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    with pytest.raises(DomainError) as error:
        transfer(engine, conversation, p.agent, to_queue=p.outsider_queue)
    assert error.value.code == "not_found"
    with pytest.raises(DomainError):
        transfer(engine, conversation, p.agent, to_agent=p.outsider)
    conversation.refresh_from_db()
    assert conversation.assignee == p.agent
