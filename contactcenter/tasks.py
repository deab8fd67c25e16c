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
