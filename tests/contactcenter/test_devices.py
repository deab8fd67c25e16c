"""Devices: each open workspace is one; silent ones become inactive."""

from datetime import timedelta

from django.utils import timezone

from contactcenter import tasks
from contactcenter.models import Device, StatusInterval
from contactcenter.services import devices, sweep
from tests import factories as f


def test_a_device_is_active_while_its_heartbeat_beats(personas):
    device = devices.device_connect(user=personas.agent, channel_name="c1", user_agent="Mozilla/5.0 Chrome/156")
    assert device.is_active(timezone.now())
    assert device.browser == "Chrome"


def test_a_silent_device_becomes_inactive_and_the_sweep_disconnects_it(personas):
    device = devices.device_connect(user=personas.agent, channel_name="c2")
    Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now() - timedelta(minutes=5))
    device.refresh_from_db()
    assert not device.is_active(timezone.now())
    assert tasks.devices_sweep() == 1
    device.refresh_from_db()
    assert device.disconnected_at is not None
    assert tasks.devices_sweep() == 0


def test_a_heartbeat_refreshes_last_seen_at_most_every_15_seconds(personas):
    device = devices.device_connect(user=personas.agent, channel_name="c3")
    first = device.last_seen_at
    devices.device_seen(device=device)
    assert Device.objects.get(pk=device.pk).last_seen_at == first
    Device.objects.filter(pk=device.pk).update(last_seen_at=first - timedelta(seconds=30))
    device.last_seen_at = first - timedelta(seconds=30)
    devices.device_seen(device=device)
    assert Device.objects.get(pk=device.pk).last_seen_at > first - timedelta(seconds=30)


# --- Calls ring only at an open workspace; an empty desk stops receiving ------------------------------


def test_a_call_is_not_offered_to_a_ready_agent_with_no_workspace_open(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)  # Ana's workspace is open
    engine.make_ready(p.colleague, voice_queue)
    for device in Device.objects.filter(user=p.agent):
        devices.device_disconnect(device=device)  # Ana closed the browser
    call = engine.arrive(voice_queue)
    assert call.offers.get().agent == p.colleague


def test_with_nobody_at_a_workspace_the_call_waits(personas, engine, voice_queue):
    p = personas
    engine.make_ready(p.agent, voice_queue)
    for device in Device.objects.filter(user=p.agent):
        devices.device_disconnect(device=device)
    call = engine.arrive(voice_queue)
    assert (call.status, call.offers.count()) == ("queued", 0)


def test_a_ready_agent_whose_last_workspace_closed_stops_receiving_after_the_grace_period(personas, engine,
                                                                                        settings):
    p = personas
    engine.make_ready(p.agent, p.queue)
    for device in Device.objects.filter(user=p.agent):
        devices.device_disconnect(device=device)
    with engine.commit():
        sweep.sweep()
    assert engine.status(p.agent) == "ready"  # within the grace period: a reload, a flaky network
    later = timezone.now() + timedelta(seconds=settings.DEVICE_GRACE_SECONDS + 1)
    with engine.commit():
        assert sweep.sweep(now=later)["away"] == 1
    state = engine.state(p.agent)
    assert (state.status.code, state.receive_new) == ("online", False)
    interval = StatusInterval.objects.filter(agent=p.agent).latest("started_at")
    assert (interval.source, interval.reason) == ("system", "no workspace open")
    with engine.commit():
        assert sweep.sweep(now=later)["away"] == 0  # a repeated sweep changes nothing


def test_an_agent_with_another_workspace_open_keeps_receiving(personas, engine, settings):
    p = personas
    engine.make_ready(p.agent, p.queue)
    f.open_workspace(p.agent)
    devices.device_disconnect(device=Device.objects.filter(user=p.agent).first())
    later = timezone.now() + timedelta(seconds=settings.DEVICE_GRACE_SECONDS + 1)
    with engine.commit():
        sweep.sweep(now=later)
    assert engine.status(p.agent) == "ready"
