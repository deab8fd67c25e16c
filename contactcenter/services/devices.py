"""Devices: each open workspace socket, with a heartbeat."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from contactcenter import events
from contactcenter.models import Device, User

SEEN_WRITE_SECONDS = 15  # heartbeats closer than this do not write


def device_connect(*, user: User, channel_name: str, user_agent: str = "", session_key: str = "") -> Device:
    now = timezone.now()
    device = Device.objects.create(
        organization_id=user.organization_id, user=user, channel_name=channel_name[:200],
        user_agent=user_agent[:300], session_key=session_key[:64], connected_at=now, last_seen_at=now,
    )
    events.publish(events.DEVICE_CHANGED, organization_id=user.organization_id, agent_ids=[user.pk])
    return device


def device_seen(*, device: Device) -> None:
    now = timezone.now()
    if (now - device.last_seen_at).total_seconds() >= SEEN_WRITE_SECONDS:
        was_active = device.is_active(now - timedelta(seconds=SEEN_WRITE_SECONDS))
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
        if not was_active:
            events.publish(events.DEVICE_CHANGED, organization_id=device.organization_id, agent_ids=[device.user_id])


def device_disconnect(*, device: Device) -> None:
    Device.objects.filter(pk=device.pk, disconnected_at__isnull=True).update(disconnected_at=timezone.now())
    events.publish(events.DEVICE_CHANGED, organization_id=device.organization_id, agent_ids=[device.user_id])


def devices_sweep(now=None) -> int:
    """Silent devices (no heartbeat, e.g. a killed server process) are marked disconnected."""
    now = now or timezone.now()
    stale = Device.objects.filter(
        disconnected_at__isnull=True, last_seen_at__lt=now - timedelta(seconds=Device.ACTIVE_SECONDS * 3)
    )
    rows = list(stale.values_list("organization_id", "user_id"))
    count = stale.update(disconnected_at=now)
    for organization_id, user_id in set(rows):
        events.publish(events.DEVICE_CHANGED, organization_id=organization_id, agent_ids=[user_id])
    return count


def devices_for(user_ids) -> dict[int, list[Device]]:
    """Recent devices per user (open ones and those closed in the last hour)."""
    now = timezone.now()
    result: dict[int, list[Device]] = {}
    for device in Device.objects.filter(user_id__in=list(user_ids)).filter(
        models_q_recent(now)
    ).order_by("-last_seen_at"):
        result.setdefault(device.user_id, []).append(device)
    return result


def models_q_recent(now):
    return Q(disconnected_at__isnull=True) | Q(disconnected_at__gte=now - timedelta(hours=1))
