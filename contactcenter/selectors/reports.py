"""The historical reports' figures, each defined once here (FIGURES: its name and the help text
the page shows), read from the hourly rollups (models/reports.py): stored rows for the hours
already filled, the same rows computed from the raw records (selectors/rollups.py) for the hours
after the fill mark, the still-open one included. No page scans the raw history of a range.

Averages are weighted (a sum of durations ÷ a count, both summed over the hours), never an average
of averages; a rate is a sum ÷ a sum.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactcenter.models import AgentStatusHour, QueueHour, StatusDefinition, User
from contactcenter.selectors import rollups
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
    "average_first_response": Figure(_("First response"), _(
        "Average time from being taken to the agent's first message.")),
    "average_handle": Figure(_("Handle time"), _("Average time from being taken to being closed.")),
    "average_resolution": Figure(_("Resolution time"), _("Average time from entering the queue to being closed.")),
    "closed": Figure(_("Closed"), _("Conversations closed after an agent had them.")),
    "transfers_in": Figure(_("Transfers in"), _("Completed transfers into the queue or to one of its agents.")),
    "occupancy": Figure(_("Occupancy"), _(
        "In service and after service, as a share of the time the agent was logged in and not paused.")),
}
QUEUE_FIGURES = ("offered", "handled", "abandoned", "service_level", "average_wait", "average_first_response",
                 "average_handle", "average_resolution", "closed", "transfers_in")


@dataclass(frozen=True)
class Scope:
    """What a reader may see: the organization, the queues (None: all of them) and the agents."""

    organization_id: int
    zone_name: str
    queue_ids: frozenset[int] | None
    agent_ids: frozenset[int] | None


@dataclass
class Totals:
    """Summed rollup counters and the figures derived from them."""

    counters: dict = field(default_factory=lambda: dict.fromkeys(rollups.QUEUE_COUNTERS, 0))

    def add(self, counters: dict) -> None:
        for name, value in counters.items():
            self.counters[name] += value

    def __getitem__(self, name: str):
        c = self.counters
        if name == "service_level":
            return c["answered_in_target"] / c["offered"] if c["offered"] else None
        if name in ("average_wait", "average_first_response", "average_handle", "average_resolution"):
            total, count = {
                "average_wait": ("wait_us", "wait_count"),
                "average_first_response": ("first_response_us", "first_response_count"),
                "average_handle": ("handle_us", "handle_count"),
                "average_resolution": ("resolution_us", "handle_count"),
            }[name]
            return timedelta(microseconds=c[total] / c[count]) if c[count] else None
        return c[name]


def _in_scope(scope: Scope, queue_ids) -> set[int] | None:
    """The queue ids a report counts: the reader's, narrowed by the filter."""
    chosen = set(queue_ids or ())
    if scope.queue_ids is None:
        return chosen or None
    return (chosen & scope.queue_ids) if chosen else set(scope.queue_ids)


def queue_hours(scope: Scope, period: ReportRange, *, queue_ids=(), channel_kind: str = "",
                now: datetime | None = None):
    """(hour, queue_id, channel_kind, counters) for every rollup row of the period the reader may
    see: stored up to the fill mark, computed after it (up to now)."""
    now = now or timezone.now()
    allowed = _in_scope(scope, queue_ids)
    start, end = period.start, min(period.end, now)
    mark = rollups.fill_mark(rollups.QUEUE_HOURS)
    split = max(start, min(end, mark)) if mark is not None else start
    stored = QueueHour.objects.filter(organization_id=scope.organization_id, hour__gte=start, hour__lt=split)
    if allowed is not None:
        stored = stored.filter(queue_id__in=allowed)
    if channel_kind:
        stored = stored.filter(channel_kind=channel_kind)
    for row in stored.values("hour", "queue_id", "channel_kind", *rollups.QUEUE_COUNTERS).order_by():
        yield row["hour"], row["queue_id"], row["channel_kind"], {n: row[n] for n in rollups.QUEUE_COUNTERS}
    if split < end:
        live = rollups.queue_hours_compute(organization_id=scope.organization_id, start=split, end=end)
        for (hour, queue_id, kind, _medium), counters in live.items():
            if (allowed is None or queue_id in allowed) and (not channel_kind or kind == channel_kind):
                yield hour, queue_id, kind, counters


