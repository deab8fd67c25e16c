"""Celery tasks: thin, take ids, safe to run twice or late. Each calls one service (or the
outbound adapter); the services enqueue them by name (services/jobs.py), never by import."""

from datetime import datetime

from celery import shared_task

from contactcenter.connectors import outbound
from contactcenter.connectors.csat import outbound as csat_outbound
from contactcenter.services import (
    devices,
    jobs,
    notifications,
    offers,
    rollups,
    rule_engine,
    shifts,
    supervision,
    wrapup,
)
from contactcenter.services import sweep as sweeps


@shared_task(name=jobs.WRAPUP_EXPIRE, ignore_result=True)
def wrapup_expire(agent_id: int, episode: int) -> bool:
    return wrapup.wrapup_expire(agent_id=agent_id, episode=episode)


@shared_task(name=jobs.OFFER_EXPIRE, ignore_result=True)
def offer_expire(offer_id: int) -> bool:
    return offers.offer_expire(offer_id=offer_id)


@shared_task(name="contactcenter.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    return sweeps.sweep()


@shared_task(name="contactcenter.tasks.devices_sweep", ignore_result=True)
def devices_sweep() -> int:
    """Devices whose heartbeat stopped (a closed laptop, a killed server) become inactive."""
    return devices.devices_sweep()


@shared_task(name=jobs.DELIVER_MESSAGE, bind=True, ignore_result=True, max_retries=8)
def deliver_message(self, message_id: int) -> str:
    """Send a customer-visible message through its channel's provider (api webhook, WhatsApp);
    retried with backoff while the provider is unreachable, then marked failed."""
    try:
        return outbound.deliver(message_id)
    except outbound.RetryLater as error:
        if self.request.retries >= self.max_retries:
            return outbound.give_up(message_id, str(error))
        raise self.retry(countdown=outbound.backoff(self.request.retries)) from error


@shared_task(name=jobs.CSAT_REQUEST, bind=True, ignore_result=True, max_retries=8)
def csat_request(self, rating_id: int) -> bool:
    """Ask the customer for their rating through the channel's provider (WhatsApp, api webhook);
    retried with backoff while the provider is unreachable. Nothing once answered or expired."""
    try:
        return csat_outbound.request(rating_id)
    except outbound.RetryLater:
        if self.request.retries >= self.max_retries:
            return False
        raise self.retry(countdown=outbound.backoff(self.request.retries)) from None


@shared_task(name="contactcenter.tasks.supervision_alerts", ignore_result=True)
def supervision_alerts() -> int:
    """Toasts for supervisors: pauses over their maximum, customers waiting over the target."""
    return supervision.alerts_check()


@shared_task(name="contactcenter.tasks.deliveries_sweep", ignore_result=True)
def deliveries_sweep() -> int:
    """Messages whose delivery task was lost are marked failed instead of pending forever."""
    return outbound.fail_stale()


@shared_task(name=jobs.ROLLUPS_FILL, ignore_result=True)
def rollups_fill() -> int:
    """The reports' rollups catch up with the hours that closed since the last run."""
    return rollups.rollups_fill()


@shared_task(name=jobs.ROLLUPS_REFILL, ignore_result=True)
def rollups_refill(organization_id: int, hours: list[str]) -> int:
    """Late corrections: re-fill these already filled hours (ISO datetimes, UTC)."""
    return rollups.rollups_refill_hours(organization_id=organization_id,
                                        hours=[datetime.fromisoformat(hour) for hour in hours])


@shared_task(name=jobs.SHIFTS_DUE, ignore_result=True)
def shifts_due() -> int:
    """Shift starts, ends and breaks due by now (each agent's stored next change)."""
    return shifts.shifts_due()


@shared_task(name=jobs.SHIFTS_SWEEP, ignore_result=True)
def shifts_sweep() -> int:
    """Every scheduled agent recomputed from their schedule: what a lost run missed."""
    return shifts.shifts_sweep()


@shared_task(name=jobs.RULES_CHECK, ignore_result=True)
def rules_check() -> int:
    """Status rules: lasting changes whose time is up return; every enabled rule fires for the new
    occurrences of its trigger (once each)."""
    return rule_engine.rules_check()


@shared_task(name=jobs.RULES_CHECK_AGENT, ignore_result=True)
def rules_check_agent(agent_id: int) -> int:
    """One agent's status rules, right after an event about them (an offer rang out)."""
    return rule_engine.rules_check_agent(agent_id=agent_id)


@shared_task(name=jobs.RULE_NOTIFY, ignore_result=True)
def rule_notify(firing_id: int) -> int:
    """The e-mail of a status rule that notifies the supervisors."""
    return notifications.rule_notify_send(firing_id=firing_id)


@shared_task(name=jobs.NOTIFICATIONS_DIGEST, ignore_result=True)
def notifications_digest() -> int:
    """The e-mail digest of status changes, one mail per supervisor who asked for it."""
    return notifications.notifications_digest()
