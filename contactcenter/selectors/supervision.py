"""Reads for the supervisor panel: queue figures and agent rows, a fixed number of queries each."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from django.db.models import Avg, Count, Exists, F, Max, Min, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contactcenter.models import (
    AgentState,
    Conversation,
    Device,
    Queue,
    QueueLogin,
    QueueMembership,
    Role,
    StatusDefinition,
    StatusInterval,
    SystemStatus,
    User,
)
from contactcenter.models.agents import then_status_label
from contactcenter.models.devices import browser_name, device_is_active
from contactcenter.selectors.workspace import start_of_today
from contactcenter.templatetags.cc import duration

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
    csat: float | None = None  # today's share of ratings of 4–5 (selectors/csat.today_by_queue)

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
    targets = {q.pk: timedelta(seconds=q.effective_service_level_seconds) for q in queues}
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


class DeviceView(NamedTuple):
    """The connected devices of one browser as a row shows them: "Chrome ×2", a green dot when
    they answer the heartbeat, grey when silent."""

    browser: str
    user_agent: str
    active: bool
    count: int = 1

    @property
    def label(self) -> str:
        return f"{self.browser} ×{self.count}" if self.count > 1 else self.browser


def group_devices(devices) -> list[DeviceView]:
    """Connected devices (browser, user agent, active) grouped by browser and activity, active first."""
    groups: dict[tuple[str, bool], DeviceView] = {}
    for browser, user_agent, active in devices:
        key = (browser, active)
        seen = groups.get(key)
        groups[key] = seen._replace(count=seen.count + 1) if seen else DeviceView(browser, user_agent, active)
    return sorted(groups.values(), key=lambda d: (not d.active, d.browser))


@dataclass
class AgentView:
    """The few user fields a row shows (200 full User models cost more to build than to print)."""

    pk: int
    username: str
    first_name: str
    last_name: str
    role: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass
class StateView:
    """An agent's current state as a row shows it; `status` is the organization's definition."""

    agent_id: int
    status: StatusDefinition
    since: object
    receive_new: bool
    chat_load: int
    voice_load: int
    wrapup_deadline: object
    prefers_dnd: bool = False


@dataclass
class AgentRow:
    agent: AgentView
    state: StateView
    queue_names: list[str] = field(default_factory=list)
    logged_in_queue_ids: set[int] = field(default_factory=set)
    member_queue_ids: set[int] = field(default_factory=set)
    devices: list["DeviceView"] = field(default_factory=list)
    # Filled for a queue's page: this queue's login, membership and load of its medium.
    here_logged_in: bool = False
    here_member: bool = False
    here_load: int = 0
    here_capacity: int = 0
    # Schedule adherence (selectors/shifts.py `annotate_adherence`): a code and its label.
    adherence: str = ""
    adherence_label: str = ""

    # What the rows print, worked out once in Python (labels translated once per page, ids as
    # text): a page of 200 rows stays cheap to render.
    pk: str = ""
    url: str = ""  # the agent's supervision page
    name: str = ""
    role_label: str = ""
    status_css: str = ""
    status_label: str = ""
    then_label: str = ""
    pause_name: str = ""
    since_iso: str = ""
    timer: str = ""
    receive_new_label: str = ""
    load_text: str = ""
    here_login_label: str = ""
    queue_names_text: str = ""

    def prepare(self, labels: dict) -> None:
        status, state = self.state.status, self.state
        self.pk = str(self.agent.pk)
        self.url = labels["agent_url"].replace("/0/", f"/{self.pk}/")
        self.name = self.agent.display_name
        self.role_label = labels["roles"].get(self.agent.role, self.agent.role)
        self.status_css = "pause" if status.is_pause else status.code
        if status.pk not in labels["statuses"]:
            labels["statuses"][status.pk] = str(status.label)
        self.status_label = labels["statuses"][status.pk]
        self.then_label = then_status_label(code=status.code, is_pause=status.is_pause,
                                            receive_new=state.receive_new, prefers_dnd=state.prefers_dnd)
        self.pause_name = status.name if status.is_pause else ""
        self.since_iso = state.since.isoformat()
        self.timer = duration(labels["now"] - state.since)
        self.receive_new_label = labels["yes"] if state.receive_new else labels["no"]
        self.load_text = f"{state.chat_load} / {state.voice_load}"

    @property
    def load(self) -> str:
        return f"{self.state.chat_load + self.state.voice_load}"

    @property
    def active_devices(self) -> list["DeviceView"]:
        return [d for d in self.devices if d.active]

    @property
    def time_in_status(self) -> timedelta:
        return timezone.now() - self.state.since

    @cached_property
    def pause_over(self) -> bool:
        status = self.state.status
        return bool(status.is_pause and status.max_minutes
                    and timezone.now() - self.state.since > timedelta(minutes=status.max_minutes))


def status_label(event: dict) -> str:
    """The label of the status an agent.status event moved to, in the active language."""
    if event.get("is_pause"):
        return event.get("status_name") or event["status"]
    return str(SystemStatus(event["status"]).label)


@dataclass
class StatusCells:
    """An overview row's status cells (status, time in it, Recibir nuevo) drawn from an
    agent.status event alone, which carries the agent's new state: a status change reaches every
    supervisor without a query. The names are AgentRow's: the row and this share one partial."""

    pk: str
    status_css: str
    status_label: str
    then_label: str
    pause_over: bool
    since_iso: str
    timer: str
    receive_new_label: str

    @classmethod
    def from_event(cls, event: dict, agent_id: int) -> "StatusCells":
        since = datetime.fromisoformat(event["since"])
        code, is_pause = event["status"], bool(event.get("is_pause"))
        max_minutes = event.get("max_minutes") or 0
        age = timezone.now() - since
        return cls(
            pk=str(agent_id),
            status_css="pause" if is_pause else code,
            status_label=status_label(event),
            then_label=then_status_label(code=code, is_pause=is_pause, receive_new=bool(event.get("receive_new")),
                                         prefers_dnd=bool(event.get("prefers_dnd"))),
            pause_over=bool(is_pause and max_minutes and age > timedelta(minutes=max_minutes)),
            since_iso=since.isoformat(),
            timer=duration(age),
            receive_new_label=gettext("yes") if event.get("receive_new") else gettext("no"),
        )


