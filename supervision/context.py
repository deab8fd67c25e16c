"""What each region of the supervision pages needs (shared by views and the consumer)."""

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contactcenter.models import Conversation, Message, MonitoringSession, Queue, Role, StatusDefinition, User
from contactcenter.selectors import csat as csat_sel
from contactcenter.selectors import notifications, rules, shifts
from contactcenter.selectors import supervision as sel
from contactcenter.services import campaigns
from contactcenter.services import notifications as notification_services
from contactcenter.services.policies import can_end_after_service, can_view_reports
from permissions import access


def visible_queues(user: User) -> list[Queue]:
    ids = access.supervised_queue_ids(user)
    return list(Queue.objects.filter(pk__in=ids).order_by("kind", "name"))


# A queue's longest wait is "warn" from half its service-level target and "bad" beyond it; its
# service level is "ok" at the goal, "warn" within 10 points of it, "bad" below. The goal is the
# industry's usual 80 % (the target seconds are the queue's own).
SERVICE_LEVEL_GOAL = 80


def wait_level(wait, target_seconds: int) -> str:
    seconds = wait.total_seconds() if wait else 0
    if seconds >= target_seconds:
        return "bad"
    return "warn" if seconds >= target_seconds / 2 else "ok"


def service_level_level(service_level: int | None) -> str:
    if service_level is None or service_level >= SERVICE_LEVEL_GOAL:
        return "ok"
    return "warn" if service_level >= SERVICE_LEVEL_GOAL - 10 else "bad"


def figures_context(user: User, queues: list[Queue] | None = None) -> dict:
    queues = visible_queues(user) if queues is None else queues
    figures = sel.queue_figures(queues)
    if queues:
        today = csat_sel.today_by_queue(user.organization_id, user.organization.zone, [q.pk for q in queues])
        for f in figures:
            f.csat = today[f.queue.pk]["csat"]
    for f in figures:
        f.target_seconds = f.queue.effective_service_level_seconds
        f.wait_level = wait_level(f.longest_wait_now, f.target_seconds)
        f.sl_level = service_level_level(f.service_level)
    return {
        "voice_figures": [f for f in figures if f.queue.kind == Queue.Kind.VOICE],
        "chat_figures": [f for f in figures if f.queue.kind == Queue.Kind.CHAT],
        "campaign_figures": [f for f in figures if f.queue.kind == Queue.Kind.CAMPAIGN],
        "campaign_progress": [(q, campaigns.campaign_progress(q)) for q in queues if q.kind == Queue.Kind.CAMPAIGN],
        "service_level_goal": SERVICE_LEVEL_GOAL,
    }


def wallboard_context(user: User, queue: Queue | None = None) -> dict:
    """The wall screen: every queue the supervisor sees, or the one asked for."""
    queues = [queue] if queue is not None else visible_queues(user)
    ctx = figures_context(user, queues)
    return {**ctx, "board": ctx["chat_figures"] + ctx["voice_figures"] + ctx["campaign_figures"],
            "board_queue": queue}


def notify_context(user: User) -> dict:
    """How this supervisor wants to be told (the page's toasts: sound, browser notification)."""
    return {"notify": notifications.preference_of(user)}


def notifiable_agents(user: User):
    """The agents a supervisor may narrow their notifications to: those of their queues."""
    return User.objects.filter(pk__in=notification_services.supervised_agent_ids(user)).order_by(
        "first_name", "last_name", "username")


def rules_fired_context(user: User, *, agent_ids, queue_ids) -> dict:
    """The latest status rule firings about the supervisor's agents and queues."""
    fired = rules.recent_firings(user.organization_id, agent_ids=agent_ids, queue_ids=queue_ids)
    for firing in fired:
        firing.text = rules.describe(firing)
    return {"rules_fired": fired, "zone": user.organization.time_zone}


# --- The overview's agents: filtered by queue and state, sorted (plain GET parameters) -----------

