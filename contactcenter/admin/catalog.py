"""Admin of tags, canned responses, pre-recorded messages and dispositions."""

from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import TenantAdmin


@admin.register(m.Tag)
class TagAdmin(TenantAdmin):
    list_display = ["name", "color"]


@admin.register(m.CannedResponse)
class CannedResponseAdmin(TenantAdmin):
    list_display = ["shortcut", "title", "owner"]


@admin.register(m.PrerecordedMessage)
class PrerecordedMessageAdmin(TenantAdmin):
    list_display = ["name", "created_at"]


@admin.register(m.Disposition)
class DispositionAdmin(TenantAdmin):
    list_display = ["name", "reschedules", "is_active"]
