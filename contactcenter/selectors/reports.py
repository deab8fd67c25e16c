"""The historical reports' figures, each defined once here (FIGURES: its name and the help text
the page shows), read from the hourly rollups (models/reports.py): stored rows for the hours
already filled, summed by the database, and the same rows computed from the raw records
(selectors/rollups.py) for the hours after the fill mark, the still-open one included. No page
scans the raw history of a range, and the number of queries does not grow with the number of
agents or days.

Averages are weighted (a sum of durations ÷ a count, both summed over the hours), never an average
of averages; a rate is a sum ÷ a sum.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactcenter.models import NO_ANSWER_CODE, Conversation, StatusDefinition, User
from contactcenter.selectors import adherence, rollups
from contactcenter.selectors.report_ranges import Bucket, ReportRange


@dataclass(frozen=True)
class Figure:
    label: str
    help: str


FIGURES = {
    "offered": Figure(pgettext_lazy("report figure", "Offered"), _("Conversations that entered a queue.")),
    "handled": Figure(_("Handled"), _("Conversations an agent took (assigned and answered).")),
    "abandoned": Figure(pgettext_lazy("report figure", "Abandoned"),
                        _("Customers who left, or hung up, while still waiting.")),
    "service_level": Figure(_("Service level"), _(
        "Share of the conversations offered that an agent took within the queue's target (by default 20 s "
        "for calls, 60 s for chats).")),
    "average_wait": Figure(_("Average wait"), _("From entering the queue to being taken by an agent.")),
    "p90_wait": Figure(_("Wait p90"), _(
        "Nine in ten customers who were taken waited at most this long (estimated within the wait "
        "distribution's steps: 10, 20, 30 s, 1, 1.5, 2, 3, 5, 10 and 30 min).")),
    "average_first_response": Figure(_("First response"), _(
        "Average time from being taken to the agent's first message.")),
    "average_handle": Figure(_("Handle time"), _("Average time from being taken to being closed.")),
    "average_talk": Figure(_("Talk time"), _("Calls: average handle time not on hold.")),
    "average_hold": Figure(_("Hold time"), _("Calls: average time on hold.")),
    "average_after_service": Figure(_("After service"), _(
        "Average time from the close to the end of the agent's after service (wrap-up).")),
    "average_resolution": Figure(_("Resolution time"), _("Average time from entering the queue to being closed.")),
    "closed": Figure(_("Closed"), _("Conversations closed after an agent had them.")),
    "transfers_in": Figure(_("Transfers in"), _("Completed transfers into the queue or to one of its agents.")),
    "transfers_out": Figure(_("Transfers out"), _("Completed transfers that took a conversation out of the queue "
                                                  "or away from the agent.")),
    "occupancy": Figure(_("Occupancy"), _(
        "In service and after service, as a share of the time the agent was logged in and not paused.")),
    "concurrency": Figure(_("Concurrency"), _(
        "Average number of chats open at once while the agent was in service (chat handle time ÷ time in "
        "service).")),
    "no_answer": Figure(_("No answer"), _("Times the agent was paused for not answering an offer.")),
    "csat": Figure(_("CSAT"), _("Satisfied customers: ratings of 4 or 5 as a share of the ratings received "
                                "(counted in the hour of the first answer).")),
    "csat_responses": Figure(_("Rating response rate"), _(
        "Ratings received as a share of the surveys asked (a chat an agent closed, in a queue that asks).")),
    "csat_average": Figure(_("Average rating"), _("The average score of the ratings received, from 1 to 5.")),
    "adherence": Figure(_("Adherence"), _(
        "Share of the scheduled time in which the agent was where their schedule says: in a shift in Ready, "
        "Dialing, In service or After service; in a scheduled break in a pause. Per local day, a shift across "
        "midnight in each day for its part; periods of up to 31 days.")),
    "conformance": Figure(_("Conformance"), _(
        "Time logged in (any status but Offline and Banned, in a shift or not) as a share of the scheduled "
        "time; over 100 % with overtime. Periods of up to 31 days.")),
    "share": Figure(_("Share"), _("Of the conversations closed after service in the same queues, agents and "
                                  "period.")),
}
QUEUE_FIGURES = ("offered", "handled", "abandoned", "service_level", "average_wait", "p90_wait",
                 "average_first_response", "average_handle", "average_talk", "average_hold",
                 "average_after_service", "average_resolution", "closed", "transfers_in", "transfers_out",
                 "csat", "csat_responses", "csat_average")
DURATION_FIGURES = ("average_wait", "p90_wait", "average_first_response", "average_handle", "average_talk",
                    "average_hold", "average_after_service", "average_resolution")
AGENT_FIGURES = ("handled", "closed", "average_first_response", "average_handle", "average_talk", "average_hold",
                 "average_after_service", "transfers_in", "transfers_out", "csat", "csat_responses",
                 "csat_average")

# Averages: (sum of microseconds, count). Voice-only sums are summed apart (see `_VOICE`).
_AVERAGES = {
    "average_wait": ("wait_us", "wait_count"),
    "average_first_response": ("first_response_us", "first_response_count"),
    "average_handle": ("handle_us", "closed"),
    "average_hold": ("hold_us", "voice_closed"),
    "average_after_service": ("after_service_us", "after_service_count"),
    "average_resolution": ("resolution_us", "closed"),
}
# Ratios: (numerator, denominator), both summed over the hours.
_RATIOS = {
    "csat": ("csat_positive", "csat_answered"),
    "csat_responses": ("csat_answered", "csat_asked"),
    "csat_average": ("csat_score_sum", "csat_answered"),
}
# Sums kept for calls only, in the tables that have a medium: talk = voice handle − hold.
_VOICE = {"voice_handle_us": "handle_us", "voice_closed": "closed"}


@dataclass(frozen=True)
class Scope:
    """What a reader may see: the organization, the queues (None: all of them) and the agents."""

    organization_id: int
    zone_name: str
    queue_ids: frozenset[int] | None
    agent_ids: frozenset[int] | None
    # What one request already read (the fill marks, the live hours after them): a page sums
    # several tables and groupings over the same period; each is read once.
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass
class Totals:
    """Summed rollup counters and the figures derived from them."""

    counters: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, counters: dict) -> None:
        for name, value in counters.items():
            self.counters[name] += value or 0

    def __getitem__(self, name: str):
        c = self.counters
        if name == "service_level":
            return c["answered_in_target"] / c["offered"] if c["offered"] else None
        if name in _RATIOS:
            part, whole = _RATIOS[name]
            return c[part] / c[whole] if c[whole] else None
        if name == "p90_wait":
            return wait_percentile([c[column] for column in rollups.WAIT_COLUMNS], 0.9)
        if name == "average_talk":
            talk = c["voice_handle_us"] - c["hold_us"]
            return timedelta(microseconds=talk / c["voice_closed"]) if c["voice_closed"] else None
        if name in _AVERAGES:
            total, count = _AVERAGES[name]
            return timedelta(microseconds=c[total] / c[count]) if c[count] else None
        return c[name]


def wait_percentile(counts: list[int], share: float) -> timedelta | None:
    """The wait under which `share` of the waits fall, from the histogram's counts per bucket
    (rollups.WAIT_BUCKETS), linear within the bucket it falls in; the open last bucket answers
    its lower bound."""
    total = sum(counts)
    if not total:
        return None
    wanted, seen, lower = share * total, 0, 0
    for bound, count in zip(rollups.WAIT_BUCKETS, counts, strict=False):
        if count and seen + count >= wanted:
            return timedelta(seconds=lower + (bound - lower) * (wanted - seen) / count)
        seen, lower = seen + count, bound
    return timedelta(seconds=rollups.WAIT_BUCKETS[-1])


def queues_in_scope(scope: Scope, queue_ids) -> set[int] | None:
    """The queue ids a report counts: the reader's, narrowed by the filter."""
    chosen = set(queue_ids or ())
    if scope.queue_ids is None:
        return chosen or None
    return (chosen & scope.queue_ids) if chosen else set(scope.queue_ids)


