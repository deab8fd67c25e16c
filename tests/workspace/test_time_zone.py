"""Times and days are the organization's: "today" on the desk starts at midnight in its zone, and
the times a page prints are its local times, whatever the server's zone."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import Conversation
from tests.workspace.conftest import html, list_items

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# 05:30 UTC on 5 December: still the 4th (23:30) in Mexico City, already the 5th (06:30) in Madrid.
NOW = dt.datetime(2026, 12, 5, 5, 30, tzinfo=UTC)
# Served at 22:00 UTC on the 4th after a 10-minute wait: today in Mexico City, yesterday in Madrid.
SERVED = dt.datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


@pytest.fixture
def served_chat(personas, desk, ana_ready):
    with time_machine.travel(SERVED, tick=False):
        chat = desk.chat_for(personas.agent, personas.queue, "Hola")
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=SERVED - dt.timedelta(minutes=10),
                                                   assigned_at=SERVED, last_message_at=SERVED)
    return chat


@pytest.mark.parametrize("zone, longest, shown", [
    ("America/Mexico_City", "10:00", "16:00"),
    ("Europe/Madrid", "—", "23:00"),
])
def test_today_and_the_printed_times_are_the_organizations(personas, ana, served_chat, zone, longest, shown):
    personas.organization.time_zone = zone
    personas.organization.save()
    with time_machine.travel(NOW, tick=False):
        response = ana.get(reverse("workspace:index"))
    assert f'data-testid="fig-longest">{longest}</dd>' in html(response)
    assert f">{shown}</time>" in list_items(response, "assigned-list")[0]
