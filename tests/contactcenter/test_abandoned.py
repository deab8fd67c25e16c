"""Conversation.abandoned_at: set on every path where the customer is left waiting and leaves (the
reports' "abandoned"), and only there."""

import pytest
from django.utils import timezone

from contactcenter.services import calls, conversations, telephony


@pytest.fixture
def backend():
    backend = telephony.get_backend()
    backend.reset()
    yield backend
    backend.reset()


def test_a_caller_who_hangs_up_while_queued_is_abandoned_at_that_moment(engine, voice_queue, backend):
    conversation = engine.arrive(voice_queue)  # nobody is logged in
    before = timezone.now()
    engine.call(calls.call_remote_hangup, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == "abandoned"
    assert before <= conversation.abandoned_at == conversation.closed_at <= timezone.now()


def test_a_caller_who_hangs_up_while_ringing_is_abandoned(engine, personas, voice_queue, backend):
    engine.make_ready(personas.agent, voice_queue)
    conversation = engine.arrive(voice_queue)
    assert conversation.status == "offered"
    engine.call(calls.call_remote_hangup, conversation=conversation)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.abandoned_at) == ("abandoned", conversation.closed_at)


def test_a_caller_who_hangs_up_once_answered_is_not_abandoned(engine, personas, voice_queue, backend):
    engine.make_ready(personas.agent, voice_queue)
    conversation = engine.arrive(voice_queue)
    engine.call(calls.call_answer, offer_id=conversation.offers.get().pk, agent=personas.agent)
    engine.call(calls.call_remote_hangup, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert conversation.abandoned_at is None


def test_closing_a_waiting_chat_abandons_it_at_the_closing_time(engine, personas):
    waiting = engine.arrive(personas.queue)
    now = timezone.now()
    engine.call(conversations.conversation_close, conversation=waiting, by=personas.supervisor, now=now)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.abandoned_at, waiting.closed_at) == ("abandoned", now, now)


def test_closing_a_served_chat_is_not_an_abandon(engine, personas):
    engine.make_ready(personas.agent, personas.queue)
    served = engine.arrive(personas.queue)
    assert served.status == "assigned"
    closed = engine.close(served, personas.agent)
    assert (closed.status, closed.abandoned_at) == ("closed", None)
