"""Status rules in the engine: each trigger finds its occurrence, each action does what it says
(in the status ledger with source "system" and the rule's name as the reason), a move that would
break the engine's invariants is skipped and recorded, a rule fires once per occurrence, and a
change that lasts returns on time only if nothing changed the agent since."""

import datetime
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from contactcenter import celery as celery_app
from contactcenter import tasks
from contactcenter.models import Message, Offer, RuleFiring, StatusInterval, StatusRule
from contactcenter.services import agents, rule_engine
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 3, 10, 0, tzinfo=datetime.UTC)

@pytest.fixture(autouse=True)
def _fixtures_made_before_now():
    """The fixtures' rows are made three months before NOW whatever today's date is (the suite
    also runs under a moved clock, which could put today after NOW)."""
    with time_machine.travel(NOW - timedelta(days=90), tick=True):
        yield

T, A = StatusRule.Trigger, StatusRule.Action


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def descanso(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Descanso", code="descanso",
                                max_minutes=15)


def rule(personas, **fields):
    queues = fields.pop("queues", [personas.queue])
    return f.StatusRuleFactory(organization=personas.organization, queues=queues, **fields)


def run(engine) -> int:
    with engine.commit():
        return rule_engine.rules_check()


def last_interval(agent) -> StatusInterval:
    return StatusInterval.objects.select_related("status").get(agent=agent, ended_at__isnull=True)


def fired(captured_events):
    return [e for e in captured_events if e.type == "rule.fired"]


# --- Triggers -----------------------------------------------------------------------------------------


def test_after_n_conversations_since_ready_a_rule_pauses_the_agent(personas, engine, clock, descanso,
                                                                  captured_events):
    p = personas
    rule(p, name="Descanso tras 2 chats", trigger=T.CONVERSATIONS_SINCE_READY, threshold=2, action=A.PAUSE,
         pause_reason=descanso, duration_minutes=10)
    engine.make_ready(p.agent, p.queue)
    clock.shift(60)
    engine.arrive(p.queue)
    assert run(engine) == 0  # one conversation: not yet
    clock.shift(60)
    engine.arrive(p.queue)
    assert run(engine) == 1
    interval = last_interval(p.agent)
    assert (interval.status, interval.source, interval.reason) == (descanso, "system", "Descanso tras 2 chats")
    state = engine.state(p.agent)
    assert state.chat_load == 2  # an agent in service keeps their conversations
    (event,) = fired(captured_events)
    assert event.data["rule_name"] == "Descanso tras 2 chats" and event.data["agent_ids"] == [p.agent.pk]
    status_event = [e for e in captured_events if e.type == "agent.status"][-1]
    assert status_event.data["rule"] == "Descanso tras 2 chats"
    engine.assert_ledger_tiles(p.agent)


def test_conversations_are_counted_again_after_the_agent_comes_back_ready(personas, engine, clock, descanso):
    p = personas
    rule(p, trigger=T.CONVERSATIONS_SINCE_READY, threshold=1, action=A.PAUSE, pause_reason=descanso)
    engine.make_ready(p.agent, p.queue)
    engine.arrive(p.queue)
    assert run(engine) == 1
    clock.shift(300)
    engine.call(agents.agent_resume, agent=p.agent)  # back to work: a new stretch since Ready
    assert run(engine) == 0
    clock.shift(60)
    engine.arrive(p.queue)
    assert run(engine) == 1
    assert RuleFiring.objects.filter(agent=p.agent).count() == 2


def test_an_agent_logged_in_for_hours_without_a_pause_triggers_the_rule(personas, engine, clock):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=2, action=A.RECEIVE_NEW_OFF)
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)
    clock.shift(timedelta(minutes=90))
    engine.call(agents.agent_pause, agent=p.colleague, reason=f.PauseReasonFactory(organization=p.organization))
    clock.shift(timedelta(minutes=5))
    engine.call(agents.agent_resume, agent=p.colleague)  # paused 5 minutes: their stretch starts again
    clock.shift(timedelta(minutes=20))
    assert run(engine) == 0  # 1 h 55 for Ana
    clock.shift(timedelta(minutes=6))
    assert run(engine) == 1
    assert (engine.status(p.agent), engine.state(p.agent).receive_new) == ("online", False)
    assert engine.status(p.colleague) == "ready"


