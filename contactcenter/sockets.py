"""The base of the screens' websocket consumers (workspace, supervision).

Sync consumers (Channels' WebsocketConsumer). A consumer authenticates by the session, joins the
groups its user may hear, sends a full refresh of its page's regions on every (re)connect, and
turns domain events into HTML fragments rendered from the page's own partials; htmx's ws
extension swaps them in by id.
"""

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import NamedTuple

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import WebsocketConsumer
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from contactcenter import events, layers
from contactcenter.models import User
from contactcenter.services import devices

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401  # not reconnected by htmx (only 1006/1011/1012/1013 are)


def request_for_scope(scope, user) -> HttpRequest:
    """A request-like object so partials render as they do in the page (csrf, user, language)."""
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.path = scope.get("path", "/")
    headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", [])}
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is just no cookies
        pass
    request.COOKIES = {k: morsel.value for k, morsel in cookies.items()}
    request.META["HTTP_HOST"] = headers.get("host", "localhost")
    request.META["HTTP_USER_AGENT"] = headers.get("user-agent", "")
    if settings.CSRF_COOKIE_NAME in request.COOKIES:
        request.META["CSRF_COOKIE"] = request.COOKIES[settings.CSRF_COOKIE_NAME]
    request.session = scope.get("session")
    return request


# Fragments every socket of this process that shows the same thing sends alike (a supervisor
# overview's status cells, figures and toasts hold no per-user data), by a key naming the event
# and what the page shows: rendered once, then reused. 50 supervisors cost one render, not 50.
# The consumers' sync code runs in one thread per process (Channels' database_sync_to_async).
_shared: OrderedDict[tuple, str] = OrderedDict()
SHARED_RENDERS = 1024
HANDLED_IDS = 50  # the latest event ids a socket remembers, to handle each once


# Shared fragments being rendered in the consumers' thread, by key: other sockets wait for them on
# the event loop instead of rendering them too.
_rendering: dict[tuple, asyncio.Future] = {}


def shared_render(key: tuple, build: Callable[[], str]) -> str:
    html = _shared.get(key)
    if html is None:
        html = _shared[key] = build()
        while len(_shared) > SHARED_RENDERS:
            try:
                _shared.popitem(last=False)
            except KeyError:  # emptied meanwhile (the event loop and the consumers' thread share it)
                break
    return html


class Part(NamedTuple):
    """A shared fragment: its key, how to render it, and whether that needs no database (then it
    is rendered on the event loop, at once)."""

    key: tuple
    build: Callable[[], str]
    on_loop: bool = False


