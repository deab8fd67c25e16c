"""The Agents report split by schedule or by a system pause in the hour, so that a supervisor can
compare handle time and ratings before and after a change of shifts or of status rules. Built on
the Reports tests' hand-made day (10 March 2027, Madrid); times are fixed."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import StatusDefinition, StatusInterval
from tests import factories as f
from tests.supervision.conftest import client_for
from tests.supervision.test_reports import NOW, at, fill_until, spanish_client, table
from tests.supervision.test_reports import day as day  # noqa: PLC0414 - the fixture

AGENTS = reverse("supervision:reports-tab", args=["agents"])
DAY = "from=2027-03-10&to=2027-03-10"


def ledger(personas, steps):
    """Ana's ledger as (status code, start, source) steps, the last one open."""
    StatusInterval.objects.filter(agent=personas.agent).delete()
    for (code, start, source), following in zip(steps, [*steps[1:], None], strict=True):
        StatusInterval.objects.create(
            organization=personas.organization, agent=personas.agent, source=source, started_at=start,
            status=StatusDefinition.objects.get(organization=personas.organization, code=code),
            ended_at=following[1] if following else None)


def figures(row):
    """Agent, split, handled, closed, handle time, CSAT, rating response rate, average rating."""
    return [row[0], row[1], row[2], row[3], row[5], row[11], row[12], row[13]]


@pytest.fixture
def paused(day):
    """Ana's day with the system pausing her for a missed offer at 10:05–10:10 (a pause of hers,
    lunch, at 11:00 is her own): her second chat closes in that hour (10:20), her first at 09:10."""
    no_answer = StatusDefinition.objects.get(organization=day.organization, code="no_answer")
    lunch = StatusDefinition.objects.get(organization=day.organization, code="comida")
    ledger(day, [("offline", datetime(2027, 3, 1, tzinfo=UTC), "agent"), ("ready", at(9), "agent"),
                 (no_answer.code, at(10, 5), "system"), ("ready", at(10, 10), "agent"),
                 (lunch.code, at(11), "agent"), ("ready", at(11, 30), "agent"), ("offline", at(13), "agent")])
    return day


@time_machine.travel(NOW, tick=False)
def test_split_by_system_pause_puts_each_hours_work_on_its_side(paused):
    fill_until(NOW)
    rows = table(client_for(paused.admin).get(f"{AGENTS}?{DAY}&split=system_pause"))
    # All agents without: Ana's first chat (9:40, rated 5), Luis's chat (30:00, rated 2) and call (4:50):
    # handle 44:30 / 3 = 14:50, one satisfied of two ratings, both asked surveys answered, 3.5. With: Ana's
    # second chat (19:20), asked and not answered.
    assert [figures(row) for row in rows] == [
        ["All agents", "Without a system pause", "3", "3", "14:50", "50.0 %", "100.0 %", "3.5"],
        ["All agents", "With a system pause", "1", "1", "19:20", "—", "0.0 %", "—"],
        ["Ana López", "Without a system pause", "1", "1", "9:40", "100.0 %", "100.0 %", "5.0"],
        ["Ana López", "With a system pause", "1", "1", "19:20", "—", "0.0 %", "—"],
        ["Luis Pérez", "Without a system pause", "2", "2", "17:25", "0.0 %", "100.0 %", "2.0"],
    ]


@time_machine.travel(NOW, tick=False)
def test_split_by_system_pause_reads_the_hours_not_filled_yet_the_same_way(paused):
    live = table(client_for(paused.admin).get(f"{AGENTS}?{DAY}&split=system_pause"))
    fill_until(NOW)
    assert table(client_for(paused.admin).get(f"{AGENTS}?{DAY}&split=system_pause")) == live


@time_machine.travel(NOW, tick=False)
def test_a_pause_the_agent_chose_is_not_a_system_pause(day):
    # The hand-made day's lunch pause (11:00) is recorded by the system; make it Ana's own.
    StatusInterval.objects.filter(agent=day.agent).update(source="agent")
    rows = table(client_for(day.admin).get(f"{AGENTS}?{DAY}&split=system_pause"))
    assert {row[1] for row in rows} == {"Without a system pause"}


@time_machine.travel(NOW, tick=False)
def test_split_by_schedule_compares_the_days_before_and_after_a_change_of_shifts(day):
    morning = f.ScheduleFactory(organization=day.organization, name="Mañana")
    evening = f.ScheduleFactory(organization=day.organization, name="Tarde")
    f.AgentScheduleFactory(agent=day.agent, schedule=morning, valid_from=date(2027, 1, 1))
    f.AgentScheduleFactory(agent=day.agent, schedule=evening, valid_from=date(2027, 3, 10))
    # On 9 March (still Mañana) Ana closed one chat in 5 minutes, at 23:30 Madrid (22:30 UTC).
    f.ConversationFactory(queue=day.queue, enqueued_at=datetime(2027, 3, 9, 22, 25, tzinfo=UTC),
                          assigned_at=datetime(2027, 3, 9, 22, 25, tzinfo=UTC),
                          closed_at=datetime(2027, 3, 9, 22, 30, tzinfo=UTC), status="closed", assignee=day.agent)
    rows = table(client_for(day.admin).get(f"{AGENTS}?from=2027-03-09&to=2027-03-10&split=schedule"))
    assert [figures(row)[:5] for row in rows] == [
        ["All agents", "Mañana", "1", "1", "5:00"],
        ["All agents", "Tarde", "2", "2", "14:30"],
        ["All agents", "No schedule", "2", "2", "17:25"],
        ["Ana López", "Mañana", "1", "1", "5:00"],
        ["Ana López", "Tarde", "2", "2", "14:30"],
        ["Luis Pérez", "No schedule", "2", "2", "17:25"],
    ]


@time_machine.travel(NOW, tick=False)
def test_the_split_csv_has_the_split_column(paused):
    response = client_for(paused.admin).get(f"{AGENTS}?{DAY}&split=system_pause&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert rows[0][:3] == ["Agent", "System pause in the hour", "Handled"]
    assert rows[2][:4] == ["All agents", "With a system pause", "1", "1"]


@time_machine.travel(NOW, tick=False)
def test_the_split_choice_is_only_on_the_agents_tab(personas):
    client = client_for(personas.admin)
    assert 'name="split"' in client.get(AGENTS).content.decode()
    assert 'name="split"' not in client.get(reverse("supervision:reports-tab", args=["queues"])).content.decode()


@time_machine.travel(NOW, tick=False)
def test_an_unknown_split_is_a_translated_error_and_no_numbers(personas):
    html = spanish_client(personas.admin).get(f"{AGENTS}?{DAY}&split=<b>nope</b>").content.decode()
    assert 'data-testid="field-error"' in html and "Elige una opción válida" in html
    assert 'data-testid="report-table"' not in html and "<b>nope</b>" not in html
