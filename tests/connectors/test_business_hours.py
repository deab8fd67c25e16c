"""Business hours: weekly intervals and holidays, read in the organization's time zone."""

import datetime
import zoneinfo

import pytest
from django.db import IntegrityError, transaction

from contactcenter.services.business_hours import is_open, queue_is_open
from tests import factories as f

pytestmark = pytest.mark.django_db

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
# 2026-11-23 is a Monday.
MONDAY = datetime.date(2026, 11, 23)


def at(day: datetime.date, hour: int, minute: int = 0, tz=MADRID) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


@pytest.fixture
def hours():
    org = f.OrganizationFactory(time_zone="Europe/Madrid")
    hours = f.BusinessHoursFactory(organization=org)
    f.BusinessHoursIntervalFactory(hours=hours, weekday=0, opens=datetime.time(9), closes=datetime.time(18))
    return hours


def test_no_business_hours_is_always_open():
    assert is_open(None, at(MONDAY, 3)) is True


def test_open_inside_an_interval(hours):
    assert is_open(hours, at(MONDAY, 9)) is True
    assert is_open(hours, at(MONDAY, 17, 59)) is True


def test_closed_before_opening_and_at_closing_time(hours):
    assert is_open(hours, at(MONDAY, 8, 59)) is False
    assert is_open(hours, at(MONDAY, 18)) is False


def test_closed_on_a_day_without_intervals(hours):
    assert is_open(hours, at(MONDAY + datetime.timedelta(days=1), 10)) is False


def test_closed_all_day_on_a_holiday(hours):
    f.HolidayFactory(hours=hours, date=MONDAY, name="Fiesta local")
    assert is_open(hours, at(MONDAY, 10)) is False
    assert is_open(hours, at(MONDAY + datetime.timedelta(days=7), 10)) is True


def test_read_in_the_organizations_time_zone(hours):
    # 08:30 UTC is 09:30 in Madrid (winter, UTC+1): open there.
    assert is_open(hours, at(MONDAY, 8, 30, tz=datetime.UTC)) is True
    hours.organization.time_zone = "America/Mexico_City"
    hours.organization.save()
    # The same instant is 02:30 in Mexico City: closed.
    assert is_open(hours, at(MONDAY, 8, 30, tz=datetime.UTC)) is False


def test_holiday_uses_the_local_date(hours):
    # Monday 00:30 in Madrid is still Sunday in UTC; the Monday holiday applies.
    f.BusinessHoursIntervalFactory(hours=hours, weekday=0, opens=datetime.time(0), closes=datetime.time(1))
    f.HolidayFactory(hours=hours, date=MONDAY)
    assert is_open(hours, at(MONDAY, 0, 30)) is False


def test_midnight_closing_means_end_of_the_day(hours):
    f.BusinessHoursIntervalFactory(hours=hours, weekday=4, opens=datetime.time(20), closes=datetime.time(0))
    friday = MONDAY + datetime.timedelta(days=4)
    assert is_open(hours, at(friday, 23, 59)) is True
    assert is_open(hours, at(friday, 19, 59)) is False


def test_an_interval_must_open_before_it_closes(hours):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.BusinessHoursIntervalFactory(hours=hours, weekday=2, opens=datetime.time(18), closes=datetime.time(9))


def test_queue_without_hours_is_open_and_with_hours_follows_them(hours):
    queue = f.QueueFactory(organization=hours.organization)
    assert queue_is_open(queue, at(MONDAY, 3)) is True
    queue.business_hours = hours
    queue.save()
    assert queue_is_open(queue, at(MONDAY, 3)) is False
    assert queue_is_open(queue, at(MONDAY, 10)) is True


def test_business_hours_names_are_unique_per_organization(hours):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.BusinessHoursFactory(organization=hours.organization, name=hours.name)
    f.BusinessHoursFactory(name=hours.name)  # another organization


def test_a_weekday_is_0_to_6(hours):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.BusinessHoursIntervalFactory(hours=hours, weekday=7)


def test_a_holiday_is_listed_once_per_date(hours):
    f.HolidayFactory(hours=hours, date=MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.HolidayFactory(hours=hours, date=MONDAY)
