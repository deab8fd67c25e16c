"""The base of the screens' websocket consumers (workspace, supervision).

Sync consumers (Channels' WebsocketConsumer). A consumer authenticates by the session, joins the
groups its user may hear, sends a full refresh of its page's regions on every (re)connect, and
turns domain events into HTML fragments rendered from the page's own partials; htmx's ws
extension swaps them in by id.
"""

import asyncio
import logging
from http.cookies import SimpleCookie

from asgiref.sync import async_to_sync
from channels.generic.websocket import WebsocketConsumer
from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from contactcenter import events
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


# Fragments being rendered for the fast path, by their shared keys, on this process's event loop:
# sockets that need the same fragment wait for the one socket rendering it (and send it the moment
# it is ready) instead of all rendering it.
_rendering: dict[tuple, asyncio.Future] = {}
_loop: asyncio.AbstractEventLoop | None = None


def rendered(key: tuple) -> None:
    """Called (from any thread) when the fragment for `key` is in the shared cache."""
    loop = _loop
    if loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(_resolve, key)


def _resolve(key: tuple) -> None:
    future = _rendering.pop(key, None)
    if future is not None and not future.done():
        future.set_result(None)


class LiveConsumer(WebsocketConsumer):
    track_device = False

    async def __call__(self, scope, receive, send):
        self.send_now = send  # the server's own (async) send, for the fast path
        await super().__call__(scope, receive, send)

    async def dispatch(self, message):
        """Events a consumer answers with fragments other sockets of this process render too
        (`fast_event`) are sent from the event loop, each as soon as it exists; one socket renders
        what is missing, in its thread. Everything else runs in the consumer's thread as usual."""
        global _loop
        if message.get("type") == "cc.event":
            keys = self.fast_event(message["event"])
            if keys is not None:
                _loop = asyncio.get_running_loop()
                missing = [key for key in keys if self.shared(key) is None]
                mine = [key for key in missing if key not in _rendering]
                if mine:  # this socket renders them (all of its fragments, through the usual path)
                    for key in mine:
                        _rendering[key] = _loop.create_future()
                    try:
                        await super().dispatch(message)
                    finally:
                        for key in mine:
                            _resolve(key)
                    return
                self.mark_handled(message["event"])
                for key in keys:
                    if self.shared(key) is None and key in _rendering:
                        await asyncio.shield(_rendering[key])
                    fragment = self.shared(key)
                    if fragment and fragment.strip():
                        await self.send_now({"type": "websocket.send", "text": fragment})
                return
        await super().dispatch(message)

    def fast_event(self, event: dict) -> list[tuple] | None:
        """The shared keys of the fragments this socket sends for the event, in order, when all of
        them are shared renders; None for the usual path. Runs on the event loop: no database."""
        return None

    def shared(self, key: tuple) -> str | None:
        return None

    def mark_handled(self, event: dict) -> None:
        pass

    # --- lifecycle ---------------------------------------------------------------------------

    def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not user.organization_id:
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        if not self.allowed(user):
            self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user = user
        self.request = request_for_scope(self.scope, user)
        cookie_language = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        self.language = cookie_language if cookie_language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
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
        with translation.override(self.language):
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
            with translation.override(self.language):
                self.handle_event(event)
        except Exception:  # one bad render must not kill the socket; the next refresh heals
            logger.exception("live update failed for %s", event.get("type"))

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
