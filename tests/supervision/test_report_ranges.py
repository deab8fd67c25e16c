"""The periods of the reports: whole local days in the organization's zone, DST days as long as
they are, and buckets that tile the range exactly."""

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.selectors.report_ranges import ReportRange, local_today, preset_range

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")


def test_a_madrid_day_in_winter_starts_at_23_utc_the_day_before():
    day = ReportRange(dt.date(2027, 1, 15), dt.date(2027, 1, 15), MADRID)
    assert day.start == dt.datetime(2027, 1, 14, 23, tzinfo=dt.UTC)
    assert day.end == dt.datetime(2027, 1, 15, 23, tzinfo=dt.UTC)


def test_the_spring_change_day_has_23_hours_and_the_autumn_one_25():
    spring = ReportRange(dt.date(2027, 3, 28), dt.date(2027, 3, 28), MADRID)
    autumn = ReportRange(dt.date(2027, 10, 31), dt.date(2027, 10, 31), MADRID)
    assert len(spring.buckets("hour")) == 23
    assert len(autumn.buckets("hour")) == 25
    assert spring.buckets("day")[0].seconds == 23 * 3600
    assert autumn.buckets("day")[0].seconds == 25 * 3600


def test_the_autumn_day_shows_two_local_hours_starting_at_two():
    autumn = ReportRange(dt.date(2027, 10, 31), dt.date(2027, 10, 31), MADRID)
    labels = [b.local_start.strftime("%H:%M %Z") for b in autumn.buckets("hour")]
    assert labels[2:4] == ["02:00 CEST", "02:00 CET"]


def test_weeks_start_on_monday_and_the_range_cuts_the_first_and_last():
    # Thursday 2027-01-14 to Tuesday 2027-01-26.
    weeks = ReportRange(dt.date(2027, 1, 14), dt.date(2027, 1, 26), MADRID).buckets("week")
    assert [b.local_start.date() for b in weeks] == [dt.date(2027, 1, 14), dt.date(2027, 1, 18),
                                                     dt.date(2027, 1, 25)]
    assert [b.seconds // 86400 for b in weeks] == [4, 7, 2]


@pytest.mark.parametrize(("name", "first", "last"), [
    ("today", dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
    ("yesterday", dt.date(2027, 2, 28), dt.date(2027, 2, 28)),
    ("last_7_days", dt.date(2027, 2, 23), dt.date(2027, 3, 1)),
    ("last_30_days", dt.date(2027, 1, 31), dt.date(2027, 3, 1)),
    ("this_month", dt.date(2027, 3, 1), dt.date(2027, 3, 1)),
    ("last_month", dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
])
def test_each_preset_covers_its_days(name, first, last):
    chosen = preset_range(name, today=dt.date(2027, 3, 1), zone=MADRID)
    assert (chosen.first_day, chosen.last_day) == (first, last)


def test_today_is_the_organizations_day_not_the_servers():
    # 05:30 UTC on 4 December is still 3 December in Mexico City and already the 4th in Madrid.
    now = dt.datetime(2026, 12, 4, 5, 30, tzinfo=dt.UTC)
    assert local_today(MEXICO, now) == dt.date(2026, 12, 3)
    assert local_today(MADRID, now) == dt.date(2026, 12, 4)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        ReportRange(dt.date(2027, 1, 2), dt.date(2027, 1, 1), MADRID)


@given(
    first=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)),
    length=st.integers(min_value=0, max_value=60),
    zone=st.sampled_from([MADRID, MEXICO, KOLKATA, zoneinfo.ZoneInfo("America/New_York"),
                          zoneinfo.ZoneInfo("Australia/Lord_Howe")]),
    granularity=st.sampled_from(["hour", "day", "week"]),
)
def test_buckets_tile_the_range_exactly(first, length, zone, granularity):
    chosen = ReportRange(first, first + dt.timedelta(days=length), zone)
    buckets = chosen.buckets(granularity)
    assert buckets[0].start == chosen.start
    assert buckets[-1].end == chosen.end
    assert all(a.end == b.start for a, b in zip(buckets, buckets[1:], strict=False))
    assert sum(b.seconds for b in buckets) == (chosen.end - chosen.start).total_seconds()
