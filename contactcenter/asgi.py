import asyncio
import functools
import gc
import os
import sys

from autobahn import util as autobahn_util
from daphne.ws_protocol import WebSocketProtocol
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from contactcenter.events import remember_server_loop  # noqa: E402
from contactcenter.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


async def application(scope, receive, send):
    """The router, noting the server's event loop for events sent from other threads. A socket's
    scope also carries the server's own send: the consumers' fast path sends frames with it,
    past the session middleware (which only saves sessions on HTTP responses), and, under
    Daphne, a function that writes a ready-made frame to the socket (`frame_writer`)."""
    remember_server_loop(asyncio.get_running_loop())
    if scope["type"] == "websocket":
        scope = {**scope, "server_send": send, "write_frame": frame_writer(send)}
    return await router(scope, receive, send)


def frame_writer(send):
    """Daphne's send for a socket is `partial(server.handle_reply, protocol)`. From its protocol
    (autobahn's): a function that writes a whole websocket frame to the socket at once and says
    whether it could. A fragment that 50 supervisors receive alike is framed once
    (sockets.text_frame), not 50 times by autobahn. False when autobahn must send it instead
    (compression, frames queued by autobahn); a socket no longer open takes nothing. None under
    another server (tests)."""
    protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
    if not isinstance(protocol, WebSocketProtocol):
        return None

    def write_frame(frame: bytes) -> bool:
        transport = protocol.transport
        if (protocol.state != WebSocketProtocol.STATE_OPEN or not getattr(transport, "connected", False)
                or transport.disconnecting):
            return True  # closing or closed: nothing more to send (autobahn would raise)
        if protocol._perMessageCompress is not None or protocol.send_queue:
            return False  # autobahn's own send, then
        if not getattr(transport, "TLS", True) and not transport.dataBuffer and not transport._tempDataBuffer:
            # Nothing waits in Twisted's buffer: one send() now. (Twisted's write would also add the
            # socket to the poller and take it out again: two more system calls per frame.)
            sent = transport.writeSomeData(frame)
            if sent == len(frame):
                return True
            if isinstance(sent, int):  # partly sent: Twisted's buffer takes the rest
                frame = frame[sent:]
            # else the connection is lost: Twisted's own write below meets the error and closes it
        transport.write(frame)
        transport.doWrite()  # now, not when the reactor next polls (see _send_at_once)
        return True

    return write_frame


# What start-up created (modules, URL patterns, settings) lives as long as the process: moved out
# of the garbage collector's way, a collection no longer walks it (shorter pauses under load).
gc.freeze()

# The event loop (sockets) and the consumers' sync thread (renders) share the GIL. By default a
# thread that wants it waits up to 5 ms for the other to let go: every frame the loop sends while
# a render runs would wait that long. 0.5 ms keeps the loop's sends flowing during renders.
sys.setswitchinterval(0.0005)

# autobahn (Daphne's websocket protocol) colours the arguments of a debug log line with click on
# every frame it sends, whether or not debug logging is on: a tenth of the event loop's time when
# an event goes to many sockets. Plain text instead.
autobahn_util._HAS_CLICK = False


def _send_at_once(self, content, binary=False):
    """Daphne's serverSend, then the frame written to the socket now. Twisted writes a buffered
    frame when its event loop next polls, after every callback already queued: when one event
    goes to 50 sockets, the first socket's frame would wait for the other sockets' work."""
    _server_send(self, content, binary)
    transport = self.transport
    if getattr(transport, "connected", False) and hasattr(transport, "doWrite"):
        transport.doWrite()  # an error is left for the reactor, which sees it on its next poll


_server_send = WebSocketProtocol.serverSend
WebSocketProtocol.serverSend = _send_at_once
