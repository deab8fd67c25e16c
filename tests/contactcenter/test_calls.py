"""Calls: outbound dialing, what the telephony system reports, the agent's call controls,
inbound answering and supervisor monitoring, with the simulated voice backend recording the
commands that reach the telephony system (after commit only)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from contactcenter.connectors import voice
from contactcenter.models import AuditEntry, Conversation, Message, Offer, StatusSource
from contactcenter.services import agents, calls, conversations, telephony, wrapup
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f

CS = Conversation.CallState
NUMBER = "+34 600 11 22 33"
DIALED = "+34600112233"


@pytest.fixture
def backend():
    backend = telephony.get_backend()
    assert isinstance(backend, voice.SimulatedVoiceBackend)
    backend.reset()
    yield backend
    backend.reset()


def sent(backend, conversation) -> list[tuple]:
    """The commands the telephony system received about a conversation: (command, args)."""
    return [(c.command, c.args) for c in backend.commands_for(conversation)]


def dial(engine, agent, queue, number=NUMBER, **kwargs) -> Conversation:
    conversation = engine.call(calls.call_dial, agent=agent, queue=queue, number=number, **kwargs)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def on_call(engine, personas, voice_queue, backend):
    """Ana, Ready in the voice queue, on an answered outbound call."""
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue)
    engine.call(backend.simulate_answer, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.call_state == CS.ACTIVE
    return conversation


# --- Dialing ----------------------------------------------------------------------------------


def test_dialing_puts_the_agent_in_dialing_with_a_dialing_call(engine, personas, voice_queue, backend,
                                                                captured_events):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)

    assert conversation.medium == Conversation.Medium.VOICE
    assert conversation.status == Conversation.Status.ASSIGNED
    assert conversation.assignee == agent
    assert conversation.call_state == CS.DIALING
    assert conversation.contact.phone == DIALED
    state = engine.state(agent)
    assert state.status.code == "dialing"
    assert state.voice_load == 1
    last = engine.ledger(agent)[-1]
    assert (last.status.code, last.source) == ("dialing", StatusSource.AGENT)
    engine.assert_ledger_tiles(agent)
    assert sent(backend, conversation) == [("dial", {"number": DIALED})]
    assigned = [e for e in captured_events if e.type == "conversation.assigned"]
    assert [e.data["conversation_ids"] for e in assigned] == [[conversation.pk]]
    assert assigned[0].data["assignee_id"] == agent.pk


def test_dialing_a_known_number_reuses_its_contact(engine, personas, voice_queue, backend):
    contact = f.ContactFactory(organization=personas.organization, phone=DIALED, name="Marta")
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue, number="0034 600 112 233")
    assert conversation.contact == contact
    assert sent(backend, conversation) == [("dial", {"number": DIALED})]


def test_dialing_a_contact_calls_its_phone(engine, personas, voice_queue, backend):
    contact = f.ContactFactory(organization=personas.organization, phone="+34 911 000 111")
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue, number=None, contact=contact)
    assert conversation.contact == contact
    assert sent(backend, conversation) == [("dial", {"number": "+34911000111"})]


def test_an_agent_who_is_not_receiving_new_work_may_still_dial(engine, personas, voice_queue, backend):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    engine.call(agents.agent_set_unavailable, agent=agent, dnd=True)
    conversation = dial(engine, agent, voice_queue)
    assert engine.status(agent) == "dialing"
    engine.call(calls.call_no_answer, conversation=conversation)
    assert engine.status(agent) == "dnd"
    engine.assert_ledger_tiles(agent)


@pytest.mark.parametrize("number", ["", "abc", "+34 6x0", "1"])
def test_a_number_that_cannot_be_dialed_is_refused_and_nothing_changes(engine, personas, voice_queue,
                                                                       backend, number):
    engine.make_ready(personas.agent, voice_queue)
    with pytest.raises(DomainError):
        dial(engine, personas.agent, voice_queue, number=number)
    assert engine.status(personas.agent) == "ready"
    assert not Conversation.objects.exists()
    assert list(backend.commands) == []


def test_a_busy_agent_cannot_dial_a_second_call(engine, personas, voice_queue, backend):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    first = dial(engine, agent, voice_queue)
    with pytest.raises(DomainError) as refused:
        dial(engine, agent, voice_queue, number="+34 911 222 333")
    assert refused.value.code == "busy"
    assert list(Conversation.objects.values_list("pk", flat=True)) == [first.pk]
    assert engine.state(agent).voice_load == 1
    assert [c.command for c in backend.commands] == ["dial"]


def test_an_agent_on_an_inbound_call_cannot_dial(engine, personas, voice_queue, backend):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    engine.arrive(voice_queue)
    offer = Offer.objects.get(agent=agent, status=Offer.Status.PENDING)
    engine.call(calls.call_answer, offer_id=offer.pk, agent=agent)
    with pytest.raises(DomainError) as refused:
        dial(engine, agent, voice_queue)
    assert refused.value.code == "busy"
    assert engine.status(agent) == "in_service"


def _signed_out(engine, agent, queue):
    assert engine.status(agent) == "offline"


def _paused(engine, agent, queue):
    engine.make_ready(agent, queue)
    engine.call(agents.agent_pause, agent=agent, reason=f.PauseReasonFactory(organization=agent.organization))


def _not_logged_in(engine, agent, queue):
    engine.call(agents.agent_sign_in, agent=agent)


def _in_after_service(engine, agent, queue):
    queue.after_service_seconds = 60
    queue.save()
    engine.make_ready(agent, queue)
    conversation = dial(engine, agent, queue)
    engine.call(calls.call_hangup, conversation=conversation, by=agent)


@pytest.mark.parametrize(
    ("setup", "code"),
    [(_signed_out, "offline"), (_paused, "paused"), (_not_logged_in, "not_logged_in"),
     (_in_after_service, "after_service")],
    ids=["signed out", "paused", "not logged in to the queue", "in after service"],
)
def test_an_agent_who_cannot_work_cannot_dial(engine, personas, voice_queue, backend, setup, code):
    agent = personas.agent
    setup(engine, agent, voice_queue)
    before = Conversation.objects.count()
    backend.reset()
    with pytest.raises(DomainError) as refused:
        dial(engine, agent, voice_queue)
    assert refused.value.code == code
    assert Conversation.objects.count() == before
    assert list(backend.commands) == []


def test_calls_are_not_made_from_a_chat_queue(engine, personas, backend):
    engine.make_ready(personas.agent, personas.queue)
    with pytest.raises(DomainError) as refused:
        dial(engine, personas.agent, personas.queue)
    assert refused.value.code == "not_voice"


def test_another_organizations_queue_or_contact_cannot_be_used_to_dial(engine, personas, voice_queue, backend):
    engine.make_ready(personas.agent, voice_queue)
    with pytest.raises(DomainError) as refused:
        dial(engine, personas.agent, personas.outsider_queue)
    assert refused.value.code == "not_found"
    their_contact = f.ContactFactory(organization=personas.outsider.organization)
    with pytest.raises(DomainError) as refused:
        dial(engine, personas.agent, voice_queue, number=None, contact=their_contact)
    assert refused.value.code == "not_found"
    assert list(backend.commands) == []


# --- What the telephony system reports ----------------------------------------------------------


def test_an_answered_call_is_active_and_the_agent_in_service(engine, personas, voice_queue, backend,
                                                              captured_events):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)
    engine.call(backend.simulate_answer, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.call_state == CS.ACTIVE
    assert conversation.first_response_at is not None
    assert engine.status(agent) == "in_service"
    last = engine.ledger(agent)[-1]
    assert (last.previous_status.code, last.status.code, last.source) == ("dialing", "in_service", "system")
    engine.assert_ledger_tiles(agent)
    updated = [e for e in captured_events if e.type == "conversation.updated"]
    assert updated and updated[-1].data["call_state"] == "active"
    # A repeated report changes nothing.
    intervals = len(engine.ledger(agent))
    engine.call(backend.simulate_answer, conversation=conversation)
    assert len(engine.ledger(agent)) == intervals
    assert engine.status(agent) == "in_service"


@pytest.mark.parametrize("report", ["simulate_no_answer", "simulate_failure", "simulate_hangup"])
def test_an_unanswered_call_closes_and_the_agent_is_ready_again(engine, personas, voice_queue, backend,
                                                                 captured_events, report):
    agent = personas.agent
    voice_queue.after_service_seconds = 60  # no after service for a call that never connected
    voice_queue.save()
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)
    engine.call(getattr(backend, report), conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.call_state == CS.ENDED
    state = engine.state(agent)
    assert (state.status.code, state.voice_load, state.wrapup_conversation_id) == ("ready", 0, None)
    engine.assert_ledger_tiles(agent)
    assert "conversation.closed" in [e.type for e in captured_events]
    assert sent(backend, conversation) == [("dial", {"number": DIALED})]  # nothing to hang up
    # A late second report is harmless.
    engine.call(calls.call_no_answer, conversation=conversation)
    assert engine.status(agent) == "ready"


def test_the_customer_hanging_up_closes_the_call(on_call, engine, personas, backend):
    engine.call(backend.simulate_hangup, conversation=on_call)
    on_call.refresh_from_db()
    assert on_call.status == Conversation.Status.CLOSED
    assert on_call.call_state == CS.ENDED
    assert engine.status(personas.agent) == "ready"
    assert [c for c, _args in sent(backend, on_call)] == ["dial"]
    assert on_call.messages.filter(direction=Message.Direction.EVENT).count() == 2  # dialed, hung up


# --- Call controls ------------------------------------------------------------------------------


def test_hold_and_resume_change_the_call_state_and_tell_the_telephony_system(on_call, engine, personas,
                                                                              backend, captured_events):
    agent = personas.agent
    engine.call(calls.call_hold, conversation=on_call, by=agent, on=True)
    on_call.refresh_from_db()
    assert on_call.call_state == CS.HELD
    engine.call(calls.call_hold, conversation=on_call, by=agent, on=True)  # already held: nothing sent
    engine.call(calls.call_hold, conversation=on_call, by=agent, on=False)
    on_call.refresh_from_db()
    assert on_call.call_state == CS.ACTIVE
    assert sent(backend, on_call)[-2:] == [("hold", {"on": True}), ("hold", {"on": False})]
    states = [e.data["call_state"] for e in captured_events if e.type == "conversation.updated"]
    assert states[-2:] == ["held", "active"]


def test_the_time_on_hold_adds_up_until_the_call_ends(on_call, engine, personas):
    agent, start = personas.agent, datetime(2027, 5, 4, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        engine.call(calls.call_hold, conversation=on_call, by=agent, on=True)
        clock.shift(30)
        engine.call(calls.call_hold, conversation=on_call, by=agent, on=False)
        clock.shift(10)
        engine.call(calls.call_hold, conversation=on_call, by=agent, on=True)
        clock.shift(12)
        engine.call(conversations.conversation_close, conversation=on_call, by=agent)  # hung up while on hold
    on_call.refresh_from_db()
    assert (on_call.hold_duration, on_call.held_since) == (timedelta(seconds=42), None)


def test_mute_and_unmute_change_the_call_state_and_tell_the_telephony_system(on_call, engine, personas,
                                                                              backend):
    agent = personas.agent
    engine.call(calls.call_mute, conversation=on_call, by=agent, on=True)
    on_call.refresh_from_db()
    assert on_call.call_state == CS.MUTED
    engine.call(calls.call_mute, conversation=on_call, by=agent, on=False)
    on_call.refresh_from_db()
    assert on_call.call_state == CS.ACTIVE
    assert sent(backend, on_call)[-2:] == [("mute", {"on": True}), ("mute", {"on": False})]


def test_holding_a_muted_call_is_refused(on_call, engine, personas, backend):
    engine.call(calls.call_mute, conversation=on_call, by=personas.agent, on=True)
    with pytest.raises(DomainError) as refused:
        engine.call(calls.call_hold, conversation=on_call, by=personas.agent, on=True)
    assert refused.value.code == "call_state"
    on_call.refresh_from_db()
    assert on_call.call_state == CS.MUTED


def test_controls_wait_until_the_call_is_answered(engine, personas, voice_queue, backend):
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue)
    with pytest.raises(DomainError) as refused:
        engine.call(calls.call_hold, conversation=conversation, by=personas.agent, on=True)
    assert refused.value.code == "dialing"
    assert [c for c, _args in sent(backend, conversation)] == ["dial"]


def test_playing_a_message_tells_the_telephony_system_and_is_recorded(on_call, engine, personas, backend):
    recording = f.PrerecordedMessageFactory(organization=personas.organization, name="Aviso legal")
    message = engine.call(calls.call_play_message, conversation=on_call, by=personas.agent, message=recording)
    assert message.direction == Message.Direction.EVENT
    assert "Aviso legal" in message.body
    assert sent(backend, on_call)[-1] == ("play", {"message_id": recording.pk})
    on_call.refresh_from_db()
    assert on_call.call_state == CS.ACTIVE


def test_hanging_up_closes_the_call_and_tells_the_telephony_system(on_call, engine, personas, backend,
                                                                    captured_events):
    agent = personas.agent
    engine.call(calls.call_hangup, conversation=on_call, by=agent)
    on_call.refresh_from_db()
    assert on_call.status == Conversation.Status.CLOSED
    assert on_call.call_state == CS.ENDED
    state = engine.state(agent)
    assert (state.status.code, state.voice_load) == ("ready", 0)
    assert sent(backend, on_call)[-1] == ("hangup", {})
    assert "conversation.closed" in [e.type for e in captured_events]
    engine.assert_ledger_tiles(agent)


def test_hanging_up_in_a_queue_with_after_service_puts_the_agent_in_after_service(engine, personas,
                                                                                  voice_queue, backend):
    agent = personas.agent
    voice_queue.after_service_seconds = 30
    voice_queue.save()
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)
    engine.call(backend.simulate_answer, conversation=conversation)
    engine.call(calls.call_hangup, conversation=conversation, by=agent)
    state = engine.state(agent)
    assert state.status.code == "after_service"
    assert state.wrapup_conversation_id == conversation.pk
    assert state.wrapup_deadline is not None
    assert state.voice_load == 0
    engine.assert_ledger_tiles(agent)


def test_hanging_up_while_dialing_cancels_the_call_and_the_agent_is_ready_again(engine, personas,
                                                                                voice_queue, backend):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)
    engine.call(calls.call_hangup, conversation=conversation, by=agent)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    state = engine.state(agent)
    assert (state.status.code, state.voice_load) == ("ready", 0)
    assert sent(backend, conversation) == [("dial", {"number": DIALED}), ("hangup", {})]
    engine.assert_ledger_tiles(agent)


def test_a_closed_call_cannot_be_controlled(on_call, engine, personas, backend):
    engine.call(calls.call_hangup, conversation=on_call, by=personas.agent)
    for action, kwargs in [(calls.call_hold, {"on": True}), (calls.call_mute, {"on": True}),
                           (calls.call_hangup, {})]:
        with pytest.raises(DomainError) as refused:
            engine.call(action, conversation=on_call, by=personas.agent, **kwargs)
        assert refused.value.code == "ended"


CONTROLS = {
    "hold": lambda conversation, by: calls.call_hold(conversation=conversation, by=by, on=True),
    "mute": lambda conversation, by: calls.call_mute(conversation=conversation, by=by, on=True),
    "play": lambda conversation, by: calls.call_play_message(
        conversation=conversation, by=by,
        message=f.PrerecordedMessageFactory(organization=conversation.organization)),
    "hangup": lambda conversation, by: calls.call_hangup(conversation=conversation, by=by),
}


@pytest.mark.parametrize("control", list(CONTROLS))
@pytest.mark.parametrize("actor", ["colleague", "supervisor", "admin"])
def test_only_the_agent_on_the_call_may_control_it(on_call, engine, personas, backend, control, actor):
    before = sent(backend, on_call)
    with pytest.raises(NotAllowed):
        engine.call(CONTROLS[control], conversation=on_call, by=getattr(personas, actor))
    on_call.refresh_from_db()
    assert on_call.call_state == CS.ACTIVE
    assert on_call.status == Conversation.Status.ASSIGNED
    assert sent(backend, on_call) == before
    assert not on_call.messages.filter(body__contains="Mensaje").exists()


@pytest.mark.parametrize("control", list(CONTROLS))
def test_another_organizations_user_cannot_reach_the_call(on_call, engine, personas, backend, control):
    before = sent(backend, on_call)
    with pytest.raises(DomainError) as refused:
        engine.call(CONTROLS[control], conversation=on_call, by=personas.outsider)
    assert refused.value.code == "not_found"
    assert sent(backend, on_call) == before


def test_another_organizations_prerecorded_message_is_refused(on_call, engine, personas, backend):
    theirs = f.PrerecordedMessageFactory(organization=personas.outsider.organization, name="Secreto")
    with pytest.raises(DomainError) as refused:
        engine.call(calls.call_play_message, conversation=on_call, by=personas.agent, message=theirs)
    assert refused.value.code == "not_found"
    assert [c for c, _args in sent(backend, on_call)] == ["dial"]
    assert not on_call.messages.filter(body__contains="Secreto").exists()


# --- After commit only --------------------------------------------------------------------------


def test_no_command_is_sent_when_the_transaction_rolls_back(engine, personas, voice_queue, backend,
                                                            django_capture_on_commit_callbacks):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            calls.call_dial(agent=agent, queue=voice_queue, number=NUMBER)
            raise RuntimeError("something after the dial failed")
    assert callbacks == []
    assert list(backend.commands) == []
    assert not Conversation.objects.exists()
    state = engine.state(agent)
    assert (state.status.code, state.voice_load) == ("ready", 0)


def test_a_held_call_rolled_back_sends_no_hold(on_call, personas, backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            calls.call_hold(conversation=on_call, by=personas.agent, on=True)
            raise RuntimeError
    on_call.refresh_from_db()
    assert on_call.call_state == CS.ACTIVE
    assert [c for c, _args in sent(backend, on_call)] == ["dial"]


class ExplodingBackend(voice.SimulatedVoiceBackend):
    def dial(self, conversation, number):
        raise ConnectionError("the PBX is down")


def test_a_failing_backend_does_not_undo_the_committed_call(engine, personas, voice_queue, settings, caplog):
    settings.VOICE_BACKEND = f"{__name__}.ExplodingBackend"
    assert isinstance(telephony.get_backend(), ExplodingBackend)
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue)
    assert conversation.call_state == CS.DIALING
    assert "the PBX is down" in caplog.text


def test_the_backend_setting_must_name_a_voice_backend(settings):
    settings.VOICE_BACKEND = "contactcenter.models.Queue"
    with pytest.raises(TypeError):
        telephony.get_backend()


# --- Inbound --------------------------------------------------------------------------------------


def test_answering_an_offered_call_makes_it_active_and_connects_it(engine, personas, voice_queue, backend):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    conversation = engine.arrive(voice_queue)
    assert conversation.status == Conversation.Status.OFFERED
    assert conversation.call_state == CS.RINGING
    offer = Offer.objects.get(conversation=conversation, agent=agent)
    engine.call(calls.call_answer, offer_id=offer.pk, agent=agent)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ASSIGNED
    assert conversation.call_state == CS.ACTIVE
    assert engine.status(agent) == "in_service"
    assert sent(backend, conversation) == [("answer", {})]
    engine.call(calls.call_hold, conversation=conversation, by=agent, on=True)
    engine.call(calls.call_hangup, conversation=conversation, by=agent)
    assert [c for c, _args in sent(backend, conversation)] == ["answer", "hold", "hangup"]
    assert engine.status(agent) == "ready"


def test_answering_a_call_offered_to_someone_else_is_refused(engine, personas, voice_queue, backend):
    engine.make_ready(personas.agent, voice_queue)
    conversation = engine.arrive(voice_queue)
    offer = Offer.objects.get(conversation=conversation, agent=personas.agent)
    with pytest.raises(DomainError):
        engine.call(calls.call_answer, offer_id=offer.pk, agent=personas.colleague)
    assert list(backend.commands) == []


def test_a_caller_who_hangs_up_while_ringing_abandons_the_call(engine, personas, voice_queue, backend,
                                                               captured_events):
    agent = personas.agent
    engine.make_ready(agent, voice_queue)
    conversation = engine.arrive(voice_queue)
    captured_events.clear()
    engine.call(backend.simulate_hangup, conversation=conversation)
    assert [e.type for e in captured_events if e.type.startswith("conversation.")] == ["conversation.closed"]
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ABANDONED
    assert conversation.call_state == CS.ENDED
    assert Offer.objects.get(conversation=conversation).status == Offer.Status.WITHDRAWN
    state = engine.state(agent)
    assert (state.status.code, state.voice_load) == ("ready", 0)


def test_a_caller_who_hangs_up_while_queued_abandons_the_call(engine, personas, voice_queue, backend):
    conversation = engine.arrive(voice_queue)  # nobody is logged in
    assert conversation.status == Conversation.Status.QUEUED
    engine.call(backend.simulate_hangup, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ABANDONED
    assert conversation.closed_at is not None


# --- Monitoring -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["listen", "whisper", "barge"])
def test_a_supervisor_of_the_queue_monitors_a_call_and_it_is_audited(on_call, engine, personas,
                                                                      other_supervisor, backend, mode):
    engine.call(calls.call_monitor, conversation=on_call, by=other_supervisor, mode=mode)
    assert sent(backend, on_call)[-1] == ("monitor", {"supervisor_id": other_supervisor.pk, "mode": mode})
    entry = AuditEntry.objects.get(action=f"call.{mode}")
    assert (entry.actor, entry.target_user, entry.conversation_id) == (other_supervisor, personas.agent,
                                                                       on_call.pk)


@pytest.mark.parametrize("actor", ["colleague", "supervisor"])  # "sofia" supervises Ventas only
def test_only_a_supervisor_of_the_queue_may_monitor(on_call, engine, personas, backend, actor):
    with pytest.raises(NotAllowed):
        engine.call(calls.call_monitor, conversation=on_call, by=getattr(personas, actor), mode="listen")
    assert [c for c, _args in sent(backend, on_call)] == ["dial"]
    assert not AuditEntry.objects.filter(action__startswith="call.").exists()


def test_monitoring_needs_a_known_mode_and_a_connected_call(engine, personas, voice_queue, other_supervisor,
                                                            backend):
    engine.make_ready(personas.agent, voice_queue)
    conversation = dial(engine, personas.agent, voice_queue)
    with pytest.raises(DomainError) as refused:
        engine.call(calls.call_monitor, conversation=conversation, by=other_supervisor, mode="record")
    assert refused.value.code == "bad_mode"
    with pytest.raises(DomainError) as refused:
        engine.call(calls.call_monitor, conversation=conversation, by=other_supervisor, mode="listen")
    assert refused.value.code == "not_connected"


def test_the_wrap_up_after_a_call_needs_the_disposition(engine, personas, voice_queue, backend):
    """A call closes through conversation_close: the queue's wrap-up rules apply as to chats."""
    agent = personas.agent
    voice_queue.after_service_seconds = 30
    voice_queue.save()
    disposition = f.DispositionFactory(organization=personas.organization, name="Resuelto")
    voice_queue.dispositions.add(disposition)
    engine.make_ready(agent, voice_queue)
    conversation = dial(engine, agent, voice_queue)
    engine.call(backend.simulate_answer, conversation=conversation)
    engine.call(calls.call_hangup, conversation=conversation, by=agent)
    with pytest.raises(DomainError):
        engine.call(wrapup.wrapup_end, agent=agent)
    engine.call(conversations.conversation_set_disposition, conversation=conversation, disposition=disposition,
                by=agent)
    engine.call(wrapup.wrapup_end, agent=agent)
    assert engine.status(agent) == "ready"
    engine.assert_ledger_tiles(agent)

