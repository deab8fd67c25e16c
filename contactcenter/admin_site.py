from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contactcenter.models import AgentState
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services

ADMIN_ROLES = {"owner", "admin"}


def is_tenant_admin(user) -> bool:
    """An organization's owner or administrator: admin access to that organization only."""
    return bool(
        user.is_active
        and not user.is_superuser
        and getattr(user, "organization_id", None)
        and getattr(user, "role", None) in ADMIN_ROLES
    )


class ContactCenterAdminSite(admin.AdminSite):
    # "Administración", never "Configuración": that is the name of /config/, a different place.
    site_header = _("Administration")
    site_title = _("Administration")
    index_title = _("Site administration")

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and (user.is_superuser or is_tenant_admin(user)))

    def logout(self, request, extra_context=None):
        """Like the site's logout: the person also goes Offline and leaves every queue, so no
        work is routed to someone who has gone."""
        user = request.user
        if request.method == "POST" and user.is_authenticated and getattr(user, "organization_id", None):
            if AgentState.objects.filter(agent=user).exists():
                agent_services.agent_sign_out(agent=user)
            org_services.user_session_ended(user=user, session_key=request.session.session_key)
        return super().logout(request, extra_context)
