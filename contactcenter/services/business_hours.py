"""Business hours: is a queue open now? Read in the organization's time zone. And their writes
(the configuration portal): the weekly intervals and the holidays."""

import datetime
import zoneinfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import BusinessHours, BusinessHoursInterval, Holiday, Queue, User
from contactcenter.services import writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_manage_queue_settings


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


# --- Writes ---------------------------------------------------------------------------------------


@transaction.atomic
def business_hours_save(*, by: User, hours: BusinessHours | None, name: str) -> BusinessHours:
    """Create (`hours` None) or rename business hours."""
    writes.require(can_manage_queue_settings(by))
    hours = hours or BusinessHours(organization_id=by.organization_id)
    writes.check_unique(hours, _("There are already business hours named “%(name)s”.") % {"name": name},
                        name__iexact=name)
    return writes.save(by, hours, "business_hours", {"name": name})


@transaction.atomic
def business_hours_delete(*, by: User, hours: BusinessHours) -> str:
    """Refused while queues follow them."""
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, hours)
    queues = list(hours.queues.values_list("name", flat=True))
    if queues:
        raise DomainError(_("The queues %(queues)s follow these business hours. Choose others for them first.")
                          % {"queues": ", ".join(queues)}, code="in_use")
    return writes.delete(by, hours, "business_hours")


@transaction.atomic
def business_hours_interval_add(*, by: User, hours: BusinessHours, weekday: int, opens, closes
                                ) -> BusinessHoursInterval:
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, hours)
    if not (opens < closes or closes == datetime.time(0)):
        raise DomainError(_("The closing time must come after the opening time (00:00 is midnight)."),
                          code="invalid")
    interval = BusinessHoursInterval(hours=hours, weekday=weekday, opens=opens, closes=closes)
    writes.save(by, interval, "business_hours.interval", {})
    return interval


@transaction.atomic
def business_hours_holiday_add(*, by: User, hours: BusinessHours, date, name: str = "") -> Holiday:
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, hours)
    if hours.holidays.filter(date=date).exists():
        raise DomainError(_("%(date)s is already a holiday.") % {"date": date}, code="duplicate")
    holiday = Holiday(hours=hours, date=date, name=name)
    writes.save(by, holiday, "business_hours.holiday", {})
    return holiday


@transaction.atomic
def business_hours_part_remove(*, by: User, part: BusinessHoursInterval | Holiday) -> None:
    """Remove a weekly interval or a holiday."""
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, part)
    audit(by, "business_hours.part_remove", id=part.hours_id, name=str(part))
    part.delete()
