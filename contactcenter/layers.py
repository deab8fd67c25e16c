"""The Redis channel layer: channels_redis' pub/sub layer, fanned out per process, plus
`group_send_many` for events.py.

Why pub/sub: channels_redis' default layer stores a copy of every group message per member
channel, and each server process pops its sockets' copies one Redis round trip at a time: a
status change seen by 50 supervisors on one process was 50 round trips before the last of them
could even start. Here a group is a Redis pub/sub channel; each server process subscribes to the
groups its sockets are in (membership lives in the process) and receives one copy of a message,
which it hands to every member socket in the same loop iteration.

`group_send_many(groups, message)` publishes one envelope (the message, serialized once, and the
list of groups) to each group's channel in one pipeline. The first copy a process receives is
delivered to every local member of any of those groups, each socket once; later copies of the same
envelope (a socket's process hears each of its groups) are dropped.

Delivery is at most once, like every channel layer: a message published while a process is
reconnecting to Redis is lost, and the pages heal on their next (re)connect refresh. After a
Redis restart redis-py re-subscribes a process's channels by itself.
"""

import asyncio
import logging
import uuid
from collections import OrderedDict

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close

logger = logging.getLogger(__name__)

RECENT_ENVELOPES = 512  # envelope ids a process remembers, to deliver each once
ENVELOPE = "cc.layer.envelope"
# Given to every socket of a process whose subscription to Redis came back after it was lost
# (Redis restarted, the network dropped): what was published meanwhile is lost, so the consumers
# send their page a full refresh, as on a reconnect.
HEALED = "cc.layer.healed"


class RedisChannelLayer(RedisPubSubChannelLayer):
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


class LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [Shard(shard.host, self) for shard in self._shards]
        self.recent: OrderedDict[str, None] = OrderedDict()

    async def group_send(self, group, message):
        await self.group_send_many([group], message)

    async def group_send_many(self, groups, message) -> None:
        names = [self._get_group_channel_name(group) for group in dict.fromkeys(groups)]
        if not names:
            return
        serialize = self.channel_layer.serialize
        envelope = serialize({"type": ENVELOPE, "id": uuid.uuid4().hex, "groups": names,
                              "message": serialize(message)})
        by_shard: dict[Shard, list[str]] = {}
        for name in names:
            by_shard.setdefault(self._get_shard(name), []).append(name)
        for shard, channels in by_shard.items():
            await shard.publish_many(channels, envelope)

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
        for channel in members:
            queue = self.channels.get(channel)
            if queue is not None:
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
