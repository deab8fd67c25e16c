"""Admin of status rules (scoped to the admin's organization; the model's `clean` refuses the
combinations that make no sense) and of what the engine recorded: rule firings (read-only)
and supervisors' notification preferences."""

from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import EngineRecordAdmin, TenantAdmin


@admin.register(m.StatusRule)
class StatusRuleAdmin(TenantAdmin):
    list_display = ["name", "is_enabled", "trigger", "threshold", "action", "pause_reason", "duration_minutes"]
    list_filter = ["is_enabled", "trigger", "action"]
    search_fields = ["name"]
    filter_horizontal = ["queues"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "pause_reason" and field is not None:
            field.queryset = field.queryset.filter(kind=m.StatusDefinition.Kind.PAUSE).exclude(code="no_answer")
        return field


@admin.register(m.RuleFiring)
class RuleFiringAdmin(EngineRecordAdmin):
    list_display = ["rule", "agent", "queue", "fired_at", "outcome", "detail", "return_at", "returned_at"]
    list_filter = ["outcome", "rule"]
    date_hierarchy = "fired_at"


@admin.register(m.NotificationPreference)
class NotificationPreferenceAdmin(TenantAdmin):
    list_display = ["user", "status_changes", "missed_shifts", "panel", "browser", "email_digest"]
    list_filter = ["status_changes", "email_digest"]
    filter_horizontal = ["agents"]
    exclude = ["digest_sent_until"]
