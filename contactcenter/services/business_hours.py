"""Business hours: is a queue open now? Read in the organization's time zone."""

import datetime
import zoneinfo

from django.utils import timezone

from contactcenter.models import BusinessHours, Queue


def is_open(hours: BusinessHours | None, at: datetime.datetime | None = None) -> bool:
    """True when `at` (an aware datetime, default now) falls in one of the weekly intervals of
    `hours` and its local date is not a holiday. No business hours: always open."""
    if hours is None:
        return True
    at = at or timezone.now()
    local = at.astimezone(zoneinfo.ZoneInfo(hours.organization.time_zone))
    if hours.holidays.filter(date=local.date()).exists():
        return False
    moment = local.time().replace(tzinfo=None)
    for opens, closes in hours.intervals.filter(weekday=local.weekday()).values_list("opens", "closes"):
        # 00:00 as a closing time is midnight: open until the end of the day.
        if opens <= moment and (closes == datetime.time(0) or moment < closes):
            return True
    return False


def queue_is_open(queue: Queue, at: datetime.datetime | None = None) -> bool:
    if queue.business_hours_id is None:
        return True
    hours = BusinessHours.objects.select_related("organization").get(pk=queue.business_hours_id)
    return is_open(hours, at)
