"""Celery tasks: thin, take ids, safe to run twice or late."""

from celery import shared_task
from django.db import transaction


@shared_task(name="contactcenter.tasks.wrapup_expire", ignore_result=True)
def wrapup_expire(agent_id: int, episode: int) -> bool:
    from contactcenter.services.conversations import wrapup_expire as expire

    return expire(agent_id=agent_id, episode=episode)


@shared_task(name="contactcenter.tasks.offer_expire", ignore_result=True)
def offer_expire(offer_id: int) -> bool:
    from contactcenter.services.routing import offer_expire as expire

    return expire(offer_id=offer_id)


@shared_task(name="contactcenter.tasks.route_queue", ignore_result=True)
def route_queue(queue_id: int) -> int:
    from contactcenter.services.routing import route_queue as route

    return route(queue_id)


@shared_task(name="contactcenter.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    from contactcenter.services.routing import sweep as run_sweep

    return run_sweep()


def schedule_wrapup_expiry(agent_id: int, episode: int, deadline) -> None:
    transaction.on_commit(
        lambda: wrapup_expire.apply_async(args=[agent_id, episode], eta=deadline), robust=True
    )


def schedule_offer_expiry(offer) -> None:
    offer_id, eta = offer.pk, offer.expires_at
    transaction.on_commit(lambda: offer_expire.apply_async(args=[offer_id], eta=eta), robust=True)


@shared_task(name="contactcenter.tasks.devices_sweep", ignore_result=True)
def devices_sweep() -> int:
    """Devices whose heartbeat stopped (a closed laptop, a killed server) become inactive."""
    from contactcenter.services.devices import devices_sweep as run

    return run()


@shared_task(name="contactcenter.tasks.deliver_message", bind=True, ignore_result=True, max_retries=8)
def deliver_message(self, message_id: int) -> str:
    """Send a customer-visible message through its channel's provider (api webhook, WhatsApp);
    retried with backoff while the provider is unreachable, then marked failed."""
    from contactcenter.connectors import outbound

    try:
        return outbound.deliver(message_id)
    except outbound.RetryLater as error:
        if self.request.retries >= self.max_retries:
            return outbound.give_up(message_id, str(error))
        raise self.retry(countdown=outbound.backoff(self.request.retries)) from error


@shared_task(name="contactcenter.tasks.supervision_alerts", ignore_result=True)
def supervision_alerts() -> int:
    """Toasts for supervisors: pauses over their maximum, customers waiting over the target."""
    from contactcenter.services.supervision import alerts_check

    return alerts_check()


@shared_task(name="contactcenter.tasks.deliveries_sweep", ignore_result=True)
def deliveries_sweep() -> int:
    """Messages whose delivery task was lost are marked failed instead of pending forever."""
    from contactcenter.connectors import outbound

    return outbound.fail_stale()
