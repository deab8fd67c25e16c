"""The rows behind a report's number: the conversations a figure counted, and one agent's status
ledger for one local day.

Each figure is selected by the same moment field that selectors/rollups.py's
`queue_hours_compute` counts it by (offered by `enqueued_at`, handled by `assigned_at`, …), over
the same half-open UTC range, so a list's length is the report's number. Unlike the reports these
read the raw rows, which is what a list of them is.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcenter.models import AgentState, Conversation, Queue, StatusInterval, Transfer, User
from contactcenter.selectors.report_ranges import ReportRange
from contactcenter.selectors.reports import FIGURES, Figure, Scope

# The figures a list can be drawn for: the counters of selectors/rollups.QUEUE_COUNTERS that count
# conversations (or transfers of them).
DRILL_FIGURES = {
    "offered": FIGURES["offered"],
    "handled": FIGURES["handled"],
    "abandoned": FIGURES["abandoned"],
    "closed": FIGURES["closed"],
    "answered_in_target": Figure(_("Answered in target"), _(
        "Conversations an agent took within the queue's target wait (the service level's numerator).")),
    "transfers_in": FIGURES["transfers_in"],
}


def allowed_queue_ids(scope: Scope, queue_ids=()) -> set[int] | None:
    """The queues a list covers: the reader's, narrowed by the filter (None: every queue). The
    same rule as the reports' queue filter."""
    chosen = set(queue_ids or ())
    if scope.queue_ids is None:
        return chosen or None
    return (chosen & scope.queue_ids) if chosen else set(scope.queue_ids)


def filter_choices(scope: Scope) -> tuple[QuerySet[Queue], QuerySet[User]]:
    """The queues and agents the reader may pick in a report's filters."""
    queues = Queue.objects.filter(organization_id=scope.organization_id)
    agents = User.objects.filter(organization_id=scope.organization_id, pk__in=AgentState.objects.values("agent_id"))
    if scope.queue_ids is not None:
        queues = queues.filter(pk__in=scope.queue_ids)
        agents = agents.filter(pk__in=scope.agent_ids)
    return queues, agents


def figure_conversations(scope: Scope, period: ReportRange, figure: str, *, queue_ids=(), channel_kind: str = "",
                         agent_id: int | None = None, now: datetime | None = None) -> QuerySet[Conversation]:
    """The conversations `figure` counted in the period for the reader, ordered by the moment that
    counted them. For transfers_in it is one row per completed transfer (a conversation
    transferred in twice is listed twice, as the report counts it twice). `agent_id` narrows to
    the conversations that agent has (the reports' queue figures do not take it)."""
    if figure not in DRILL_FIGURES:
        raise ValueError(f"unknown figure {figure!r}")
    now = now or timezone.now()
    start, end = period.start, min(period.end, now)
    allowed = allowed_queue_ids(scope, queue_ids)
    rows = Conversation.objects.filter(organization_id=scope.organization_id)
    if figure == "transfers_in":
        # One filter() call so that every condition is on the same transfer; the report counts a
        # transfer for its target queue, or the conversation's queue when it went to an agent.
        where = Q(transfers__status=Transfer.Status.COMPLETED, transfers__resolved_at__gte=start,
                  transfers__resolved_at__lt=end)
        if allowed is not None:
            where &= Q(transfers__to_queue_id__in=allowed) | Q(transfers__to_queue__isnull=True, queue_id__in=allowed)
        rows, moment = rows.filter(where), "transfers__resolved_at"
    else:
        moment = {"offered": "enqueued_at", "abandoned": "abandoned_at", "closed": "closed_at"}.get(figure,
                                                                                                    "assigned_at")
        rows = rows.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
        if allowed is not None:
            rows = rows.filter(queue_id__in=allowed)
        if figure == "closed":
            rows = rows.filter(status=Conversation.Status.CLOSED, assigned_at__isnull=False)
        elif figure == "answered_in_target":
            rows = rows.filter(_within_target(scope.organization_id, allowed))
    if channel_kind:
        rows = rows.filter(channel__kind=channel_kind)
    if agent_id is not None:
        rows = rows.filter(assignee_id=agent_id)
    return (rows.select_related("contact", "queue", "channel", "assignee", "disposition")
            .annotate(counted_at=F(moment)).order_by("counted_at", "pk"))


def _within_target(organization_id: int, allowed: set[int] | None) -> Q:
    """Taken within its queue's service-level target (the wait ≤ target, as the rollup counts)."""
    queues = Queue.objects.filter(organization_id=organization_id).only("kind", "service_level_seconds")
    if allowed is not None:
        queues = queues.filter(pk__in=allowed)
    within = Q(pk__in=[])
    for queue in queues:
        target = timedelta(seconds=queue.effective_service_level_seconds)
        within |= Q(queue_id=queue.pk, assigned_at__lte=F("enqueued_at") + target)
    return within


def waited(conversation: Conversation) -> timedelta | None:
    """How long the customer waited: until taken, or until they gave up."""
    until = conversation.assigned_at or conversation.abandoned_at
    return max(until - conversation.enqueued_at, timedelta(0)) if until else None


@dataclass(frozen=True)
class DaySegment:
    """One ledger interval clipped to the day: its place on the day's bar in percent."""

    interval: StatusInterval
    start: datetime  # UTC, clipped
    end: datetime  # UTC, clipped
    left: float  # % of the day
    width: float  # % of the day

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def css(self) -> str:
        status = self.interval.status
        return "pause" if status.is_pause else status.code


@dataclass(frozen=True)
class AgentDay:
    period: ReportRange  # one local day
    segments: list[DaySegment]

    @property
    def length(self) -> timedelta:
        """23, 24 or 25 hours."""
        return self.period.end - self.period.start

    @property
    def covered(self) -> timedelta:
        return sum((s.duration for s in self.segments), timedelta(0))

    def hour_marks(self) -> list[tuple[float, datetime]]:
        """(% of the day, local time) of each local hour start in the day, DST changes included."""
        marks, moment = [], self.period.start
        while moment < self.period.end:
            marks.append(((moment - self.period.start) / self.length * 100, moment.astimezone(self.period.zone)))
            moment += timedelta(hours=1)
        return marks


def agent_day(organization_id: int, agent_id: int, period: ReportRange, *, now: datetime | None = None) -> AgentDay:
    """The agent's ledger intervals that overlap the local day, cut to it; an interval still open
    lasts until now."""
    now = now or timezone.now()
    start, end = period.start, period.end
    intervals = (StatusInterval.objects.filter(organization_id=organization_id, agent_id=agent_id, started_at__lt=end)
                 .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
                 .select_related("status", "changed_by").order_by("started_at", "pk"))
    length = end - start
    segments = []
    for interval in intervals:
        cut_from = max(interval.started_at, start)
        cut_to = min(interval.ended_at if interval.ended_at is not None else now, end)
        if cut_to > cut_from:
            segments.append(DaySegment(interval, cut_from, cut_to, (cut_from - start) / length * 100,
                                       (cut_to - cut_from) / length * 100))
    return AgentDay(period, segments)