class LiveConsumer(WebsocketConsumer):
    track_device = False

    async def __call__(self, scope, receive, send):
        self.send_on_loop = send  # the ASGI send, for sends from the event loop (`dispatch`)
        await super().__call__(scope, receive, send)

    async def dispatch(self, message):
        """An event this socket answers with shared fragments only (`shared_event`) is answered
        here, on the event loop, with Channels' own send: no trip to the consumers' thread and
        back for each fragment of each socket (bench_realtime, 50 supervisors: p50 77 ms through
        the thread, 15 ms from here; README, "Live updates"). Anything else goes to the sync
        handlers as usual."""
        if message.get("type") == "cc.event" and hasattr(self, "user"):
            parts = self.shared_event(message["event"])
            if parts is not None:
                for part in parts:
                    html = await self.shared_fragment(part)
                    if html and html.strip():
                        await self.send_on_loop({"type": "websocket.send", "text": html})
                return
        await super().dispatch(message)

    async def shared_fragment(self, part: Part) -> str:
        html = _shared.get(part.key)
        if html is not None:
            return html
        if part.on_loop:
            self.render_shared(part)
            return _shared.get(part.key, "")
        future = _rendering.get(part.key)
        if future is not None:  # another socket renders it: wait for that
            await asyncio.shield(future)
            return _shared.get(part.key, "")
        future = _rendering[part.key] = asyncio.get_running_loop().create_future()
        try:
            await database_sync_to_async(self.render_shared)(part)
        finally:
            _rendering.pop(part.key, None)
            future.set_result(None)
        return _shared.get(part.key, "")

    def render_shared(self, part: Part) -> None:
        try:
            with self.speaking():
                shared_render(part.key, part.build)
        except Exception:  # one bad render must not kill the socket; the next refresh heals
            logger.exception("live update failed for %s", part.key[0])

    def shared_event(self, event: dict) -> list[Part] | None:
        """The shared fragments this socket sends for the event, in order, when that is all it
        sends (an event already handled: none); None for the usual path (`handle_event` in the
        consumers' thread). Runs on the event loop: no database."""
        return None

    @contextmanager
    def speaking(self):
        """The user's language and organization's time zone, for everything this socket renders."""
        with translation.override(self.language), timezone.override(getattr(self, "time_zone", None)):
            yield

    # --- lifecycle ---------------------------------------------------------------------------

    def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not user.organization_id:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        if not self.allowed(user):
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        # The scope's user is a lazy proxy (every attribute read goes through it): keep the user.
        user = User.objects.filter(pk=user.pk, is_active=True).first()
        if user is None:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        self.request = request_for_scope(self.scope, user)
        cookie_language = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        self.language = cookie_language if cookie_language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        self.time_zone = user.organization.zone
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", "") or ""
        self.joined: set[str] = set()
        self.handled: deque[str] = deque(maxlen=HANDLED_IDS)
        self.device = None
        self.accept()
        self.sync_groups()
        async_to_sync(layers.watch)(self.channel_layer, self.channel_name)
        if self.track_device:
            self.device = devices.device_connect(
                user=user, channel_name=self.channel_name,
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""), session_key=self.session_key,
            )
        with self.speaking():
            self.refresh()

    def disconnect(self, code):
        async_to_sync(layers.unwatch)(self.channel_name)
        for group in getattr(self, "joined", set()):
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)
        if getattr(self, "device", None) is not None:
            devices.device_disconnect(device=self.device)

    def receive(self, text_data=None, bytes_data=None):
        # The page's heartbeat. Also re-checks that the user may still be here.
        if not hasattr(self, "user"):
            return
        self.user.refresh_from_db(fields=["is_active"])
        if not self.user.is_active:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        if self.device is not None:
            devices.device_seen(device=self.device)

    # --- groups --------------------------------------------------------------------------------

    def wanted_groups(self) -> set[str]:
        return {events.agent_group(self.user.pk)}

    def sync_groups(self) -> None:
        wanted = self.wanted_groups()
        for group in wanted - self.joined:
            async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
        for group in self.joined - wanted:
            async_to_sync(self.channel_layer.group_discard)(group, self.channel_name)
        self.joined = wanted

    # --- events ----------------------------------------------------------------------------------

    def cc_event(self, message):
        event = message["event"]
        # An event sent to several groups this socket is in (its agent's and its organization's)
        # comes once per group: handle it once.
        event_id = event.get("id")
        if event_id is not None:
            if event_id in self.handled:
                return
            self.handled.append(event_id)
        if event["type"] == events.SESSION_ENDED and event.get("user_id") == self.user.pk:
            if event.get("all_sessions") or event.get("session_key") == self.session_key:
                self.close(code=CLOSE_UNAUTHORIZED)
                return
        try:
            with self.speaking():
                self.handle_event(event)
        except Exception:  # one bad render must not kill the socket; the next refresh heals
            logger.exception("live update failed for %s", event.get("type"))

    def cc_layer_healed(self, message):
        """Redis restarted (layers.HEALED): it may have forgotten this socket's groups, and events
        were missed. Join every group again and send the whole page, as on a reconnect."""
        if hasattr(self, "user"):
            for group in self.joined:
                async_to_sync(self.channel_layer.group_add)(group, self.channel_name)
            with self.speaking():
                self.refresh()

    # --- to override -----------------------------------------------------------------------------

    def allowed(self, user) -> bool:
        return True

    def refresh(self) -> None:
        raise NotImplementedError

    def handle_event(self, event: dict) -> None:
        raise NotImplementedError

    # --- rendering -------------------------------------------------------------------------------

    def render(self, template: str, context: dict) -> str:
        return render_to_string(template, context, request=self.request)

    def send_html(self, *fragments: str) -> None:
        # One frame per fragment: the browser parses each on its own, so table rows (<tr>,
        # <tbody>) keep their table context instead of being dropped after a <section>.
        for fragment in fragments:
            if fragment and fragment.strip():
                self.send(text_data=fragment)