def totals(scope: Scope, period: ReportRange, **filters) -> Totals:
    result = Totals()
    for _hour, _queue, _kind, counters in queue_hours(scope, period, **filters):
        result.add(counters)
    return result


def by_bucket(scope: Scope, period: ReportRange, granularity: str, **filters) -> list[tuple[Bucket, Totals]]:
    """The period's totals per hour, day or week (local), in order, empty buckets included."""
    buckets = period.buckets(granularity)
    rows = [(bucket, Totals()) for bucket in buckets]
    starts = [bucket.start for bucket in buckets]
    for hour, _queue, _kind, counters in queue_hours(scope, period, **filters):
        index = _bucket_index(starts, hour)
        if index is not None:
            rows[index][1].add(counters)
    return rows


def _bucket_index(starts: list[datetime], moment: datetime) -> int | None:
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if starts[middle] <= moment:
            low = middle + 1
        else:
            high = middle
    return low - 1 if low else None


def by_key(scope: Scope, period: ReportRange, key: str, **filters) -> dict:
    """The period's totals per queue id (`key="queue"`) or per channel kind (`key="channel"`)."""
    result: dict = defaultdict(Totals)
    for _hour, queue_id, kind, counters in queue_hours(scope, period, **filters):
        result[queue_id if key == "queue" else kind].add(counters)
    return dict(result)


@dataclass
class AgentTime:
    agent: User
    seconds: dict[int, float]  # status id → seconds

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def agent_status_times(scope: Scope, period: ReportRange, *, agent_id: int | None = None,
                       now: datetime | None = None) -> tuple[list[AgentTime], list[StatusDefinition]]:
    """Seconds per status for each agent the reader may see, over the period (stored hours, then
    the hours after the fill mark computed from the ledger), and the statuses that appear."""
    now = now or timezone.now()
    start, end = period.start, min(period.end, now)
    agents = scope.agent_ids if agent_id is None else ({agent_id} & scope.agent_ids if scope.agent_ids is not None
                                                       else {agent_id})
    mark = rollups.fill_mark(rollups.AGENT_STATUS_HOURS)
    split = max(start, min(end, mark)) if mark is not None else start
    seconds: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    stored = AgentStatusHour.objects.filter(organization_id=scope.organization_id, hour__gte=start, hour__lt=split)
    if agents is not None:
        stored = stored.filter(agent_id__in=agents)
    for agent, status, microseconds in stored.values_list("agent_id", "status_id", "microseconds").order_by():
        seconds[agent][status] += microseconds / 1_000_000
    if split < end:
        live = rollups.agent_status_hours_compute(organization_id=scope.organization_id, start=split, end=end,
                                                  now=now)
        for (_hour, agent, status), counters in live.items():
            if agents is None or agent in agents:
                seconds[agent][status] += counters["microseconds"] / 1_000_000
    people = {u.pk: u for u in User.objects.filter(organization_id=scope.organization_id, pk__in=list(seconds))}
    statuses = list(StatusDefinition.objects.filter(
        organization_id=scope.organization_id, pk__in={s for by_status in seconds.values() for s in by_status}
    ).order_by("kind", "position", "name"))
    rows = sorted((AgentTime(people[a], dict(by_status)) for a, by_status in seconds.items() if a in people),
                  key=lambda row: (row.agent.display_name.lower(), row.agent.pk))
    return rows, statuses


def occupancy(row: AgentTime, statuses: list[StatusDefinition]) -> float | None:
    """(In service + after service) ÷ (logged in and not paused)."""
    codes = {s.pk: s for s in statuses}
    working = sum(v for k, v in row.seconds.items() if codes[k].code in ("in_service", "after_service"))
    available = sum(v for k, v in row.seconds.items()
                    if codes[k].code not in ("offline", "banned") and not codes[k].is_pause)
    return working / available if available else None
