"""Devices: each open workspace is one; silent ones become inactive."""

from datetime import timedelta

from django.utils import timezone

from contactcenter import tasks
from contactcenter.models import Device
from contactcenter.services import devices


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
