"""The Redis channel layer: channels_redis' pub/sub layer, fanned out per process, plus
`group_send_many` for events.py.

Why pub/sub: channels_redis' default layer stores a copy of every group message per member
channel, and each server process pops its sockets' copies one Redis round trip at a time: a
status change seen by 50 supervisors on one process was 50 round trips before the last of them
could even start. Here a group is a Redis pub/sub channel; each server process subscribes to the
groups its sockets are in (membership lives in the process) and receives one copy of a message,
which it hands to every member socket in the same loop iteration.

`publish_now(groups, message)` publishes one envelope (the message, serialized once, and the list
of groups) to each group's channel in one pipeline, right there in the caller's thread (a request's,
a Celery worker's) with a plain Redis connection: no hand-over to an event loop, which cost more
than the publish itself. `group_send_many` does the same from async code. The first copy a
process receives is delivered to every local member of any of those groups, each socket once; later copies of the same
envelope (a socket's process hears each of its groups) are dropped.

A socket may also take its messages in the fast lane (`fastlane`): when it has nothing else to
handle, the process hands it the message right there, on the event loop, in the same loop turn
as the others, instead of queueing it for the consumer's task (two loop turns and a task switch
per socket; see sockets.LiveConsumer.fastlane). Phoenix's PubSub does the same ("fastlaning").

Delivery is at most once, like every channel layer: a message published while a process is
reconnecting to Redis is lost, and the pages heal on their next (re)connect refresh. After a
Redis restart redis-py re-subscribes a process's channels by itself.
"""

import asyncio
import logging
import threading
import uuid
import weakref
from collections import OrderedDict

import redis
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _consistent_hash, _wrap_close, decode_hosts
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

RECENT_ENVELOPES = 512  # envelope ids a process remembers, to deliver each once
ENVELOPE = "cc.layer.envelope"
# Given to every socket of a process whose subscription to Redis came back after it was lost
# (Redis restarted, the network dropped): what was published meanwhile is lost, so the consumers
# send their page a full refresh, as on a reconnect.
HEALED = "cc.layer.healed"