STATE_GROUPS = {  # a filter's value: the status codes (or "pause") it matches
    "ready": {"ready"}, "in_service": {"in_service", "dialing"}, "after_service": {"after_service"},
    "pause": {"pause"}, "online": {"online"}, "dnd": {"dnd"}, "offline": {"offline", "banned"},
}
SORTS = ("name", "status", "time", "load")
# The overview lists this many agents a page. A large center's supervisor narrows the list by queue
# and state, or pages through it; every row is also a live part of the page (a 3,000-row table was
# 1.5 MB of HTML on every (re)connect, over the 1 MiB a websocket message may carry).
AGENTS_PER_PAGE = 100


def state_choices() -> list[tuple[str, str]]:
    return [("ready", gettext("Ready")), ("in_service", gettext("In service")),
            ("after_service", gettext("After service")), ("pause", gettext("Paused")),
            ("online", gettext("Online")), ("dnd", gettext("Do not disturb")), ("offline", gettext("Offline"))]


def agent_filters(user: User, params, queues: list[Queue]) -> dict:
    """The agents list's filters from GET parameters. A queue the supervisor may not see (another
    organization's, or not theirs) is a 404, as its page would be; an unknown state or sort is
    ignored."""
    queue_id = None
    if params.get("queue"):
        try:
            queue_id = int(params["queue"])
        except ValueError:
            raise Http404 from None
        if queue_id not in {q.pk for q in queues}:
            raise Http404
    state = params.get("state") or ""
    sort = params.get("sort") or "name"
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    return {"queue": queue_id, "state": state if state in STATE_GROUPS else "",
            "sort": sort if sort in SORTS else "name", "page": page}


def filtered_rows(rows, filters: dict) -> list:
    if filters["queue"]:
        rows = [r for r in rows if filters["queue"] in r.member_queue_ids or filters["queue"] in r.logged_in_queue_ids]
    if filters["state"]:
        rows = [r for r in rows if r.status_css in STATE_GROUPS[filters["state"]]]
    if filters["sort"] == "status":
        rows = sorted(rows, key=lambda r: r.status_label.lower())
    elif filters["sort"] == "time":
        rows = sorted(rows, key=lambda r: r.state.since)  # the longest in their status first
    elif filters["sort"] == "load":
        rows = sorted(rows, key=lambda r: -(r.state.chat_load + r.state.voice_load))
    return list(rows)


def filters_active(filters: dict) -> bool:
    return bool(filters["queue"] or filters["state"] or filters["sort"] != "name")


def agents_context(user: User, queues: list[Queue], filters: dict) -> dict:
    rows = sel.agent_rows(user.organization_id, [q.pk for q in queues])
    shifts.annotate_adherence(rows, user.organization, timezone.now())
    query = urlencode({k: v for k, v in (("queue", filters["queue"] or ""), ("state", filters["state"]),
                                          ("sort", filters["sort"] if filters["sort"] != "name" else "")) if v})
    # An out-of-range page shows the last one (the list shrank since the link was drawn).
    page = Paginator(filtered_rows(rows, filters), AGENTS_PER_PAGE).get_page(filters["page"])
    return {
        "all_agent_rows": rows,
        "agent_rows": list(page.object_list),
        "agents_page": page,
        "filters": filters,
        "filter_queues": queues,
        "state_choices": state_choices(),
        "sorts": [("name", gettext("Name")), ("status", gettext("Status")), ("time", gettext("Time in status")),
                  ("load", gettext("Load"))],
        # the live socket of the overview hears the same filters (its own names: `queue` there is a queue's page)
        "ws_query": urlencode({k: v for k, v in (("agents_queue", filters["queue"] or ""),
                                                 ("state", filters["state"]), ("sort", filters["sort"]),
                                                 ("page", page.number if page.number > 1 else "")) if v}),
        "filter_query": query,
        **row_actions_context(user),
    }