def test_a_pause_over_its_maximum_triggers_the_rule(personas, engine, clock, descanso):
    p = personas
    rule(p, trigger=T.PAUSE_OVER_MAXIMUM, threshold=5, action=A.ONLINE)
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_pause, agent=p.agent, reason=descanso)  # 15 minutes at most
    clock.shift(timedelta(minutes=20))
    assert run(engine) == 0  # over by 5: not yet more than 5
    clock.shift(timedelta(seconds=1))
    assert run(engine) == 1
    assert engine.status(p.agent) == "online" and last_interval(p.agent).source == "system"


def ring_out(engine, agent, queue):
    """A call rings at the agent and nobody answers: the offer expires (as its task would)."""
    engine.arrive(queue)
    offer = Offer.objects.get(agent=agent, status=Offer.Status.PENDING)  # this call, or one missed before
    Offer.objects.filter(pk=offer.pk).update(expires_at=offer.created_at)
    with engine.commit():
        tasks.offer_expire(offer.pk)
    return offer


@pytest.fixture
def tasks_run_at_once():
    """Celery runs a task in the caller as it is sent (the worker's job, without a worker)."""
    celery_app.app.conf.task_always_eager = True
    yield
    celery_app.app.conf.task_always_eager = False


def test_missed_offers_in_a_row_trigger_the_rule_at_once(personas, engine, clock, voice_queue, tasks_run_at_once):
    p = personas
    rule(p, name="Dos llamadas perdidas", trigger=T.MISSED_OFFERS, threshold=2, action=A.OFFLINE,
         queues=[voice_queue])
    engine.make_ready(p.agent, voice_queue)
    ring_out(engine, p.agent, voice_queue)
    assert engine.status(p.agent) == "no_answer" and not RuleFiring.objects.exists()
    clock.shift(60)
    engine.call(agents.agent_resume, agent=p.agent)
    ring_out(engine, p.agent, voice_queue)  # the offer's expiry runs her rules: no sweep needed
    assert engine.status(p.agent) == "offline"
    assert last_interval(p.agent).reason == "Dos llamadas perdidas"
    firing = RuleFiring.objects.get()
    assert (firing.outcome, firing.detail) == ("applied", "2")


def test_an_answered_call_breaks_the_streak_of_missed_offers(personas, engine, clock, voice_queue):
    p = personas
    rule(p, trigger=T.MISSED_OFFERS, threshold=2, queues=[voice_queue])
    first = f.OfferFactory(conversation=f.ConversationFactory(queue=voice_queue), agent=p.agent, status="expired",
                           created_at=NOW - timedelta(minutes=9), resolved_at=NOW - timedelta(minutes=9))
    f.OfferFactory(conversation=f.ConversationFactory(queue=voice_queue), agent=p.agent, status="accepted",
                   created_at=NOW - timedelta(minutes=5), resolved_at=NOW - timedelta(minutes=5))
    f.OfferFactory(conversation=f.ConversationFactory(queue=voice_queue), agent=p.agent, status="expired",
                   created_at=NOW - timedelta(minutes=2), resolved_at=NOW - timedelta(minutes=2))
    assert run(engine) == 0
    Offer.objects.filter(status="accepted").update(status="withdrawn")  # answered by someone else: no matter
    assert run(engine) == 1
    assert RuleFiring.objects.get().occurrence == first.created_at