class RedisChannelLayer(RedisPubSubChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix = kwargs.get("prefix", "asgi")
        self.hosts = decode_hosts(kwargs.get("hosts"))
        self._clients: list[redis.Redis] | None = None
        self._clients_lock = threading.Lock()

    def group_channels(self, groups) -> list[str]:
        """The pub/sub channels of `groups`, each once (as channels_redis names them)."""
        return [f"{self.prefix}__group__{group}" for group in dict.fromkeys(groups)]

    def envelope(self, channels: list[str], message: dict) -> bytes:
        return self.serialize({"type": ENVELOPE, "id": uuid.uuid4().hex, "groups": channels,
                               "message": self.serialize(message)})

    def by_shard(self, channels: list[str]) -> dict[int, list[str]]:
        """`channels` grouped by the index of their Redis shard (as channels_redis picks it)."""
        shards: dict[int, list[str]] = {}
        for name in channels:
            shards.setdefault(_consistent_hash(name, len(self.hosts)), []).append(name)
        return shards

    def publish_now(self, groups, message) -> None:
        """Send `message` to every member of `groups`, each member channel once, from sync code:
        one pipeline per Redis shard, in this thread (redis-py's connection pools are thread-safe
        and start afresh after a fork)."""
        names = self.group_channels(groups)
        if not names:
            return
        data = self.envelope(names, message)
        clients = self.sync_clients()
        for shard, channels in self.by_shard(names).items():
            pipe = clients[shard].pipeline(transaction=False)
            for channel in channels:
                pipe.publish(channel, data)
            pipe.execute()

    def sync_clients(self) -> list[redis.Redis]:
        with self._clients_lock:
            if self._clients is None:
                # A caller (a request) waits for its publish: when Redis is away, it fails at once
                # (no retries, short timeouts) and the pages heal on their next refresh.
                self._clients = [
                    redis.Redis.from_url(host["address"], **{
                        **{k: v for k, v in host.items() if k != "address"},
                        "socket_connect_timeout": 1, "socket_timeout": 2, "retry": Retry(NoBackoff(), 0)})
                    for host in self.hosts
                ]
            return self._clients

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer

    async def group_send_many(self, groups, message) -> None:
        """Send `message` to every member of `groups`, each member channel once."""
        await self._get_layer().group_send_many(groups, message)

    def fastlane(self, channel: str, handler) -> None:
        """From now on, offer `channel`'s messages to `handler(message) -> bool` (a bound method,
        held weakly) on the event loop whenever the channel has nothing queued or in hand; True
        means handled, False queues the message as usual. Call it on the server's event loop."""
        layer = self._get_layer()
        layer.lanes[channel] = weakref.WeakMethod(handler)

    def fastlane_done(self, channel: str) -> None:
        """The consumer of `channel` has finished with the message it received."""
        self._get_layer().holding.discard(channel)


class LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [Shard(shard.host, self) for shard in self._shards]
        self.recent: OrderedDict[str, None] = OrderedDict()
        self.lanes: dict[str, weakref.WeakMethod] = {}  # channel -> its consumer's fast lane
        self.holding: set[str] = set()  # fast-lane channels whose consumer has a message in hand

    async def receive(self, channel):
        try:
            message = await super().receive(channel)
        except (asyncio.CancelledError, GeneratorExit):  # the consumer is gone
            self.lanes.pop(channel, None)
            self.holding.discard(channel)
            raise
        if channel in self.lanes:
            self.holding.add(channel)  # until its consumer says fastlane_done
        return message

    async def group_send(self, group, message):
        await self.group_send_many([group], message)

    async def group_send_many(self, groups, message) -> None:
        names = self.channel_layer.group_channels(groups)
        if not names:
            return
        envelope = self.channel_layer.envelope(names, message)
        for shard, channels in self.channel_layer.by_shard(names).items():
            await self._shards[shard].publish_many(channels, envelope)

    def deliver(self, data: bytes) -> None:
        """An envelope from any group channel: hand its message to each local member once."""
        envelope = self.channel_layer.deserialize(data)
        if envelope.get("type") != ENVELOPE or envelope["id"] in self.recent:
            return
        self.recent[envelope["id"]] = None
        if len(self.recent) > RECENT_ENVELOPES:
            self.recent.popitem(last=False)
        members = {}
        for name in envelope["groups"]:
            members.update(dict.fromkeys(self.groups.get(name, ())))
        message = None  # deserialized once, for the fast lanes; read-only for them
        for channel in members:
            queue = self.channels.get(channel)
            if queue is None:
                continue
            lane = self.lanes.get(channel) if queue.empty() and channel not in self.holding else None
            handler = lane() if lane is not None else None
            if lane is not None and handler is None:  # its consumer is gone
                del self.lanes[channel]
            if handler is not None:
                if message is None:
                    message = self.channel_layer.deserialize(envelope["message"])
                try:
                    if handler(message):
                        continue
                except Exception:  # the queue's usual path still gets the message
                    logger.exception("fast lane of %s failed", channel)
            queue.put_nowait(envelope["message"])

    def heal(self) -> None:
        message = self.channel_layer.serialize({"type": HEALED})
        for queue in self.channels.values():
            queue.put_nowait(message)


class Shard(RedisSingleShardConnection):
    async def publish_many(self, channels: list[str], data: bytes) -> None:
        async with self._lock:
            self._ensure_redis()
            pipe = self._redis.pipeline(transaction=False)
            for channel in channels:
                pipe.publish(channel, data)
            await pipe.execute()

    async def _do_receiving(self):
        """channels_redis' receiving loop, which also tells the sockets when a lost subscription
        is back (redis-py reconnects and subscribes again by itself)."""
        lost = False
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
                    if lost:
                        lost = False
                        logger.warning("Redis subscription back: refreshing this process's sockets")
                        self.channel_layer.heal()
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (TimeoutError, asyncio.CancelledError, GeneratorExit):
                raise
            except Exception:
                if not lost:
                    logger.warning("lost the Redis subscription; reconnecting", exc_info=True)
                lost = True
                await asyncio.sleep(1)

    def _receive_message(self, message):
        if message is None:
            return
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        if name in self.channel_layer.channels:
            self.channel_layer.channels[name].put_nowait(message["data"])
        elif name in self.channel_layer.groups:
            try:
                self.channel_layer.deliver(message["data"])
            except Exception:  # a malformed message must not stop the receiving task
                logger.exception("could not deliver a message from %s", name)
