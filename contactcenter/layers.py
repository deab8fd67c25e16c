"""Healing the live pages after Redis restarts.

The channel layer is channels_redis' own (settings.CHANNEL_LAYERS), used through its public API
only. Delivery is at most once, like every channel layer: what is published while Redis is away is
lost, and a restarted Redis has forgotten the core layer's group memberships. Each page's consumer
already knows how to come back to the truth (it re-joins its groups and re-sends its whole screen,
as on a reconnect); what is needed is to tell it when.

So every event loop that serves sockets runs one small watcher: once a second it asks Redis for
its `run_id` (INFO server), which is new after every restart. When it changes, the watcher waits
until this process's channel layer hears Redis again, then sends `HEALED` to every live socket of
the loop (the consumers register their channel names here on connect).
"""

import asyncio
import logging
import weakref

import redis
from django.conf import settings
from redis import asyncio as aioredis

logger = logging.getLogger(__name__)

HEALED = "cc.layer.healed"  # consumers implement cc_layer_healed(self, message)
CHECK_EVERY = 1.0  # seconds between two looks at Redis' run id
HEARD_ATTEMPTS = 30  # after a restart, tries (a second or so each) for the layer to hear Redis again


class Watcher:
    """The live sockets of one event loop, and Redis' run id as last seen from it."""

    def __init__(self, layer, url: str):
        self.layer = layer
        self.url = url
        self.channels: set[str] = set()
        self.run_id: str | None = None
        self.task: asyncio.Task | None = None

    async def check(self, run_id: str) -> bool:
        """Redis' run id as just read. True when it changed since the last check (Redis restarted):
        then every live socket of this loop has been sent `HEALED`."""
        previous, self.run_id = self.run_id, run_id
        if previous is None or previous == run_id:
            return False
        logger.warning("Redis restarted: refreshing %d live sockets", len(self.channels))
        await self.until_heard()
        for channel in list(self.channels):
            try:
                await self.layer.send(channel, {"type": HEALED})
            except Exception:  # that socket heals on its page's next reconnect
                logger.exception("could not tell %s to heal", channel)
        return True

    async def until_heard(self) -> None:
        """Wait until a message to a new channel of this layer comes back: with the pub/sub layer,
        subscribing reconnects redis-py's subscriber, which subscribes this process's channels
        again; a HEALED sent before that would be lost."""
        for _attempt in range(HEARD_ATTEMPTS):
            try:
                probe = await self.layer.new_channel()
                await self.layer.send(probe, {"type": "cc.layer.probe"})
                await asyncio.wait_for(self.layer.receive(probe), 1)
                return
            except Exception:  # noqa: BLE001 - Redis or the subscription not back yet
                await asyncio.sleep(0.2)
        logger.warning("the channel layer does not hear Redis yet; telling the sockets anyway")

    async def run(self) -> None:
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)
        try:
            while True:
                try:
                    info = await client.info("server")
                except (redis.RedisError, OSError):
                    pass  # Redis away: its new run id is noticed once it is back
                else:
                    await self.check(info["run_id"])
                await asyncio.sleep(CHECK_EVERY)
        finally:
            await client.aclose()


_watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Watcher] = weakref.WeakKeyDictionary()


def watcher() -> Watcher | None:
    """The running event loop's watcher, if a socket started it."""
    return _watchers.get(asyncio.get_running_loop())


async def watch(layer, channel: str) -> None:
    """A consumer's socket is live on this loop: tell it when Redis restarts. Nothing to watch
    in embedded mode (the in-memory layer lives and dies with the process)."""
    if not settings.REDIS_URL:
        return
    loop = asyncio.get_running_loop()
    current = _watchers.get(loop)
    if current is None or current.layer is not layer:  # a new layer (tests change the settings)
        if current is not None and current.task is not None:
            current.task.cancel()
        current = _watchers[loop] = Watcher(layer, settings.REDIS_URL)
    if current.task is None or current.task.done():
        current.task = loop.create_task(current.run(), name="redis-restart-watcher")
    current.channels.add(channel)


async def unwatch(channel: str) -> None:
    current = watcher()
    if current is not None:
        current.channels.discard(channel)
