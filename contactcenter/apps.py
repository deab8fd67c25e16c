from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ContactCenterConfig(AppConfig):
    name = "contactcenter"
    verbose_name = _("Contact center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready (both need the models):
        from contactcenter import (
            signals,  # noqa: F401  (supervisor membership → object permission)
            tasks,  # noqa: F401  (registers the tasks services/jobs.py enqueues by name)
        )


class ContactCenterAdminConfig(AdminConfig):
    default_site = "contactcenter.admin_site.ContactCenterAdminSite"