def agent_rows(organization_id: int, queue_ids: list[int], *, agent_ids=None) -> list[AgentRow]:
    """Agents who are members of, or logged in to, the given queues (or the given agents)."""
    members = QueueMembership.objects.filter(queue_id__in=queue_ids, role=QueueMembership.Role.AGENT)
    logins = QueueLogin.objects.filter(queue_id__in=queue_ids, ended_at__isnull=True)
    if agent_ids is None:
        agent_ids = set(members.values_list("user_id", flat=True)) | set(logins.values_list("agent_id", flat=True))
    states = (
        AgentState.objects.filter(organization_id=organization_id, agent_id__in=agent_ids)
        .order_by("agent__first_name", "agent__username")
        .values_list("agent_id", "status_id", "since", "receive_new", "chat_load", "voice_load", "wrapup_deadline",
                     "prefers_dnd", "agent__username", "agent__first_name", "agent__last_name", "agent__role")
    )
    # An organization has a handful of statuses: read them once, not once per agent.
    statuses = {s.pk: s for s in StatusDefinition.objects.filter(organization_id=organization_id)}
    rows = {}
    for agent_id, status_id, since, receive_new, chat, voice, deadline, dnd, username, first, last, role in states:
        rows[agent_id] = AgentRow(
            agent=AgentView(pk=agent_id, username=username, first_name=first, last_name=last, role=role),
            state=StateView(agent_id=agent_id, status=statuses[status_id], since=since, receive_new=receive_new,
                            chat_load=chat, voice_load=voice, wrapup_deadline=deadline, prefers_dnd=dnd),
        )
    names = defaultdict(list)
    for user_id, queue_id, name in members.filter(user_id__in=rows).values_list("user_id", "queue_id", "queue__name"):
        names[user_id].append(name)
        rows[user_id].member_queue_ids.add(queue_id)
    for agent_id, queue_id in logins.filter(agent_id__in=rows).values_list("agent_id", "queue_id"):
        rows[agent_id].logged_in_queue_ids.add(queue_id)
    # Devices connected now (a closed socket is marked disconnected; a silent one by the sweep).
    now = timezone.now()
    connected = defaultdict(list)
    for user_id, user_agent, last_seen_at in Device.objects.filter(
        user_id__in=rows, disconnected_at__isnull=True
    ).values_list("user_id", "user_agent", "last_seen_at"):
        connected[user_id].append((browser_name(user_agent), user_agent, device_is_active(None, last_seen_at, now)))
    for user_id, devices in connected.items():
        rows[user_id].devices = group_devices(devices)
    labels = {"roles": {value: str(label) for value, label in Role.choices}, "statuses": {},
              # One reverse per page, not per row: /supervision/agents/0/ with each row's id.
              "agent_url": reverse("supervision:agent", args=[0]),
              "yes": gettext("yes"), "no": gettext("no"), "now": timezone.now()}
    for agent_id, row in rows.items():
        row.queue_names = sorted(names[agent_id])
        row.queue_names_text = ", ".join(row.queue_names)
        row.prepare(labels)
    return list(rows.values())


