"""The reports' rollups (models/reports.py), computed from the raw rows one closed UTC hour at a
time and written by replacing that hour's rows, so that a re-run (a crash, a late correction,
two workers) never counts twice. Zulip's analytics work the same way: counts tables plus a fill
mark per table that only moves forward after an hour is done, in the same transaction.

What an hour's rows are is computed in selectors/rollups.py (the report pages compute the hours
after the fill mark with the same functions); this module stores them and moves the mark.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from contactcenter.models import Conversation, Organization, RollupFillState, StatusInterval
from contactcenter.selectors.rollups import (
    AGENT_STATUS_HOURS,
    COMPUTE,
    COUNTERS,
    DAY,
    DAY_MODELS,
    DAY_TABLES,
    HOUR,
    KEYS,
    MODELS,
    TABLES,
    by_day,
    day_floor,
    days_stored,
    fill_mark,
    hour_check,
    hour_floor,
    hours_between,
    rows_stored,
)
from contactcenter.services import jobs


def _replace(table: str, organization_id: int, start: datetime, end: datetime) -> int:
    """Recompute `table`'s rows of [start, end) and put them in place of the stored ones."""
    rows = COMPUTE[table](organization_id=organization_id, start=start, end=end)
    model, keys = MODELS[table], KEYS[table]
    model.objects.filter(organization_id=organization_id, hour__gte=start, hour__lt=end).delete()
    model.objects.bulk_create(
        (model(organization_id=organization_id, hour=key[0], **dict(zip(keys, key[1:], strict=True)), **counters)
         for key, counters in rows.items()),
        batch_size=1000,
    )
    return len(rows)


def _replace_day(table: str, organization_id: int, day: datetime) -> int:
    """Sum `table`'s stored hours of one UTC day into its day table, in place of that day's rows."""
    keys, counters = KEYS[table], COUNTERS[table]
    model = DAY_MODELS[table]
    # Aliased: an aggregate may not take the name of the field it sums.
    summed = (MODELS[table].objects.filter(organization_id=organization_id, hour__gte=day, hour__lt=day + DAY)
              .values(*keys).annotate(**{f"sum_{name}": Sum(name) for name in counters}).order_by())
    model.objects.filter(organization_id=organization_id, day=day).delete()
    rows = model.objects.bulk_create(
        (model(organization_id=organization_id, day=day, **{key: row[key] for key in keys},
               **{name: row[f"sum_{name}"] for name in counters}) for row in summed),
        batch_size=1000,
    )
    return len(rows)


def _days_refill(tables: Iterable[str], organization_id: int, hour: datetime) -> None:
    """After an hour was filled again: its day, if already stored, is summed again."""
    for table in tables:
        mark = fill_mark(DAY_TABLES[table])
        if mark is not None and day_floor(hour) < mark:
            _replace_day(table, organization_id, day_floor(hour))


# --- Filling --------------------------------------------------------------------------------------


@transaction.atomic
def rollup_fill_hour(*, organization: Organization, hour: datetime,
                     tables: Iterable[str] = TABLES) -> int:
    """Recompute one closed UTC hour of `organization` from the raw rows and replace its rows in
    `tables`. Running it twice leaves the same rows. Returns the number of rows written."""
    hour = hour_check(hour)
    if hour + HOUR > timezone.now():
        raise ValueError(f"the hour {hour:%Y-%m-%d %H:00} UTC is not over yet")
    tables = list(tables)
    written = sum(_replace(table, organization.pk, hour, hour + HOUR) for table in tables)
    _days_refill(tables, organization.pk, hour)
    return written


def first_hour(table: str) -> datetime | None:
    """The first hour with raw rows for `table`: where a table never filled starts."""
    if table == AGENT_STATUS_HOURS:
        first = StatusInterval.objects.aggregate(a=Min("started_at"))
    else:
        first = Conversation.objects.aggregate(a=Min("enqueued_at"), b=Min("first_response_at"))
    moments = [moment for moment in first.values() if moment is not None]
    return hour_floor(min(moments)) if moments else None


