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
    AgentDay,
    AgentHour,
    AgentStatusDay,
    AgentStatusHour,
    Conversation,
    OutcomeDay,
    OutcomeHour,
    Queue,
    QueueDay,
    QueueHour,
    RollupFillState,
    SatisfactionRating,
    StatusInterval,
    Transfer,
)
from contactcenter.models.csat import POSITIVE_SCORE

HOUR = timedelta(hours=1)


DAY = timedelta(days=1)


MICROSECOND = timedelta(microseconds=1)


QUEUE_HOURS = "queue_hours"


AGENT_STATUS_HOURS = "agent_status_hours"


AGENT_HOURS = "agent_hours"


OUTCOME_HOURS = "outcome_hours"


# The upper bound (seconds, inclusive) of each wait bucket of QueueHour; longer waits go to
# `wait_over_1800`.
WAIT_BUCKETS = (10, 20, 30, 60, 90, 120, 180, 300, 600, 1800)


WAIT_COLUMNS = (*(f"wait_le_{bound}" for bound in WAIT_BUCKETS), f"wait_over_{WAIT_BUCKETS[-1]}")


# Each table's counters (see the model for each one's definition), in a stable order.
QUEUE_COUNTERS = (
    "offered", "handled", "abandoned", "answered_in_target", "wait_us", "wait_count", "first_response_us",
    "first_response_count", "handle_us", "handle_count", "resolution_us", "closed", "transfers_in",
    "transfers_out", "hold_us", "after_service_us", "after_service_count", *WAIT_COLUMNS,
    "csat_asked", "csat_answered", "csat_positive", "csat_score_sum",
)


AGENT_COUNTERS = ("microseconds", "entries")


AGENT_WORK_COUNTERS = (
    "handled", "first_response_us", "first_response_count", "closed", "handle_us", "hold_us", "after_service_us",
    "after_service_count", "transfers_in", "transfers_out", "csat_asked", "csat_answered", "csat_positive",
    "csat_score_sum",
)


OUTCOME_COUNTERS = ("conversations",)


# A row's identity: the hour, then the model's key fields (attnames) in this order.
KEYS = {
    QUEUE_HOURS: ("queue_id", "channel_kind", "medium"),
    AGENT_STATUS_HOURS: ("agent_id", "status_id"),
    AGENT_HOURS: ("agent_id", "queue_id", "channel_kind", "medium"),
    OUTCOME_HOURS: ("queue_id", "agent_id", "channel_kind", "disposition_id", "tag_id"),
}


COUNTERS = {QUEUE_HOURS: QUEUE_COUNTERS, AGENT_STATUS_HOURS: AGENT_COUNTERS, AGENT_HOURS: AGENT_WORK_COUNTERS,
            OUTCOME_HOURS: OUTCOME_COUNTERS}


MODELS = {QUEUE_HOURS: QueueHour, AGENT_STATUS_HOURS: AgentStatusHour, AGENT_HOURS: AgentHour,
          OUTCOME_HOURS: OutcomeHour}


TABLES = (QUEUE_HOURS, AGENT_STATUS_HOURS, AGENT_HOURS, OUTCOME_HOURS)


# Each hour table's day table (models/reports.py: the hours summed per UTC day) and the name of
# its fill mark: every day before it is stored.
DAY_MODELS = {QUEUE_HOURS: QueueDay, AGENT_STATUS_HOURS: AgentStatusDay, AGENT_HOURS: AgentDay,
              OUTCOME_HOURS: OutcomeDay}


DAY_TABLES = {QUEUE_HOURS: "queue_days", AGENT_STATUS_HOURS: "agent_status_days", AGENT_HOURS: "agent_days",
              OUTCOME_HOURS: "outcome_days"}


# (hour, queue_id, channel_kind, medium) for QueueHour; (hour, agent_id, status_id) for
# AgentStatusHour; see KEYS for the others.
QueueKey = tuple[datetime, int, str, str]


AgentKey = tuple[datetime, int, int]


