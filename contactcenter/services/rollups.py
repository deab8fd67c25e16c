"""The reports' rollups (models/reports.py), computed from the raw rows one closed UTC hour at a
time and written by replacing that hour's rows, so that a re-run (a crash, a late correction,
two workers) never counts twice. Zulip's analytics work the same way: counts tables plus a fill
mark per table that only moves forward after an hour is done, in the same transaction.

The compute functions are also what the live (still open) hour and `reports_check` use: the rows
they return for a range are exactly the rows the fill stores for its hours.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from contactcenter.models import (
    AgentStatusHour,
    Conversation,
    Organization,
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


def _us(delta: timedelta) -> int:
    return delta // MICROSECOND


# --- Computing from the raw rows --------------------------------------------------------------------


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
            bump(assigned, *where, handled=1, wait_us=_us(wait), wait_count=1,
                 answered_in_target=int(wait <= targets[queue_id]))
        if within(first_response) and assigned is not None:
            bump(first_response, *where, first_response_us=_us(max(first_response - assigned, timedelta(0))),
                 first_response_count=1)
        if within(closed) and status == Conversation.Status.CLOSED and assigned is not None:
            bump(closed, *where, closed=1, handle_us=_us(max(closed - assigned, timedelta(0))), handle_count=1,
                 resolution_us=_us(max(closed - enqueued, timedelta(0))))
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
                rows[(hour, agent_id, status_id)]["microseconds"] += _us(piece)
            hour += HOUR
    return dict(rows)


# --- Stored rows --------------------------------------------------------------------------------


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


def _replace_queue_hours(organization_id: int, start: datetime, end: datetime) -> int:
    rows = queue_hours_compute(organization_id=organization_id, start=start, end=end)
    QueueHour.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end).delete()
    QueueHour.objects.bulk_create(
        QueueHour(organization_id=organization_id, hour=hour, queue_id=queue_id, channel_kind=kind, medium=medium,
                  **counters)
        for (hour, queue_id, kind, medium), counters in rows.items()
    )
    return len(rows)


def _replace_agent_status_hours(organization_id: int, start: datetime, end: datetime) -> int:
    rows = agent_status_hours_compute(organization_id=organization_id, start=start, end=end)
    AgentStatusHour.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end).delete()
    AgentStatusHour.objects.bulk_create(
        AgentStatusHour(organization_id=organization_id, hour=hour, agent_id=agent_id, status_id=status_id,
                        **counters)
        for (hour, agent_id, status_id), counters in rows.items()
    )
    return len(rows)


_REPLACE = {QUEUE_HOURS: _replace_queue_hours, AGENT_STATUS_HOURS: _replace_agent_status_hours}


# --- Filling --------------------------------------------------------------------------------------


@transaction.atomic
def rollup_fill_hour(*, organization: Organization, hour: datetime,
                     tables: Iterable[str] = TABLES) -> int:
    """Recompute one closed UTC hour of `organization` from the raw rows and replace its rows in
    `tables`. Running it twice leaves the same rows. Returns the number of rows written."""
    hour = hour_check(hour)
    if hour + HOUR > timezone.now():
        raise ValueError(f"the hour {hour:%Y-%m-%d %H:00} UTC is not over yet")
    return sum(_REPLACE[table](organization.pk, hour, hour + HOUR) for table in tables)


def _first_hour(table: str) -> datetime | None:
    if table == QUEUE_HOURS:
        first = Conversation.objects.aggregate(a=Min("enqueued_at"), b=Min("first_response_at"))
    else:
        first = StatusInterval.objects.aggregate(a=Min("started_at"))
    moments = [moment for moment in first.values() if moment is not None]
    return hour_floor(min(moments)) if moments else None


def fill_mark(table: str) -> datetime | None:
    """Every hour before the mark is filled in `table` (None: never filled)."""
    state = RollupFillState.objects.filter(table=table).first()
    return state.filled_until.astimezone(UTC) if state else None


def rollups_fill(*, now: datetime | None = None) -> int:
    """Fill every closed hour after each table's mark, for every organization, one transaction
    per hour (the mark moves with the hour's rows, so a crash redoes at most that hour). A table
    never filled starts at the first hour with raw rows. Returns the number of hours filled."""
    last = hour_floor(now or timezone.now())  # the current hour is still open: computed live
    filled = 0
    for table in TABLES:
        start = _first_hour(table) or last
        RollupFillState.objects.get_or_create(table=table, defaults={"filled_until": start})
        organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        while True:
            with transaction.atomic():
                state = RollupFillState.objects.select_for_update().get(table=table)
                hour = state.filled_until.astimezone(UTC)
                if hour >= last:
                    break
                for organization_id in organization_ids:
                    _REPLACE[table](organization_id, hour, hour + HOUR)
                state.filled_until = hour + HOUR
                state.save(update_fields=["filled_until", "updated_at"])
            filled += 1
    return filled


def rollups_refill(*, organization: Organization, start: datetime, end: datetime) -> int:
    """Late corrections: re-fill the hours of [start, end) that are already filled (an hour
    after the mark will be filled in its turn). One transaction per hour; returns the hours."""
    done = 0
    for table in TABLES:
        mark = fill_mark(table)
        if mark is None:
            continue
        for hour in hours_between(start, min(end, mark)):
            rollup_fill_hour(organization=organization, hour=hour, tables=[table])
            done += 1
    return done


# --- Reconciliation -------------------------------------------------------------------------------


def _differences(table: str, computed: dict, stored: dict) -> list[str]:
    found = []
    for key in sorted(computed.keys() | stored.keys(), key=repr):
        want, have = computed.get(key), stored.get(key)
        if want == have:
            continue
        where = f"{table} {key[0]:%Y-%m-%d %H:00}Z " + " ".join(str(part) for part in key[1:])
        if have is None:
            found.append(f"{where}: missing, raw rows give {want}")
        elif want is None:
            found.append(f"{where}: stored {have}, raw rows give nothing")
        else:
            changed = {name: (have[name], want[name]) for name in want if have[name] != want[name]}
            found.append(f"{where}: " + ", ".join(f"{name} stored {a} ≠ raw {b}" for name, (a, b) in changed.items()))
    return found


def rollups_compare(*, organization: Organization, start: datetime, end: datetime) -> list[str]:
    """Recompute [start, end) from the raw rows and compare it with the stored rollups, table by
    table, up to each table's fill mark. One line per differing row; empty when they agree."""
    found = []
    for table, compute, stored in (
        (QUEUE_HOURS, queue_hours_compute, queue_hours_stored),
        (AGENT_STATUS_HOURS, agent_status_hours_compute, agent_status_hours_stored),
    ):
        mark = fill_mark(table)
        until = min(end, mark) if mark is not None else start
        if until <= start:
            continue
        found += _differences(table, compute(organization_id=organization.pk, start=start, end=until),
                              stored(organization_id=organization.pk, start=start, end=until))
    return found
