"""The base of the screens' websocket consumers (workspace, supervision).

Sync consumers (Channels' WebsocketConsumer). A consumer authenticates by the session, joins the
groups its user may hear, sends a full refresh of its page's regions on every (re)connect, and
turns domain events into HTML fragments rendered from the page's own partials; htmx's ws
extension swaps them in by id.
"""

import asyncio
import functools
import logging
from collections import OrderedDict
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

from contactcenter import events
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
_shared: OrderedDict[tuple, str] = OrderedDict()
SHARED_RENDERS = 1024
# Shared fragments being rendered in a consumer thread, by key: other sockets wait for them on the
# event loop instead of rendering them too.
_rendering: dict[tuple, asyncio.Future] = {}
_sending: set[asyncio.Task] = set()  # sends handed to the server's own send (tests; no frame writer)


def shared_render(key: tuple, build: Callable[[], str]) -> str:
    html = _shared.get(key)
    if html is None:
        html = _shared[key] = build()
        while len(_shared) > SHARED_RENDERS:
            try:
                _shared.popitem(last=False)
            except KeyError:  # emptied meanwhile
                break
    return html


@functools.lru_cache(maxsize=64)
def text_frame(html: str) -> bytes:
    """A websocket text frame as a server sends it (RFC 6455: final, unmasked, uncompressed):
    made once for a fragment that many sockets send alike."""
    payload = html.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class Part(NamedTuple):
    """A shared fragment: its key, how to render it, and whether that needs no database (then it
    is rendered on the event loop, at once)."""

    key: tuple
    build: Callable[[], str]
    on_loop: bool = False


class LiveConsumer(WebsocketConsumer):
    track_device = False

    async def __call__(self, scope, receive, send):
        self.send_now = scope.get("server_send", send)  # the server's own send, for the fast path
        self.write_frame = scope.get("write_frame")  # Daphne: a frame written to the socket at once
        self.parts_left: tuple[str | None, list[Part]] | None = None
        await super().__call__(scope, receive, send)

    async def dispatch(self, message):
        kind = message.get("type", "")
        if kind.startswith("websocket."):  # from the browser
            await super().dispatch(message)
            if kind == "websocket.connect" and hasattr(self, "user") and hasattr(self.channel_layer, "fastlane"):
                self.channel_layer.fastlane(self.channel_name, self.fastlane)
            return
        try:
            await self.dispatch_layer_message(message)
        finally:
            if hasattr(self.channel_layer, "fastlane_done"):
                self.channel_layer.fastlane_done(self.channel_name)

    def fastlane(self, message: dict) -> bool:
        """A message handed over by the Redis layer on the event loop while this socket has
        nothing else to handle (layers.RedisChannelLayer.fastlane): an event answered with shared
        fragments only (`fast_event`) is sent now, what needs no database at once, and True says
        it is handled. False queues the message for `dispatch` as usual, with the fragments still
        to send when one of them needs the database (rendered in a thread)."""
        if message.get("type") != "cc.event":
            return False
        event = message["event"]
        parts = self.fast_event(event)
        if parts is None:
            return False
        for index, part in enumerate(parts):
            html = self.fragment_now(part)
            if html is None:
                self.parts_left = (event.get("id"), parts[index:])
                return False
            self.send_at_once(html)
        return True

    def send_at_once(self, html: str) -> None:
        """Send a fragment from the event loop without awaiting: under Daphne the frame, made once
        for every socket that sends it, is written to the socket now; elsewhere (tests) it goes to
        the server's send in order."""
        if not html or not html.strip():
            return
        if self.write_frame is not None and self.write_frame(text_frame(html)):
            return
        task = asyncio.get_running_loop().create_task(self.send_now({"type": "websocket.send", "text": html}))
        _sending.add(task)
        task.add_done_callback(_sending.discard)

    async def dispatch_layer_message(self, message):
        """An event the consumer answers with shared fragments only (`fast_event`) is answered from
        the event loop: what needs no database is rendered and sent at once; what does is rendered
        by one socket in its thread while the others wait for it. Everything else runs in the
        consumer's thread as usual, after the sockets of this loop turn have sent what they have."""
        if message.get("type") == "cc.event":
            parts = self.take_parts_left(message["event"])
            if parts is None:
                parts = self.fast_event(message["event"])
            if parts is not None:
                for part in parts:
                    self.send_at_once(await self.shared_fragment(part))
                return
            await self.after_fast_sends()
        await super().dispatch(message)

    def take_parts_left(self, event: dict) -> list[Part] | None:
        """The fragments the fast lane left to send for this event, if any."""
        left, self.parts_left = self.parts_left, None
        if left is not None and left[0] == event.get("id"):
            return left[1]
        return None

    async def after_fast_sends(self) -> None:
        """A thread's render slows the event loop down (they share the GIL): before one, let the
        other sockets of this process send what needs no database."""
        for _ in range(3):  # a socket given a message dispatches it within three turns
            await asyncio.sleep(0)

    def fragment_now(self, part: Part) -> str | None:
        """The part's HTML when it is rendered already or needs no database (rendered now, on the
        event loop); None when it must be rendered in a thread."""
        html = _shared.get(part.key)
        if html is None and part.on_loop:
            self.render_shared(part)
            html = _shared.get(part.key, "")
        return html

    async def shared_fragment(self, part: Part) -> str:
        html = self.fragment_now(part)
        if html is not None:
            return html
        future = _rendering.get(part.key)
        if future is not None:
            await asyncio.shield(future)
            return _shared.get(part.key, "")
        future = _rendering[part.key] = asyncio.get_running_loop().create_future()
        try:
            await self.after_fast_sends()
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

    @contextmanager
    def speaking(self):
        """The user's language and organization's time zone, for everything this socket renders."""
        with translation.override(self.language), timezone.override(getattr(self, "time_zone", None)):
            yield

    def fast_event(self, event: dict) -> list[Part] | None:
        """The shared fragments this socket sends for the event, in order, when that is all it
        sends; None for the usual path (`handle_event` in the consumer's thread). Runs on the
        event loop: no database."""
        return None

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
        self.device = None
        self.accept()
        self.sync_groups()
        if self.track_device:
            self.device = devices.device_connect(
                user=user, channel_name=self.channel_name,
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""), session_key=self.session_key,
            )
        with self.speaking():
            self.refresh()

    def disconnect(self, code):
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
        """The process's Redis subscription came back after a loss (layers.HEALED): events may
        have been missed, so the page gets a full refresh, as on a reconnect."""
        if hasattr(self, "user"):
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
