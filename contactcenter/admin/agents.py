"""Admin of statuses (pause reasons are configured here), agent states, the status ledger,
devices and monitoring sessions."""

from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import EngineRecordAdmin, TenantAdmin


@admin.register(m.StatusDefinition)
class StatusDefinitionAdmin(TenantAdmin):
    """Pause reasons are configured here; the 8 system statuses and the automatic "No answer"
    pause are the engine's, so they are shown but not changed. New rows are pause reasons."""

    list_display = ["__str__", "kind", "code", "max_minutes", "is_active"]
    list_filter = ["kind"]
    exclude = ["kind"]

    @staticmethod
    def _is_engines(obj) -> bool:
        return obj is not None and (obj.kind == m.StatusDefinition.Kind.SYSTEM or obj.code == m.NO_ANSWER_CODE)

    def get_readonly_fields(self, request, obj=None):
        # The code is how the engine and the reports know a status: fixed once created.
        return ["code"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        is_system = obj is not None and obj.kind == m.StatusDefinition.Kind.SYSTEM
        return super().has_change_permission(request, obj) and not is_system

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._is_engines(obj)


@admin.register(m.AgentState)
class AgentStateAdmin(EngineRecordAdmin):
    list_display = ["agent", "status", "since", "receive_new", "chat_load", "voice_load"]
    readonly_fields = ["chat_load", "voice_load", "wrapup_episode"]


@admin.register(m.StatusInterval)
class StatusIntervalAdmin(EngineRecordAdmin):
    list_display = ["agent", "status", "started_at", "ended_at", "source", "changed_by", "reason"]
    list_filter = ["source"]
    date_hierarchy = "started_at"


@admin.register(m.Device)
class DeviceAdmin(EngineRecordAdmin):
    list_display = ["user", "browser", "connected_at", "last_seen_at", "disconnected_at"]
    readonly_fields = ["channel_name", "session_key", "user_agent", "connected_at", "last_seen_at", "disconnected_at"]


@admin.register(m.MonitoringSession)
class MonitoringSessionAdmin(EngineRecordAdmin):
    """Who watched whom, from when to when (written by the supervisor panel)."""

    list_display = ["supervisor", "agent", "started_at", "ended_at", "call_mode"]
    date_hierarchy = "started_at"
