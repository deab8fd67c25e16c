"""seed_demo tells a new user where to open the product, and gives the demo a past to report on."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from contactcenter.models import AgentSchedule, Conversation, SatisfactionRating, StatusInterval, StatusRule, User


@pytest.mark.django_db
def test_seed_demo_prints_the_address_with_the_servers_port(settings):
    settings.DEBUG = True
    settings.PORT = 8123
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8123/accounts/login/" in out.getvalue()
    assert ":8000" not in out.getvalue()


@pytest.mark.django_db
def test_the_demo_has_30_days_of_past_work_whose_ledger_tiles_time(settings):
    settings.DEBUG = True
    moment = dt.datetime(2027, 3, 31, 10, 0, tzinfo=dt.UTC)  # after the spring change in Madrid
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    agents = User.objects.filter(username__startswith="agent")
    for agent in agents:
        rows = list(StatusInterval.objects.filter(agent=agent).order_by("started_at")
                    .values_list("started_at", "ended_at"))
        assert all(end == following for (_, end), (following, _) in zip(rows, rows[1:], strict=False))
        assert rows[0][0] <= moment - dt.timedelta(days=30) and rows[-1][1] is None
    past = Conversation.objects.filter(closed_at__lt=moment)
    assert past.filter(status=Conversation.Status.CLOSED).count() > 1000
    assert past.filter(enqueued_at__lt=moment - dt.timedelta(days=29)).exists()
    left = past.filter(status=Conversation.Status.ABANDONED)  # some customers left while waiting
    assert left.exists() and not left.filter(abandoned_at__isnull=True).exists()
    assert not Conversation.objects.filter(enqueued_at__gt=moment).exists()


@pytest.mark.django_db
def test_the_demo_history_has_satisfaction_ratings_for_about_four_in_ten_served_chats(settings):
    settings.DEBUG = True
    moment = dt.datetime(2027, 3, 31, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    asked = SatisfactionRating.objects.all()
    answered = asked.filter(answered_at__isnull=False)
    assert asked.count() > 100 and not asked.exclude(conversation__medium="chat").exists()
    assert 0.3 < answered.count() / asked.count() < 0.5
    assert answered.exclude(comment="").exists()
    assert not answered.filter(answered_at__gt=moment).exists()
    assert set(answered.values_list("score", flat=True)) == {1, 2, 3, 4, 5}


@pytest.mark.django_db
def test_every_demo_agent_has_a_schedule_and_one_works_overnight(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    agents = User.objects.filter(organization__slug="demo", username__startswith="agent")
    assigned = AgentSchedule.objects.filter(agent__in=agents).select_related("schedule")
    assert {a.agent_id for a in assigned} == set(agents.values_list("pk", flat=True))
    assert any(shift.crosses_midnight and shift.ends != shift.starts
               for a in assigned for shift in a.schedule.shifts.all())


@pytest.mark.django_db
def test_the_demo_has_one_status_rule_enabled(settings):
    settings.DEBUG = True
    with time_machine.travel(dt.datetime(2027, 3, 31, 10, 0, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())  # again: still one
    (rule,) = StatusRule.objects.all()
    assert (rule.name, rule.is_enabled, rule.trigger, rule.threshold, rule.action, rule.duration_minutes) == (
        "Descanso tras 20 chats", True, "conversations", 20, "pause", 10)
    assert rule.pause_reason.name == "Descanso" and [q.name for q in rule.queues.all()] == ["Ventas"]
