"""A supervisor's notification preferences (/supervision/notifications/): which status changes of
which agents notify them, and how; quiet by default (pauses over their maximum and missed
shifts). The live toasts and the e-mail digest both follow them."""

import datetime
import re
from datetime import time, timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contactcenter import tasks
from contactcenter.models import NotificationPreference, StatusInterval, SupervisionAlert
from contactcenter.selectors import notifications as sel
from contactcenter.services import agents, notifications, rule_engine, shifts
from contactcenter.services import supervision as supervision_services
from tests import factories as f
from tests.supervision.conftest import client_for, html
from tests.supervision.test_consumers import connect, drain

PAGE = reverse("supervision:notifications")
NOW = datetime.datetime(2027, 3, 3, 10, 0, tzinfo=datetime.UTC)  # a Wednesday

@pytest.fixture(autouse=True)
def _fixtures_made_before_now():
    """The fixtures' rows are made three months before NOW whatever today's date is (the suite
    also runs under a moved clock, which could put today after NOW)."""
    with time_machine.travel(NOW - timedelta(days=90), tick=True):
        yield



def prefer(user, status_changes="long_pauses", agents=(), **others):
    values = {"missed_shifts": True, "panel": True, "browser": False, "email_digest": False} | others
    return notifications.notification_preference_save(user=user, status_changes=status_changes, agents=agents,
                                                      **values)


