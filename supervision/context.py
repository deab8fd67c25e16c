"""What each region of the supervision pages needs (shared by views and the consumer)."""

import re

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


def figures_context(user: User, queues: list[Queue] | None = None) -> dict:
    queues = visible_queues(user) if queues is None else queues
    figures = sel.queue_figures(queues)
    if queues:
        today = csat_sel.today_by_queue(user.organization_id, user.organization.zone, [q.pk for q in queues])
        for f in figures:
            f.csat = today[f.queue.pk]["csat"]
    return {
        "voice_figures": [f for f in figures if f.queue.kind == Queue.Kind.VOICE],
        "chat_figures": [f for f in figures if f.queue.kind == Queue.Kind.CHAT],
        "campaign_figures": [f for f in figures if f.queue.kind == Queue.Kind.CAMPAIGN],
        "campaign_progress": [(q, campaigns.campaign_progress(q)) for q in queues if q.kind == Queue.Kind.CAMPAIGN],
    }


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


def overview_context(user: User) -> dict:
    queues = visible_queues(user)
    rows = sel.agent_rows(user.organization_id, [q.pk for q in queues])
    shifts.annotate_adherence(rows, user.organization, timezone.now())
    return {
        **figures_context(user, queues),
        **notify_context(user),
        **rules_fired_context(user, agent_ids=[row.agent.pk for row in rows], queue_ids=[q.pk for q in queues]),
        "agent_rows": rows,
        "may_view_reports": can_view_reports(user),
    }


def agent_row_context(user: User, agent_id: int, queue_ids=None) -> dict | None:
    queue_ids = access.supervised_queue_ids(user) if queue_ids is None else list(queue_ids)
    rows = sel.agent_rows(user.organization_id, queue_ids, agent_ids=[agent_id])
    shifts.annotate_adherence(rows, user.organization, timezone.now())
    return {"row": rows[0]} if rows else None


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


def monitor_context(user: User, agent: User, session: MonitoringSession) -> dict:
    session.refresh_from_db()
    return {
        **agent_header_context(user, agent),
        "session": session,
        "monitored": monitored_conversations(agent),
    }


