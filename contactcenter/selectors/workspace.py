"""Reads for the agent workspace. Each list is a fixed number of queries, whatever its length."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from contactcenter.models import (
    AgentState,
    CannedResponse,
    Conversation,
    Message,
    Offer,
    Queue,
    QueueLogin,
    SatisfactionRating,
    StatusDefinition,
    SystemStatus,
    Transfer,
    User,
)

PAGE_SIZE = 25
MESSAGES_PAGE = 20
PENDING_OFFERS_SHOWN = 3  # calls ringing at an agent that the desk lists
C = Conversation.Status


@dataclass
class PanelFigures:
    """indigitall's four figures, over the queues the agent is logged in to."""

    average_wait: timedelta | None
    longest_wait: timedelta | None
    waiting: int
    agents_online: int


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def panel_figures(queue_ids: list[int]) -> PanelFigures:
    if not queue_ids:
        return PanelFigures(None, None, 0, 0)
    # One pass over the queues' conversations served today or waiting now (both indexed), not two.
    served_today = Q(assigned_at__gte=start_of_today())
    waiting_now = Q(status__in=(C.QUEUED, C.OFFERED))
    wait = F("assigned_at") - F("enqueued_at")
    figures = Conversation.objects.filter(Q(queue_id__in=queue_ids) & (served_today | waiting_now)).aggregate(
        avg=Avg(wait, filter=served_today), longest=Max(wait, filter=served_today),
        waiting=Count("pk", filter=waiting_now))
    online = (
        QueueLogin.objects.filter(queue_id__in=queue_ids, ended_at__isnull=True)
        .exclude(agent__state__status__code__in=(SystemStatus.OFFLINE, SystemStatus.BANNED))
        .values("agent_id").distinct().count()
    )
    return PanelFigures(figures["avg"], figures["longest"], figures["waiting"], online)


def _list_queryset():
    return Conversation.objects.select_related("contact", "queue", "channel", "assignee")


