"""The periods a report covers, in the organization's time zone.

A report asks for whole local days (`ReportRange`: first and last day, both included) and shows
them in buckets of an hour, a day or a week (`buckets`). Rollups are stored per UTC hour, so every
bucket is also given as its UTC start and end: a local day is 23 or 25 hours long on a
daylight-saving change and its buckets say so. Half-hour and 45-minute zones are not split into
hours here: their local hours start mid-UTC-hour, so the hourly view is shown in UTC-aligned
hours labelled with their local start.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

UTC = dt.UTC

PRESETS = {
    "today": _("Today"),
    "yesterday": _("Yesterday"),
    "last_7_days": _("Last 7 days"),
    "last_30_days": _("Last 30 days"),
    "this_month": _("This month"),
    "last_month": _("Last month"),
}
GRANULARITIES = {"hour": _("Hour"), "day": _("Day"), "week": _("Week")}
MAX_DAYS = 366 * 2  # the longest custom range a report answers (two years)


@dataclass(frozen=True)
class Bucket:
    """One row of a report over time: its local start (for the label) and its UTC bounds."""

    local_start: dt.datetime
    start: dt.datetime  # UTC, included
    end: dt.datetime  # UTC, excluded

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class ReportRange:
    first_day: dt.date
    last_day: dt.date  # included
    zone: zoneinfo.ZoneInfo

    def __post_init__(self):
        if self.last_day < self.first_day:
            raise ValueError("the range ends before it starts")

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def day_start(self, day: dt.date) -> dt.datetime:
        """The UTC moment a local day starts (midnight there; zoneinfo resolves a midnight that a
        DST change skips or repeats to the first valid instant)."""
        return dt.datetime.combine(day, dt.time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def start(self) -> dt.datetime:
        return self.day_start(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return self.day_start(self.last_day + dt.timedelta(days=1))

    def buckets(self, granularity: str) -> list[Bucket]:
        if granularity == "hour":
            return self._hours()
        if granularity == "week":
            # Weeks start on Monday; the first and last may be cut by the range.
            starts = [self.first_day] + [
                self.first_day + dt.timedelta(days=n) for n in range(1, self.days)
                if (self.first_day + dt.timedelta(days=n)).weekday() == 0
            ]
        elif granularity == "day":
            starts = [self.first_day + dt.timedelta(days=n) for n in range(self.days)]
        else:
            raise ValueError(f"unknown granularity {granularity!r}")
        ends = [*starts[1:], self.last_day + dt.timedelta(days=1)]
        return [Bucket(dt.datetime.combine(a, dt.time(), tzinfo=self.zone), self.day_start(a), self.day_start(b))
                for a, b in zip(starts, ends, strict=True)]

    def _hours(self) -> list[Bucket]:
        hours, moment, end = [], self.start, self.end
        # A zone whose midnight is not on a UTC hour: hours aligned to UTC from the first whole one.
        moment = moment.replace(minute=0, second=0, microsecond=0)
        while moment < end:
            following = moment + dt.timedelta(hours=1)
            hours.append(Bucket(moment.astimezone(self.zone), max(moment, self.start), min(following, end)))
            moment = following
        return hours


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def preset_range(name: str, *, today: dt.date, zone: zoneinfo.ZoneInfo) -> ReportRange:
    """One of PRESETS, as of the local `today` (the caller reads the clock, in the zone)."""
    if name == "today":
        return ReportRange(today, today, zone)
    if name == "yesterday":
        yesterday = today - dt.timedelta(days=1)
        return ReportRange(yesterday, yesterday, zone)
    if name == "last_7_days":
        return ReportRange(today - dt.timedelta(days=6), today, zone)
    if name == "last_30_days":
        return ReportRange(today - dt.timedelta(days=29), today, zone)
    if name == "this_month":
        return ReportRange(month_start(today), today, zone)
    if name == "last_month":
        last = month_start(today) - dt.timedelta(days=1)
        return ReportRange(month_start(last), last, zone)
    raise ValueError(f"unknown range {name!r}")


def local_today(zone: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.date:
    return now.astimezone(zone).date()
