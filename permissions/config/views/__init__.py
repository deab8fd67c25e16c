"""/config/: the configuration portal, one module per area.

sections.py holds the generic section pages (list, create, edit, delete) and the registry of
sections; each area module registers its sections there and adds the views they need beyond
that. They are imported here so that every section is registered before any page is served.
"""

from permissions.config.views import business_hours, campaigns, catalog, channels, queues, users  # noqa: F401
