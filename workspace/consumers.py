"""/ws/workspace/: an agent's own status, lists, queue figures and open conversation, live."""

import json
from urllib.parse import parse_qs

from django.utils import translation

from contactcenter import events
from contactcenter.models import Conversation, Message
from contactcenter.sockets import LiveConsumer
from permissions import access
from workspace import context

PAGE = "workspace/index.html"
CONVERSATION_EVENTS = {
    events.CONVERSATION_QUEUED, events.CONVERSATION_OFFERED, events.CONVERSATION_ASSIGNED,
    events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED, events.CONVERSATION_UPDATED,
    events.OFFER_ENDED,
}
OWN_STATUS_EVENTS = {events.AGENT_STATUS, events.WRAPUP_STARTED, events.WRAPUP_ENDED,
                     events.QUEUE_LOGIN, events.QUEUE_LOGOUT}


class WorkspaceConsumer(LiveConsumer):
    track_device = True

    def connect(self):
        params = {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        self.params = context.view_params(params)
        self.conversation_id = context.as_page(params.get("c"), default=None) if params.get("c") else None
        self.footer = params.get("footer", "")
        super().connect()

    def receive(self, text_data=None, bytes_data=None):
        """"ping" (heartbeat) or the page's state after a (re)connect or a swap of the desk."""
        super().receive(text_data, bytes_data)
        if not text_data or not text_data.startswith("{") or not hasattr(self, "user"):
            return
        try:
            state = json.loads(text_data)
        except ValueError:
            return
        if not isinstance(state, dict):
            return
        params = context.view_params({k: str(v) for k, v in state.items() if k in ("tab", "sort")})
        opened = context.as_page(state.get("open"), default=None) if state.get("open") else None
        footer = str(state.get("footer", ""))[:20]
        if (params, opened, footer) == (self.params, self.conversation_id, self.footer):
            return
        self.params, self.conversation_id, self.footer = params, opened, footer
        self.sync_groups()
        with translation.override(self.language):
            self.refresh()

    def visible_or_none(self, conversation_id: int | None) -> int | None:
        """A conversation id the page claims to show counts only if this user may see it."""
        if conversation_id and access.visible_conversations(self.user).filter(pk=conversation_id).exists():
            return conversation_id
        return None

    def wanted_groups(self) -> set[str]:
        self.conversation_id = self.visible_or_none(self.conversation_id)
        groups = {events.agent_group(self.user.pk)}
        groups |= {events.queue_group(q) for q in access.unassigned_queue_ids(self.user)}
        if self.conversation_id:
            groups.add(events.conversation_group(self.conversation_id))
        return groups

    # --- regions -------------------------------------------------------------------------------

    def open_conversation(self) -> Conversation | None:
        if not self.conversation_id:
            return None
        return (
            access.visible_conversations(self.user)
            .select_related("contact", "queue", "channel", "assignee", "disposition")
            .filter(pk=self.conversation_id)
            .first()
        )

    def render_bar(self) -> str:
        return self.render(PAGE + "#topbar", context.bar_context(self.user))

    def render_lists(self) -> str:
        ctx = context.lists_context(self.user, tab=self.params["tab"], sort=self.params["sort"],
                                    page=self.params["page"], conversation=self.open_conversation())
        return self.render(PAGE + "#lists", ctx)

    def render_conversation(self, *, header=True, messages=False, footer=False, contact=False) -> str:
        conversation = self.open_conversation()
        if conversation is None:
            return ""
        ctx = context.conversation_context(self.user, conversation)
        parts = []
        if header:
            parts.append(self.render(PAGE + "#conv-header", ctx))
        if messages:
            parts.append(self.render(PAGE + "#messages", ctx))
        if footer or ctx["footer_mode"] != self.footer:
            parts.append(self.render(PAGE + "#conv-footer", ctx))
            self.footer = ctx["footer_mode"]
        if contact:
            parts.append(self.render(PAGE + "#contact-panel", ctx))
        return "".join(parts)

    def render_message(self, message_id: int, *, replace: bool = False) -> str:
        if self.open_conversation() is None:
            return ""
        message = (
            Message.objects.filter(pk=message_id, conversation_id=self.conversation_id)
            .select_related("sender", "conversation__contact").prefetch_related("attachments").first()
        )
        if message is None:
            return ""
        # A new message is appended to the list; one whose delivery state changed swaps itself in place.
        return self.render(PAGE + ("#message" if replace else "#message-appended"),
                           {"message": message, "conversation": message.conversation, "oob": replace})

    def refresh(self) -> None:
        """On every (re)connect: everything the page shows except what the agent is typing."""
        self.send_html(self.render_bar(), self.render_lists(),
                       self.render_conversation(header=True, messages=True, contact=True))

    # --- events --------------------------------------------------------------------------------

    def handle_event(self, event: dict) -> None:
        kind = event["type"]
        mine = self.user.pk in event.get("agent_ids", [])
        about_open = self.conversation_id is not None and self.conversation_id in event.get("conversation_ids", [])
        fragments = []
        if kind in OWN_STATUS_EVENTS and mine:
            if kind in (events.QUEUE_LOGIN, events.QUEUE_LOGOUT):
                self.sync_groups()
            fragments.append(self.render_bar())
            if kind != events.AGENT_STATUS:  # the lists show no status (a sign-out's queue logouts come on their own)
                fragments.append(self.render_lists())
            if self.conversation_id and kind in (events.WRAPUP_STARTED, events.WRAPUP_ENDED):
                fragments.append(self.render_conversation(header=True, footer=True))
        elif kind == events.AGENT_STATUS:
            # A colleague: only "agents online" can change.
            if "offline" in (event.get("status"), event.get("previous_status")):
                fragments.append(self.render_bar())
        elif kind in CONVERSATION_EVENTS:
            fragments += [self.render_bar(), self.render_lists()]
            if about_open:
                fragments.append(self.render_conversation(header=True, contact=kind == events.CONVERSATION_UPDATED))
        elif kind == events.MESSAGE_CREATED:
            fragments.append(self.render_lists())
            if about_open:
                fragments.append(self.render_message(event["message_id"]))
        elif kind == events.MESSAGE_UPDATED:
            if about_open:
                fragments.append(self.render_message(event["message_id"], replace=True))
        elif kind == events.CONVERSATION_RATED:
            # A customer rated one of my conversations: the open one's panel shows its rating, or,
            # for a later conversation of the same customer, their history's.
            if mine and self.conversation_id:
                fragments.append(self.render_conversation(header=False, contact=True))
        self.send_html(*fragments)
