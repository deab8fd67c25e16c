"""Django admin for every model. Organization admins (role owner/admin) see and link only their
own organization's rows; platform superusers see everything."""

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactcenter import models as m
from contactcenter.admin_site import is_tenant_admin as _is_tenant_admin
from contactcenter.connectors import outbound
from contactcenter.services import conversations as conv_services
from contactcenter.services import organizations as org_services
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import TOGGLES


class TenantAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login accepts platform superusers and organization owners/admins, who are not
    `is_staff` (Django's admin login form would refuse them)."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not (user.is_superuser or _is_tenant_admin(user)):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


admin.site.login_form = TenantAdminAuthenticationForm


def tenant_form(form_class, organization_id):
    """The admin's form with the row's organization known before validation, so the
    per-organization unique constraints (names, codes) are a form error instead of a crash."""

    class TenantForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if hasattr(self.instance, "organization_id") and not self.instance.organization_id:
                self.instance.organization_id = organization_id

        def _get_validation_exclusions(self):
            exclude = super()._get_validation_exclusions()
            exclude.discard("organization")
            return exclude

    TenantForm.__name__ = form_class.__name__
    TenantForm.__qualname__ = form_class.__qualname__
    return TenantForm


class TenantAdmin(admin.ModelAdmin):
    """Scopes querysets, foreign-key choices and new rows to the admin's organization."""

    def _allowed(self, request) -> bool:
        return request.user.is_superuser or _is_tenant_admin(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{self.organization_lookup: request.user.organization_id})

    organization_lookup = "organization"

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            excluded.append("organization")
        return excluded

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        # A plain related filter lists every organization's rows (e.g. every queue's name);
        # offer only the values present in the admin's own rows.
        scoped = []
        for item in filters:
            if item == "organization":
                continue
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        return tenant_form(form, request.user.organization_id)

    def _scope(self, request, queryset):
        if request.user.is_superuser or queryset is None:
            return queryset
        model = queryset.model
        if model is m.Organization:
            return queryset.filter(pk=request.user.organization_id)
        if any(f.name == "organization" for f in model._meta.get_fields()):
            return queryset.filter(organization=request.user.organization_id)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scope(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scope(request, field.queryset)
        return field

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and hasattr(obj, "organization_id"):
            obj.organization_id = request.user.organization_id
        super().save_model(request, obj, form, change)


class EngineRecordAdmin(TenantAdmin):
    """Rows the services write (state machine, ledger, logins, offers, transfers, messages): an
    edit here would skip the ledger, the capacity counters and the events, so they are read-only.
    They still go away with the user, queue or conversation they belong to."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TenantInline(admin.TabularInline):
    extra = 0

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            excluded.append("organization")
        return excluded

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser and hasattr(field, "queryset"):
            field.queryset = TenantAdmin._scope(self, request, field.queryset)
        return field

    def has_add_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True

    def has_view_permission(self, request, obj=None):
        return True


class OrganizationInlineFormsetMixin:
    """Inline rows take their parent's organization."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if hasattr(instance, "organization_id") and not instance.organization_id:
                instance.organization_id = form.instance.organization_id
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            instance.save()
        formset.save_m2m()


@admin.register(m.Organization)
class OrganizationAdmin(TenantAdmin):
    list_display = ["name", "slug", "time_zone", "allow_unassigned_queue_login"]
    search_fields = ["name", "slug"]
    organization_lookup = "pk"

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        # Permission toggles changed here go through the permissions page's service, which
        # audits every change.
        toggles = {name: getattr(obj, name) for name in TOGGLES if name in form.changed_data} if change else {}
        if toggles:
            saved = m.Organization.objects.get(pk=obj.pk)
            for name in toggles:
                setattr(obj, name, getattr(saved, name))
        super().save_model(request, obj, form, change)
        if not change:
            org_services.organization_setup_defaults(organization=obj)
        if toggles:
            org_services.organization_set_permissions(organization=obj, by=request.user, values=toggles)


@admin.register(m.User)
class UserAdmin(TenantAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "organization", "is_active"]
    list_filter = ["role", "is_active", "organization"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "extension")}),
        (_("Contact center"), {"fields": ("organization", "role", "is_active")}),
        (_("Platform"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Contact center"), {"fields": ("organization", "role", "first_name", "last_name", "email")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"organization", "is_staff", "is_superuser", "groups", "user_permissions"}
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
            for name, opts in fieldsets
            if any(f not in hidden for f in opts["fields"])
        ]

    def get_exclude(self, request, obj=None):
        return None

    @staticmethod
    def _may_manage(request, obj) -> bool:
        """An organization admin does not take over a platform superuser, nor (unless they are an
        owner themself) an owner: no password change, no edit, no delete."""
        user = request.user
        if user.is_superuser or obj is None:
            return True
        if obj.is_superuser:
            return False
        return not (obj.role == m.Role.OWNER and user.role != m.Role.OWNER)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_manage(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "role" and not request.user.is_superuser and request.user.role != m.Role.OWNER:
            field.choices = [c for c in field.choices if c[0] != m.Role.OWNER]
        return field

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None or obj.pk != request.user.pk:
            return form

        class OwnAccountForm(form):
            def clean_is_active(self):
                if not self.cleaned_data.get("is_active"):
                    raise ValidationError(_("You cannot deactivate your own account."))
                return True

        return OwnAccountForm

    def save_model(self, request, obj, form, change):
        # Unticking "active" is a deactivation: the person also goes Offline, leaves every
        # queue and loses their sessions (the service does it and audits it).
        deactivating = change and not obj.is_active and "is_active" in form.changed_data
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        org_services.user_setup_defaults(user=obj)
        if not deactivating:
            return
        actor = request.user
        if actor.is_org_admin and actor.organization_id == obj.organization_id:
            org_services.user_deactivate(user=obj, by=actor)
            return
        # A platform superuser: no organization role to act with, so the system signs them out.
        from contactcenter.services import agents as agent_services

        if m.AgentState.objects.filter(agent=obj).exclude(status__code=m.SystemStatus.OFFLINE).exists():
            agent_services.agent_sign_out(agent=obj, source="system", reason="deactivated")
        obj.is_active = False
        obj.save(update_fields=["is_active"])


class QueueMembershipInline(TenantInline):
    model = m.QueueMembership
    fields = ["user", "role", "position"]


class QueueAdminForm(forms.ModelForm):
    """Settings added later (the re-offer delay) keep their value when a form leaves them empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reoffer_after_seconds" in self.fields:
            self.fields["reoffer_after_seconds"].required = False

    def clean_reoffer_after_seconds(self):
        value = self.cleaned_data.get("reoffer_after_seconds")
        return self.instance.reoffer_after_seconds if value is None else value


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


@admin.register(m.Transfer)
class TransferAdmin(EngineRecordAdmin):
    list_display = ["conversation", "mode", "from_agent", "to_agent", "to_queue", "status", "created_at"]


@admin.register(m.AuditEntry)
class AuditEntryAdmin(EngineRecordAdmin):
    list_display = ["created_at", "actor", "action", "target_user", "queue", "reason"]
    list_filter = ["action"]

    def has_delete_permission(self, request, obj=None):
        # The audit trail is not the audited's to erase; it goes only with its organization.
        return request.user.is_superuser


@admin.register(m.Device)
class DeviceAdmin(EngineRecordAdmin):
    list_display = ["user", "browser", "connected_at", "last_seen_at", "disconnected_at"]
    readonly_fields = ["channel_name", "session_key", "user_agent", "connected_at", "last_seen_at", "disconnected_at"]


@admin.register(m.MonitoringSession)
class MonitoringSessionAdmin(EngineRecordAdmin):
    """Who watched whom, from when to when (written by the supervisor panel)."""

    list_display = ["supervisor", "agent", "started_at", "ended_at", "call_mode"]
    date_hierarchy = "started_at"


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


@admin.register(AccessAttempt)
class LoginAttemptAdmin(TenantAdmin):
    """Failed logins counted by django-axes. "Unlock" deletes the selected rows, which lifts the
    lockout of their username and address at once (it also ends by itself after the cool-off).
    The rows carry no organization: an administrator sees only their own users' usernames."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    fields = readonly_fields
    search_fields = ["username", "ip_address"]
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)  # TenantAdmin's filter needs an organization column
        if request.user.is_superuser:
            return qs
        usernames = m.User.objects.filter(organization_id=request.user.organization_id).values("username")
        return qs.filter(username__in=usernames)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Unlock: forget these failed logins"))
    def unlock(self, request, queryset):
        count = queryset.count()
        for attempt in queryset:
            org_services.audit_login_unlock(by=request.user, username=attempt.username)
        queryset.delete()
        self.message_user(request, ngettext("%(count)d lockout lifted.", "%(count)d lockouts lifted.", count)
                          % {"count": count})