# A group field of `sums` besides the table's keys: the date, in the reader's zone, an hour starts on.
LOCAL_DATE = "local_date"


def sums(scope: Scope, period: ReportRange, table: str, group: tuple[str, ...], *, queue_ids=(),
         channel_kind: str = "", agent_id: int | None = None, now: datetime | None = None) -> dict[tuple, dict]:
    """`table`'s counters over the period, summed per `group` (key fields of the table, "hour"
    included), for what the reader may see and the filters ask: stored rows summed by the
    database up to the fill mark (whole UTC days from the day table when the group has no hour,
    the hours at the range's edges from the hour table), the hours after it computed from the raw
    rows.

    Tables with a queue are scoped by queue (an agent's work in a queue the reader supervises
    counts); the status ledger, which has none, by the reader's agents."""
    now = now or timezone.now()
    keys, counters = rollups.KEYS[table], rollups.COUNTERS[table]
    if "queue_id" in keys:
        allowed = queues_in_scope(scope, queue_ids)
        agents = {agent_id} if agent_id is not None and "agent_id" in keys else None
    else:
        allowed = None
        agents = scope.agent_ids if agent_id is None else (
            {agent_id} & scope.agent_ids if scope.agent_ids is not None else {agent_id})
    voice = _VOICE if "medium" in keys else {}
    start, end = period.start, min(period.end, now)
    marks = scope.memo("fill marks", rollups.fill_marks)
    mark = marks.get(table)
    split = max(start, min(end, mark)) if mark is not None else start
    result: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))

    def narrowed(stored):
        stored = stored.filter(organization_id=scope.organization_id)
        if allowed is not None:
            stored = stored.filter(queue_id__in=allowed)
        if agents is not None:
            stored = stored.filter(agent_id__in=agents)
        if channel_kind and "channel_kind" in keys:
            stored = stored.filter(channel_kind=channel_kind)
        return stored

    # Aliased: an aggregate may not take the name of the field it sums.
    aggregates = {f"sum_{name}": Sum(name) for name in counters}
    aggregates |= {f"sum_{name}": Sum(source, filter=Q(medium="voice")) for name, source in voice.items()}

    if LOCAL_DATE in group:
        zone = zoneinfo.ZoneInfo(scope.zone_name)
        by_date = {LOCAL_DATE: TruncDate("hour", tzinfo=zone)}

    def add_up(stored):
        if LOCAL_DATE in group:
            stored = stored.annotate(**by_date)
        # No group: one row of sums (`.values()` without fields would group by every column).
        rows = stored.values(*group).annotate(**aggregates).order_by() if group else [stored.aggregate(**aggregates)]
        for row in rows:
            target = result[tuple(row[name] for name in group)]
            for alias in aggregates:
                target[alias[4:]] += row[alias] or 0

    hours = rollups.MODELS[table].objects
    days_mark = marks.get(rollups.DAY_TABLES[table])
    first_day, last_day = rollups.day_ceil(start), min(rollups.day_floor(split), days_mark or start)
    if "hour" not in group and LOCAL_DATE not in group and first_day < last_day:
        add_up(narrowed(rollups.DAY_MODELS[table].objects.filter(day__gte=first_day, day__lt=last_day)))
        add_up(narrowed(hours.filter(Q(hour__gte=start, hour__lt=first_day) | Q(hour__gte=last_day, hour__lt=split))))
    else:
        add_up(narrowed(hours.filter(hour__gte=start, hour__lt=split)))

    if split < end:
        live = scope.memo(("live", table, split, end, now), lambda: rollups.COMPUTE[table](
            organization_id=scope.organization_id, start=split, end=end, now=now))
        for key, values in live.items():
            row = dict(zip(("hour", *keys), key, strict=True))
            if LOCAL_DATE in group:
                row[LOCAL_DATE] = row["hour"].astimezone(zone).date()
            if (allowed is not None and row["queue_id"] not in allowed) or (
                    agents is not None and row["agent_id"] not in agents) or (
                    channel_kind and "channel_kind" in keys and row["channel_kind"] != channel_kind):
                continue
            target = result[tuple(row[name] for name in group)]
            for name, value in values.items():
                target[name] += value
            if row.get("medium") == "voice":
                for name, source in voice.items():
                    target[name] += values[source]
    return result