def row_actions_context(user: User) -> dict:
    """What the agent rows' Acciones menus need, the same for every row (translated once per page)."""
    return {"labels": {"actions": gettext("Actions"), "choose": gettext("Choose an action")}}


def agent_actions_context(user: User, agent_id: int) -> dict | None:
    """One agent's Acciones menu on the overview, loaded when it opens."""
    ctx = agent_row_context(user, agent_id)
    if ctx is None:
        return None
    return {**ctx, "pause_reasons": pause_reasons(user), "may_end_after_service": can_end_after_service(user)}


def overview_context(user: User, params=None) -> dict:
    queues = visible_queues(user)
    filters = agent_filters(user, params or {}, queues)
    agents = agents_context(user, queues, filters)
    return {
        **figures_context(user, queues),
        **notify_context(user),
        **rules_fired_context(user, agent_ids=[row.agent.pk for row in agents["all_agent_rows"]],
                              queue_ids=[q.pk for q in queues]),
        **agents,
        "may_view_reports": can_view_reports(user),
    }


def agent_row_context(user: User, agent_id: int, queue_ids=None) -> dict | None:
    queue_ids = access.supervised_queue_ids(user) if queue_ids is None else list(queue_ids)
    rows = sel.agent_rows(user.organization_id, queue_ids, agent_ids=[agent_id])
    shifts.annotate_adherence(rows, user.organization, timezone.now())
    return {"row": rows[0], **row_actions_context(user)} if rows else None


def pause_reasons(user: User) -> list[StatusDefinition]:
    return list(StatusDefinition.objects.filter(organization_id=user.organization_id, is_active=True,
                                                kind=StatusDefinition.Kind.PAUSE).exclude(code="no_answer"))


# --- A queue's page --------------------------------------------------------------------------------


def queue_actions_context(user: User, queue: Queue) -> dict:
    """What the Acciones menus need (the same for every row: no query per agent)."""
    return {
        "queue": queue,
        "queue_base": reverse("supervision:queue", args=[queue.pk]),
        "pause_reasons": pause_reasons(user),
        "may_end_after_service": can_end_after_service(user),
        # Row labels, translated once per page rather than once per row.
        "labels": {"actions": gettext("Actions"), "choose": gettext("Choose an action"),
                   "not_member": gettext("not a member")},
    }


def queue_figures_context(queue: Queue) -> dict:
    return {"f": sel.queue_figures([queue])[0], "queue": queue}


def queue_body_context(user: User, queue: Queue) -> dict:
    return {
        **queue_actions_context(user, queue),
        **queue_figures_context(queue),
        "rows": sel.queue_agent_rows(queue),
        "waiting": sel.waiting_conversations(queue),
    }


def queue_agent_row_context(user: User, queue: Queue, agent_id: int) -> dict | None:
    rows = sel.queue_agent_rows(queue, agent_ids=[agent_id])
    if not rows:
        return None
    return {**queue_actions_context(user, queue), "row": rows[0]}


def register_context(user: User, queue: Queue, params) -> dict:
    query = (params.get("q") or "")[:100].strip()
    role = params.get("role") or ""
    role = role if role in Role.values else ""
    searched = bool(query or role or "q" in params)
    return {
        "queue": queue,
        "q": query,
        "role": role,
        "roles": Role.choices,
        "searched": searched,
        "candidates": sel.agents_to_register(queue, query=query, role=role) if searched else [],
    }


def queue_context(user: User, queue: Queue, params) -> dict:
    return {**queue_body_context(user, queue), **register_context(user, queue, params)}


# --- An agent --------------------------------------------------------------------------------------


def agent_header_context(user: User, agent: User) -> dict:
    queues = visible_queues(user)
    rows = sel.agent_rows(user.organization_id, [q.pk for q in queues], agent_ids=[agent.pk])
    return {
        "agent": agent,
        "row": rows[0] if rows else None,
        "pause_reasons": pause_reasons(user),
        "may_end_after_service": can_end_after_service(user),
        "agent_queues": [q for q in queues if rows and (q.pk in rows[0].logged_in_queue_ids
                                                         or q.pk in rows[0].member_queue_ids)],
    }


