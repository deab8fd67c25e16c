"""The periodic safety net (Celery beat, every ROUTING_SWEEP_SECONDS): whatever an
event-driven path missed (a lost task, a crashed worker) is caught up here."""

from django.conf import settings
from django.utils import timezone

from contactcenter.models import AgentState, Conversation, Offer, SystemStatus
from contactcenter.services import agents, offers, routing, wrapup

S = SystemStatus
C = Conversation.Status


def sweep(now=None) -> dict:
    """Periodic safety net: overdue wrap-ups and offers end, Ready agents with no workspace open
    stop receiving, and every queue with waiting work is routed. Each step is idempotent."""
    now = now or timezone.now()
    ended_wrapups = 0
    for agent_id, episode in AgentState.objects.filter(
        status__code=S.AFTER_SERVICE, wrapup_deadline__lte=now
    ).values_list("agent_id", "wrapup_episode"):
        ended_wrapups += wrapup.wrapup_expire(agent_id=agent_id, episode=episode, now=now)
    expired_offers = 0
    for offer_id in Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now).values_list("pk", flat=True):
        expired_offers += offers.offer_expire(offer_id=offer_id, now=now)
    away = 0
    for agent_id in agents.agents_away_from_desk(now):
        away += agents.agent_left_desk(agent_id=agent_id, now=now)
    routed = 0
    # order_by(): without it the model's ordering joins the DISTINCT (one run per conversation).
    waiting_queues = Conversation.objects.filter(status=C.QUEUED).order_by().values_list("queue_id", flat=True)
    for queue_id in waiting_queues.distinct():
        routed += routing.route_queue(queue_id)
    return {"wrapups": ended_wrapups, "offers": expired_offers, "away": away, "routed": routed}


def sweep_interval() -> int:
    return settings.ROUTING_SWEEP_SECONDS
