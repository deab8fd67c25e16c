"""An agent's shifts as real moments in the organization's zone (Europe/Madrid): the weekly
pattern, overnight shifts, DST days, exceptions over the pattern, holidays, a later assignment."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from contactcenter.models import ScheduleException
from contactcenter.selectors import shifts
from tests import factories as f

K = ScheduleException.Kind


def madrid(y, mo, d, h, mi=0):
    """A Madrid wall time as UTC, for days in CET (winter, UTC+1)."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=1)


@pytest.fixture
def ana(personas):
    return personas.agent


def assign(agent, *shift_specs, valid_from=date(2027, 1, 1), name=None):
    schedule = f.ScheduleFactory(organization=agent.organization, **({"name": name} if name else {}))
    made = [f.ScheduleShiftFactory(schedule=schedule, weekday=wd, starts=s, ends=e) for wd, s, e in shift_specs]
    f.AgentScheduleFactory(agent=agent, schedule=schedule, valid_from=valid_from)
    return schedule, made


def test_a_weekday_shift_is_read_in_the_organizations_zone(ana):
    assign(ana, (0, time(8), time(15)))  # Monday
    found = shifts.agent_shifts(ana, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 8, tzinfo=UTC))
    assert [(s.start, s.end) for s in found] == [(madrid(2027, 3, 1, 8), madrid(2027, 3, 1, 15))]


def test_an_overnight_shift_ends_the_next_day_and_is_running_after_midnight(ana):
    assign(ana, (4, time(22), time(6)))  # Friday 22:00 → Saturday 06:00
    saturday_3am = madrid(2027, 3, 6, 3)
    shift = shifts.shift_at(ana, saturday_3am)
    assert shift is not None and shift.day == date(2027, 3, 5)
    assert (shift.start, shift.end) == (madrid(2027, 3, 5, 22), madrid(2027, 3, 6, 6))
    assert shifts.shift_at(ana, madrid(2027, 3, 6, 6)) is None  # the end is excluded


def test_an_overnight_shift_over_the_spring_forward_night_lasts_seven_hours(ana):
    assign(ana, (5, time(22), time(6)))  # Saturday 27 March 2027 22:00 CET → Sunday 06:00 CEST
    (shift,) = shifts.agent_shifts(ana, datetime(2027, 3, 27, tzinfo=UTC), datetime(2027, 3, 29, tzinfo=UTC))
    assert shift.start == datetime(2027, 3, 27, 21, tzinfo=UTC)
    assert shift.end == datetime(2027, 3, 28, 4, tzinfo=UTC)
    assert shift.end - shift.start == timedelta(hours=7)


def test_an_overnight_shift_over_the_fall_back_night_lasts_nine_hours(ana):
    assign(ana, (5, time(22), time(6)))  # Saturday 30 October 2027 22:00 CEST → Sunday 06:00 CET
    (shift,) = shifts.agent_shifts(ana, datetime(2027, 10, 30, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))
    assert shift.start == datetime(2027, 10, 30, 20, tzinfo=UTC)
    assert shift.end == datetime(2027, 10, 31, 5, tzinfo=UTC)
    assert shift.end - shift.start == timedelta(hours=9)


def test_a_start_in_the_skipped_hour_begins_when_the_clock_reads_an_hour_later(ana):
    assign(ana, (6, time(2, 30), time(8)))  # Sunday 28 March 2027: 02:00 jumps to 03:00
    (shift,) = shifts.agent_shifts(ana, datetime(2027, 3, 28, tzinfo=UTC), datetime(2027, 3, 29, tzinfo=UTC))
    assert shift.start == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert shift.end == datetime(2027, 3, 28, 6, tzinfo=UTC)  # 08:00 CEST


def test_a_start_in_the_repeated_hour_is_its_first_occurrence(ana):
    assign(ana, (6, time(2, 30), time(8)))  # Sunday 31 October 2027: 03:00 goes back to 02:00
    (shift,) = shifts.agent_shifts(ana, datetime(2027, 10, 31, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC))
    assert shift.start == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert shift.end == datetime(2027, 10, 31, 7, tzinfo=UTC)  # 08:00 CET
    assert shift.contains(datetime(2027, 10, 31, 1, 30, tzinfo=UTC))  # the second 02:30


def test_breaks_are_inside_their_shift_even_after_midnight(ana):
    _, (night,) = assign(ana, (4, time(22), time(6)))
    f.ScheduleBreakFactory(shift=night, starts=time(2), minutes=30)
    shift = shifts.shift_at(ana, madrid(2027, 3, 6, 2, 10))
    assert shift.break_at(madrid(2027, 3, 6, 2, 10)) is not None
    (brk,) = shift.breaks
    assert (brk.start, brk.end) == (madrid(2027, 3, 6, 2), madrid(2027, 3, 6, 2, 30))


def test_a_day_off_or_vacation_removes_the_days_shifts(ana):
    assign(ana, (0, time(8), time(15)), (1, time(8), time(15)))
    f.ScheduleExceptionFactory(agent=ana, date=date(2027, 3, 1), kind=K.DAY_OFF)
    f.ScheduleExceptionFactory(agent=ana, date=date(2027, 3, 2), kind=K.VACATION)
    assert shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 3, 0)) == []


def test_changed_hours_replace_the_pattern_and_an_extra_shift_adds_one(ana):
    assign(ana, (0, time(8), time(15)))
    f.ScheduleExceptionFactory(agent=ana, date=date(2027, 3, 1), kind=K.CHANGED_HOURS, starts=time(10),
                               ends=time(14))
    f.ScheduleExceptionFactory(agent=ana, date=date(2027, 3, 3), kind=K.EXTRA_SHIFT, starts=time(16),
                               ends=time(20))
    found = shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 4, 0))
    assert [(s.start, s.end, s.origin) for s in found] == [
        (madrid(2027, 3, 1, 10), madrid(2027, 3, 1, 14), K.CHANGED_HOURS),
        (madrid(2027, 3, 3, 16), madrid(2027, 3, 3, 20), K.EXTRA_SHIFT),
    ]


def test_an_organization_holiday_closes_every_schedule(ana, personas):
    assign(ana, (0, time(8), time(15)))
    hours = f.BusinessHoursFactory(organization=personas.organization)
    f.HolidayFactory(hours=hours, date=date(2027, 3, 1))
    assert len(shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 2, 0))) == 1  # not chosen yet
    personas.organization.shift_holidays = hours
    personas.organization.save()
    ana.organization.refresh_from_db()
    assert shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 2, 0)) == []


def test_the_latest_assignment_on_or_before_the_day_applies(ana):
    assign(ana, (0, time(8), time(15)), valid_from=date(2027, 1, 1))
    assign(ana, (0, time(15), time(22)), valid_from=date(2027, 3, 8))
    found = shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 9, 0))
    assert [s.start for s in found] == [madrid(2027, 3, 1, 8), madrid(2027, 3, 8, 15)]


def test_no_shift_before_the_first_assignment(ana):
    assign(ana, (0, time(8), time(15)), valid_from=date(2027, 3, 8))
    assert shifts.agent_shifts(ana, madrid(2027, 3, 1, 0), madrid(2027, 3, 2, 0)) == []


def test_next_shift_start_skips_days_without_shifts(ana):
    assign(ana, (0, time(8), time(15)))
    friday = madrid(2027, 3, 5, 12)
    assert shifts.next_shift_start(ana, friday) == madrid(2027, 3, 8, 8)
    assert not shifts.is_in_shift(ana, friday)
    assert shifts.is_in_shift(ana, madrid(2027, 3, 8, 8))
