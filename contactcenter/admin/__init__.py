"""Django admin for every model, one module per area; importing them registers their ModelAdmins
(Django's autodiscover imports this package). base.py holds TenantAdmin, which scopes every
admin to the organization of an organization admin."""

from contactcenter.admin import accounts, agents, catalog, conversations, queues, rules, schedules  # noqa: F401
