"""Reads for the supervisor panel: queue figures and agent rows, a fixed number of queries each."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Avg, Count, F, Max, Min, Q
from django.utils import timezone

from contactcenter.models import (
    AgentState,
    Conversation,
    Device,
    Queue,
    QueueLogin,
    QueueMembership,
    SystemStatus,
    User,
)
from contactcenter.selectors.workspace import start_of_today

C = Conversation.Status
S = SystemStatus


@dataclass
class QueueFigures:
    queue: Queue
    waiting: int = 0
    oldest_waiting_since: object = None
    average_wait: timedelta | None = None
    longest_wait: timedelta | None = None
    served: int = 0
    within_target: int = 0
    abandoned: int = 0
    logged_in: int = 0
    ready: int = 0
    in_service: int = 0
    after_service: int = 0
    paused: int = 0

    @property
    def service_level(self) -> int | None:
        """Percent of today's served customers answered within the queue's target seconds."""
        total = self.served + self.abandoned
        return round(100 * self.within_target / total) if total else None

    @property
    def longest_wait_now(self) -> timedelta | None:
        return timezone.now() - self.oldest_waiting_since if self.oldest_waiting_since else None


def queue_figures(queues: list[Queue]) -> list[QueueFigures]:
    if not queues:
        return []
    by_id = {q.pk: QueueFigures(queue=q) for q in queues}
    ids = list(by_id)
    today = start_of_today()
    for row in (
        Conversation.objects.filter(queue_id__in=ids, status__in=(C.QUEUED, C.OFFERED))
        .values("queue_id").annotate(n=Count("id"), oldest=Min("enqueued_at"))
    ):
        by_id[row["queue_id"]].waiting = row["n"]
        by_id[row["queue_id"]].oldest_waiting_since = row["oldest"]
    wait = F("assigned_at") - F("enqueued_at")
    for row in (
        Conversation.objects.filter(queue_id__in=ids, assigned_at__gte=today)
        .values("queue_id").annotate(n=Count("id"), avg=Avg(wait), longest=Max(wait))
    ):
        figures = by_id[row["queue_id"]]
        figures.served, figures.average_wait, figures.longest_wait = row["n"], row["avg"], row["longest"]
    # The target differs per queue: one pass over today's served rows (not one query per queue).
    targets = {q.pk: timedelta(seconds=q.service_level_seconds) for q in queues}
    for row in (
        Conversation.objects.filter(queue_id__in=ids, assigned_at__gte=today)
        .values("queue_id", "enqueued_at", "assigned_at")
        .iterator()
    ):
        if row["assigned_at"] - row["enqueued_at"] <= targets[row["queue_id"]]:
            by_id[row["queue_id"]].within_target += 1
    for row in (
        Conversation.objects.filter(queue_id__in=ids, status=C.ABANDONED, closed_at__gte=today)
        .values("queue_id").annotate(n=Count("id"))
    ):
        by_id[row["queue_id"]].abandoned = row["n"]
    for row in (
        QueueLogin.objects.filter(queue_id__in=ids, ended_at__isnull=True)
        .values("queue_id", "agent__state__status__code", "agent__state__status__kind")
        .annotate(n=Count("id"))
    ):
        figures = by_id[row["queue_id"]]
        code, kind, n = row["agent__state__status__code"], row["agent__state__status__kind"], row["n"]
        if code in (S.OFFLINE, S.BANNED):
            continue
        figures.logged_in += n
        if kind == "pause":
            figures.paused += n
        elif code == S.READY:
            figures.ready += n
        elif code in (S.IN_SERVICE, S.DIALING):
            figures.in_service += n
        elif code == S.AFTER_SERVICE:
            figures.after_service += n
    return [by_id[q.pk] for q in queues]


@dataclass
class AgentRow:
    agent: User
    state: AgentState
    queue_names: list[str] = field(default_factory=list)
    logged_in_queue_ids: set[int] = field(default_factory=set)
    devices: list[Device] = field(default_factory=list)

    @property
    def load(self) -> str:
        return f"{self.state.chat_load + self.state.voice_load}"

    @property
    def active_devices(self) -> list[Device]:
        now = timezone.now()
        return [d for d in self.devices if d.is_active(now)]

    @property
    def pause_over(self) -> bool:
        status = self.state.status
        return bool(status.is_pause and status.max_minutes
                    and timezone.now() - self.state.since > timedelta(minutes=status.max_minutes))


def agent_rows(organization_id: int, queue_ids: list[int], *, agent_ids=None) -> list[AgentRow]:
    """Agents who are members of, or logged in to, the given queues (or the given agents)."""
    members = QueueMembership.objects.filter(queue_id__in=queue_ids, role=QueueMembership.Role.AGENT)
    logins = QueueLogin.objects.filter(queue_id__in=queue_ids, ended_at__isnull=True)
    if agent_ids is None:
        agent_ids = set(members.values_list("user_id", flat=True)) | set(logins.values_list("agent_id", flat=True))
    states = (
        AgentState.objects.filter(organization_id=organization_id, agent_id__in=agent_ids)
        .select_related("agent", "status")
        .order_by("agent__first_name", "agent__username")
    )
    rows = {s.agent_id: AgentRow(agent=s.agent, state=s) for s in states}
    names = defaultdict(list)
    for user_id, name in members.filter(user_id__in=rows).values_list("user_id", "queue__name"):
        names[user_id].append(name)
    for agent_id, queue_id in logins.filter(agent_id__in=rows).values_list("agent_id", "queue_id"):
        rows[agent_id].logged_in_queue_ids.add(queue_id)
    since = timezone.now() - timedelta(hours=1)
    for device in Device.objects.filter(user_id__in=rows).filter(
        Q(disconnected_at__isnull=True) | Q(disconnected_at__gte=since)
    ):
        rows[device.user_id].devices.append(device)
    for agent_id, row in rows.items():
        row.queue_names = sorted(names[agent_id])
    return list(rows.values())
