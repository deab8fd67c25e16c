"""The base of the Django admin: organization admins (role owner/admin) see and link only their own
organization's rows; platform superusers see everything. `TenantAdmin` scopes querysets,
foreign-key choices and new rows; `EngineRecordAdmin` shows the rows the services write,
read-only."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from contactcenter import models as m
from contactcenter.admin_site import is_tenant_admin


class TenantAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login accepts platform superusers and organization owners/admins, who are not
    `is_staff` (Django's admin login form would refuse them)."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)
        if not (user.is_superuser or is_tenant_admin(user)):
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
        return request.user.is_superuser or is_tenant_admin(request.user)

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


