import asyncio
import gc
import os
import sys

from autobahn import util as autobahn_util
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
    """The router, noting the server's event loop for events sent from other threads."""
    remember_server_loop(asyncio.get_running_loop())
    return await router(scope, receive, send)


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
