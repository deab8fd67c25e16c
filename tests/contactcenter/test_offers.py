"""Voice queues offer calls (they ring); the first to accept gets the call; unanswered offers go
back to the queue and pause the agent with "No answer"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter import tasks
from contactcenter.models import NO_ANSWER_CODE, Offer, Queue
from contactcenter.services import agents, calls, conversations, offers, sweep
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db


def ring_out(offer):
    """Move an offer's timeout into the past (no test waits for real)."""
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def simultaneous(voice_queue):
    voice_queue.strategy = Queue.Strategy.SIMULTANEOUS
    voice_queue.save()
    return voice_queue


def test_a_voice_queue_offers_the_call_instead_of_assigning_it(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    assert (call.status, call.assignee, call.call_state) == ("offered", None, "ringing")
    offer = call.offers.get()
    assert (offer.agent, offer.status) == (p.agent, Offer.Status.PENDING)
    assert offer.expires_at == offer.created_at + timedelta(seconds=voice_queue.offer_timeout_seconds)
    state = engine.state(p.agent)
    assert (state.voice_load, state.status.code) == (1, "ready")  # the ringing phone holds the slot


def test_accepting_an_offer_assigns_the_call(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_accept, offer_id=call.offers.get().pk, agent=p.agent)
    call.refresh_from_db()
    assert (call.status, call.assignee, call.call_state) == ("assigned", p.agent, "active")
    assert call.offers.get().status == Offer.Status.ACCEPTED
    state = engine.state(p.agent)
    assert (state.voice_load, state.status.code) == (1, "in_service")


def test_an_offer_is_accepted_only_by_its_agent(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    with pytest.raises(DomainError) as error:
        engine.call(offers.offer_accept, offer_id=call.offers.get().pk, agent=p.colleague)
    assert error.value.code == "not_found"


def test_a_non_simultaneous_voice_queue_rings_one_agent_at_a_time(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    engine.make_ready(p.colleague, voice_queue)
    call = engine.arrive(voice_queue)
    assert call.offers.count() == 1


def test_simultaneous_offers_the_call_to_every_eligible_agent(personas, engine, simultaneous):
    p = personas
    engine.make_ready(p.agent, simultaneous)
    engine.make_ready(p.colleague, simultaneous)
    engine.call(agents.agent_sign_in, agent=p.supervisor)  # signed in but not logged in to the queue
    call = engine.arrive(simultaneous)
    assert call.status == "offered"
    assert set(call.offers.values_list("agent", flat=True)) == {p.agent.pk, p.colleague.pk}
    assert engine.state(p.agent).voice_load == engine.state(p.colleague).voice_load == 1


def test_with_simultaneous_offers_the_first_accept_wins_and_the_other_offers_are_withdrawn(
    personas, engine, simultaneous
):
    p = personas
    engine.make_ready(p.agent, simultaneous)
    engine.make_ready(p.colleague, simultaneous)
    call = engine.arrive(simultaneous)
    mine = call.offers.get(agent=p.colleague)
    theirs = call.offers.get(agent=p.agent)
    engine.call(offers.offer_accept, offer_id=mine.pk, agent=p.colleague)
    call.refresh_from_db()
    theirs.refresh_from_db()
    assert (call.status, call.assignee) == ("assigned", p.colleague)
    assert theirs.status == Offer.Status.WITHDRAWN
    assert theirs.resolved_at is not None
    assert engine.state(p.agent).voice_load == 0  # slot freed
    assert engine.state(p.colleague).voice_load == 1

    with pytest.raises(DomainError) as error:
        engine.call(offers.offer_accept, offer_id=theirs.pk, agent=p.agent)
    assert error.value.code == "gone"
    call.refresh_from_db()
    assert call.assignee == p.colleague


def test_an_agent_whose_offer_was_withdrawn_gets_the_next_call(personas, engine, simultaneous):
    p = personas
    engine.make_ready(p.agent, simultaneous)
    engine.make_ready(p.colleague, simultaneous)
    first = engine.arrive(simultaneous)
    engine.call(offers.offer_accept, offer_id=first.offers.get(agent=p.colleague).pk, agent=p.colleague)
    second = engine.arrive(simultaneous)
    assert list(second.offers.values_list("agent", flat=True)) == [p.agent.pk]


def test_an_unanswered_offer_goes_back_to_the_queue_and_pauses_the_agent_with_no_answer(
    personas, engine, voice_queue
):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    offer = call.offers.get()
    ring_out(offer)
    with engine.commit():
        assert offers.offer_expire(offer_id=offer.pk) is True
    offer.refresh_from_db()
    call.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED
    assert (call.status, call.assignee) == ("queued", None)
    state = engine.state(p.agent)
    assert (state.status.code, state.voice_load) == (NO_ANSWER_CODE, 0)
    row = engine.ledger(p.agent)[-1]
    assert (row.source, row.previous_status.code) == ("system", "ready")
    engine.assert_ledger_tiles(p.agent)


def test_an_unanswered_call_is_offered_to_the_next_agent(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.make_ready(p.colleague, voice_queue)
    offer = call.offers.get()
    ring_out(offer)
    with engine.commit():
        tasks.offer_expire(offer.pk)
    assert call.offers.get(status=Offer.Status.PENDING).agent == p.colleague


def test_an_offer_does_not_expire_before_its_time(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    offer = call.offers.get()
    with engine.commit():
        assert tasks.offer_expire(offer.pk) is False
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert engine.status(p.agent) == "ready"


def test_an_offer_expiry_that_runs_twice_changes_nothing_the_second_time(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    offer = engine.arrive(voice_queue).offers.get()
    ring_out(offer)
    with engine.commit():
        assert tasks.offer_expire(offer.pk) is True
    rows = len(engine.ledger(p.agent))
    with engine.commit():
        assert tasks.offer_expire(offer.pk) is False
    assert len(engine.ledger(p.agent)) == rows
    assert engine.state(p.agent).voice_load == 0


def test_the_sweep_expires_offers_whose_task_was_lost(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    ring_out(call.offers.get())
    with engine.commit():
        result = sweep.sweep()
    assert result["offers"] == 1
    call.refresh_from_db()
    assert call.status == "queued"
    assert engine.status(p.agent) == NO_ANSWER_CODE


def test_the_sweep_uses_the_time_it_is_given(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    with engine.commit():
        assert sweep.sweep(now=timezone.now())["offers"] == 0
    with engine.commit():
        assert sweep.sweep(now=timezone.now() + timedelta(minutes=5))["offers"] == 1
    assert call.offers.get().status == Offer.Status.EXPIRED


def test_an_answered_offer_never_expires(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    offer = engine.arrive(voice_queue).offers.get()
    engine.call(offers.offer_accept, offer_id=offer.pk, agent=p.agent)
    ring_out(offer)
    with engine.commit():
        assert tasks.offer_expire(offer.pk) is False
    assert engine.status(p.agent) == "in_service"


def test_declining_an_offer_sends_the_call_to_the_next_agent_without_pausing(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.make_ready(p.colleague, voice_queue)
    engine.call(offers.offer_decline, offer_id=call.offers.get().pk, agent=p.agent)
    assert engine.status(p.agent) == "ready"
    assert engine.state(p.agent).voice_load == 0
    assert call.offers.get(status=Offer.Status.PENDING).agent == p.colleague
    assert call.offers.get(agent=p.agent).status == Offer.Status.DECLINED


def test_a_declined_call_is_not_offered_again_to_the_same_agent(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=call.offers.get().pk, agent=p.agent)
    call.refresh_from_db()
    assert call.status == "queued"
    assert call.offers.count() == 1


def test_a_call_declined_by_one_agent_does_not_block_the_calls_behind_it(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    first = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=first.offers.get().pk, agent=p.agent)
    second = engine.arrive(voice_queue)
    assert second.status == "offered"
    assert second.offers.get().agent == p.agent


def test_signing_out_withdraws_the_agents_ringing_offers(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(agents.agent_sign_out, agent=p.agent)
    call.refresh_from_db()
    assert call.status == "queued"
    assert call.offers.get().status == Offer.Status.WITHDRAWN
    state = engine.state(p.agent)
    assert (state.status.code, state.voice_load) == ("offline", 0)


def test_hanging_up_while_ringing_abandons_the_call_and_frees_the_agent(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.close(call, p.admin)
    assert call.status == "abandoned"
    assert call.offers.get().status == Offer.Status.WITHDRAWN
    assert engine.state(p.agent).voice_load == 0


def test_a_paused_agent_is_not_offered_calls(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    engine.call(agents.agent_pause, agent=p.agent, reason=f.PauseReasonFactory(organization=p.organization))
    call = engine.arrive(voice_queue)
    assert (call.status, call.offers.count()) == ("queued", 0)


def test_an_agent_with_a_no_answer_pause_gets_calls_again_after_resuming(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    first = engine.arrive(voice_queue)
    ring_out(first.offers.get())
    with engine.commit():
        sweep.sweep()
    second = engine.arrive(voice_queue)
    engine.call(agents.agent_resume, agent=p.agent)
    second.refresh_from_db()
    # the call that rang out is not offered again to ana; the next one is
    assert second.offers.get().agent == p.agent
    first.refresh_from_db()
    assert first.status == "queued"
    assert not conversations.Conversation.objects.filter(pk=first.pk, offers__status="pending").exists()


# --- Offered again after the queue's re-offer delay --------------------------------------------------


def after_the_reoffer_delay(queue):
    """Move every ended offer back past the queue's re-offer delay (no test waits for real)."""
    Offer.objects.exclude(status=Offer.Status.PENDING).update(
        resolved_at=timezone.now() - timedelta(seconds=queue.reoffer_after_seconds + 1))


def test_a_missed_call_is_offered_again_after_the_delay_before_the_newer_one(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    older = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=older.offers.get().pk, agent=p.agent)
    newer = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=newer.offers.get().pk, agent=p.agent)
    with engine.commit():
        sweep.sweep()
    assert not Offer.objects.filter(status=Offer.Status.PENDING).exists()  # within the delay: nobody
    after_the_reoffer_delay(voice_queue)
    with engine.commit():
        sweep.sweep()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == "offered" and older.offers.get(status=Offer.Status.PENDING).agent == p.agent
    assert newer.status == "queued"  # FIFO: the older caller keeps their place


@pytest.mark.parametrize("calls", [1, 3])
def test_no_caller_waits_past_one_reoffer_round_while_an_agent_is_ready(personas, engine, voice_queue, calls):
    """Every waiting call that everyone missed rings again at the Ready agent within one round."""
    p = personas
    engine.make_ready(p.agent, voice_queue)
    waiting = [engine.arrive(voice_queue) for _ in range(calls)]
    for _round in range(2):
        for _ in range(calls):  # the agent declines each call as it rings
            pending = Offer.objects.get(status=Offer.Status.PENDING)
            engine.call(offers.offer_decline, offer_id=pending.pk, agent=p.agent)
        after_the_reoffer_delay(voice_queue)
        with engine.commit():
            sweep.sweep()
    offered = {o.conversation_id for o in Offer.objects.filter(agent=p.agent)}
    assert offered == {c.pk for c in waiting}
    assert Offer.objects.filter(status=Offer.Status.PENDING, conversation=waiting[0]).exists()


def test_the_reoffer_delay_is_a_setting_of_the_queue(personas, engine, voice_queue):
    p = personas
    voice_queue.reoffer_after_seconds = 600
    voice_queue.save()
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=call.offers.get().pk, agent=p.agent)
    Offer.objects.update(resolved_at=timezone.now() - timedelta(seconds=300))
    with engine.commit():
        sweep.sweep()
    call.refresh_from_db()
    assert call.status == "queued"


def test_an_agent_answers_a_waiting_call_by_hand(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    call = engine.arrive(voice_queue)
    engine.call(offers.offer_decline, offer_id=call.offers.get().pk, agent=p.agent)
    engine.call(calls.call_take, conversation=call, agent=p.agent)
    call.refresh_from_db()
    assert (call.status, call.assignee_id, call.call_state) == ("assigned", p.agent.pk, "active")
    assert engine.state(p.agent).voice_load == 1 and engine.status(p.agent) == "in_service"
    with pytest.raises(DomainError):
        engine.call(calls.call_take, conversation=call, agent=p.colleague)
