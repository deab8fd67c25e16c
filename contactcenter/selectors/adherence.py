"""Adherence and conformance in the reports: each agent's shifts (selectors/shifts.py) against the
status ledger, per local day of the organization.

- Scheduled: the time inside the agent's shifts (shifts that overlap count once).
- In adherence: the scheduled time in which the agent was where the schedule says: outside a
  scheduled break in Ready, Dialing, In service or After service; in a scheduled break in a pause
  (any pause reason).
- Worked: the time logged in (any status but Offline and Banned), in a shift or not.
Adherence = in adherence ÷ scheduled; conformance = worked ÷ scheduled (over 100 % with overtime).

A shift across midnight counts on each day for its part in that day, as the ledger's time does
(the agent's day page cuts at midnight too). Nothing after now counts: today's figures are so far.
The ledger is read for the period only (a shift starts at any minute, so the hourly rollups cannot
answer), in a fixed number of queries whatever the number of agents, for periods of at most
MAX_DAYS days.
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from contactcenter.models import AgentSchedule, Organization, ScheduleException, StatusDefinition, StatusInterval
from contactcenter.selectors import shifts as sel
from contactcenter.selectors.report_ranges import ReportRange

MAX_DAYS = 31
WORK, BREAK = "work", "break"
NOT_LOGGED_IN = ("offline", "banned")


@dataclass
class Adherence:
    """Seconds scheduled, in adherence and worked (one day, or the sum of several)."""

    scheduled: float = 0.0
    adherent: float = 0.0
    worked: float = 0.0

    def add(self, other: "Adherence") -> None:
        self.scheduled += other.scheduled
        self.adherent += other.adherent
        self.worked += other.worked

    @property
    def adherence(self) -> float | None:
        return self.adherent / self.scheduled if self.scheduled else None

    @property
    def conformance(self) -> float | None:
        return self.worked / self.scheduled if self.scheduled else None


@dataclass(frozen=True)
class Planned:
    """A stretch of the schedule: WORK (in a shift) or BREAK (a scheduled break)."""

    start: datetime
    end: datetime
    kind: str


def plan(shifts: list[sel.Shift]) -> list[Planned]:
    """The agent's shifts as stretches that do not overlap, in order: a break wins over work."""
    changes: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])  # moment -> [shifts, breaks] opened
    for shift in shifts:
        changes[shift.start][0] += 1
        changes[shift.end][0] -= 1
        for brk in shift.breaks:
            changes[brk.start][1] += 1
            changes[brk.end][1] -= 1
    stretches: list[Planned] = []
    open_shifts = open_breaks = 0
    moments = sorted(changes)
    for start, end in zip(moments, moments[1:], strict=False):
        open_shifts += changes[start][0]
        open_breaks += changes[start][1]
        kind = BREAK if open_breaks else WORK if open_shifts else None
        if kind is None:
            continue
        if stretches and stretches[-1].kind == kind and stretches[-1].end == start:
            stretches[-1] = Planned(stretches[-1].start, end, kind)
        else:
            stretches.append(Planned(start, end, kind))
    return stretches


def _adherent(kind: str, code: str, is_pause: bool) -> bool:
    return is_pause if kind == BREAK else (code in sel.WORKING and not is_pause)


class _Days:
    """Adds seconds to the local days they fall in, within [start, limit)."""

    def __init__(self, period: ReportRange, limit: datetime):
        self.days = [period.first_day + timedelta(days=n) for n in range(period.days)]
        self.bounds = [period.day_start(day) for day in self.days] + [period.end]
        self.limit = limit
        self.totals: dict[date, Adherence] = defaultdict(Adherence)

    def add(self, start: datetime, end: datetime, name: str) -> None:
        start, end = max(start, self.bounds[0]), min(end, self.limit)
        index = bisect.bisect_right(self.bounds, start) - 1
        while start < end:
            cut = min(end, self.bounds[index + 1])
            day = self.totals[self.days[index]]
            setattr(day, name, getattr(day, name) + (cut - start).total_seconds())
            start, index = cut, index + 1


