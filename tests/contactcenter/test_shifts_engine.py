"""Shifts in the engine: no routed work outside a shift, shift start (optionally Ready and logged
in), shift end (Receive new off, then signed out when the work is done or the grace passes),
breaks, the beat task's due agents, the sweep that catches a lost run, duplicate and late runs
that change nothing, and DST nights. Madrid time, March 2027 (CET, UTC+1)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from contactcenter.models import AgentState, QueueLogin, StatusInterval
from contactcenter.services import agents, shifts
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    """Monday 1 March 2027 (or another March day), Madrid wall time, as UTC."""
    return datetime(2027, 3, day, hour - 1, minute, tzinfo=UTC) if hour >= 1 else \
        datetime(2027, 3, day - 1, 23, minute, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(at(7, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def lunch(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Comida", code="comida", max_minutes=None)


@pytest.fixture
def morning(personas, lunch):
    """Ana works Monday 08:00–15:00 with lunch 11:30–12:00."""
    schedule = f.ScheduleFactory(organization=personas.organization, name="Mañana")
    shift = f.ScheduleShiftFactory(schedule=schedule, weekday=0, starts=time(8), ends=time(15))
    f.ScheduleBreakFactory(shift=shift, starts=time(11, 30), minutes=30, pause=lunch)
    f.AgentScheduleFactory(agent=personas.agent, schedule=schedule, valid_from=date(2027, 1, 1))
    return schedule


def state(agent) -> AgentState:
    return AgentState.objects.select_related("status").get(agent=agent)


def tick(clock, engine, moment):
    clock.move_to(moment)
    with engine.commit():
        return shifts.shifts_due(moment)


def schedule_rows(agent):
    return [(r.status.code, r.reason) for r in StatusInterval.objects.filter(agent=agent, source="schedule")
            .select_related("status").order_by("started_at", "id")]


def test_before_the_shift_a_ready_agent_gets_no_routed_chat_and_gets_it_when_it_starts(
        personas, engine, morning, clock):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    assert (state(p.agent).in_shift, state(p.agent).shift_next_change) == (False, at(8))
    conversation = engine.arrive(p.queue)
    assert conversation.status == "queued"
    assert tick(clock, engine, at(8)) == 1
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee) == ("assigned", p.agent)


def test_with_shift_routing_off_an_agent_outside_their_shift_still_gets_work(personas, engine, morning, clock):
    p = personas
    p.organization.shift_routing = False
    p.organization.save()
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    assert state(p.agent).in_shift is False
    assert engine.arrive(p.queue).assignee == p.agent


def test_an_agent_without_a_schedule_is_always_in_shift(personas, engine, clock):
    with engine.commit():
        shifts.shifts_sweep(at(7))
    assert state(personas.agent).in_shift is True
    assert state(personas.agent).shift_phase == "none"


def test_shift_start_puts_an_agent_with_the_workspace_open_in_ready_and_in_their_queues(
        personas, engine, morning, clock):
    p = personas
    p.organization.shift_auto_ready = True
    p.organization.save()
    f.open_workspace(p.agent)
    engine.call(agents.agent_sign_in, agent=p.agent)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    tick(clock, engine, at(8))
    assert state(p.agent).status.code == "ready"
    assert QueueLogin.objects.filter(agent=p.agent, queue=p.queue, ended_at__isnull=True).exists()
    assert schedule_rows(p.agent) == [("ready", "shift start")]
    engine.assert_ledger_tiles(p.agent)


def test_shift_start_leaves_an_agent_without_an_open_workspace_offline(personas, engine, morning, clock):
    p = personas
    p.organization.shift_auto_ready = True
    p.organization.save()
    with engine.commit():
        shifts.shifts_sweep(at(7))
    tick(clock, engine, at(8))
    assert (state(p.agent).status.code, state(p.agent).in_shift) == ("offline", True)


def test_a_scheduled_break_pauses_the_agent_and_brings_them_back(personas, engine, morning, lunch, clock):
    p = personas
    clock.move_to(at(8))
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(8))
    tick(clock, engine, at(11, 30))
    assert state(p.agent).status == lunch
    tick(clock, engine, at(12))
    assert state(p.agent).status.code == "ready"
    assert schedule_rows(p.agent) == [("comida", "scheduled break"), ("ready", "break end")]
    engine.assert_ledger_tiles(p.agent)


def test_a_break_does_not_override_a_pause_the_agent_chose(personas, engine, morning, clock):
    p = personas
    clock.move_to(at(8))
    engine.make_ready(p.agent, p.queue)
    training = f.PauseReasonFactory(organization=p.organization, name="Formación", code="formacion")
    with engine.commit():
        shifts.shifts_sweep(at(8))
        agents.agent_pause(agent=p.agent, reason=training)
    tick(clock, engine, at(11, 30))
    tick(clock, engine, at(12))
    assert state(p.agent).status == training
    assert schedule_rows(p.agent) == []


def test_shift_end_stops_new_work_and_signs_out_when_the_last_conversation_closes(personas, engine, morning, clock):
    p = personas
    p.organization.shift_allow_overtime = False
    p.organization.save()
    clock.move_to(at(14))
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(14))
    conversation = engine.arrive(p.queue)
    tick(clock, engine, at(15))
    s = state(p.agent)
    assert (s.receive_new, s.status.code, s.shift_phase, s.in_shift) == (False, "in_service", "ending", False)
    assert engine.arrive(p.queue).status == "queued"
    clock.move_to(at(15, 5))
    engine.close(conversation, p.agent)
    tick(clock, engine, at(15, 6))
    assert state(p.agent).status.code == "offline"
    assert not QueueLogin.objects.filter(agent=p.agent, ended_at__isnull=True).exists()
    engine.assert_ledger_tiles(p.agent)


def test_shift_end_signs_out_after_the_grace_even_with_conversations_open(personas, engine, morning, clock):
    p = personas
    p.organization.shift_allow_overtime = False
    p.organization.save()
    clock.move_to(at(14))
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(14))
    engine.arrive(p.queue)
    tick(clock, engine, at(15))
    tick(clock, engine, at(15, 14))
    assert state(p.agent).status.code == "in_service"
    tick(clock, engine, at(15, 15))
    assert state(p.agent).status.code == "offline"


def test_with_overtime_allowed_shift_end_leaves_the_agent_online(personas, engine, morning, clock):
    p = personas
    clock.move_to(at(14))
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(14))
    tick(clock, engine, at(15))
    assert (state(p.agent).status.code, state(p.agent).receive_new) == ("online", False)
    assert schedule_rows(p.agent) == [("online", "shift end")]


def test_a_lost_shift_start_is_caught_by_the_sweep(personas, engine, morning, clock):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    AgentState.objects.filter(agent=p.agent).update(shift_next_change=None)  # the due moment was lost
    assert tick(clock, engine, at(8, 5)) == 0
    assert state(p.agent).in_shift is False
    clock.move_to(at(8, 10))
    with engine.commit():
        assert shifts.shifts_sweep(at(8, 10)) == 1
    assert state(p.agent).in_shift is True
    assert state(p.agent).shift_next_change == at(11, 30)


def test_a_duplicate_run_changes_nothing(personas, engine, morning, clock):
    p = personas
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    assert tick(clock, engine, at(8)) == 1
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    assert tick(clock, engine, at(8)) == 0
    with engine.commit():
        assert shifts.agent_shift_apply(agent_id=p.agent.pk, now=at(8), only_due=False) is False
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows


def test_a_run_late_after_the_whole_shift_changes_no_status(personas, engine, morning, clock):
    p = personas
    clock.move_to(at(7))
    engine.make_ready(p.agent, p.queue)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    rows = StatusInterval.objects.filter(agent=p.agent).count()
    tick(clock, engine, at(16))  # the 08:00, 11:30, 12:00 and 15:00 moments were all missed
    s = state(p.agent)
    assert (s.status.code, s.in_shift, s.shift_phase) == ("ready", False, "off")
    assert StatusInterval.objects.filter(agent=p.agent).count() == rows
    assert s.shift_next_change == at(8, day=8)


def test_the_spring_forward_night_shift_ends_seven_hours_later(personas, engine, clock):
    p = personas
    night = f.ScheduleFactory(organization=p.organization, name="Noche")
    f.ScheduleShiftFactory(schedule=night, weekday=5, starts=time(22), ends=time(6))
    f.AgentScheduleFactory(agent=p.agent, schedule=night, valid_from=date(2027, 1, 1))
    start = datetime(2027, 3, 27, 21, tzinfo=UTC)
    clock.move_to(start)
    with engine.commit():
        shifts.shifts_sweep(start)
    assert state(p.agent).in_shift is True
    assert state(p.agent).shift_next_change == start + timedelta(hours=7)
    tick(clock, engine, start + timedelta(hours=7))
    assert state(p.agent).in_shift is False


def test_the_fall_back_night_shift_ends_nine_hours_later(personas, engine, clock):
    p = personas
    night = f.ScheduleFactory(organization=p.organization, name="Noche")
    f.ScheduleShiftFactory(schedule=night, weekday=5, starts=time(22), ends=time(6))
    f.AgentScheduleFactory(agent=p.agent, schedule=night, valid_from=date(2027, 1, 1))
    start = datetime(2027, 10, 30, 20, tzinfo=UTC)
    clock.move_to(start)
    with engine.commit():
        shifts.shifts_sweep(start)
    assert state(p.agent).shift_next_change == start + timedelta(hours=9)
    tick(clock, engine, start + timedelta(hours=8, minutes=59))
    assert state(p.agent).in_shift is True
    tick(clock, engine, start + timedelta(hours=9))
    assert state(p.agent).in_shift is False


def test_without_overtime_an_agent_outside_their_shift_cannot_go_ready(personas, engine, morning, clock):
    p = personas
    p.organization.shift_allow_overtime = False
    p.organization.save()
    engine.call(agents.agent_sign_in, agent=p.agent)
    with engine.commit():
        shifts.shifts_sweep(at(7))
    with pytest.raises(DomainError, match="fuera de tu turno"):
        agents.agent_set_receive_new(agent=p.agent, on=True)
    assert state(p.agent).receive_new is False


def test_an_exception_marked_due_is_applied_on_the_next_tick(personas, engine, morning, clock):
    p = personas
    clock.move_to(at(9))
    with engine.commit():
        shifts.shifts_sweep(at(9))
    assert state(p.agent).in_shift is True
    f.ScheduleExceptionFactory(agent=p.agent, date=date(2027, 3, 1), kind="day_off")
    shifts.shifts_mark_due([p.agent.pk], at(9))
    tick(clock, engine, at(9, 1))
    assert state(p.agent).in_shift is False
