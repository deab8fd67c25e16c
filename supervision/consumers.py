"""/ws/supervision/: the queues and agents a supervisor may see, live.

One consumer serves every supervision page; the query string says which one the socket belongs
to: none (the overview), `queue=<id>`, `agent=<id>` or `monitor=<session id>`. The consumer
joins its organization's group and filters every event by what this supervisor may see: a
supervisor limited to assigned queues hears nothing of other queues or their agents. On every
page it also turns status changes, status rules' firings and alerts into toasts (as the
supervisor's notification preference says: which changes, about which agents, and whether at all).
"""

from collections import OrderedDict
from urllib.parse import parse_qs

from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Conversation, MonitoringSession, Queue, QueueLogin, QueueMembership, User
from contactcenter.selectors import notifications
from contactcenter.selectors import rules as rules_sel
from contactcenter.selectors.supervision import StatusCells, status_label
from contactcenter.services import supervision as services
from contactcenter.services.policies import user_can_supervise_agent
from contactcenter.sockets import LiveConsumer, Part, shared_render
from permissions import access
from supervision import context

PAGE = "supervision/overview.html"
QUEUE_PAGE = "supervision/queue.html"
AGENT_PAGE = "supervision/agent.html"
MONITOR_PAGE = "supervision/monitor.html"
WALLBOARD = "supervision/wallboard.html"
FIGURE_EVENTS = {
    events.CONVERSATION_QUEUED, events.CONVERSATION_OFFERED, events.CONVERSATION_ASSIGNED,
    events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED, events.QUEUE_LOGIN, events.QUEUE_LOGOUT,
    events.AGENT_STATUS, events.WRAPUP_STARTED, events.WRAPUP_ENDED, events.CONVERSATION_RATED,
}
AGENT_EVENTS = {events.AGENT_STATUS, events.QUEUE_LOGIN, events.QUEUE_LOGOUT, events.DEVICE_CHANGED,
                events.CONVERSATION_ASSIGNED, events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED,
                events.WRAPUP_STARTED, events.WRAPUP_ENDED, events.AGENT_SHIFT}
WAITING_EVENTS = {events.CONVERSATION_QUEUED, events.CONVERSATION_OFFERED, events.CONVERSATION_ASSIGNED,
                  events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED, events.OFFER_ENDED}

# The overview's fragments for an event, by event and view (what an overview shows: its queues and
# agents, language and alert preference): every socket of this process with the same view sends
# the same ones, so the first one's list serves the others.
_overview_parts: OrderedDict[tuple, list[Part]] = OrderedDict()
OVERVIEW_PARTS = 256

