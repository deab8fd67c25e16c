"""Helpers for the supervisor panel tests: the workspace's Desk (services with their on-commit
work executed), English clients per persona, and a few readers of the pages."""

import re
from html import unescape

import pytest

from tests import factories as f
from tests.workspace.conftest import Desk, client_for, flashes, html  # noqa: F401 - re-exported

HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk(django_capture_on_commit_callbacks) -> Desk:
    return Desk(django_capture_on_commit_callbacks)


@pytest.fixture
def sofia(personas):
    """The supervisor of Ventas (limited to her assigned queues, the default)."""
    return client_for(personas.supervisor)


@pytest.fixture
def adela(personas):
    return client_for(personas.admin)


@pytest.fixture
def training(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Capacitación", code="capacitacion",
                                max_minutes=30)


@pytest.fixture
def pablo(personas):
    """An agent of Soporte (voice) and Bajas (chat), queues Sofía does not supervise."""
    pablo = f.AgentFactory(organization=personas.organization, username="pablo", first_name="Pablo",
                           last_name="Sanz")
    f.QueueMembershipFactory(queue=personas.other_queue, user=pablo)
    pablo.home = f.QueueFactory(organization=personas.organization, name="Bajas")
    f.QueueMembershipFactory(queue=pablo.home, user=pablo)
    return pablo


def row(response, prefix: str, pk: int) -> str:
    """One table row (`<tr id="<prefix>-<pk>"…</tr>`) of a page, as HTML."""
    body = html(response)
    start = body.find(f'<tr id="{prefix}-{pk}"')
    assert start != -1, f"no row {prefix}-{pk}"
    return body[start:body.find("</tr>", start)]


def card(response, prefix: str, pk: int) -> str:
    """One card of a list (`<li id="<prefix>-<pk>"…</li>`, e.g. a queue on the overview), as HTML."""
    body = html(response)
    start = body.find(f'<li id="{prefix}-{pk}"')
    assert start != -1, f"no card {prefix}-{pk}"
    return body[start:body.find("</li>\n</ul>", start)]


def text(fragment: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.fixture(autouse=True)
def _english(settings):
    """Toasts rendered by the socket follow the language cookie; tests read the source strings."""
    settings.LANGUAGE_CODE = "en"
