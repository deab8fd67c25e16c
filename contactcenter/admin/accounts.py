"""Admin of organizations, their users, the audit trail and the failed logins django-axes counts."""

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactcenter import models as m
from contactcenter.admin.base import EngineRecordAdmin, TenantAdmin
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services
from contactcenter.services.policies import TOGGLES


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
        if m.AgentState.objects.filter(agent=obj).exclude(status__code=m.SystemStatus.OFFLINE).exists():
            agent_services.agent_sign_out(agent=obj, source="system", reason="deactivated")
        obj.is_active = False
        obj.save(update_fields=["is_active"])


@admin.register(m.AuditEntry)
class AuditEntryAdmin(EngineRecordAdmin):
    list_display = ["created_at", "actor", "action", "target_user", "queue", "reason"]
    list_filter = ["action"]

    def has_delete_permission(self, request, obj=None):
        # The audit trail is not the audited's to erase; it goes only with its organization.
        return request.user.is_superuser


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

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
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
