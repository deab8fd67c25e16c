"""An agent's page: today's status timeline from the ledger (a bar whose widths the server
computes) and the list of today's changes with who made each and why."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import StatusDefinition, StatusInterval
from contactcenter.selectors import supervision as sel
from contactcenter.services import supervision as services
from tests import factories as f
from tests.supervision.conftest import client_for, html, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def midday():
    """The page shows today: these tests run at a set midday (the clock ticks from there), so a
    ledger that starts "20 minutes ago" never begins yesterday."""
    with time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Madrid")), tick=True):
        yield


def agent_url(agent) -> str:
    return reverse("supervision:agent", args=[agent.pk])


def status(organization, code) -> StatusDefinition:
    return StatusDefinition.objects.get(organization=organization, code=code)


@pytest.fixture
def ledger(personas, training):
    """Ana's day: Ready for ten minutes, then Capacitación (still on)."""
    agent, org = personas.agent, personas.organization
    now = timezone.now()
    StatusInterval.objects.filter(agent=agent).delete()
    ready = f.StatusIntervalFactory(agent=agent, status=status(org, "ready"), started_at=now - timedelta(minutes=20),
                                    ended_at=now - timedelta(minutes=10))
    pause = f.StatusIntervalFactory(agent=agent, status=training, previous_status=ready.status,
                                    started_at=now - timedelta(minutes=10), ended_at=None,
                                    changed_by=personas.supervisor, source="supervisor", reason="Capacitación")
    return ready, pause


def widths(body: str) -> list[float]:
    return [float(w) for w in re.findall(r'data-testid="timeline-segment"', body) and
            re.findall(r'<rect class="seg[^"]*" x="[\d.]+%" y="0" width="([\d.]+)%"', body)]


def test_the_timeline_has_one_segment_per_interval_in_order(personas, sofia, ledger):
    body = html(sofia.get(agent_url(personas.agent)))
    classes = re.findall(r'<rect class="seg (seg-[\w-]+)"', body)
    assert classes == ["seg-ready", "seg-pause"]


def test_segment_widths_are_proportional_to_time_and_fill_the_bar(personas, sofia, ledger):
    found = widths(html(sofia.get(agent_url(personas.agent))))
    assert len(found) == 2
    assert sum(found) == pytest.approx(100, abs=0.5)
    assert found[0] == pytest.approx(50, abs=1) and found[1] == pytest.approx(50, abs=1)


def test_an_interval_that_began_yesterday_is_clipped_to_today(personas):
    agent, org = personas.agent, personas.organization
    now = timezone.now()
    day_start = sel.start_of_today()
    StatusInterval.objects.filter(agent=agent).delete()
    f.StatusIntervalFactory(agent=agent, status=status(org, "offline"), started_at=day_start - timedelta(hours=5),
                            ended_at=None)
    timeline = sel.status_timeline(agent, now=now)
    (segment,) = timeline["segments"]
    assert segment.start == day_start and segment.width == pytest.approx(100)
    assert timeline["changes"] == []


def test_the_changes_say_who_made_each_and_why(personas, sofia, ledger):
    body = html(sofia.get(agent_url(personas.agent)))
    changes = re.findall(r'<tr data-testid="status-change">(.*?)</tr>', body, re.S)
    newest = text(changes[0])
    assert "Ready" in newest and "Capacitación" in newest and "Sofía Ruiz" in newest and "Supervisor" in newest
    assert len(changes) == 2


def test_a_supervisor_action_appears_in_the_list_at_once(personas, sofia, desk, training):
    desk.sign_in(personas.agent, personas.queue)
    with desk.commit():
        services.supervisor_pause(by=personas.supervisor, agent=personas.agent, reason=training)
    body = html(sofia.get(agent_url(personas.agent)))
    first = text(re.findall(r'<tr data-testid="status-change">(.*?)</tr>', body, re.S)[0])
    assert first.split(" ", 1)[1].startswith("Online Capacitación Sofía Ruiz Supervisor")