def assigned_page(user: User, page: int = 1):
    """Asignado a mí: conversations assigned to the agent, calls ringing for them, and
    conversations a colleague asks them to take (consult transfers)."""
    # Subqueries, not lists: the page's count and rows carry them, with no round trip of their own.
    ringing = Offer.objects.filter(agent=user, status=Offer.Status.PENDING).values("conversation_id")
    asked = Transfer.objects.filter(to_agent=user, status=Transfer.Status.PENDING).values("conversation_id")
    qs = _list_queryset().filter(organization_id=user.organization_id).filter(
        Q(assignee=user, status=C.ASSIGNED) | Q(pk__in=ringing, status=C.OFFERED) | Q(pk__in=asked, status=C.ASSIGNED)
    ).order_by(F("last_message_at").desc(nulls_last=True), "-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def unassigned_page(user: User, *, queue_ids, sort: str = "newest", page: int = 1):
    """Sin asignar: waiting conversations of `queue_ids`, the queues the screen may show the user
    (permissions.access.unassigned_queue_ids)."""
    order = "-enqueued_at" if sort == "newest" else "enqueued_at"
    qs = _list_queryset().filter(
        organization_id=user.organization_id, queue_id__in=queue_ids, status__in=(C.QUEUED, C.OFFERED)
    ).order_by(order, "id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


@dataclass
class Colleague:
    user: User
    status: StatusDefinition
    load: int
    capacity: int

    @property
    def label(self) -> str:
        return f"{self.user.display_name} · {self.status.label} · {self.load}/{self.capacity}"


def colleagues_by_queue(queues, *, exclude: User | None = None) -> dict[int, list[Colleague]]:
    """Agents logged in to each queue, with status and load ("Luis · En servicio · 4/6")."""
    queues = {q.pk: q for q in queues}
    result: dict[int, list[Colleague]] = defaultdict(list)
    if not queues:
        return result
    logins = (
        QueueLogin.objects.filter(queue_id__in=queues, ended_at__isnull=True)
        .select_related("agent__state__status")
        .order_by("agent__first_name", "agent__username")
    )
    if exclude is not None:
        logins = logins.exclude(agent_id=exclude.pk)
    for login in logins:
        queue = queues[login.queue_id]
        state = login.agent.state
        load = state.chat_load if queue.medium == "chat" else state.voice_load
        result[queue.pk].append(Colleague(login.agent, state.status, load, queue.effective_capacity))
    return result


def transfer_targets(user: User, query: str = ""):
    """Users and queues an agent can transfer to, with colleagues' status and load."""
    users = (
        User.objects.filter(organization_id=user.organization_id, is_active=True)
        .exclude(pk=user.pk)
        .select_related("state__status")
        .order_by("first_name", "username")
    )
    waiting = (
        Conversation.objects.filter(queue=OuterRef("pk"), status=C.QUEUED)
        .order_by().values("queue").annotate(n=Count("pk")).values("n")
    )
    queues = Queue.objects.filter(organization_id=user.organization_id, is_active=True).annotate(
        waiting=Coalesce(Subquery(waiting), 0)
    )
    if query:
        users = users.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(username__icontains=query)
            | Q(extension__icontains=query)
        )
        queues = queues.filter(name__icontains=query)
    return list(users[:20]), list(queues[:20])


def messages_window(conversation: Conversation, *, before_id: int | None = None, day=None,
                    include_internal: bool = True):
    """The 20 messages before a point (newest at the bottom), and whether older ones exist."""
    qs = conversation.messages.select_related("sender").prefetch_related("attachments")
    if not include_internal:
        qs = qs.exclude(direction=Message.Direction.INTERNAL)
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        window = list(qs.filter(created_at__gte=start).order_by("created_at", "id")[:MESSAGES_PAGE])
        older = qs.filter(created_at__lt=start).exists()
        return window, older
    if before_id is not None:
        pivot = qs.filter(pk=before_id).values("created_at").first()
        if pivot:
            qs = qs.filter(Q(created_at__lt=pivot["created_at"]) | Q(created_at=pivot["created_at"], pk__lt=before_id))
    newest_first = list(qs.order_by("-created_at", "-id")[: MESSAGES_PAGE + 1])
    older = len(newest_first) > MESSAGES_PAGE
    return list(reversed(newest_first[:MESSAGES_PAGE])), older


def contact_history(conversation: Conversation, limit: int = 10):
    return list(
        Conversation.objects.filter(contact_id=conversation.contact_id)
        .exclude(pk=conversation.pk)
        .select_related("queue", "assignee", "satisfaction_rating")
        .order_by("-enqueued_at")[:limit]
    )


def conversation_rating(conversation: Conversation) -> SatisfactionRating | None:
    """The customer's answer to the conversation's satisfaction survey, once they gave one."""
    return SatisfactionRating.objects.filter(conversation=conversation, answered_at__isnull=False).first()


def canned_responses(user: User):
    return list(
        CannedResponse.objects.filter(organization_id=user.organization_id)
        .filter(Q(owner__isnull=True) | Q(owner=user))
        .order_by("shortcut")
    )


def pause_reasons(user: User):
    return list(
        StatusDefinition.objects.filter(
            organization_id=user.organization_id, kind=StatusDefinition.Kind.PAUSE, is_active=True
        ).exclude(code="no_answer")
    )


def agent_state(user: User) -> AgentState | None:
    return AgentState.objects.select_related("status").filter(agent=user).first()


def pending_offers(user: User, limit: int = PENDING_OFFERS_SHOWN) -> list[Offer]:
    """Calls ringing at the agent now, oldest first: the desk shows them wherever the agent is."""
    return list(Offer.objects.filter(agent=user, status=Offer.Status.PENDING)
                .select_related("conversation__contact", "conversation__queue").order_by("created_at", "id")[:limit])


def pending_offer(user: User, conversation: Conversation, ringing: list[Offer] | None = None) -> Offer | None:
    """`ringing`: pending_offers(user) when the caller has it; below its limit it holds every
    offer ringing at the agent, so the answer needs no query."""
    if ringing is not None and len(ringing) < PENDING_OFFERS_SHOWN:
        return next((offer for offer in ringing if offer.conversation_id == conversation.pk), None)
    return Offer.objects.filter(conversation=conversation, agent=user, status=Offer.Status.PENDING).first()


def pending_transfers(user: User, conversation: Conversation) -> tuple[Transfer | None, Transfer | None]:
    """The consult transfers of the conversation waiting now: one asked of the user (incoming)
    and one the user asked of a colleague (outgoing), in one query."""
    incoming = outgoing = None
    for transfer in (
        Transfer.objects.filter(conversation=conversation, status=Transfer.Status.PENDING)
        .filter(Q(to_agent=user) | Q(from_agent=user))
        .select_related("from_agent", "to_agent")  # newest first (the model's order), as .first() was
    ):
        if transfer.to_agent_id == user.pk and incoming is None:
            incoming = transfer
        if transfer.from_agent_id == user.pk and outgoing is None:
            outgoing = transfer
    return incoming, outgoing


def unread_conversations(user: User) -> int:
    return Conversation.objects.filter(assignee=user, status=C.ASSIGNED, unread_count__gt=0).count()