MONITOR_EVENTS = AGENT_EVENTS | {events.MESSAGE_CREATED, events.CONVERSATION_UPDATED, services.MONITORING}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SupervisionConsumer(LiveConsumer):
    def allowed(self, user) -> bool:
        return user.is_supervising

    def connect(self):
        params = {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        self.queue_id = _int(params.get("queue"))
        self.page_agent_id = _int(params.get("agent"))
        self.session_id = _int(params.get("monitor"))
        # The overview's agents list filters (`agents_queue`: `queue` names a queue's page here).
        self.filter_params = {"queue": params.get("agents_queue", ""), "state": params.get("state", ""),
                              "sort": params.get("sort", ""), "page": params.get("page", "")}
        self.filters = None
        self.row_ids: set[int] = set()
        # The wallboard: all the supervisor's queues, or `wallboard_queue` (refused when not theirs).
        self.wallboard = params.get("wallboard") == "1"
        self.wallboard_queue_id = _int(params.get("wallboard_queue")) if "wallboard_queue" in params else None
        if "wallboard_queue" in params and self.wallboard_queue_id is None:
            self.wallboard_queue_id = 0  # not a number: no such queue
        self.wallboard_queue = None
        self.queue = self.page_agent = self.session = None
        self.connecting = True
        super().connect()
        self.connecting = False

    def disconnect(self, code):
        super().disconnect(code)
        if getattr(self, "session", None) is not None:
            services.monitoring_stop(session=self.session)

    def wanted_groups(self) -> set[str]:
        return {events.org_group(self.user.organization_id), events.agent_group(self.user.pk)}

    # --- what the page shows -----------------------------------------------------------------

    def load_page(self) -> bool:
        """Re-check, on every refresh, that the supervisor may still see the page's subject."""
        try:
            if self.wallboard:
                if self.wallboard_queue_id is not None:
                    self.wallboard_queue = access.queue_for_supervisor(self.user, self.wallboard_queue_id)
            elif self.queue_id:
                self.queue = access.queue_for_supervisor(self.user, self.queue_id)
            elif self.page_agent_id or self.session_id:
                if self.session_id:
                    self.session = (MonitoringSession.objects.filter(pk=self.session_id, supervisor=self.user)
                                    .select_related("agent").first())
                    if self.session is None:
                        raise Http404
                    self.page_agent_id = self.session.agent_id
                self.page_agent = User.objects.filter(organization_id=self.user.organization_id,
                                                      pk=self.page_agent_id).first()
                if self.page_agent is None or not user_can_supervise_agent(self.user, self.page_agent):
                    raise Http404
                if self.session is not None and self.session.ended_at is not None:
                    if not self.connecting:
                        raise Http404  # stopped elsewhere: this page watches no more
                    # A reconnect after the session was closed: watching again is a new session.
                    self.session = services.monitoring_start(by=self.user, agent=self.page_agent)
        except Http404:
            self.close(code=4404)
            return False
        return True

    def refresh(self) -> None:
        self.load_preference()
        self.queue_ids = set(access.supervised_queue_ids(self.user))
        if not self.load_page():
            return
        if self.wallboard:
            self.agent_ids = self.all_agent_ids()
            self.send_html(self.render_wallboard())
        elif self.queue is not None:
            ctx = context.queue_body_context(self.user, self.queue)
            self.agent_ids = {row.agent.pk for row in ctx["rows"]} | self.all_agent_ids()
            self.send_html(self.render(QUEUE_PAGE + "#queue-body", ctx))
        elif self.session is not None:
            self.agent_ids = self.all_agent_ids()
            self.send_html(*self.render_monitor())
        elif self.page_agent is not None:
            self.agent_ids = self.all_agent_ids()
            self.send_html(*self.render_agent())
        else:
            try:
                ctx = context.overview_context(self.user, self.filter_params)
            except Http404:  # a queue filter this supervisor may not see
                self.close(code=4404)
                return
            self.filters = ctx["filters"]
            self.agent_ids = {row.agent.pk for row in ctx["all_agent_rows"]}
            self.row_ids = {row.agent.pk for row in ctx["agent_rows"]}  # the page of the list shown
            self.view = (frozenset(self.queue_ids), frozenset(self.agent_ids), self.language, self.notify_key,
                         tuple(sorted(self.filters.items())))
            self.send_html(self.render(PAGE + "#overview-figures", ctx), self.render(PAGE + "#agent-rows", ctx),
                           self.render(PAGE + "#agents-pager", ctx))

    def load_preference(self) -> None:
        self.preference = notifications.preference_of(self.user)
        self.chosen = notifications.chosen_agent_ids(self.preference)
        self.toasts_on = self.preference.panel or self.preference.browser
        self.notify_key = (self.preference.status_changes, self.preference.missed_shifts, self.toasts_on,
                           self.chosen)

    def all_agent_ids(self) -> set[int]:
        members = QueueMembership.objects.filter(queue_id__in=self.queue_ids, role=QueueMembership.Role.AGENT)
        logins = QueueLogin.objects.filter(queue_id__in=self.queue_ids, ended_at__isnull=True)
        return set(members.values_list("user_id", flat=True)) | set(logins.values_list("agent_id", flat=True))

    def render_wallboard(self) -> str:
        return self.render(WALLBOARD + "#wallboard-body", context.wallboard_context(self.user, self.wallboard_queue))

    def render_agent(self) -> list[str]:
        ctx = context.agent_context(self.user, self.page_agent)
        return [self.render(AGENT_PAGE + "#agent-header", ctx), self.render(AGENT_PAGE + "#timeline", ctx)]

    def render_monitor(self) -> list[str]:
        ctx = context.monitor_context(self.user, self.page_agent, self.session)
        return [self.render(AGENT_PAGE + "#agent-header", ctx), self.render(MONITOR_PAGE + "#monitored", ctx)]

    # --- events --------------------------------------------------------------------------------

    def handle_event(self, event: dict) -> None:
        if event.get("organization_id") != self.user.organization_id:
            return
        kind = event["type"]
        queues = set(event.get("queue_ids", []))
        agents = set(event.get("agent_ids", []))
        if kind in (events.QUEUE_LOGIN, events.QUEUE_LOGOUT) and queues & self.queue_ids:
            # Someone may have joined or left the supervisor's view: rebuild it.
            self.refresh()
            return
        fragments = []
        if self.wallboard:
            board_queues = {self.wallboard_queue.pk} if self.wallboard_queue else self.queue_ids
            if kind in FIGURE_EVENTS and (queues & board_queues or agents & self.agent_ids):
                key = ("wallboard", event.get("id") or object(), frozenset(board_queues), self.language)
                self.send_html(shared_render(key, self.render_wallboard))
            return  # a wall screen has no toasts
        if self.queue is not None:
            fragments += self.queue_fragments(kind, queues, agents)
        elif self.session is not None:
            if kind in MONITOR_EVENTS and (self.page_agent.pk in agents or self.monitored_conversation(event)):
                fragments += self.render_monitor()
        elif self.page_agent is not None:
            if kind in AGENT_EVENTS and self.page_agent.pk in agents:
                fragments += self.render_agent()
        else:
            fragments += self.overview_fragments(kind, queues, agents, event)
            if kind == events.RULE_FIRED and (agents & self.agent_ids or queues & self.queue_ids):
                fragments.append(self.render(PAGE + "#rules-fired", context.rules_fired_context(
                    self.user, agent_ids=self.agent_ids, queue_ids=self.queue_ids)))
        fragments.append(self.toast(event, queues, agents))
        self.send_html(*fragments)

    def monitored_conversation(self, event: dict) -> bool:
        ids = event.get("conversation_ids", [])
        return bool(ids) and Conversation.objects.filter(pk__in=ids, assignee_id=self.page_agent.pk).exists()

    def overview_parts(self, kind, queues, agents, event: dict) -> list[Part]:
        """The overview's fragments for an event, the agents' first: they are what the supervisor
        watches change. A status change redraws the status cells from the event alone."""
        parts = []
        seen = (event.get("id") or object(), frozenset(self.queue_ids), self.language)
        if self.filters and context.filters_active(self.filters):
            # Filtered or sorted: a change may move an agent in, out or along the list; redraw it.
            if kind in AGENT_EVENTS and agents & self.agent_ids:
                filters = tuple(sorted(self.filters.items()))
                pager_key = ("agents-pager", *seen, filters)
                parts.append(Part(("agent-rows", *seen, filters), lambda: self.render_agent_list(pager_key)))
                parts.append(Part(pager_key, lambda: self.render(
                    PAGE + "#agents-pager", context.overview_context(self.user, self.filter_params))))
            row_agents = set()
        else:
            row_agents = agents & self.row_ids  # an agent on another page has no row here
        for agent_id in sorted(row_agents) if kind in AGENT_EVENTS else ():
            # An agent on a schedule: the whole row, whose adherence depends on the new status.
            if kind == events.AGENT_STATUS and "since" in event and not event.get("scheduled"):
                parts.append(Part(("status-cells", agent_id, *seen), on_loop=True,
                                  build=lambda agent_id=agent_id: self.render_status_cells(event, agent_id)))
            else:
                parts.append(Part(("agent-row", agent_id, *seen),
                                  lambda agent_id=agent_id: self.render_agent_row(agent_id)))
        if kind in FIGURE_EVENTS and (queues & self.queue_ids or agents & self.agent_ids):
            parts.append(Part(("figures", *seen), lambda: self.render(
                PAGE + "#overview-figures", context.figures_context(self.user))))
        return parts

    def render_agent_list(self, pager_key: tuple) -> str:
        """The page of the agents list; its pager (the count may have changed with the rows) is
        drawn from the same context, for the part that follows (one frame each)."""
        ctx = context.overview_context(self.user, self.filter_params)
        shared_render(pager_key, lambda: self.render(PAGE + "#agents-pager", ctx))
        return self.render(PAGE + "#agent-rows", ctx)

    def overview_fragments(self, kind, queues, agents, event: dict) -> list[str]:
        return [shared_render(part.key, part.build) for part in self.overview_parts(kind, queues, agents, event)]

    def shared_event(self, event: dict) -> list[Part] | None:
        """A status change on the overview is the same fragments (status cells, figures, toast)
        for every socket of this process that sees the same queues: sent from the event loop
        (LiveConsumer.dispatch), the status cells drawn from the event; the first socket of a
        view builds the list, the others reuse it."""
        if (event.get("type") != events.AGENT_STATUS or getattr(self, "agent_ids", None) is None
                or self.wallboard or self.queue is not None or self.session is not None or self.page_agent is not None
                or event.get("organization_id") != self.user.organization_id or not event.get("id")
                or (self.filters and context.filters_active(self.filters))):
            return None
        if event["id"] in self.handled:
            return []
        self.handled.append(event["id"])
        key = (event["id"], self.view)
        parts = _overview_parts.get(key)
        if parts is None:
            agents = set(event.get("agent_ids", []))
            parts = self.overview_parts(events.AGENT_STATUS, set(event.get("queue_ids", [])), agents, event)
            toast = self.status_toast_part(event, agents)
            if toast is not None:
                parts.append(toast)
            _overview_parts[key] = parts
            while len(_overview_parts) > OVERVIEW_PARTS:
                _overview_parts.popitem(last=False)
        return parts

    def render_status_cells(self, event: dict, agent_id: int) -> str:
        # No request: context processors may query; the cells need none of them.
        return render_to_string(PAGE + "#agent-status-cells", {"row": StatusCells.from_event(event, agent_id)})

    def render_agent_row(self, agent_id: int) -> str:
        ctx = context.agent_row_context(self.user, agent_id, queue_ids=self.queue_ids)
        return self.render(PAGE + "#agent-row", ctx) if ctx else ""

    def queue_fragments(self, kind, queues, agents) -> list[str]:
        fragments = []
        here = self.queue.pk in queues
        if kind in WAITING_EVENTS and here:
            ctx = {"waiting": context.sel.waiting_conversations(self.queue)}
            fragments.append(self.render(QUEUE_PAGE + "#waiting-list", ctx))
        if (kind in FIGURE_EVENTS or kind == events.OFFER_ENDED) and (here or agents & self.agent_ids):
            fragments.append(self.render(QUEUE_PAGE + "#queue-figures", context.queue_figures_context(self.queue)))
        if kind in AGENT_EVENTS:
            for agent_id in agents & self.agent_ids:
                ctx = context.queue_agent_row_context(self.user, self.queue, agent_id)
                if ctx and (ctx["row"].here_logged_in or ctx["row"].here_member):
                    fragments.append(self.render(QUEUE_PAGE + "#queue-agent-row", ctx))
        return fragments

    # --- toasts --------------------------------------------------------------------------------

    def toast(self, event: dict, queues: set[int], agents: set[int]) -> str:
        kind = event["type"]
        toast = None
        if kind == events.AGENT_STATUS and agents & self.agent_ids:
            part = self.status_toast_part(event, agents)
            return "" if part is None else shared_render(part.key, part.build)
        elif kind == services.ALERT and (queues & self.queue_ids or agents & self.agent_ids):
            toast = self.alert_toast(event, agents, queues)
        elif kind == events.RULE_FIRED and (queues & self.queue_ids or agents & self.agent_ids):
            toast = self.rule_toast(event, agents)
        return self.render_toast(toast, event)

    def status_toast_part(self, event: dict, agents: set[int]) -> Part | None:
        """A status change's toast, the same for every supervisor of this process with the same
        notification preference and language; drawn from the event (no query)."""
        if not agents & self.agent_ids or not self.wants_status_toast(event, min(agents & self.agent_ids)):
            return None
        key = ("status-toast", event.get("id") or object(), min(agents & self.agent_ids), self.notify_key,
               self.language)
        return Part(key, lambda: self.render_toast(self.status_toast(event, agents), event), on_loop=True)

    def wants_status_toast(self, event: dict, agent_id: int) -> bool:
        """A change of status (one a rule made has its own toast, rule.fired) the preference asks for."""
        return (self.toasts_on and event.get("status") != event.get("previous_status") and not event.get("rule")
                and notifications.about_agent(self.chosen, agent_id)
                and notifications.wants_status_change(self.preference.status_changes,
                                                      is_pause=bool(event.get("is_pause")),
                                                      source=event.get("source", "")))

    def render_toast(self, toast: dict | None, event: dict) -> str:
        if toast is None or not self.toasts_on:
            return ""
        toast["id"] = event.get("id", "")
        return render_to_string(PAGE + "#toast", {"toast": toast})

    def status_toast(self, event: dict, agents: set[int]) -> dict | None:
        """From the event alone (it carries the agent's name and new status): no query."""
        agent_id = min(agents & self.agent_ids)
        return {"kind": "status", "url": reverse("supervision:agent", args=[agent_id]),
                "text": _("%(agent)s: %(status)s") % {"agent": event.get("agent_name", ""),
                                                       "status": status_label(event)}}

    def rule_toast(self, event: dict, agents: set[int]) -> dict | None:
        """A status rule fired: a rule that notifies always shows; one that changed an agent, as
        the preference says of status changes made by rules."""
        agent_id = min(agents) if agents else None
        if event.get("action") != "notify" and not (
                notifications.about_agent(self.chosen, agent_id)
                and notifications.wants_status_change(self.preference.status_changes,
                                                      is_pause=bool(event.get("is_pause")), source="system",
                                                      rule=event.get("rule_name", ""))):
            return None
        text = rules_sel.firing_text(rule_name=event.get("rule_name", ""), action=event.get("action", ""),
                                     subject=event.get("agent_name") or event.get("queue_name", ""),
                                     outcome=event.get("outcome", ""), status_name=event.get("status_name", ""),
                                     detail=event.get("detail", ""))
        url = reverse("supervision:agent", args=[agent_id]) if agent_id else ""
        return {"kind": "rule", "url": url, "text": text}

    def alert_toast(self, event: dict, agents: set[int], queues: set[int]) -> dict | None:
        if event.get("kind") in ("pause_over", "missed_shift"):
            agent = User.objects.filter(pk__in=agents).first()
            if agent is None or not notifications.about_agent(self.chosen, agent.pk):
                return None
            if event["kind"] == "missed_shift":
                if not self.preference.missed_shifts:
                    return None
                return {"kind": "missed_shift", "url": reverse("supervision:agent", args=[agent.pk]),
                        "text": _("%(agent)s has not logged in for their shift.") % {"agent": agent.display_name}}
            if not notifications.wants_long_pauses(self.preference.status_changes):
                return None
            return {"kind": "pause_over", "url": reverse("supervision:agent", args=[agent.pk]),
                    "text": _("%(agent)s has been on %(status)s for more than %(minutes)s minutes.")
                    % {"agent": agent.display_name, "status": event.get("status", ""),
                       "minutes": event.get("minutes", "")}}
        if event.get("kind") == "wait_over":
            queue = Queue.objects.filter(pk__in=queues & self.queue_ids).first()
            if queue is None:
                return None
            return {"kind": "wait_over", "url": reverse("supervision:queue", args=[queue.pk]),
                    "text": _("A customer has been waiting in %(queue)s for more than %(seconds)s seconds.")
                    % {"queue": queue.name, "seconds": event.get("seconds", "")}}
        return None
