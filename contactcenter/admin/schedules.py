"""Admin of schedules (weekly shifts with their breaks), agents' schedules and exceptions."""

from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import OrganizationInlineFormsetMixin, TenantAdmin, TenantInline


class ScheduleShiftInline(TenantInline):
    model = m.ScheduleShift
    fields = ["weekday", "starts", "ends"]


@admin.register(m.Schedule)
class ScheduleAdmin(OrganizationInlineFormsetMixin, TenantAdmin):
    """Shifts are read in the organization's time zone; an end at or before the start crosses
    midnight. Breaks are edited per shift."""

    list_display = ["name"]
    search_fields = ["name"]
    inlines = [ScheduleShiftInline]


class ScheduleBreakInline(TenantInline):
    model = m.ScheduleBreak
    fields = ["starts", "minutes", "pause"]


@admin.register(m.ScheduleShift)
class ScheduleShiftAdmin(OrganizationInlineFormsetMixin, TenantAdmin):
    list_display = ["schedule", "weekday", "starts", "ends"]
    list_filter = ["schedule"]
    inlines = [ScheduleBreakInline]


@admin.register(m.AgentSchedule)
class AgentScheduleAdmin(TenantAdmin):
    list_display = ["agent", "schedule", "valid_from"]
    list_filter = ["schedule"]


@admin.register(m.ScheduleException)
class ScheduleExceptionAdmin(TenantAdmin):
    list_display = ["agent", "date", "kind", "starts", "ends", "note"]
    list_filter = ["kind"]