# The reasons the engine writes in the status ledger (contactcenter/services/*.py), as people
# read them. The ledger keeps the codes; anything else (a pause note, a supervisor's words) shows
# as written.
REASON_LABELS = {
    "login": lambda: gettext("Signed in"),
    "logout": lambda: gettext("Signed out"),
    "resume": lambda: gettext("Back from a pause"),
    "receive_new on": lambda: gettext("Receive new turned on"),
    "receive_new off": lambda: gettext("Receive new turned off"),
    "forced by supervisor": lambda: gettext("Disconnected by a supervisor"),
    "offer not answered": lambda: gettext("Offer not answered"),
    "created": lambda: gettext("User created"),
    "deactivated": lambda: gettext("User deactivated"),
    "unban": lambda: gettext("Ban lifted"),
    "after service: ready": lambda: gettext("After service ended by the agent"),
    "after service: ended early": lambda: gettext("After service ended early by a supervisor"),
    "after service: time ran out": lambda: gettext("After service time ran out"),
}
REASON_PATTERNS = [
    (re.compile(r"conversation (\d+)"), lambda: gettext("Conversation #%(id)s assigned")),
    (re.compile(r"closed (\d+)"), lambda: gettext("Conversation #%(id)s closed")),
    (re.compile(r"transferred (\d+)"), lambda: gettext("Conversation #%(id)s transferred")),
    (re.compile(r"call (\d+)"), lambda: gettext("Call #%(id)s dialed")),
    (re.compile(r"call (\d+) answered"), lambda: gettext("Call #%(id)s answered")),
    (re.compile(r"call (\d+) not answered"), lambda: gettext("Call #%(id)s not answered")),
    (re.compile(r"call (\d+) cancelled"), lambda: gettext("Call #%(id)s cancelled")),
]


def reason_label(reason: str) -> str:
    """A ledger reason for display: a known engine code translated, free text as it is."""
    if reason in REASON_LABELS:
        return REASON_LABELS[reason]()
    for pattern, label in REASON_PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return label() % {"id": match.group(1)}
    return reason


def agent_context(user: User, agent: User) -> dict:
    timeline = sel.status_timeline(agent)
    for change in timeline["changes"]:
        change.reason_label = reason_label(change.reason)
    return {**agent_header_context(user, agent), **timeline}


# --- Monitoring ------------------------------------------------------------------------------------

MONITOR_MESSAGES = 50


def monitored_conversations(agent: User) -> list[Conversation]:
    """The agent's open conversations (and the one in after service), each with its latest
    messages, whispers and notes included: the supervisor sees what the agent sees."""
    conversations = list(
        Conversation.objects.filter(assignee=agent, status=Conversation.Status.ASSIGNED)
        .select_related("contact", "queue", "channel")
        .order_by("assigned_at", "id")
    )
    for conversation in conversations:
        latest = list(Message.objects.filter(conversation=conversation)
                      .select_related("sender").prefetch_related("attachments")
                      .order_by("-created_at", "-id")[:MONITOR_MESSAGES])
        conversation.latest_messages = list(reversed(latest))
    return conversations


def monitor_context(user: User, agent: User, session: MonitoringSession, current=None) -> dict:
    """The monitored conversations, one shown at a time (`current`, else the first); the page's
    switcher shows another without reload, or with ?c=<id> without JavaScript."""
    session.refresh_from_db()
    monitored = monitored_conversations(agent)
    ids = [c.pk for c in monitored]
    try:
        current_id = int(current) if current is not None else None
    except (TypeError, ValueError):
        current_id = None
    return {
        **agent_header_context(user, agent),
        "session": session,
        "monitored": monitored,
        "current_id": current_id if current_id in ids else (ids[0] if ids else None),
    }


