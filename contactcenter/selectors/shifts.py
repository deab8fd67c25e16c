"""Agents' shifts as real moments: the weekly pattern of their schedule on each local day, with
their exceptions and the organization's holidays applied, in the organization's time zone.

Each end of a shift or break is a local wall time turned into a moment on its own day, so a shift
across a DST change lasts what the clock on the wall says (22:00–06:00 is 7 hours on the night
the clocks go forward, 9 on the night they go back). A wall time that does not exist that day
(02:30 when the clocks jump from 02:00 to 03:00) is read with the offset before the change, which
lands one hour later (03:30); a repeated one is its first occurrence.
"""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from contactcenter.models import (
    AgentSchedule,
    Holiday,
    Organization,
    ScheduleBreak,
    ScheduleException,
    ScheduleShift,
)

UTC = datetime.UTC
Kind = ScheduleException.Kind


@dataclass(frozen=True)
class Break:
    start: datetime.datetime
    end: datetime.datetime
    pause_id: int


@dataclass(frozen=True)
class Shift:
    """One shift of one agent: aware moments (UTC); `day` is the local date it starts on."""

    day: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    breaks: tuple[Break, ...] = field(default=())
    origin: str = "pattern"  # or an exception kind: extra_shift, changed_hours

    def contains(self, at: datetime.datetime) -> bool:
        return self.start <= at < self.end

    def break_at(self, at: datetime.datetime) -> Break | None:
        return next((b for b in self.breaks if b.start <= at < b.end), None)