def test_a_queue_waiting_too_long_gets_the_rules_auto_reply_once_per_occurrence(personas, engine, clock,
                                                                               captured_events):
    p = personas
    rule(p, name="Espera larga", trigger=T.QUEUE_WAIT_OVER, threshold=60, action=A.AUTO_REPLY,
         message="Seguimos aquí: enseguida te atendemos.")
    waiting = engine.arrive(p.queue)
    clock.shift(59)
    assert run(engine) == 0
    clock.shift(2)
    assert run(engine) == 1
    assert run(engine) == 0  # the same occurrence: once
    replies = Message.objects.filter(conversation=waiting, body="Seguimos aquí: enseguida te atendemos.")
    assert replies.count() == 1 and replies.get().direction == "system"
    firing = RuleFiring.objects.get()
    assert (firing.queue, firing.occurrence, firing.detail) == (p.queue, NOW + timedelta(seconds=60), "1")
    engine.make_ready(p.agent, p.queue)  # served: the wait is over, the occurrence ends
    assert run(engine) == 0
    assert RuleFiring.objects.get().cleared_at == NOW + timedelta(seconds=61)


def test_a_queue_crossing_its_wait_again_fires_again(personas, engine, clock):
    p = personas
    rule(p, trigger=T.QUEUE_WAIT_OVER, threshold=60, action=A.NOTIFY)
    engine.arrive(p.queue)
    clock.shift(61)
    assert run(engine) == 1
    engine.make_ready(p.agent, p.queue)  # she takes it
    assert run(engine) == 0
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=False)
    engine.arrive(p.queue)
    clock.shift(61)
    assert run(engine) == 1
    assert RuleFiring.objects.count() == 2 and RuleFiring.objects.filter(cleared_at__isnull=True).count() == 1


# --- Actions ------------------------------------------------------------------------------------------


def test_a_ready_action_ends_a_pause_into_ready(personas, engine, clock, descanso):
    p = personas
    rule(p, trigger=T.PAUSE_OVER_MAXIMUM, threshold=0, action=A.READY)
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=False)
    engine.call(agents.agent_pause, agent=p.agent, reason=descanso)
    clock.shift(timedelta(minutes=16))
    assert run(engine) == 1
    assert (engine.status(p.agent), engine.state(p.agent).receive_new) == ("ready", True)


def test_receive_new_on_puts_an_online_agent_to_work(personas, engine, clock):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.RECEIVE_NEW_ON)
    engine.make_ready(p.agent, p.queue)
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=False)
    clock.shift(timedelta(hours=1, seconds=1))
    assert run(engine) == 1
    assert (engine.status(p.agent), engine.state(p.agent).receive_new) == ("ready", True)


def test_receive_new_off_leaves_an_agent_in_service_with_their_conversations(personas, engine, clock):
    p = personas
    rule(p, trigger=T.CONVERSATIONS_SINCE_READY, threshold=1, action=A.RECEIVE_NEW_OFF)
    engine.make_ready(p.agent, p.queue)
    conversation = engine.arrive(p.queue)
    assert run(engine) == 1
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new, state.chat_load) == ("in_service", False, 1)
    conversation.refresh_from_db()
    assert conversation.assignee == p.agent
    assert engine.arrive(p.queue).status == "queued"  # no new work


def test_a_notify_rule_mails_the_agents_supervisors(personas, engine, clock):
    p = personas
    rule(p, name="Aviso", trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.NOTIFY)
    outsider = f.SupervisorFactory(organization=p.organization, username="otro")  # supervises nothing
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=2))
    assert run(engine) == 1
    assert engine.status(p.agent) == "ready"
    firing = RuleFiring.objects.get()
    tasks.rule_notify(firing.pk)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert p.supervisor.email in recipients and p.admin.email in recipients and outsider.email not in recipients
    assert mail.outbox[0].subject == "Regla «Aviso»: Ana López"


# --- Refusals, once per occurrence, duration --------------------------------------------------------


def test_signing_out_an_agent_with_conversations_open_is_skipped_and_recorded(personas, engine, clock,
                                                                             captured_events):
    p = personas
    rule(p, name="Fuera", trigger=T.CONVERSATIONS_SINCE_READY, threshold=1, action=A.OFFLINE)
    engine.make_ready(p.agent, p.queue)
    engine.arrive(p.queue)
    before = list(StatusInterval.objects.filter(agent=p.agent).values_list("pk", "status_id", "ended_at"))
    assert run(engine) == 1
    firing = RuleFiring.objects.get()
    assert firing.outcome == "skipped" and "tiene conversaciones abiertas" in firing.detail
    assert list(StatusInterval.objects.filter(agent=p.agent).values_list("pk", "status_id", "ended_at")) == before
    assert engine.status(p.agent) == "in_service" and engine.state(p.agent).chat_load == 1
    assert fired(captured_events)[-1].data["outcome"] == "skipped"
    assert run(engine) == 0  # skipped is an answer too: not retried every sweep


