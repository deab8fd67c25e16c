from django.db import models


class OrganizationOwned(models.Model):
    """Every tenant row carries its organization; every query is scoped by it."""

    organization = models.ForeignKey(
        "contactcenter.Organization", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    class Meta:
        abstract = True
