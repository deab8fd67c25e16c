"""Personas for the role and toggle matrices: the shared ones (agent, colleague, supervisor,
admin, outsider) plus an owner and a manager of the same organization."""

import pytest
from django.conf import settings
from django.test import Client

from contactcenter.models import Organization, Role, User
from tests import factories as f

ROLES = ["owner", "admin", "manager", "supervisor", "agent"]


def client_for(user: User | None) -> Client:
    """English, so assertions read the source strings."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def set_toggles(organization: Organization, **values) -> None:
    Organization.objects.filter(pk=organization.pk).update(**values)
    organization.refresh_from_db()


@pytest.fixture
def people(personas) -> dict[str, User]:
    """One user of each role in the personas' organization."""
    org = personas.organization
    return {
        "owner": f.UserFactory(organization=org, username="olga", role=Role.OWNER),
        "admin": personas.admin,
        "manager": f.UserFactory(organization=org, username="marta", role=Role.MANAGER),
        "supervisor": personas.supervisor,
        "agent": personas.agent,
    }