def test_a_pause_with_a_deactivated_reason_is_skipped(personas, engine, clock, descanso):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.PAUSE, pause_reason=descanso)
    descanso.is_active = False
    descanso.save()
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=2))
    run(engine)
    assert RuleFiring.objects.get().outcome == "skipped" and engine.status(p.agent) == "ready"


def test_a_rule_fires_once_per_occurrence_however_often_it_runs(personas, engine, clock):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.NOTIFY)
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=2))
    assert run(engine) == 1
    ledger = StatusInterval.objects.count()
    clock.shift(timedelta(minutes=10))
    assert run(engine) == 0
    assert RuleFiring.objects.count() == 1 and StatusInterval.objects.count() == ledger


def test_a_disabled_rule_does_nothing(personas, engine, clock):
    rule(personas, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.NOTIFY, is_enabled=False)
    engine.make_ready(personas.agent, personas.queue)
    clock.shift(timedelta(hours=2))
    assert run(engine) == 0 and not RuleFiring.objects.exists()


def test_a_rule_for_one_queue_leaves_agents_of_other_queues_alone(personas, engine, clock, voice_queue):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.NOTIFY, queues=[voice_queue])
    pablo = f.AgentFactory(organization=p.organization)
    f.QueueMembershipFactory(queue=p.queue, user=pablo)
    engine.make_ready(pablo, p.queue)
    clock.shift(timedelta(hours=2))
    assert run(engine) == 0


def test_a_pause_for_minutes_returns_the_agent_where_they_were(personas, engine, clock, descanso):
    p = personas
    rule(p, name="Respiro", trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.PAUSE,
         pause_reason=descanso, duration_minutes=10)
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=1, seconds=1))
    assert run(engine) == 1 and engine.status(p.agent) == "descanso"
    paused_at = NOW + timedelta(hours=1, seconds=1)
    clock.shift(timedelta(minutes=9, seconds=59))
    assert run(engine) == 0 and engine.status(p.agent) == "descanso"
    clock.shift(1)
    assert run(engine) == 1
    interval = last_interval(p.agent)
    assert (interval.status.code, interval.source, interval.reason) == ("ready", "system", "Respiro")
    assert RuleFiring.objects.get().returned_at == paused_at + timedelta(minutes=10)
    assert run(engine) == 0
    engine.assert_ledger_tiles(p.agent)


def test_a_lasting_change_does_not_return_when_the_agent_changed_since(personas, engine, clock, descanso):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.PAUSE, pause_reason=descanso,
         duration_minutes=10)
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=1, seconds=1))
    assert run(engine) == 1
    clock.shift(timedelta(minutes=2))
    engine.call(agents.agent_set_unavailable, agent=p.agent, dnd=True)  # she chose DND herself
    clock.shift(timedelta(minutes=10))
    assert run(engine) == 0
    assert engine.status(p.agent) == "dnd"
    assert RuleFiring.objects.get().returned_at is not None


def test_a_sign_out_for_minutes_comes_back_online(personas, engine, clock):
    p = personas
    rule(p, trigger=T.LOGGED_IN_WITHOUT_PAUSE, threshold=1, action=A.OFFLINE, duration_minutes=5)
    engine.make_ready(p.agent, p.queue)
    clock.shift(timedelta(hours=1, seconds=1))
    run(engine)
    assert engine.status(p.agent) == "offline"
    clock.shift(timedelta(minutes=5))
    run(engine)
    assert engine.status(p.agent) == "online"


def test_the_rules_check_and_the_digest_are_on_the_beat_schedule():
    app = celery_app.app
    app.loader.import_default_modules()
    app.finalize()
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"contactcenter.tasks.rules_check", "contactcenter.tasks.notifications_digest"} <= names
