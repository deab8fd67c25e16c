"""Adherence on the supervisor panel, computed on render from each agent's shifts: in shift and
working, on a scheduled break, late to log in, logged out early, a break overrun."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import AgentState, StatusDefinition
from contactcenter.selectors import shifts
from tests import factories as f
from tests.supervision.conftest import client_for

pytestmark = pytest.mark.django_db


def at(hour, minute=0):
    """Monday 1 March 2027, Madrid (UTC+1)."""
    return datetime(2027, 3, 1, hour - 1, minute, tzinfo=UTC)


@pytest.fixture
def lunch(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Comida", code="comida")


@pytest.fixture
def ana_shifts(personas, lunch):
    schedule = f.ScheduleFactory(organization=personas.organization)
    shift = f.ScheduleShiftFactory(schedule=schedule, weekday=0, starts=time(8), ends=time(15))
    f.ScheduleBreakFactory(shift=shift, starts=time(11, 30), minutes=30, pause=lunch)
    f.AgentScheduleFactory(agent=personas.agent, schedule=schedule, valid_from=date(2027, 1, 1))
    return shifts.agent_shifts(personas.agent, at(1), at(23))


def code(found, status, now, since, organization):
    s = StatusDefinition.objects.get(organization=organization, code=status) if isinstance(status, str) else status
    return shifts.adherence_code(found, status_code=s.code, is_pause=s.is_pause, status_id=s.pk, since=since, now=now)


def test_each_adherence_case(personas, ana_shifts, lunch):
    org = personas.organization
    assert code(ana_shifts, "ready", at(9), at(8), org) == "in_shift"
    assert code(ana_shifts, "in_service", at(9), at(8), org) == "in_shift"
    assert code(ana_shifts, "offline", at(9), at(7), org) == "late"
    assert code(ana_shifts, "offline", at(10), at(9, 30), org) == "left_early"
    assert code(ana_shifts, "online", at(9), at(8), org) == "not_ready"
    assert code(ana_shifts, lunch, at(11, 45), at(11, 30), org) == "on_break"
    assert code(ana_shifts, "ready", at(11, 45), at(8), org) == "skipped_break"
    assert code(ana_shifts, lunch, at(12, 10), at(11, 30), org) == "break_overrun"
    assert code(ana_shifts, "offline", at(16), at(15), org) == ""
    assert code(ana_shifts, "ready", at(16), at(8), org) == "off_shift_working"


def test_the_panel_shows_an_agent_late_to_log_in(personas, ana_shifts):
    with time_machine.travel(at(9), tick=False):
        AgentState.objects.filter(agent=personas.agent).update(since=at(7))
        page = client_for(personas.supervisor).get(reverse("supervision:overview")).content.decode()
    row = page.split(f'id="agent-{personas.agent.pk}"')[1].split("</tr>")[0]
    assert "Late to log in" in row
    colleague_row = page.split(f'id="agent-{personas.colleague.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="adherence"' not in colleague_row
