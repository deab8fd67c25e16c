"""Toasts over /ws/supervision/: an agent of the supervisor's queues changes status (as the
supervisor's notification preference says: all, pauses only, ... none; quiet by default); a pause
runs past its reason's maximum; a customer waits longer than the queue's target. The periodic
check publishes each once."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from contactcenter import celery as celery_app
from contactcenter import tasks
from contactcenter.models import StatusInterval, SupervisionAlert
from contactcenter.services import agents, conversations, notifications
from contactcenter.services import supervision as services
from tests import factories as f
from tests.supervision.test_consumers import connect, drain

ALERT = services.ALERT


def alerts(captured, kind):
    return [e for e in captured if e.type == ALERT and e.data["kind"] == kind]


# --- The periodic check ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pause_over_its_maximum_is_alerted_once(personas, training, captured_events, desk):
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=training)
    StatusInterval.objects.filter(agent=personas.agent, ended_at=None).update(
        started_at=timezone.now() - timedelta(minutes=31))
    with desk.commit():
        assert services.alerts_check() == 1
        assert services.alerts_check() == 0
    (event,) = alerts(captured_events, "pause_over")
    assert event.data["agent_ids"] == [personas.agent.pk] and personas.queue.pk in event.data["queue_ids"]
    assert event.data["status"] == "Capacitación" and event.data["minutes"] == 30


@pytest.mark.django_db
def test_a_pause_within_its_maximum_is_not_alerted(personas, training, captured_events):
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=training)
    assert services.alerts_check() == 0
    assert alerts(captured_events, "pause_over") == []


@pytest.mark.django_db
def test_a_pause_without_a_maximum_is_never_alerted(personas, captured_events):
    lunch = f.PauseReasonFactory(organization=personas.organization, name="Comida", max_minutes=None)
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=lunch)
    StatusInterval.objects.filter(agent=personas.agent, ended_at=None).update(
        started_at=timezone.now() - timedelta(hours=5))
    assert services.alerts_check() == 0


@pytest.mark.django_db
def test_a_new_pause_after_an_alerted_one_is_alerted_again(personas, training):
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=training)
    StatusInterval.objects.filter(agent=personas.agent, ended_at=None).update(
        started_at=timezone.now() - timedelta(minutes=31))
    assert services.alerts_check() == 1
    agents.agent_resume(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=training)
    StatusInterval.objects.filter(agent=personas.agent, ended_at=None).update(
        started_at=timezone.now() - timedelta(minutes=40))
    assert services.alerts_check() == 1


@pytest.mark.django_db
def test_a_customer_waiting_over_the_target_is_alerted_once(personas, captured_events, desk):
    personas.queue.service_level_seconds = 30
    personas.queue.save()
    waiting = f.ConversationFactory(queue=personas.queue, enqueued_at=timezone.now() - timedelta(seconds=31))
    f.ConversationFactory(queue=personas.queue, enqueued_at=timezone.now() - timedelta(seconds=5))
    with desk.commit():
        assert services.alerts_check() == 1
        assert services.alerts_check() == 0
    (event,) = alerts(captured_events, "wait_over")
    assert event.data["conversation_ids"] == [waiting.pk] and event.data["queue_ids"] == [personas.queue.pk]
    assert SupervisionAlert.objects.get().subject_id == waiting.pk


@pytest.mark.django_db
def test_a_served_customer_is_not_alerted(personas, desk):
    desk.ready(personas.agent, personas.queue)
    desk.chat_for(personas.agent, personas.queue)
    from contactcenter.models import Conversation

    Conversation.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))
    assert services.alerts_check() == 0


@pytest.mark.django_db
def test_the_periodic_task_runs_the_check(personas, training):
    f.ConversationFactory(queue=personas.queue, enqueued_at=timezone.now() - timedelta(minutes=2))
    assert tasks.supervision_alerts() == 1


@pytest.mark.django_db
def test_the_check_is_on_the_beat_schedule():
    app = celery_app.app
    app.loader.import_default_modules()
    app.finalize()
    names = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "contactcenter.tasks.supervision_alerts" in names


# --- The toasts ------------------------------------------------------------------------------------

live = pytest.mark.django_db(transaction=True)


async def set_alerts(user, value):
    await sync_to_async(notifications.notification_preference_save)(
        user=user, status_changes=value, missed_shifts=True, panel=True, browser=False, email_digest=False)


@live
async def test_by_default_a_status_change_is_no_toast(personas):
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    assert 'data-testid="toast"' not in await drain(comm)
    await comm.disconnect()


@live
async def test_a_status_change_of_an_agent_of_their_queue_is_a_toast(personas):
    await set_alerts(personas.supervisor, "all")
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    html = await drain(comm)
    assert 'data-testid="toast"' in html and "Ana López: Online" in html
    await comm.disconnect()


@live
async def test_with_pauses_only_a_supervisor_gets_pauses_and_not_other_changes(personas, training):
    await set_alerts(personas.supervisor, "pauses")
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    assert 'data-testid="toast"' not in await drain(comm)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=training)
    assert "Ana López: Capacitación" in await drain(comm)
    await comm.disconnect()


@live
async def test_with_none_a_supervisor_gets_no_status_toasts(personas, training):
    await set_alerts(personas.supervisor, "none")
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=training)
    assert 'data-testid="toast"' not in await drain(comm)
    await comm.disconnect()


@live
async def test_no_toast_for_an_agent_of_a_queue_they_do_not_supervise(personas, pablo):
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=pablo)
    assert 'data-testid="toast"' not in await drain(comm)
    await comm.disconnect()


@live
async def test_a_long_pause_is_a_toast(personas, training):
    comm, connected = await connect(personas.supervisor)
    assert connected
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    await sync_to_async(agents.agent_pause)(agent=personas.agent, reason=training)
    await drain(comm)
    await sync_to_async(StatusInterval.objects.filter(agent=personas.agent, ended_at=None).update)(
        started_at=timezone.now() - timedelta(minutes=31))
    await sync_to_async(services.alerts_check)()
    html = await drain(comm)
    assert "toast-pause_over" in html and "Ana López has been on Capacitación for more than 30 minutes." in html
    await comm.disconnect()


@live
async def test_a_long_wait_is_a_toast_for_the_queues_supervisor_only(personas, pablo):
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    contact = await sync_to_async(f.ContactFactory)(organization=personas.organization)
    await sync_to_async(conversations.conversation_open)(queue=pablo.home, contact=contact,
                                                         now=timezone.now() - timedelta(minutes=3))
    await sync_to_async(conversations.conversation_open)(queue=personas.queue, contact=contact,
                                                         now=timezone.now() - timedelta(minutes=2))
    await drain(comm)
    await sync_to_async(services.alerts_check)()
    html = await drain(comm)
    assert html.count("toast-wait_over") == 1 and "waiting in Ventas" in html
    await comm.disconnect()


@live
async def test_an_event_heard_through_two_groups_is_one_toast(personas):
    await set_alerts(personas.supervisor, "all")
    # Sofía also works Ventas as an agent: her own status change reaches her socket through
    # the organization's group and her own user's group.
    await sync_to_async(f.QueueMembershipFactory)(queue=personas.queue, user=personas.supervisor)
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.supervisor)
    html = await drain(comm)
    assert html.count('data-testid="toast"') == 1
    await comm.disconnect()


@live
async def test_a_toast_carries_its_events_id(personas):
    await set_alerts(personas.supervisor, "all")
    comm, connected = await connect(personas.supervisor)
    assert connected
    await drain(comm)
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    html = await drain(comm)
    assert 'data-testid="toast" data-event="' in html
    await comm.disconnect()