def _agent_days(days: _Days, planned: list[Planned], intervals: list[tuple]) -> dict[date, Adherence]:
    for stretch in planned:
        days.add(stretch.start, stretch.end, "scheduled")
    for _code, _pause, logged_in, start, end in intervals:
        if logged_in:
            days.add(start, end, "worked")
    i = j = 0
    while i < len(planned) and j < len(intervals):
        stretch, (code, is_pause, _logged, start, end) = planned[i], intervals[j]
        low, high = max(stretch.start, start), min(stretch.end, end)
        if high > low and _adherent(stretch.kind, code, is_pause):
            days.add(low, high, "adherent")
        if stretch.end <= end:
            i += 1
        else:
            j += 1
    return dict(days.totals)


def scheduled_agents(organization_id: int, agent_ids, period: ReportRange) -> set[int]:
    """Of these agents, those with a schedule or an exception in the period."""
    agent_ids = list(agent_ids)
    found = set(AgentSchedule.objects.filter(organization_id=organization_id, agent_id__in=agent_ids,
                                             valid_from__lte=period.last_day).values_list("agent_id", flat=True))
    return found | set(ScheduleException.objects.filter(
        organization_id=organization_id, agent_id__in=agent_ids, date__gte=period.first_day - timedelta(days=1),
        date__lte=period.last_day).values_list("agent_id", flat=True))


def by_day(organization_id: int, agent_ids, period: ReportRange, *, now: datetime | None = None
           ) -> dict[int, dict[date, Adherence]] | None:
    """{agent id: {local day: Adherence}} for the agents with shifts in the period; None when the
    period is longer than MAX_DAYS."""
    if period.days > MAX_DAYS:
        return None
    now = now or timezone.now()
    limit = min(period.end, now)
    agents = scheduled_agents(organization_id, agent_ids, period)
    if not agents or limit <= period.start:
        return {}
    organization = Organization.objects.get(pk=organization_id)
    found = sel.shifts_for_agents(organization, agents, period.start, limit)
    planned = {agent: plan(shifts) for agent, shifts in found.items() if shifts}
    ledger = defaultdict(list)
    rows = (StatusInterval.objects.filter(organization_id=organization_id, agent_id__in=list(planned),
                                          started_at__lt=limit)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=period.start))
            .values_list("agent_id", "status_id", "started_at", "ended_at")
            .order_by("agent_id", "started_at", "pk"))
    statuses = {pk: (code, kind == StatusDefinition.Kind.PAUSE) for pk, code, kind in StatusDefinition.objects.filter(
        organization_id=organization_id).values_list("pk", "code", "kind").order_by()}
    for agent, status_id, start, end in rows:
        code, is_pause = statuses[status_id]
        ledger[agent].append((code, is_pause, is_pause or code not in NOT_LOGGED_IN, start,
                              min(end or now, limit)))
    return {agent: _agent_days(_Days(period, limit), stretches, ledger.get(agent, []))
            for agent, stretches in planned.items()}


def by_agent(organization_id: int, agent_ids, period: ReportRange, *, now: datetime | None = None
             ) -> dict[int, Adherence] | None:
    """The period's sums per agent (see `by_day`)."""
    days = by_day(organization_id, agent_ids, period, now=now)
    if days is None:
        return None
    result = {}
    for agent, per_day in days.items():
        total = result[agent] = Adherence()
        for figures in per_day.values():
            total.add(figures)
    return result


@dataclass(frozen=True)
class DaySchedule:
    """One agent's schedule on one local day, for the agent's day page: the figures (None: no
    shift that day) and the planned stretches cut to the day, placed as % of it."""

    figures: Adherence | None
    planned: list[tuple[Planned, float, float]]  # (stretch, left %, width %)


def agent_day(organization_id: int, agent_id: int, period: ReportRange, *, now: datetime | None = None
              ) -> DaySchedule:
    now = now or timezone.now()
    figures = (by_day(organization_id, [agent_id], period, now=now) or {}).get(agent_id, {}).get(period.first_day)
    if figures is None:
        return DaySchedule(None, [])
    organization = Organization.objects.get(pk=organization_id)
    start, end = period.start, period.end
    length = end - start
    placed = []
    for stretch in plan(sel.shifts_for_agents(organization, [agent_id], start, end)[agent_id]):
        low, high = max(stretch.start, start), min(stretch.end, end)
        if high > low:
            placed.append((Planned(low, high, stretch.kind), (low - start) / length * 100, (high - low) / length * 100))
    return DaySchedule(figures, placed)