def totals(scope: Scope, period: ReportRange, **filters) -> Totals:
    result = Totals()
    for counters in sums(scope, period, rollups.QUEUE_HOURS, (), **filters).values():
        result.add(counters)
    return result


def by_bucket(scope: Scope, period: ReportRange, granularity: str, **filters) -> list[tuple[Bucket, Totals]]:
    """The period's totals per hour, day or week (local), in order, empty buckets included. By
    day or week the database sums the hours per local date first (a year is 365 rows, not
    8,760); an hour counts in the local day it starts in."""
    buckets = period.buckets(granularity)
    rows = [(bucket, Totals()) for bucket in buckets]
    if granularity == "hour":
        starts = [bucket.start for bucket in buckets]
        for (hour,), counters in sums(scope, period, rollups.QUEUE_HOURS, ("hour",), **filters).items():
            index = _bucket_index(starts, hour)
            if index is not None:
                rows[index][1].add(counters)
        return rows
    firsts = [bucket.local_start.date() for bucket in buckets]
    for (day,), counters in sums(scope, period, rollups.QUEUE_HOURS, (LOCAL_DATE,), **filters).items():
        index = _bucket_index(firsts, day)
        if index is not None:
            rows[index][1].add(counters)
    return rows


def _bucket_index(starts: list, moment) -> int | None:
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if starts[middle] <= moment:
            low = middle + 1
        else:
            high = middle
    return low - 1 if low else None