def test_the_page_shows_the_current_status_with_a_timer(personas, sofia, desk, training):
    desk.sign_in(personas.agent, personas.queue)
    with desk.commit():
        services.supervisor_pause(by=personas.supervisor, agent=personas.agent, reason=training)
    body = html(sofia.get(agent_url(personas.agent)))
    header = body[body.index('id="agent-header"'):]
    assert 'data-testid="agent-status">Capacitación<' in header and "data-since=" in header


def test_a_supervisor_cannot_open_an_agent_of_another_queue(personas, sofia, pablo):
    assert sofia.get(agent_url(pablo)).status_code == 404


def test_another_organizations_admin_cannot_open_the_page(personas):
    assert client_for(personas.outsider).get(agent_url(personas.agent)).status_code == 404


def test_an_agent_cannot_open_the_page(personas):
    assert client_for(personas.colleague).get(agent_url(personas.agent)).status_code == 403


def test_the_overview_links_each_agent_to_their_page(personas, sofia):
    assert f'href="{agent_url(personas.agent)}"' in html(sofia.get(reverse("supervision:overview")))


# --- Reasons as people read them ------------------------------------------------------------------


def reasons(client, agent) -> list[str]:
    body = html(client.get(agent_url(agent)))
    return [text(r) for r in re.findall(r'<td data-testid="change-reason">(.*?)</td>', body, re.S)]


@pytest.mark.parametrize(("code", "label"), [
    ("login", "Signed in"),
    ("resume", "Back from a pause"),
    ("receive_new on", "Receive new turned on"),
    ("forced by supervisor", "Disconnected by a supervisor"),
    ("offer not answered", "Offer not answered"),
    ("created", "User created"),
    ("conversation 12", "Conversation #12 assigned"),
    ("closed 12", "Conversation #12 closed"),
    ("call 7 not answered", "Call #7 not answered"),
    ("after service: time ran out", "After service time ran out"),
])
def test_an_engine_reason_shows_as_a_label(personas, sofia, code, label):
    f.StatusIntervalFactory(agent=personas.agent, status=status(personas.organization, "online"),
                            started_at=timezone.now() - timedelta(minutes=1), ended_at=timezone.now(), reason=code)
    assert label in reasons(sofia, personas.agent)


def test_a_reason_typed_by_a_person_shows_as_written(personas, sofia):
    f.StatusIntervalFactory(agent=personas.agent, status=status(personas.organization, "online"),
                            started_at=timezone.now() - timedelta(minutes=1), ended_at=timezone.now(),
                            reason="conversation with the boss")
    assert "conversation with the boss" in reasons(sofia, personas.agent)


def test_a_reason_shows_in_spanish_for_a_spanish_reader(personas, sofia):
    f.StatusIntervalFactory(agent=personas.agent, status=status(personas.organization, "online"),
                            started_at=timezone.now() - timedelta(minutes=1), ended_at=timezone.now(),
                            reason="conversation 12")
    sofia.cookies["django_language"] = "es"
    assert "Conversación #12 asignada" in reasons(sofia, personas.agent)


def test_forcing_offline_keeps_the_code_in_the_ledger(personas, desk):
    desk.sign_in(personas.agent, personas.queue)
    services.supervisor_force_offline(by=personas.supervisor, agent=personas.agent)
    assert StatusInterval.objects.get(agent=personas.agent, ended_at=None).reason == "forced by supervisor"


# --- Devices in the header -----------------------------------------------------------------------


def test_the_header_shows_only_connected_devices_grouped(personas, sofia, desk):
    from contactcenter.services import devices

    desk.sign_in(personas.agent, personas.queue)
    for n in range(17):
        device = devices.device_connect(user=personas.agent, channel_name=f"specific.h{n}",
                                        user_agent="Mozilla/5.0 Chrome/120", session_key="")
        if n:
            devices.device_disconnect(device=device)
    body = html(sofia.get(agent_url(personas.agent)))
    shown = body[body.index('data-testid="agent-devices"'):]
    shown = shown[:shown.index("</span></span>") + 7]
    assert shown.count('data-testid="device"') == 1 and 'class="device active"' in shown
