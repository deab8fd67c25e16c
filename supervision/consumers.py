"""/ws/supervision/: the queues and agents a supervisor may see, live.

The consumer joins its organization's group and filters every event by what this supervisor may
see: a supervisor limited to assigned queues hears nothing of other queues or their agents.
"""

from contactcenter import events
from contactcenter.sockets import LiveConsumer
from permissions import access
from supervision import context

PAGE = "supervision/overview.html"
FIGURE_EVENTS = {
    events.CONVERSATION_QUEUED, events.CONVERSATION_OFFERED, events.CONVERSATION_ASSIGNED,
    events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED, events.QUEUE_LOGIN, events.QUEUE_LOGOUT,
    events.AGENT_STATUS, events.WRAPUP_STARTED, events.WRAPUP_ENDED,
}
AGENT_EVENTS = {events.AGENT_STATUS, events.QUEUE_LOGIN, events.QUEUE_LOGOUT, events.DEVICE_CHANGED,
                events.CONVERSATION_ASSIGNED, events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED,
                events.WRAPUP_STARTED, events.WRAPUP_ENDED}


class SupervisionConsumer(LiveConsumer):
    def allowed(self, user) -> bool:
        return user.is_supervising

    def wanted_groups(self) -> set[str]:
        return {events.org_group(self.user.organization_id), events.agent_group(self.user.pk)}

    def refresh(self) -> None:
        self.queue_ids = set(access.supervised_queue_ids(self.user))
        ctx = context.overview_context(self.user)
        self.agent_ids = {row.agent.pk for row in ctx["agent_rows"]}
        rows = "".join(self.render(PAGE + "#agent-row", {"row": row}) for row in ctx["agent_rows"])
        self.send_html(self.render(PAGE + "#overview-figures", ctx), f'<tbody id="agent-rows">{rows}</tbody>')

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
        if kind in FIGURE_EVENTS and (queues & self.queue_ids or agents & self.agent_ids):
            fragments.append(self.render(PAGE + "#overview-figures", context.figures_context(self.user)))
        if kind in AGENT_EVENTS:
            for agent_id in agents & self.agent_ids:
                ctx = context.agent_row_context(self.user, agent_id)
                if ctx:
                    fragments.append(self.render(PAGE + "#agent-row", ctx))
        self.send_html(*fragments)