def by_key(scope: Scope, period: ReportRange, key: str, **filters) -> dict:
    """The period's totals per queue id (`key="queue"`), per channel kind (`key="channel"`) or
    per (medium, channel kind) (`key="medium"`)."""
    group = {"queue": ("queue_id",), "channel": ("channel_kind",), "medium": ("medium", "channel_kind")}[key]
    result: dict = {}
    for values, counters in sums(scope, period, rollups.QUEUE_HOURS, group, **filters).items():
        totals_ = result.setdefault(values if len(values) > 1 else values[0], Totals())
        totals_.add(counters)
    return result


@dataclass
class AgentTime:
    agent: User
    seconds: dict[int, float]  # status id → seconds
    entries: dict[int, int] = field(default_factory=dict)  # status id → times the agent went into it

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def agent_status_times(scope: Scope, period: ReportRange, *, agent_id: int | None = None,
                       now: datetime | None = None) -> tuple[list[AgentTime], list[StatusDefinition]]:
    """Seconds per status for each agent the reader may see, over the period, and the statuses
    that appear."""
    spent = sums(scope, period, rollups.AGENT_STATUS_HOURS, ("agent_id", "status_id"), agent_id=agent_id,
                 now=now)
    seconds: dict[int, dict[int, float]] = defaultdict(dict)
    entries: dict[int, dict[int, int]] = defaultdict(dict)
    for (agent, status), counters in spent.items():
        seconds[agent][status] = counters["microseconds"] / 1_000_000
        entries[agent][status] = counters["entries"]
    people = {u.pk: u for u in User.objects.filter(organization_id=scope.organization_id, pk__in=list(seconds))}
    statuses = list(StatusDefinition.objects.filter(
        organization_id=scope.organization_id, pk__in={s for by_status in seconds.values() for s in by_status}
    ).order_by("kind", "position", "name"))
    rows = sorted((AgentTime(people[a], by_status, entries[a]) for a, by_status in seconds.items() if a in people),
                  key=lambda row: (row.agent.display_name.lower(), row.agent.pk))
    return rows, statuses


