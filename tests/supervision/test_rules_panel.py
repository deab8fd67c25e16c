"""What people see of the status rules: the supervisor's overview lists which rule changed whom
and when (live, from the rule.fired event) and toasts it as their preference says; the agent's
workspace says which rule put them where they are, and until when."""

import datetime
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import StatusRule
from contactcenter.services import agents, notifications, queues, rule_engine
from tests import factories as f
from tests.supervision.conftest import client_for, html
from tests.supervision.test_consumers import connect, drain

NOW = datetime.datetime(2027, 3, 3, 10, 0, tzinfo=datetime.UTC)

@pytest.fixture(autouse=True)
def _fixtures_made_before_now():
    """The fixtures' rows are made three months before NOW whatever today's date is (the suite
    also runs under a moved clock, which could put today after NOW)."""
    with time_machine.travel(NOW - timedelta(days=90), tick=True):
        yield

T, A = StatusRule.Trigger, StatusRule.Action


def long_day_rule(personas, **fields):
    """After an hour without a pause, a ten-minute "Descanso"."""
    descanso = f.PauseReasonFactory(organization=personas.organization, name="Descanso", code="descanso")
    values = {"name": "Respiro", "trigger": T.LOGGED_IN_WITHOUT_PAUSE, "threshold": 1, "action": A.PAUSE,
              "pause_reason": descanso, "duration_minutes": 10}
    return f.StatusRuleFactory(organization=personas.organization, queues=[personas.queue], **(values | fields))


def ready(agent, queue):
    f.open_workspace(agent)
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)


def prefer(user, status_changes, **others):
    values = {"missed_shifts": True, "panel": True, "browser": False, "email_digest": False} | others
    notifications.notification_preference_save(user=user, status_changes=status_changes, **values)


@pytest.mark.django_db
def test_the_overview_lists_the_rules_that_fired_for_the_supervisors_agents(personas):
    p = personas
    long_day_rule(p)
    with time_machine.travel(NOW, tick=False) as clock:
        ready(p.agent, p.queue)
        clock.shift(timedelta(hours=1, seconds=1))
        rule_engine.rules_check()
    body = html(client_for(p.supervisor).get(reverse("supervision:overview")))
    section = body[body.index('id="rules-fired"'):]
    assert "Rule “Respiro”: Ana López → Descanso" in section
    assert f'href="/supervision/agents/{p.agent.pk}/"' in section
    other = f.SupervisorFactory(organization=p.organization, username="sergio")
    f.QueueMembershipFactory(queue=p.other_queue, user=other, role="supervisor")
    assert "Respiro" not in html(client_for(other).get(reverse("supervision:overview")))


@pytest.mark.django_db
def test_the_agents_workspace_says_which_rule_paused_them_and_until_when(personas):
    p = personas
    long_day_rule(p)
    p.organization.time_zone = "UTC"
    p.organization.save()
    with time_machine.travel(NOW, tick=False) as clock:
        ready(p.agent, p.queue)
        clock.shift(timedelta(hours=1, seconds=1))
        rule_engine.rules_check()
        body = html(client_for(p.agent).get(reverse("workspace:index")))
    assert 'data-testid="status-cause"' in body
    assert "by the rule “Respiro” until 11:10" in body


@pytest.mark.django_db
def test_the_workspace_says_nothing_of_rules_when_the_agent_chose_their_status(personas):
    long_day_rule(personas)
    ready(personas.agent, personas.queue)
    assert 'data-testid="status-cause"' not in html(client_for(personas.agent).get(reverse("workspace:index")))


live = pytest.mark.django_db(transaction=True)


@live
async def test_a_rule_that_pauses_an_agent_is_a_toast_naming_the_rule_and_redraws_the_list(personas):
    p = personas
    await sync_to_async(long_day_rule)(p)
    await sync_to_async(prefer)(p.supervisor, "automatic")
    await sync_to_async(ready)(p.agent, p.queue)
    comm, connected = await connect(p.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(rule_engine.rules_check)(timezone.now() + timedelta(hours=1, seconds=1))
    body = await drain(comm)
    assert body.count('data-testid="toast"') == 1 and "toast-rule" in body
    assert "Rule “Respiro”: Ana López → Descanso" in body
    assert 'id="rules-fired"' in body
    await comm.disconnect()


@live
async def test_by_default_a_rules_change_is_listed_but_not_a_toast(personas):
    p = personas
    await sync_to_async(long_day_rule)(p)
    await sync_to_async(ready)(p.agent, p.queue)
    comm, connected = await connect(p.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(rule_engine.rules_check)(timezone.now() + timedelta(hours=1, seconds=1))
    body = await drain(comm)
    assert 'data-testid="toast"' not in body and "Rule “Respiro”: Ana López → Descanso" in body
    await comm.disconnect()


@live
async def test_a_rule_that_notifies_is_always_a_toast(personas):
    p = personas
    await sync_to_async(long_day_rule)(p, name="Aviso", action=A.NOTIFY, pause_reason=None, duration_minutes=None)
    await sync_to_async(prefer)(p.supervisor, "none")
    await sync_to_async(ready)(p.agent, p.queue)
    comm, connected = await connect(p.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(rule_engine.rules_check)(timezone.now() + timedelta(hours=1, seconds=1))
    body = await drain(comm)
    assert "Rule “Aviso”: Ana López → supervisors notified" in body and "toast-rule" in body
    await comm.disconnect()