def hour_floor(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in (rollups always cut in UTC: a zone such as
    Asia/Kolkata is not whole hours off it)."""
    if timezone.is_naive(moment):
        raise ValueError("rollups need aware datetimes")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_floor(moment: datetime) -> datetime:
    """The start of the UTC day `moment` falls in."""
    return hour_floor(moment).replace(hour=0)


def day_ceil(moment: datetime) -> datetime:
    """The first UTC midnight at or after `moment`."""
    floor = day_floor(moment)
    return floor if floor == moment else floor + DAY


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


_EVENT_FIELDS = ("enqueued_at", "assigned_at", "first_response_at", "closed_at", "abandoned_at", "wrapup_ended_at")


def _conversations(organization_id: int, start: datetime, end: datetime):
    """The conversations with at least one reported moment in [start, end) (each moment has an
    index led by the organization, so an hour reads only its own rows)."""
    in_range = Q()
    for name in _EVENT_FIELDS:
        in_range |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return (
        Conversation.objects.filter(in_range, organization_id=organization_id)
        .values("pk", "queue_id", "channel__kind", "medium", "status", "assignee_id", "disposition_id",
                "hold_duration", *_EVENT_FIELDS)
        .order_by()
    )


def _transfers(organization_id: int, start: datetime, end: datetime):
    return (
        Transfer.objects.filter(organization_id=organization_id, status=Transfer.Status.COMPLETED,
                                resolved_at__gte=start, resolved_at__lt=end)
        .values_list("resolved_at", "from_agent_id", "to_agent_id", "from_queue_id", "to_queue_id",
                     "conversation__queue_id", "conversation__channel__kind", "conversation__medium")
        .order_by()
    )


def rating_counts(organization_id: int, start: datetime, end: datetime):
    """The satisfaction surveys' counters in [start, end): (hour, queue_id, agent_id, channel
    kind, medium, counters) for each survey asked (in the hour of asked_at) and each answered (in
    the hour of answered_at, with the current score: a change re-fills that hour)."""
    ratings = (
        SatisfactionRating.objects.filter(organization_id=organization_id)
        .filter(Q(asked_at__gte=start, asked_at__lt=end) | Q(answered_at__gte=start, answered_at__lt=end))
        .values_list("queue_id", "agent_id", "channel_kind", "medium", "score", "asked_at", "answered_at")
        .order_by()
    )
    for queue_id, agent_id, kind, medium, score, asked, answered in ratings:
        if start <= asked < end:
            yield hour_floor(asked), queue_id, agent_id, kind, medium, {"csat_asked": 1}
        if answered is not None and start <= answered < end:
            yield hour_floor(answered), queue_id, agent_id, kind, medium, {
                "csat_answered": 1, "csat_positive": int(score >= POSITIVE_SCORE), "csat_score_sum": score}


def wait_column(wait: timedelta) -> str:
    """The QueueHour histogram column a wait falls in."""
    for bound, column in zip(WAIT_BUCKETS, WAIT_COLUMNS, strict=False):
        if wait <= timedelta(seconds=bound):
            return column
    return WAIT_COLUMNS[-1]


class _Rows(defaultdict):
    """Counter rows by key, each starting at zero."""

    def __init__(self, counters):
        super().__init__(lambda: dict.fromkeys(counters, 0))

    def bump(self, key, **counters):
        row = self[key]
        for name, value in counters.items():
            row[name] += value


def _span(later, earlier) -> int:
    return microseconds(max(later - earlier, timedelta(0)))


def queue_hours_compute(*, organization_id: int, start: datetime, end: datetime,
                        now: datetime | None = None) -> dict[QueueKey, dict]:
    """QueueHour counters for every hour in [start, end), from conversations and transfers.
    Only rows with something in them are returned."""
    rows = _Rows(QUEUE_COUNTERS)
    targets = {
        queue.pk: timedelta(seconds=queue.effective_service_level_seconds)
        for queue in Queue.objects.filter(organization_id=organization_id).only("kind", "service_level_seconds")
    }

    def within(moment):
        return moment is not None and start <= moment < end

    for c in _conversations(organization_id, start, end):
        where = (c["queue_id"], c["channel__kind"] or "", c["medium"])
        assigned = c["assigned_at"]
        if within(c["enqueued_at"]):
            rows.bump((hour_floor(c["enqueued_at"]), *where), offered=1)
        if within(assigned):
            wait = max(assigned - c["enqueued_at"], timedelta(0))
            rows.bump((hour_floor(assigned), *where), handled=1, wait_us=microseconds(wait), wait_count=1,
                      answered_in_target=int(wait <= targets[c["queue_id"]]), **{wait_column(wait): 1})
        if within(c["first_response_at"]) and assigned is not None:
            rows.bump((hour_floor(c["first_response_at"]), *where), first_response_count=1,
                      first_response_us=_span(c["first_response_at"], assigned))
        closed = c["closed_at"]
        if within(closed) and c["status"] == Conversation.Status.CLOSED and assigned is not None:
            rows.bump((hour_floor(closed), *where), closed=1, handle_us=_span(closed, assigned), handle_count=1,
                      resolution_us=_span(closed, c["enqueued_at"]), hold_us=microseconds(c["hold_duration"]))
        if within(c["abandoned_at"]):
            rows.bump((hour_floor(c["abandoned_at"]), *where), abandoned=1)
        if within(c["wrapup_ended_at"]) and closed is not None:
            rows.bump((hour_floor(c["wrapup_ended_at"]), *where), after_service_count=1,
                      after_service_us=_span(c["wrapup_ended_at"], closed))
    for resolved, _from, _to, from_queue, to_queue, queue_id, kind, medium in _transfers(organization_id, start, end):
        hour = hour_floor(resolved)
        rows.bump((hour, to_queue or queue_id, kind or "", medium), transfers_in=1)
        if from_queue is not None:
            rows.bump((hour, from_queue, kind or "", medium), transfers_out=1)
    for hour, queue_id, _agent, kind, medium, counters in rating_counts(organization_id, start, end):
        rows.bump((hour, queue_id, kind, medium), **counters)
    return dict(rows)


def agent_hours_compute(*, organization_id: int, start: datetime, end: datetime,
                        now: datetime | None = None) -> dict[tuple, dict]:
    """AgentHour counters for every hour in [start, end): what each agent took, answered, closed
    and wrapped up (the conversation's agent is its last one), and the transfers they sent and
    received."""
    rows = _Rows(AGENT_WORK_COUNTERS)

    def within(moment):
        return moment is not None and start <= moment < end

    for c in _conversations(organization_id, start, end):
        agent, assigned = c["assignee_id"], c["assigned_at"]
        if agent is None or assigned is None:
            continue
        where = (agent, c["queue_id"], c["channel__kind"] or "", c["medium"])
        if within(assigned):
            rows.bump((hour_floor(assigned), *where), handled=1)
        if within(c["first_response_at"]):
            rows.bump((hour_floor(c["first_response_at"]), *where), first_response_count=1,
                      first_response_us=_span(c["first_response_at"], assigned))
        closed = c["closed_at"]
        if within(closed) and c["status"] == Conversation.Status.CLOSED:
            rows.bump((hour_floor(closed), *where), closed=1, handle_us=_span(closed, assigned),
                      hold_us=microseconds(c["hold_duration"]))
        if within(c["wrapup_ended_at"]) and closed is not None:
            rows.bump((hour_floor(c["wrapup_ended_at"]), *where), after_service_count=1,
                      after_service_us=_span(c["wrapup_ended_at"], closed))
    for resolved, from_agent, to_agent, from_queue, to_queue, queue_id, kind, medium in _transfers(
            organization_id, start, end):
        hour = hour_floor(resolved)
        if to_agent is not None:
            rows.bump((hour, to_agent, to_queue or queue_id, kind or "", medium), transfers_in=1)
        if from_agent is not None:
            rows.bump((hour, from_agent, from_queue or queue_id, kind or "", medium), transfers_out=1)
    for hour, queue_id, agent_id, kind, medium, counters in rating_counts(organization_id, start, end):
        if agent_id is not None:
            rows.bump((hour, agent_id, queue_id, kind, medium), **counters)
    return dict(rows)


def outcome_hours_compute(*, organization_id: int, start: datetime, end: datetime,
                          now: datetime | None = None) -> dict[tuple, dict]:
    """OutcomeHour counts: the dispositions and tags of the conversations closed after service
    in each hour of [start, end), per queue, agent and channel kind."""
    rows = _Rows(OUTCOME_COUNTERS)
    closed = {}
    for c in (Conversation.objects.filter(organization_id=organization_id, status=Conversation.Status.CLOSED,
                                          closed_at__gte=start, closed_at__lt=end, assigned_at__isnull=False)
              .values_list("pk", "closed_at", "queue_id", "assignee_id", "channel__kind", "disposition_id")
              .order_by()):
        pk, moment, queue_id, agent_id, kind, disposition_id = c
        closed[pk] = (hour_floor(moment), queue_id, agent_id, kind or "")
        if disposition_id is not None:
            rows.bump((*closed[pk], disposition_id, None), conversations=1)
    if closed:
        tagged = Conversation.tags.through.objects.filter(
            conversation__organization_id=organization_id, conversation__status=Conversation.Status.CLOSED,
            conversation__closed_at__gte=start, conversation__closed_at__lt=end,
        ).values_list("conversation_id", "tag_id").order_by()
        for conversation_id, tag_id in tagged:
            if conversation_id in closed:
                rows.bump((*closed[conversation_id], None, tag_id), conversations=1)
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


def rows_stored(table: str, *, organization_id: int, start: datetime, end: datetime) -> dict[tuple, dict]:
    """A table's stored rows of [start, end), keyed like its compute function's."""
    keys, counters = KEYS[table], COUNTERS[table]
    stored = MODELS[table].objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end)
    return {
        (row["hour"].astimezone(UTC), *(row[key] for key in keys)): {name: row[name] for name in counters}
        for row in stored.values("hour", *keys, *counters)
    }


def days_stored(table: str, *, organization_id: int, start: datetime, end: datetime) -> dict[tuple, dict]:
    """A table's stored day rows of [start, end), keyed (day, *KEYS[table])."""
    keys, counters = KEYS[table], COUNTERS[table]
    stored = DAY_MODELS[table].objects.filter(organization_id=organization_id, day__gte=start, day__lt=end)
    return {
        (row["day"].astimezone(UTC), *(row[key] for key in keys)): {name: row[name] for name in counters}
        for row in stored.values("day", *keys, *counters)
    }


def by_day(table: str, rows: dict[tuple, dict]) -> dict[tuple, dict]:
    """Hour rows (keyed like a compute function's) summed per UTC day, keyed like days_stored."""
    days: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTERS[table], 0))
    for (hour, *keys), counters in rows.items():
        target = days[(day_floor(hour), *keys)]
        for name, value in counters.items():
            target[name] += value
    return dict(days)


def queue_hours_stored(*, organization_id: int, start: datetime, end: datetime) -> dict[QueueKey, dict]:
    return rows_stored(QUEUE_HOURS, organization_id=organization_id, start=start, end=end)


def agent_status_hours_stored(*, organization_id: int, start: datetime, end: datetime) -> dict[AgentKey, dict]:
    return rows_stored(AGENT_STATUS_HOURS, organization_id=organization_id, start=start, end=end)


COMPUTE = {QUEUE_HOURS: queue_hours_compute, AGENT_STATUS_HOURS: agent_status_hours_compute,
           AGENT_HOURS: agent_hours_compute, OUTCOME_HOURS: outcome_hours_compute}


def fill_mark(table: str) -> datetime | None:
    """Every hour before the mark is filled in `table` (None: never filled); for a day table's
    name (DAY_TABLES), every day before it."""
    state = RollupFillState.objects.filter(table=table).first()
    return state.filled_until.astimezone(UTC) if state else None


def fill_marks() -> dict[str, datetime]:
    """Every table's mark (hours and days) in one query; a table never filled is absent."""
    return {table: moment.astimezone(UTC)
            for table, moment in RollupFillState.objects.values_list("table", "filled_until")}
