"""/ws/chat/<channel key>/: a web chat visitor's live page.

Authenticated by the visitor's signed token (the page's `t`, or the chat cookie), never by a
staff session. It hears its conversation's group (messages, assignment, close) and its queue's
group (others leaving the line change the visitor's position), and answers with the page's own
partials. Only customer-visible messages are ever rendered (see context.visible_messages).
"""

import logging
from collections import deque
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.generic.websocket import WebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils import translation

from contactcenter import events, layers
from contactcenter.connectors import ratelimit
from contactcenter.connectors.webchat import tokens
from contactcenter.connectors.webchat.context import PAGE, chat_context
from contactcenter.models import Channel, Conversation, Message
from contactcenter.sockets import CLOSE_UNAUTHORIZED, HANDLED_IDS, request_for_scope

logger = logging.getLogger(__name__)

CONNECTS_PER_MINUTE = 60  # per client address: reconnects are a few a minute at most

QUEUE_MOVES = {
    events.CONVERSATION_QUEUED, events.CONVERSATION_OFFERED, events.CONVERSATION_ASSIGNED,
    events.CONVERSATION_CLOSED, events.CONVERSATION_TRANSFERRED,
}


class WebchatConsumer(WebsocketConsumer):
    def connect(self):
        key = self.scope["url_route"]["kwargs"]["key"]
        client = (self.scope.get("client") or ["unknown"])[0]
        # A connect has an ASGI scope, no HttpRequest: the plain-key counter (see ratelimit.py).
        if not ratelimit.allow(f"webchat:socket:client:{client}", CONNECTS_PER_MINUTE, 60):
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        channel = (
            Channel.objects.select_related("organization", "queue")
            .filter(public_key=key, kind=Channel.Kind.WEBCHAT, is_active=True)
            .first()
        )
        self.request = request_for_scope(self.scope, AnonymousUser())
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        token = (query.get("t") or [""])[0]
        conversation = None
        if channel is not None:
            conversation = tokens.read(channel, token)
            if conversation is None:
                token = self.request.COOKIES.get(tokens.cookie_name(channel), "")
                conversation = tokens.read(channel, token)
        if conversation is None:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.chat_channel = channel
        self.token = token
        self.conversation_id = conversation.pk
        accept_language = dict(self.scope.get("headers", [])).get(b"accept-language", b"").decode("latin1")
        self.request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
        self.language = translation.get_language_from_request(self.request)
        self.joined: set[str] = set()
        self.handled: deque[str] = deque(maxlen=HANDLED_IDS)
        # The composer the page shows (open or closed): it is re-sent only when that changes, so
        # a (re)connect never wipes what the visitor is typing.
        shown = (query.get("o") or [""])[0]
        self.was_open = {"1": True, "0": False}.get(shown)
        self.waiting = False
        self.accept()
        async_to_sync(layers.watch)(self.channel_layer, self.channel_name)
        self.update(everything=True)

    def disconnect(self, code):
        async_to_sync(layers.unwatch)(self.channel_name)
        for group in getattr(self, "joined", set()):
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)

    def receive(self, text_data=None, bytes_data=None):
        """A heartbeat; the visitor writes through the page's forms, not the socket."""

    def sync_groups(self, conversation) -> None:
        wanted = {events.conversation_group(conversation.pk), events.queue_group(conversation.queue_id)}
        for group in wanted - self.joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        for group in self.joined - wanted:
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)
        self.joined = wanted

    def update(self, *, everything: bool = False, thread: bool = False) -> None:
        conversation = tokens.read(self.chat_channel, self.token)
        if conversation is None:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.sync_groups(conversation)
        self.waiting = conversation.status in (Conversation.Status.QUEUED, Conversation.Status.OFFERED)
        with translation.override(self.language):
            context = chat_context(self.chat_channel, conversation, self.token, oob=True)
            parts = ["status"]
            if everything or thread:
                parts.append("thread")
            if self.was_open != conversation.is_open:
                parts.append("composer")
                self.was_open = conversation.is_open
            for name in parts:
                self.send(text_data=render_to_string(f"{PAGE}#{name}", context, request=self.request))

    def cc_layer_healed(self, message):
        """Redis restarted (layers.HEALED): it may have forgotten this socket's groups, and the page
        may have missed messages. Join the groups again and send the whole chat."""
        if hasattr(self, "chat_channel"):
            self.joined = set()
            self.update(everything=True)

    def cc_event(self, message):
        event = message["event"]
        if event.get("id") in self.handled:  # sent to both its groups (conversation, queue)
            return
        self.handled.append(event.get("id"))
        try:
            if self.conversation_id in event.get("conversation_ids", []):
                if event.get("direction") in (Message.Direction.INTERNAL, Message.Direction.EVENT):
                    return  # a note, a whisper or the staff's log: nothing the visitor may see changed
                self.update(thread=True)
            elif event["type"] in QUEUE_MOVES and self.waiting:
                self.update()  # someone ahead left the line: the position changed
        except Exception:  # one bad render must not kill the socket; a reconnect heals
            logger.exception("web chat update failed for %s", event.get("type"))
