"""Admin of queues (with their members), queue logins, skills, business hours and channels."""

from django import forms
from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import EngineRecordAdmin, OrganizationInlineFormsetMixin, TenantAdmin, TenantInline
from contactcenter.connectors import outbound


class QueueMembershipInline(TenantInline):
    model = m.QueueMembership
    fields = ["user", "role", "position"]


class QueueAdminForm(forms.ModelForm):
    """Settings added later (the re-offer delay) keep their value when a form leaves them empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reoffer_after_seconds", "csat_window_hours"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_reoffer_after_seconds(self):
        value = self.cleaned_data.get("reoffer_after_seconds")
        return self.instance.reoffer_after_seconds if value is None else value

    def clean_csat_window_hours(self):
        value = self.cleaned_data.get("csat_window_hours")
        return self.instance.csat_window_hours if value is None else value


@admin.register(m.Queue)
class QueueAdmin(OrganizationInlineFormsetMixin, TenantAdmin):
    form = QueueAdminForm
    list_display = ["name", "kind", "strategy", "capacity", "priority", "after_service_seconds", "is_active"]
    list_filter = ["kind", "strategy", "organization"]
    search_fields = ["name"]
    filter_horizontal = ["required_skills", "dispositions"]
    inlines = [QueueMembershipInline]


@admin.register(m.QueueMembership)
class QueueMembershipAdmin(TenantAdmin):
    list_display = ["queue", "user", "role", "position"]
    list_filter = ["role"]


@admin.register(m.QueueLogin)
class QueueLoginAdmin(EngineRecordAdmin):
    list_display = ["agent", "queue", "started_at", "ended_at", "logged_in_by", "is_unassigned"]
    list_filter = ["queue"]


@admin.register(m.Skill)
class SkillAdmin(TenantAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(m.AgentSkill)
class AgentSkillAdmin(TenantAdmin):
    list_display = ["agent", "skill", "level"]


class BusinessHoursIntervalInline(TenantInline):
    model = m.BusinessHoursInterval
    fields = ["weekday", "opens", "closes"]


class HolidayInline(TenantInline):
    model = m.Holiday
    fields = ["date", "name"]


@admin.register(m.BusinessHours)
class BusinessHoursAdmin(OrganizationInlineFormsetMixin, TenantAdmin):
    """Weekly intervals and holidays, read in the organization's time zone."""

    list_display = ["name"]
    search_fields = ["name"]
    inlines = [BusinessHoursIntervalInline, HolidayInline]


class ChannelAdminForm(forms.ModelForm):
    """The same address checks as the configuration portal's channel form."""

    def clean_webhook_url(self):
        return outbound.clean_webhook_url(self.cleaned_data["webhook_url"])

    def clean_settings(self):
        return outbound.clean_provider_settings(self.cleaned_data["settings"])


@admin.register(m.Channel)
class ChannelAdmin(TenantAdmin):
    form = ChannelAdminForm
    list_display = ["name", "kind", "public_key", "queue", "is_active"]
    list_filter = ["kind"]
