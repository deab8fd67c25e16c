from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned
from .business_hours import BusinessHoursInterval


class Schedule(OrganizationOwned):
    """A named weekly pattern of shifts, read in the organization's time zone."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="schedule_unique_name")]

    def __str__(self) -> str:
        return self.name


class ScheduleShift(OrganizationOwned):
    """One shift on one weekday, from `starts` to `ends` local time. An end at or before the start
    crosses midnight: the shift ends the next day (22:00–06:00)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=BusinessHoursInterval.Weekday.choices, validators=[MaxValueValidator(6)]
    )
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"), help_text=_("At or before the start: the shift ends the next day."))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["weekday", "starts"]
        constraints = [models.CheckConstraint(condition=Q(weekday__lte=6), name="scheduleshift_weekday_0_6")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.ends <= self.starts


class ScheduleBreak(OrganizationOwned):
    """A break inside a shift (lunch at 11:30 for 30 minutes), spent in a pause reason."""

    shift = models.ForeignKey(ScheduleShift, on_delete=models.CASCADE, related_name="breaks")
    starts = models.TimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    pause = models.ForeignKey(
        "contactcenter.StatusDefinition", on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "pause"}, verbose_name=_("pause reason"),
    )

    class Meta:
        verbose_name = _("break")
        verbose_name_plural = _("breaks")
        ordering = ["starts"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=1), name="schedulebreak_minutes_positive")]

    def __str__(self) -> str:
        return f"{self.starts:%H:%M} +{self.minutes} min"


class AgentSchedule(OrganizationOwned):
    """An agent follows `schedule` from `valid_from`; on any day the latest start on or before
    it applies (a later row replaces the earlier one from its date)."""

    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="schedules")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="assignments")
    valid_from = models.DateField(_("from"))

    class Meta:
        verbose_name = _("agent schedule")
        verbose_name_plural = _("agent schedules")
        ordering = ["agent", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["agent", "valid_from"], name="agentschedule_one_per_day")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.schedule} ({self.valid_from:%Y-%m-%d})"


class ScheduleException(OrganizationOwned):
    """One agent's one-off change on one date, over their weekly pattern and holidays."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        VACATION = "vacation", _("Vacation")
        EXTRA_SHIFT = "extra_shift", _("Extra shift")
        CHANGED_HOURS = "changed_hours", _("Changed hours")

    TIMED = (Kind.EXTRA_SHIFT, Kind.CHANGED_HOURS)

    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="schedule_exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    starts = models.TimeField(_("starts"), null=True, blank=True)
    ends = models.TimeField(_("ends"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        ordering = ["date", "starts"]
        indexes = [models.Index(fields=["agent", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["extra_shift", "changed_hours"])
                | (Q(starts__isnull=False) & Q(ends__isnull=False)),
                name="scheduleexception_times_for_timed_kinds",
            ),
        ]

    def __str__(self) -> str:
        times = f" {self.starts:%H:%M}–{self.ends:%H:%M}" if self.starts and self.ends else ""
        return f"{self.agent} {self.date:%Y-%m-%d} {self.get_kind_display()}{times}"

