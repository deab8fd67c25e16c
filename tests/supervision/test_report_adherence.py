"""Adherence and conformance in the reports (the Agents tab, its CSV and the agent's day), from
the agents' shifts and the status ledger, in the organization's days. The organization is in
Bogotá (UTC−5, no daylight saving); Ana works a night shift that crosses midnight. Times are fixed."""

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactcenter.models import StatusDefinition, StatusInterval
from contactcenter.selectors import adherence
from contactcenter.selectors.report_ranges import ReportRange
from tests import factories as f
from tests.supervision.conftest import client_for
from tests.supervision.test_reports import table

pytestmark = pytest.mark.django_db

AGENTS = reverse("supervision:reports-tab", args=["agents"])
# Wednesday 3 March 2027, 07:00 in Bogotá.
NOW = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)

@pytest.fixture(autouse=True)
def _fixtures_made_before_now():
    """The fixtures' rows are made three months before NOW whatever today's date is (the suite
    also runs under a moved clock, which could put today after NOW)."""
    with time_machine.travel(NOW - timedelta(days=90), tick=True):
        yield

BOTH_DAYS = "from=2027-03-01&to=2027-03-02"


def bogota(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2027, Bogotá time (UTC−5)."""
    return datetime(2027, 3, day, hour, minute, tzinfo=ZoneInfo("America/Bogota")).astimezone(UTC)


@pytest.fixture
def night(personas):
    """Ana's schedule "Noche": Monday 22:00 → Tuesday 06:00 with a 30-minute lunch at 02:00.
    On Monday 1 March she comes in at 22:10 (10 minutes late); on Tuesday she takes lunch 02:00–02:40
    (10 minutes over), leaves at 05:30 (30 minutes early) and works an hour of overtime, 10:00–11:00."""
    p = personas
    p.organization.time_zone = "America/Bogota"
    p.organization.save()
    lunch = f.PauseReasonFactory(organization=p.organization, name="Comida", code="comida")
    schedule = f.ScheduleFactory(organization=p.organization, name="Noche")
    shift = f.ScheduleShiftFactory(schedule=schedule, weekday=0, starts=time(22), ends=time(6))
    f.ScheduleBreakFactory(shift=shift, starts=time(2), minutes=30, pause=lunch)
    f.AgentScheduleFactory(agent=p.agent, schedule=schedule, valid_from=date(2027, 1, 1))
    ledger(p, p.agent, [("offline", datetime(2027, 2, 20, tzinfo=UTC)), ("ready", bogota(1, 22, 10)),
                        ("comida", bogota(2, 2)), ("ready", bogota(2, 2, 40)), ("offline", bogota(2, 5, 30)),
                        ("ready", bogota(2, 10)), ("offline", bogota(2, 11))])
    return p


def ledger(personas, agent, steps):
    StatusInterval.objects.filter(agent=agent).delete()
    for (code, start), following in zip(steps, [*steps[1:], None], strict=True):
        StatusInterval.objects.create(
            organization=personas.organization, agent=agent, source="agent", started_at=start,
            status=StatusDefinition.objects.get(organization=personas.organization, code=code),
            ended_at=following[1] if following else None)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))


@time_machine.travel(NOW, tick=False)
def test_the_agents_tab_shows_adherence_and_conformance_over_the_days(night):
    rows = {row[0]: row[1:] for row in table(client_for(night.admin).get(f"{AGENTS}?{BOTH_DAYS}"))}
    # Scheduled: Monday 22:00–24:00 and Tuesday 00:00–06:00, 8 h. In adherence: Monday 22:10–24:00
    # (1 h 50), Tuesday 00:00–02:00 Ready, 02:00–02:30 in a pause on the scheduled break, 02:40–05:30
    # Ready (not 02:30–02:40, still paused, nor 05:30–06:00, offline): 7 h 10 = 89.6 %. Worked: 1 h 50 +
    # 5 h 30 (pause included) + 1 h of overtime = 8 h 20 = 104.2 %.
    assert rows["Ana López"][-2:] == ["89.6 %", "104.2 %"]
    assert rows["Luis Pérez"][-2:] == ["—", "—"]  # no schedule


@time_machine.travel(NOW, tick=False)
def test_a_shift_across_midnight_counts_on_each_day_for_its_part(night):
    client = client_for(night.admin)
    monday = {row[0]: row[1:] for row in table(client.get(f"{AGENTS}?from=2027-03-01&to=2027-03-01"))}
    tuesday = {row[0]: row[1:] for row in table(client.get(f"{AGENTS}?from=2027-03-02&to=2027-03-02"))}
    # Monday: 1 h 50 of 2 h. Tuesday: 5 h 20 of 6 h in adherence; 6 h 30 worked of 6 h.
    assert monday["Ana López"][-2:] == ["91.7 %", "91.7 %"]
    assert tuesday["Ana López"][-2:] == ["88.9 %", "108.3 %"]


@time_machine.travel(NOW, tick=False)
def test_the_csv_has_adherence_and_conformance_as_percent_numbers(night):
    rows = csv_rows(client_for(night.admin).get(f"{AGENTS}?{BOTH_DAYS}&format=csv"))
    assert rows[0][-2:] == ["Adherence", "Conformance"]
    ana = next(row for row in rows if row[0] == "Ana López")
    luis = next(row for row in rows if row[0] == "Luis Pérez")
    assert ana[-2:] == ["89.6", "104.2"] and luis[-2:] == ["", ""]


@time_machine.travel(NOW, tick=False)
def test_the_agents_day_shows_its_schedule_adherence_and_conformance(night):
    html = client_for(night.admin).get(reverse("supervision:reports-agent-day", args=[night.agent.pk])
                                       + "?date=2027-03-02").content.decode()
    assert re.search(r'data-testid="day-scheduled">6:00:00<', html)
    assert re.search(r'data-testid="day-adherence">88.9 % \(5:20:00\)<', html)
    assert re.search(r'data-testid="day-conformance">108.3 % \(6:30:00\)<', html)
    # The plan of the day: work 00:00–02:00, the break 02:00–02:30, work 02:30–06:00, as % of 24 h.
    plan = re.findall(r'<rect class="plan-(\w+)" x="([\d.]+)%" y="0" width="([\d.]+)%"', html)
    assert [(kind, round(float(x), 2), round(float(w), 2)) for kind, x, w in plan] == [
        ("work", 0.0, 8.33), ("break", 8.33, 2.08), ("work", 10.42, 14.58)]


@time_machine.travel(NOW, tick=False)
def test_a_day_without_a_shift_shows_no_schedule(night):
    html = client_for(night.admin).get(reverse("supervision:reports-agent-day", args=[night.agent.pk])
                                       + "?date=2027-03-03").content.decode()
    assert 'data-testid="day-schedule"' not in html


@time_machine.travel(bogota(2, 1), tick=False)
def test_today_counts_the_schedule_only_until_now(night):
    # 01:00 on Tuesday: of today, the shift has run one hour, all of it Ready.
    html = client_for(night.admin).get(reverse("supervision:reports-agent-day", args=[night.agent.pk])
                                       ).content.decode()
    assert re.search(r'data-testid="day-scheduled">1:00:00<', html)
    assert re.search(r'data-testid="day-adherence">100.0 % \(1:00:00\)<', html)


@time_machine.travel(NOW, tick=False)
def test_a_day_off_exception_leaves_nothing_scheduled(night):
    f.ScheduleExceptionFactory(agent=night.agent, date=date(2027, 3, 1), kind="day_off")
    rows = {row[0]: row[1:] for row in table(client_for(night.admin).get(f"{AGENTS}?{BOTH_DAYS}"))}
    assert rows["Ana López"][-2:] == ["—", "—"]


@time_machine.travel(NOW, tick=False)
def test_a_period_longer_than_a_month_has_no_adherence(night):
    rows = {row[0]: row[1:] for row in table(client_for(night.admin).get(f"{AGENTS}?from=2027-01-01&to=2027-03-02"))}
    assert rows["Ana López"][-2:] == ["—", "—"]


@time_machine.travel(NOW, tick=False)
def test_the_queries_do_not_grow_with_the_number_of_agents(night):
    period = ReportRange(date(2027, 3, 1), date(2027, 3, 2), night.organization.zone)

    def queries(agent_ids):
        with CaptureQueriesContext(connection) as captured:
            found = adherence.by_agent(night.organization.pk, agent_ids, period)
        return len(captured), found

    few, found = queries([night.agent.pk])
    assert found[night.agent.pk].adherent == 7 * 3600 + 10 * 60
    schedule = night.agent.schedules.get().schedule
    others = [f.AgentFactory(organization=night.organization) for _ in range(5)]
    for agent in others:
        f.AgentScheduleFactory(agent=agent, schedule=schedule, valid_from=date(2027, 1, 1))
        ledger(night, agent, [("ready", datetime(2027, 2, 20, tzinfo=UTC))])
    many, found = queries([night.agent.pk, *(a.pk for a in others)])
    assert many == few
    # Ready all along: the scheduled 8 h, less the 30-minute break spent Ready, are in adherence.
    assert found[others[0].pk].adherent == 7.5 * 3600 and found[others[0].pk].worked == 2 * 24 * 3600
