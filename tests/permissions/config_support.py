"""Small helpers shared by the configuration portal tests (tests/permissions/test_config_*.py)."""

from html import unescape

from django.urls import reverse

from contactcenter.models import AuditEntry

HTMX = {"HX-Request": "true"}


def list_url(key: str) -> str:
    return reverse("config:section", args=[key])


def edit_url(key: str, obj) -> str:
    return reverse("config:edit", args=[key, obj.pk])


def delete_url(key: str, obj) -> str:
    return reverse("config:delete", args=[key, obj.pk])


def html(response) -> str:
    return unescape(response.content.decode())


def audited(user, action: str) -> bool:
    return AuditEntry.objects.filter(organization_id=user.organization_id, actor=user, action=action).exists()