def occupancy(row: AgentTime, statuses: list[StatusDefinition]) -> float | None:
    """(In service + after service) ÷ (logged in and not paused)."""
    codes = {s.pk: s for s in statuses}
    working = sum(v for k, v in row.seconds.items() if codes[k].code in ("in_service", "after_service"))
    available = sum(v for k, v in row.seconds.items()
                    if codes[k].code not in ("offline", "banned") and not codes[k].is_pause)
    return working / available if available else None


@dataclass
class AgentWork:
    """One agent's row of the Agents tab: their work (AgentHour) and their time (the ledger)."""

    agent: User
    work: Totals
    time: AgentTime | None
    statuses: list[StatusDefinition]
    schedule: adherence.Adherence | None = None  # None: no shift in the period (or a period too long)

    def __getitem__(self, name: str):
        if name in ("adherence", "conformance"):
            return getattr(self.schedule, name) if self.schedule else None
        if name == "occupancy":
            return occupancy(self.time, self.statuses) if self.time else None
        if name == "no_answer":
            codes = {s.pk: s.code for s in self.statuses}
            return sum(n for pk, n in (self.time.entries if self.time else {}).items() if codes[pk] == NO_ANSWER_CODE)
        if name == "concurrency":
            codes = {s.pk: s.code for s in self.statuses}
            busy = sum(v for pk, v in (self.time.seconds if self.time else {}).items() if codes[pk] == "in_service")
            chats = self.work["chat_handle_us"] / 1_000_000
            return chats / busy if busy else None
        return self.work[name]


def agents_work(scope: Scope, period: ReportRange, *, queue_ids=(), channel_kind: str = "",
                agent_id: int | None = None, now: datetime | None = None) -> list[AgentWork]:
    """The Agents tab: per agent, what they handled in the reader's queues, how their time was
    spent (their whole ledger: time is not per queue) and how it kept to their schedule."""
    work = sums(scope, period, rollups.AGENT_HOURS, ("agent_id", "medium"), queue_ids=queue_ids,
                channel_kind=channel_kind, agent_id=agent_id, now=now)
    per_agent: dict[int, Totals] = defaultdict(Totals)
    for (agent, medium), counters in work.items():
        per_agent[agent].add(counters)
        if medium == Conversation.Medium.CHAT:
            per_agent[agent].add({"chat_handle_us": counters["handle_us"]})
    times, statuses = agent_status_times(scope, period, agent_id=agent_id, now=now)
    by_agent = {row.agent.pk: row for row in times}
    ids = set(per_agent) | (set(by_agent) if not queue_ids else set())
    people = {u.pk: u for u in User.objects.filter(organization_id=scope.organization_id, pk__in=list(ids))}
    scheduled = adherence.by_agent(scope.organization_id, list(people), period, now=now) or {}
    rows = [AgentWork(people[pk], per_agent.get(pk, Totals()), by_agent.get(pk), statuses, scheduled.get(pk))
            for pk in ids if pk in people]
    return sorted(rows, key=lambda row: (row.agent.display_name.lower(), row.agent.pk))


def outcomes(scope: Scope, period: ReportRange, by: str, **filters) -> dict[tuple, int]:
    """Conversations per (disposition id, tag id, `by`), `by` being "queue_id" or "agent_id"
    (None for none): one of the two ids is None."""
    group = ("disposition_id", "tag_id", *((by,) if by else ()))
    counted = sums(scope, period, rollups.OUTCOME_HOURS, group, **filters)
    return {key: counters["conversations"] for key, counters in counted.items()}


def closed_by(scope: Scope, period: ReportRange, by: str | None, **filters) -> dict:
    """Conversations closed after service per queue id or agent id (`by`), or in all (None): the
    dispositions' and tags' denominators."""
    table = rollups.AGENT_HOURS if by == "agent_id" or filters.get("agent_id") else rollups.QUEUE_HOURS
    counted = sums(scope, period, table, (by,) if by else (), **filters)
    return {(key[0] if by else None): counters["closed"] for key, counters in counted.items()}
