import datetime

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class BusinessHours(OrganizationOwned):
    """A weekly schedule with holidays, read in the organization's time zone. Queues point to
    one; a queue without business hours is always open."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="businesshours_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class BusinessHoursInterval(OrganizationOwned):
    """Open from `opens` (included) to `closes` (excluded) on one weekday. A closing time of
    00:00 means midnight, the end of that day; a night shift is two intervals."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, validators=[MaxValueValidator(6)]
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight (end of the day)."))

    class Meta:
        verbose_name = _("business hours interval")
        verbose_name_plural = _("business hours intervals")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="bhinterval_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")) | Q(closes=datetime.time(0)),
                name="bhinterval_opens_before_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Holiday(OrganizationOwned):
    """A day the business hours are closed all day."""

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["hours", "date"], name="holiday_unique_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()