# A backlog (the first fill of a year of history, a worker that was down) is filled a day per
# query and transaction: one hour at a time, a year took about an hour (bench_reports).
CATCHUP = 24 * HOUR


def rollups_fill(*, now: datetime | None = None) -> int:
    """Fill every closed hour after each table's mark, for every organization, up to a day per
    transaction (the mark moves with the rows, so a crash redoes at most that day). A table never
    filled starts at the first hour with raw rows. Returns the number of hours filled."""
    last = hour_floor(now or timezone.now())  # the current hour is still open: computed live
    filled = 0
    for table in TABLES:
        start = first_hour(table) or last
        RollupFillState.objects.get_or_create(table=table, defaults={"filled_until": start})
        organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        while True:
            with transaction.atomic():
                state = RollupFillState.objects.select_for_update().get(table=table)
                hour = state.filled_until.astimezone(UTC)
                if hour >= last:
                    break
                end = min(hour + CATCHUP, last)
                for organization_id in organization_ids:
                    _replace(table, organization_id, hour, end)
                state.filled_until = end
                state.save(update_fields=["filled_until", "updated_at"])
            filled += (end - hour) // HOUR
        _fill_days(table, organization_ids)
    return filled


def _fill_days(table: str, organization_ids: list[int]) -> int:
    """Sum every UTC day whose hours are all filled into `table`'s day table, a day per
    transaction, moving the day mark with it. A day table never filled starts at the day of the
    first stored hour's raw rows. Returns the days filled."""
    hours_mark = fill_mark(table)
    if hours_mark is None:
        return 0
    RollupFillState.objects.get_or_create(table=DAY_TABLES[table],
                                          defaults={"filled_until": day_floor(first_hour(table) or hours_mark)})
    days = 0
    while True:
        with transaction.atomic():
            state = RollupFillState.objects.select_for_update().get(table=DAY_TABLES[table])
            day = state.filled_until.astimezone(UTC)
            if day + DAY > hours_mark:
                return days
            for organization_id in organization_ids:
                _replace_day(table, organization_id, day)
            state.filled_until = day + DAY
            state.save(update_fields=["filled_until", "updated_at"])
        days += 1


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


def rollups_refill_later(*, organization_id: int, moments: Iterable[datetime | None]) -> None:
    """A service corrected raw rows of the past (a disposition or a tag after the close, a
    transfer moving a conversation's times): the filled hours those moments fall in are filled
    again after the commit. Moments after every table's mark need nothing: their turn comes."""
    marks = [mark for mark in (fill_mark(table) for table in TABLES) if mark is not None]
    if not marks:
        return
    hours = sorted({hour_floor(moment) for moment in moments if moment is not None and moment < max(marks)})
    if hours:
        jobs.schedule_rollups_refill(organization_id, hours)


def rollups_refill_hours(*, organization_id: int, hours: Iterable[datetime]) -> int:
    """The task behind rollups_refill_later: each hour that is filled is filled again."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return sum(rollups_refill(organization=organization, start=hour, end=hour + HOUR) for hour in hours)


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
    table, up to each table's fill mark: the hours, and the whole UTC days of the range that the
    day tables hold. One line per differing row; empty when they agree."""
    found = []
    for table in TABLES:
        mark = fill_mark(table)
        until = min(end, mark) if mark is not None else start
        if until <= start:
            continue
        computed = COMPUTE[table](organization_id=organization.pk, start=start, end=until)
        found += _differences(table, computed,
                              rows_stored(table, organization_id=organization.pk, start=start, end=until))
        days_mark = fill_mark(DAY_TABLES[table])
        first, last = day_floor(start), min(day_floor(until), days_mark) if days_mark else start
        if first != start:
            first += DAY  # a day the range only partly covers was not recomputed whole
        if first < last:
            whole = {key: counters for key, counters in by_day(table, computed).items() if first <= key[0] < last}
            found += _differences(DAY_TABLES[table], whole,
                                  days_stored(table, organization_id=organization.pk, start=first, end=last))
    return found
