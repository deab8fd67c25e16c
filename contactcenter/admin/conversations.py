"""Admin of contacts, conversations and what the engine writes about them (messages,
attachments, offers, transfers), and campaign contact lists."""

from django import forms
from django.contrib import admin

from contactcenter import models as m
from contactcenter.admin.base import EngineRecordAdmin, TenantAdmin, TenantInline
from contactcenter.services import conversations as conv_services
from contactcenter.services.errors import DomainError


@admin.register(m.Contact)
class ContactAdmin(TenantAdmin):
    list_display = ["__str__", "phone", "email", "channel", "created_at"]
    search_fields = ["name", "phone", "email", "external_id"]


class MessageInline(TenantInline):
    model = m.Message
    fields = ["direction", "kind", "body", "sender", "created_at", "delivery"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ConversationAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "priority" in self.fields:
            self.fields["priority"].required = False  # empty: unchanged

    def clean_priority(self):
        value = self.cleaned_data.get("priority")
        return self.instance.priority if value is None else value


@admin.register(m.Conversation)
class ConversationAdmin(TenantAdmin):
    form = ConversationAdminForm
    """Conversations are opened, routed, transferred and closed by the services; here only the
    after-the-fact classification (tags, disposition, notes) can be corrected, and a waiting
    conversation's priority changed."""

    list_display = ["id", "contact", "queue", "status", "assignee", "enqueued_at", "closed_at"]
    list_filter = ["status", "medium", "queue"]
    search_fields = ["contact__name", "contact__phone"]
    filter_horizontal = ["tags"]
    inlines = [MessageInline]
    editable_fields = {"tags", "disposition", "wrapup_notes"}

    def get_readonly_fields(self, request, obj=None):
        editable = set(self.editable_fields)
        if obj is not None and obj.status in (m.Conversation.Status.QUEUED, m.Conversation.Status.OFFERED):
            editable.add("priority")  # a waiting conversation's place in the line
        return [
            field.name
            for field in m.Conversation._meta.get_fields()
            if field.concrete and field.editable and not field.auto_created
            and field.name not in editable and field.name != "organization"
        ]

    def save_model(self, request, obj, form, change):
        """A new priority goes through the service (range checked, audited, routed at once)."""
        priority = obj.priority
        if "priority" in form.changed_data:
            obj.priority = form.initial["priority"]
        super().save_model(request, obj, form, change)
        if priority != obj.priority:
            try:
                conv_services.conversation_set_priority(conversation=obj, priority=priority, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, level="error")

    def has_add_permission(self, request):
        return False


@admin.register(m.Message)
class MessageAdmin(EngineRecordAdmin):
    list_display = ["conversation", "direction", "kind", "__str__", "created_at"]
    list_filter = ["direction", "kind"]


@admin.register(m.Attachment)
class AttachmentAdmin(EngineRecordAdmin):
    list_display = ["original_name", "kind", "content_type", "size"]


@admin.register(m.Offer)
class OfferAdmin(EngineRecordAdmin):
    list_display = ["conversation", "agent", "status", "created_at", "expires_at"]


@admin.register(m.Transfer)
class TransferAdmin(EngineRecordAdmin):
    list_display = ["conversation", "mode", "from_agent", "to_agent", "to_queue", "status", "created_at"]


@admin.register(m.SatisfactionRating)
class SatisfactionRatingAdmin(EngineRecordAdmin):
    """Customers' answers to the satisfaction survey: written by the customer, read here."""

    list_display = ["conversation", "queue", "agent", "channel_kind", "score", "asked_at", "answered_at",
                    "changed_at"]
    list_filter = ["score", "channel_kind", "queue"]
    search_fields = ["comment"]


@admin.register(m.CampaignContact)
class CampaignContactAdmin(TenantAdmin):
    """A campaign's list: contacts are added (or imported) here; who has them, the calls made
    and their outcome are the services' to write."""

    list_display = ["contact", "queue", "status", "attempts", "next_attempt_at", "last_disposition",
                    "assigned_to", "position"]
    list_filter = ["status", "queue", "last_disposition"]
    search_fields = ["contact__name", "contact__phone"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["status", "attempts", "last_disposition", "call_outcome", "assigned_to", "conversation",
                       "created_at", "updated_at"]