def spanish(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.force_login(user)
    return client


# --- The page -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_is_reached_from_the_panel_and_starts_quiet(personas):
    overview = html(spanish(personas.supervisor).get(reverse("supervision:overview")))
    assert f'href="{PAGE}"' in overview
    body = html(spanish(personas.supervisor).get(PAGE))
    assert "Solo pausas por encima de su máximo" in body
    assert re.search(r'<input type="radio" name="status_changes" value="long_pauses"[^>]* checked', body)
    preference = sel.preference_of(personas.supervisor)
    assert (preference.status_changes, preference.missed_shifts, preference.panel, preference.browser,
            preference.email_digest) == ("long_pauses", True, True, False, False)


@pytest.mark.django_db
def test_a_supervisor_saves_their_preferences(personas):
    response = client_for(personas.supervisor).post(PAGE, {
        "status_changes": "automatic", "agents": [str(personas.agent.pk)], "panel": "on", "browser": "on",
        "email_digest": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=personas.supervisor)
    assert (preference.status_changes, preference.missed_shifts, preference.browser, preference.email_digest) == (
        "automatic", False, True, True)
    assert list(preference.agents.all()) == [personas.agent]
    assert preference.digest_sent_until is not None


@pytest.mark.django_db
def test_a_bad_choice_or_an_agent_they_do_not_supervise_changes_nothing(personas, pablo):
    sofia = spanish(personas.supervisor)
    bad = sofia.post(PAGE, {"status_changes": "<script>", "panel": "on"})
    assert bad.status_code == 422 and "Elige una opción válida" in html(bad)
    other = sofia.post(PAGE, {"status_changes": "all", "agents": [str(pablo.pk)]})
    assert other.status_code == 422 and "Elige una opción válida" in html(other)
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_agents_have_no_notification_preferences(personas):
    assert client_for(personas.agent).get(PAGE).status_code == 403


@pytest.mark.parametrize(("choice", "pause", "source", "rule", "wanted"), [
    ("all", False, "agent", "", True),
    ("pauses", True, "agent", "", True),
    ("pauses", False, "supervisor", "", False),
    ("long_pauses", True, "agent", "", False),
    ("automatic", False, "schedule", "", True),
    ("automatic", True, "system", "Respiro", True),
    ("automatic", True, "agent", "", False),
    ("none", True, "system", "Respiro", False),
])
def test_which_status_changes_notify(choice, pause, source, rule, wanted):
    assert sel.wants_status_change(choice, is_pause=pause, source=source, rule=rule) is wanted


# --- Live toasts ---------------------------------------------------------------------------------

live = pytest.mark.django_db(transaction=True)


@live
async def test_a_supervisor_who_chose_some_agents_hears_only_of_them(personas):
    p = personas
    await sync_to_async(prefer)(p.supervisor, "all", agents=[p.colleague])
    comm, connected = await connect(p.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=p.agent)
    assert 'data-testid="toast"' not in await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=p.colleague)
    assert "Luis Pérez: Online" in await drain(comm)
    await comm.disconnect()


@live
async def test_without_the_panel_toast_nothing_is_sent_to_the_page(personas):
    await sync_to_async(prefer)(personas.supervisor, "all", panel=False)
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    assert 'data-testid="toast"' not in await drain(comm)
    await comm.disconnect()


@live
async def test_a_long_pause_is_no_toast_for_who_asked_for_rule_changes_only(personas, training):
    p = personas
    await sync_to_async(prefer)(p.supervisor, "automatic")
    await sync_to_async(agents.agent_sign_in)(agent=p.agent)
    await sync_to_async(agents.agent_pause)(agent=p.agent, reason=training)
    comm, connected = await connect(p.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(StatusInterval.objects.filter(agent=p.agent, ended_at=None).update)(
        started_at=timezone.now() - timedelta(minutes=31))
    await sync_to_async(supervision_services.alerts_check)()
    assert "toast-pause_over" not in await drain(comm)
    await comm.disconnect()


@live
async def test_the_page_tells_the_script_how_to_notify(personas):
    await sync_to_async(prefer)(personas.supervisor, "all", panel=False, browser=True)
    body = await sync_to_async(lambda: html(client_for(personas.supervisor).get(reverse("supervision:overview"))))()
    assert 'id="toasts"' in body and 'data-panel="0" data-browser="1"' in body


# --- Missed shifts ---------------------------------------------------------------------------------


@pytest.fixture
def morning_shift(personas):
    """Ana works Wednesdays 09:40–15:00 (the organization's zone is UTC here)."""
    personas.organization.time_zone = "UTC"
    personas.organization.save()
    schedule = f.ScheduleFactory(organization=personas.organization)
    f.ScheduleShiftFactory(schedule=schedule, weekday=2, starts=time(9, 40), ends=time(15))
    f.AgentScheduleFactory(agent=personas.agent, schedule=schedule)
    return schedule


@pytest.mark.django_db
def test_an_agent_offline_ten_minutes_into_their_shift_missed_it_once(personas, morning_shift, captured_events,
                                                                     django_capture_on_commit_callbacks):
    with time_machine.travel(NOW - timedelta(minutes=11), tick=False):
        shifts.shifts_sweep()
        assert supervision_services.alerts_check() == 0  # 9:49: the shift started 9 minutes ago
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert supervision_services.alerts_check() == 1
        assert supervision_services.alerts_check() == 0
    (alert,) = [e for e in captured_events if e.type == supervision_services.ALERT]
    assert alert.data["kind"] == "missed_shift" and alert.data["agent_ids"] == [personas.agent.pk]
    assert SupervisionAlert.objects.get().kind == "missed_shift"


@live
async def test_a_missed_shift_is_a_toast_by_default(personas, morning_shift):
    with time_machine.travel(NOW, tick=False):  # the socket too: the channel layer reads the clock
        comm, connected = await connect(personas.supervisor)
        assert connected
        await drain(comm)
        await sync_to_async(shifts.shifts_sweep)()
        await sync_to_async(supervision_services.alerts_check)()
        body = await drain(comm)
        await comm.disconnect()
    assert "toast-missed_shift" in body and "Ana López has not logged in for their shift." in body


# --- The e-mail digest -----------------------------------------------------------------------------


@pytest.fixture
def mail_in_spanish(settings, personas):
    """Mails speak the UI's language (Spanish); the organization's clock is UTC here."""
    settings.LANGUAGE_CODE = "es"
    personas.organization.time_zone = "UTC"
    personas.organization.save()


@pytest.mark.django_db
def test_the_digest_mails_each_supervisor_the_changes_since_the_last_one(personas, training, mail_in_spanish):
    p = personas
    descanso = f.PauseReasonFactory(organization=p.organization, name="Descanso", code="descanso")
    f.StatusRuleFactory(organization=p.organization, name="Respiro", trigger="no_pause", threshold=1,
                        action="pause", pause_reason=descanso, queues=[p.queue])
    with time_machine.travel(NOW, tick=False) as clock:
        prefer(p.supervisor, "pauses", email_digest=True)
        clock.shift(60)
        agents.agent_sign_in(agent=p.agent)  # not a pause: not in this digest
        agents.agent_pause(agent=p.agent, reason=training)
        clock.shift(timedelta(hours=1, seconds=1))
        agents.agent_resume(agent=p.agent)
        clock.shift(timedelta(hours=1, seconds=1))
        rule_engine.rules_check()  # an hour without a pause: Respiro pauses her
        clock.shift(60)
        assert tasks.notifications_digest() == 1
        assert tasks.notifications_digest() == 0  # nothing new since
    (message,) = mail.outbox
    assert message.to == [p.supervisor.email] and message.subject == "Estado de tus agentes: 2 cambios"
    assert "03/03 10:01  Ana López: En línea → Capacitación" in message.body
    assert "03/03 12:01  Ana López: En línea → Descanso (Sistema: Respiro)" in message.body
    assert "Fuera de línea" not in message.body


@pytest.mark.django_db
def test_the_digest_of_a_quiet_supervisor_lists_long_pauses_only(personas, training, mail_in_spanish):
    p = personas
    with time_machine.travel(NOW, tick=False) as clock:
        prefer(p.supervisor, "long_pauses", email_digest=True)
        agents.agent_sign_in(agent=p.agent)
        agents.agent_pause(agent=p.agent, reason=training)
        clock.shift(timedelta(minutes=31))
        supervision_services.alerts_check()
        clock.shift(60)
        notifications.notifications_digest()
    (message,) = mail.outbox
    assert "Ana López: Pausa por encima de su máximo: Capacitación (30 min)" in message.body
    assert "En línea" not in message.body


@pytest.mark.django_db
def test_no_digest_for_who_did_not_ask_for_it(personas, training):
    prefer(personas.supervisor, "all")
    agents.agent_sign_in(agent=personas.agent)
    assert notifications.notifications_digest() == 0 and mail.outbox == []
