"""What each region of the supervision pages needs (shared by views and the consumer)."""

from contactcenter.models import Queue, User
from contactcenter.selectors import supervision as sel
from contactcenter.services import campaigns
from permissions import access


def visible_queues(user: User) -> list[Queue]:
    ids = access.supervised_queue_ids(user)
    return list(Queue.objects.filter(pk__in=ids).order_by("kind", "name"))


def figures_context(user: User, queues: list[Queue] | None = None) -> dict:
    queues = visible_queues(user) if queues is None else queues
    figures = sel.queue_figures(queues)
    return {
        "voice_figures": [f for f in figures if f.queue.kind == Queue.Kind.VOICE],
        "chat_figures": [f for f in figures if f.queue.kind == Queue.Kind.CHAT],
        "campaign_figures": [f for f in figures if f.queue.kind == Queue.Kind.CAMPAIGN],
        "campaign_progress": [(q, campaigns.campaign_progress(q)) for q in queues if q.kind == Queue.Kind.CAMPAIGN],
    }


def overview_context(user: User) -> dict:
    queues = visible_queues(user)
    return {
        **figures_context(user, queues),
        "agent_rows": sel.agent_rows(user.organization_id, [q.pk for q in queues]),
    }


def agent_row_context(user: User, agent_id: int) -> dict | None:
    queue_ids = access.supervised_queue_ids(user)
    rows = sel.agent_rows(user.organization_id, queue_ids, agent_ids=[agent_id])
    return {"row": rows[0]} if rows else None