# --- A queue's page --------------------------------------------------------------------------------


def queue_agent_rows(queue: Queue, *, agent_ids=None) -> list[AgentRow]:
    """The queue's agents (members, and anyone logged in now) with this queue's load: logged-in
    agents first. A fixed number of queries, however many agents."""
    rows = agent_rows(queue.organization_id, [queue.pk], agent_ids=agent_ids)
    capacity = queue.effective_capacity
    logged_in, not_logged_in = gettext("Logged in"), gettext("Not logged in")
    for row in rows:
        row.here_logged_in = queue.pk in row.logged_in_queue_ids
        row.here_member = queue.pk in row.member_queue_ids
        row.here_load = row.state.chat_load if queue.medium == "chat" else row.state.voice_load
        row.here_capacity = capacity
        row.load_text = f"{row.here_load}/{capacity}"
        row.here_login_label = logged_in if row.here_logged_in else not_logged_in
    return sorted(rows, key=lambda r: not r.here_logged_in)


def waiting_conversations(queue: Queue, limit: int = 200) -> list[Conversation]:
    """Customers waiting in the queue, in the order routing serves them: priority, then oldest."""
    return list(
        Conversation.objects.filter(queue=queue, status__in=(C.QUEUED, C.OFFERED))
        .select_related("contact", "channel")
        .order_by("-priority", "enqueued_at", "id")[:limit]
    )


def agents_to_register(queue: Queue, *, query: str = "", role: str = "", limit: int = 50) -> list[User]:
    """Registrar agentes: the organization's active users by name (and role), not logged in to
    the queue yet, each with their devices connected now and whether they are members."""
    users = User.objects.filter(organization_id=queue.organization_id, is_active=True).exclude(
        pk__in=QueueLogin.objects.filter(queue=queue, ended_at__isnull=True).values("agent_id")
    )
    for word in query.split()[:5]:
        users = users.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(username__icontains=word) | Q(extension__icontains=word))
    if role:
        users = users.filter(role=role)
    return list(
        users.select_related("state__status")
        .annotate(is_member=Exists(QueueMembership.objects.filter(queue=queue, user=OuterRef("pk"),
                                                                  role=QueueMembership.Role.AGENT)))
        .prefetch_related(Prefetch("devices", queryset=Device.objects.filter(disconnected_at__isnull=True)))
        .order_by("first_name", "last_name", "username")[:limit]
    )


# --- An agent's day --------------------------------------------------------------------------------


@dataclass
class TimelineSegment:
    interval: object
    start: object
    end: object
    left: float  # percent of the bar
    width: float

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def status_timeline(agent: User, *, now=None) -> dict:
    """Today's ledger intervals of an agent, clipped to today, with their place on a bar that
    runs from the first of them (or midnight) to now; and the changes, newest first."""
    now = now or timezone.now()
    day_start = start_of_today()
    intervals = list(
        StatusInterval.objects.filter(agent=agent, started_at__lt=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=day_start))
        .select_related("status", "previous_status", "changed_by")
        .order_by("started_at", "id")
    )
    bar_start = max(day_start, intervals[0].started_at) if intervals else day_start
    span = max((now - bar_start).total_seconds(), 1)
    segments = []
    for interval in intervals:
        start = max(interval.started_at, bar_start)
        end = min(interval.ended_at or now, now)
        if end < start:
            continue
        segments.append(TimelineSegment(
            interval=interval, start=start, end=end,
            left=round((start - bar_start).total_seconds() / span * 100, 3),
            width=round((end - start).total_seconds() / span * 100, 3),
        ))
    return {
        "segments": segments,
        "bar_start": bar_start,
        "bar_end": now,
        "changes": [i for i in reversed(intervals) if i.started_at >= day_start],
    }
