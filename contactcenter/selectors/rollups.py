"""The reports' hourly rollup rows as the raw records give them (conversations, transfers, the
status ledger), and as stored (models/reports.py). The fill (services/rollups.py) stores what
these compute for each closed hour; the report pages (selectors/reports.py) read the stored rows
up to the fill mark and compute the hours after it (the still-open one included) with the same
functions, so a live hour and a stored one are the same numbers; `reports_check` compares them.
"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from contactcenter.models import (
    AgentStatusHour,
    Conversation,
    Queue,
    QueueHour,
    RollupFillState,
    StatusInterval,
    Transfer,
)

HOUR = timedelta(hours=1)


MICROSECOND = timedelta(microseconds=1)


QUEUE_HOURS = "queue_hours"


AGENT_STATUS_HOURS = "agent_status_hours"


TABLES = (QUEUE_HOURS, AGENT_STATUS_HOURS)


# QueueHour's counters (see the model for each one's definition), in a stable order.
QUEUE_COUNTERS = (
    "offered", "handled", "abandoned", "answered_in_target", "wait_us", "wait_count", "first_response_us",
    "first_response_count", "handle_us", "handle_count", "resolution_us", "closed", "transfers_in",
)


AGENT_COUNTERS = ("microseconds", "entries")


# A row's identity: (hour, queue_id, channel_kind, medium) or (hour, agent_id, status_id).
QueueKey = tuple[datetime, int, str, str]


AgentKey = tuple[datetime, int, int]


def hour_floor(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in (rollups always cut in UTC: a zone such as
    Asia/Kolkata is not whole hours off it)."""
    if timezone.is_naive(moment):
        raise ValueError("rollups need aware datetimes")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_check(hour: datetime) -> datetime:
    """`hour` as a UTC hour start; ValueError if it is not the start of one."""
    if hour_floor(hour) != hour:
        raise ValueError(f"{hour!r} is not the start of a UTC hour")
    return hour.astimezone(UTC)


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """The UTC hour starts h with start ≤ h < end (start is rounded down to its hour)."""
    hour, hours = hour_floor(start), []
    while hour < end:
        hours.append(hour)
        hour += HOUR
    return hours


def microseconds(delta: timedelta) -> int:
    return delta // MICROSECOND


def queue_hours_compute(*, organization_id: int, start: datetime, end: datetime) -> dict[QueueKey, dict]:
    """QueueHour counters for every hour in [start, end), from conversations and transfers.
    Only rows with something in them are returned."""
    rows: dict[QueueKey, dict] = defaultdict(lambda: dict.fromkeys(QUEUE_COUNTERS, 0))

    def within(moment):
        return moment is not None and start <= moment < end

    def bump(moment, queue_id, kind, medium, **counters):
        row = rows[(hour_floor(moment), queue_id, kind or "", medium)]
        for name, value in counters.items():
            row[name] += value

    targets = {
        queue.pk: timedelta(seconds=queue.effective_service_level_seconds)
        for queue in Queue.objects.filter(organization_id=organization_id).only("kind", "service_level_seconds")
    }
    in_range = Q()
    for field in ("enqueued_at", "assigned_at", "first_response_at", "closed_at", "abandoned_at"):
        in_range |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    conversations = (
        Conversation.objects.filter(in_range, organization_id=organization_id)
        .values_list("queue_id", "channel__kind", "medium", "status", "enqueued_at", "assigned_at",
                     "first_response_at", "closed_at", "abandoned_at")
        .order_by()
    )
    for queue_id, kind, medium, status, enqueued, assigned, first_response, closed, abandoned in conversations:
        where = (queue_id, kind, medium)
        if within(enqueued):
            bump(enqueued, *where, offered=1)
        if within(assigned):
            wait = max(assigned - enqueued, timedelta(0))
            bump(assigned, *where, handled=1, wait_us=microseconds(wait), wait_count=1,
                 answered_in_target=int(wait <= targets[queue_id]))
        if within(first_response) and assigned is not None:
            bump(first_response, *where, first_response_us=microseconds(max(first_response - assigned, timedelta(0))),
                 first_response_count=1)
        if within(closed) and status == Conversation.Status.CLOSED and assigned is not None:
            bump(closed, *where, closed=1, handle_us=microseconds(max(closed - assigned, timedelta(0))), handle_count=1,
                 resolution_us=microseconds(max(closed - enqueued, timedelta(0))))
        if within(abandoned):
            bump(abandoned, *where, abandoned=1)

    transfers = (
        Transfer.objects.filter(organization_id=organization_id, status=Transfer.Status.COMPLETED,
                                resolved_at__gte=start, resolved_at__lt=end)
        .values_list("resolved_at", "to_queue_id", "conversation__queue_id", "conversation__channel__kind",
                     "conversation__medium")
        .order_by()
    )
    for resolved, to_queue_id, queue_id, kind, medium in transfers:
        bump(resolved, to_queue_id or queue_id, kind, medium, transfers_in=1)
    return dict(rows)


def agent_status_hours_compute(*, organization_id: int, start: datetime, end: datetime,
                               now: datetime | None = None) -> dict[AgentKey, dict]:
    """AgentStatusHour rows for every hour in [start, end): the status ledger's intervals cut at
    hour boundaries (an interval still open lasts until `now`). For each agent and hour, the
    microseconds add up to the time the agent existed in that hour."""
    now = now or timezone.now()
    rows: dict[AgentKey, dict] = defaultdict(lambda: dict.fromkeys(AGENT_COUNTERS, 0))
    intervals = (
        StatusInterval.objects.filter(organization_id=organization_id, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start) | Q(started_at__gte=start))
        .values_list("agent_id", "status_id", "started_at", "ended_at")
        .order_by()
    )
    for agent_id, status_id, started, ended in intervals:
        if started >= start:
            rows[(hour_floor(started), agent_id, status_id)]["entries"] += 1
        cut_from, cut_to = max(started, start), min(ended if ended is not None else now, end)
        hour = hour_floor(cut_from)
        while hour < cut_to:
            piece = min(hour + HOUR, cut_to) - max(hour, cut_from)
            if piece > timedelta(0):
                rows[(hour, agent_id, status_id)]["microseconds"] += microseconds(piece)
            hour += HOUR
    return dict(rows)


def queue_hours_stored(*, organization_id: int, start: datetime, end: datetime) -> dict[QueueKey, dict]:
    stored = QueueHour.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end)
    return {
        (row["hour"].astimezone(UTC), row["queue_id"], row["channel_kind"], row["medium"]):
            {name: row[name] for name in QUEUE_COUNTERS}
        for row in stored.values("hour", "queue_id", "channel_kind", "medium", *QUEUE_COUNTERS)
    }


def agent_status_hours_stored(*, organization_id: int, start: datetime, end: datetime) -> dict[AgentKey, dict]:
    stored = AgentStatusHour.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end)
    return {
        (row["hour"].astimezone(UTC), row["agent_id"], row["status_id"]): {name: row[name] for name in AGENT_COUNTERS}
        for row in stored.values("hour", "agent_id", "status_id", *AGENT_COUNTERS)
    }


def fill_mark(table: str) -> datetime | None:
    """Every hour before the mark is filled in `table` (None: never filled)."""
    state = RollupFillState.objects.filter(table=table).first()
    return state.filled_until.astimezone(UTC) if state else None