def moment(day: datetime.date, wall: datetime.time, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The moment (UTC) a local wall time happens on `day` (see the module's note on DST)."""
    return datetime.datetime.combine(day, wall).replace(tzinfo=zone).astimezone(UTC)


def _span(day, starts, ends, zone):
    end_day = day + datetime.timedelta(days=1) if ends <= starts else day
    return moment(day, starts, zone), moment(end_day, ends, zone)


def _breaks(day, shift_starts, breaks, zone, start, end):
    found = []
    for b in breaks:
        # A break earlier on the clock than its shift's start is on the next day (overnight shifts).
        b_day = day + datetime.timedelta(days=1) if b.starts < shift_starts else day
        b_start = moment(b_day, b.starts, zone)
        b_end = min(b_start + datetime.timedelta(minutes=b.minutes), end)
        if start <= b_start < end:
            found.append(Break(b_start, b_end, b.pause_id))
    return tuple(found)


def shifts_for_agents(organization: Organization, agent_ids, start: datetime.datetime, end: datetime.datetime
                      ) -> dict[int, list[Shift]]:
    """Every shift of these agents that overlaps [start, end), by agent, in order. A few queries
    whatever the number of agents or days."""
    zone = organization.zone
    agent_ids = list(agent_ids)
    # A shift that started the day before can still be running at `start`.
    first = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(zone).date()
    assignments = defaultdict(list)
    for agent_id, schedule_id, valid_from in AgentSchedule.objects.filter(
        agent_id__in=agent_ids, valid_from__lte=last
    ).order_by("valid_from").values_list("agent_id", "schedule_id", "valid_from"):
        assignments[agent_id].append((valid_from, schedule_id))
    schedule_ids = {sid for rows in assignments.values() for _, sid in rows}
    pattern = defaultdict(list)  # (schedule, weekday) -> shifts
    for shift in ScheduleShift.objects.filter(schedule_id__in=schedule_ids).order_by("starts"):
        pattern[(shift.schedule_id, shift.weekday)].append(shift)
    breaks = defaultdict(list)
    for b in ScheduleBreak.objects.filter(shift__schedule_id__in=schedule_ids).order_by("starts"):
        breaks[b.shift_id].append(b)
    exceptions = defaultdict(list)
    for exc in ScheduleException.objects.filter(agent_id__in=agent_ids, date__gte=first, date__lte=last):
        exceptions[(exc.agent_id, exc.date)].append(exc)
    holidays = set()
    if organization.shift_holidays_id:
        holidays = set(Holiday.objects.filter(hours_id=organization.shift_holidays_id, date__gte=first,
                                              date__lte=last).values_list("date", flat=True))
    result: dict[int, list[Shift]] = {}
    for agent_id in agent_ids:
        found = []
        day = first
        while day <= last:
            found.extend(_day_shifts(day, assignments.get(agent_id, ()), pattern, breaks,
                                     exceptions.get((agent_id, day), ()), day in holidays, zone))
            day += datetime.timedelta(days=1)
        result[agent_id] = sorted((s for s in found if s.end > start and s.start < end), key=lambda s: s.start)
    return result


def _day_shifts(day, assignments, pattern, breaks, exceptions, holiday, zone) -> list[Shift]:
    kinds = {exc.kind for exc in exceptions}
    if kinds & {Kind.DAY_OFF, Kind.VACATION}:
        return []
    shifts = []
    changed = [exc for exc in exceptions if exc.kind == Kind.CHANGED_HOURS]
    if changed:
        for exc in changed:
            shifts.append(Shift(day, *_span(day, exc.starts, exc.ends, zone), origin=Kind.CHANGED_HOURS))
    elif not holiday:
        schedule_id = next((sid for valid_from, sid in reversed(assignments) if valid_from <= day), None)
        for shift in pattern.get((schedule_id, day.weekday()), ()) if schedule_id else ():
            start, end = _span(day, shift.starts, shift.ends, zone)
            shifts.append(Shift(day, start, end, _breaks(day, shift.starts, breaks.get(shift.pk, ()), zone,
                                                         start, end)))
    for exc in exceptions:
        if exc.kind == Kind.EXTRA_SHIFT:
            shifts.append(Shift(day, *_span(day, exc.starts, exc.ends, zone), origin=Kind.EXTRA_SHIFT))
    return shifts


def agent_shifts(agent, start: datetime.datetime, end: datetime.datetime) -> list[Shift]:
    """The agent's shifts overlapping [start, end)."""
    return shifts_for_agents(agent.organization, [agent.pk], start, end)[agent.pk]


def has_schedule(agent_id: int) -> bool:
    return AgentSchedule.objects.filter(agent_id=agent_id).exists()


# How far ahead "the next shift" is looked for.
LOOKAHEAD = datetime.timedelta(days=14)


def shift_at(agent, at: datetime.datetime) -> Shift | None:
    """The shift the agent is in at `at`, or None."""
    return next((s for s in agent_shifts(agent, at, at + datetime.timedelta(seconds=1)) if s.contains(at)), None)


def is_in_shift(agent, at: datetime.datetime) -> bool:
    return shift_at(agent, at) is not None


def next_shift_start(agent, at: datetime.datetime) -> datetime.datetime | None:
    """When the agent's next shift starts after `at` (within two weeks), or None."""
    return next((s.start for s in agent_shifts(agent, at, at + LOOKAHEAD) if s.start > at), None)


def next_boundary(shifts: list[Shift], at: datetime.datetime) -> datetime.datetime | None:
    """The first start or end of a shift or break after `at`."""
    moments = [m for s in shifts for m in (s.start, s.end, *(x for b in s.breaks for x in (b.start, b.end)))]
    return min((m for m in moments if m > at), default=None)


# --- Adherence (the supervisor panel, computed on render) -------------------------------------------

WORKING = ("ready", "in_service", "after_service", "dialing")
ADHERENCE_LABELS = {
    "in_shift": _("In shift"),
    "on_break": _("On break"),
    "late": _("Late to log in"),
    "left_early": _("Logged out early"),
    "not_ready": _("In shift, not ready"),
    "skipped_break": _("Working through a break"),
    "break_overrun": _("Break overrun"),
    "off_shift_working": _("Working outside shift"),
}


def adherence_code(shifts: list[Shift], *, status_code: str, is_pause: bool, status_id: int, since,
                   now: datetime.datetime) -> str:
    """Where the agent is against their schedule now ("" when there is nothing to say)."""
    shift = next((s for s in shifts if s.contains(now)), None)
    ended_breaks = [b for s in shifts for b in s.breaks if b.end <= now and b.end > now - datetime.timedelta(hours=12)]
    if is_pause and any(b.pause_id == status_id and since <= b.end for b in ended_breaks):
        return "break_overrun"
    if shift is None:
        return "off_shift_working" if status_code in WORKING else ""
    if shift.break_at(now) is not None:
        return "on_break" if is_pause else "skipped_break"
    if status_code in WORKING:
        return "in_shift"
    if status_code == "offline":
        return "left_early" if since > shift.start else "late"
    return "not_ready"


def annotate_adherence(rows, organization: Organization, now: datetime.datetime) -> None:
    """Fill `adherence` on supervision rows (AgentRow) from their agents' shifts: one batch."""
    scheduled = set(AgentSchedule.objects.filter(agent_id__in=[r.agent.pk for r in rows])
                    .values_list("agent_id", flat=True))
    scheduled |= set(ScheduleException.objects.filter(agent_id__in=[r.agent.pk for r in rows], date__gte=(
        now - datetime.timedelta(days=1)).date()).values_list("agent_id", flat=True))
    if not scheduled:
        return
    found = shifts_for_agents(organization, scheduled, now - datetime.timedelta(hours=12), now + datetime.timedelta(
        minutes=1))
    for row in rows:
        if row.agent.pk not in found:
            continue
        status = row.state.status
        row.adherence = adherence_code(found[row.agent.pk], status_code=status.code, is_pause=status.is_pause,
                                       status_id=status.pk, since=row.state.since, now=now)
        row.adherence_label = str(ADHERENCE_LABELS.get(row.adherence, ""))
