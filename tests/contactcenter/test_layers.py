"""The Redis channel layer (contactcenter/layers.py): pub/sub fanned out per process, and healing
after Redis comes back."""

import asyncio
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from contactcenter.layers import HEALED, RedisChannelLayer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, which the test may stop and start again."""

    def __init__(self):
        self.port = _free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def private_redis(needs_redis):
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


async def test_after_redis_restarts_a_process_hears_its_groups_again_and_its_sockets_refresh(private_redis):
    layer = RedisChannelLayer(hosts=[{"address": f"redis://127.0.0.1:{private_redis.port}"}], prefix="heal")
    one, two = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("org.1", one)
    await layer.group_send_many(["org.1"], {"type": "cc.event", "n": 1})
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 1

    private_redis.stop()
    await asyncio.sleep(0.3)
    private_redis.start()

    # Every socket of the process is told to refresh (what was published meanwhile is lost)...
    assert await asyncio.wait_for(layer.receive(one), 10) == {"type": HEALED}
    assert await asyncio.wait_for(layer.receive(two), 5) == {"type": HEALED}
    # ...and the group is heard again without joining it again.
    for _attempt in range(20):
        try:
            await layer.group_send_many(["org.1"], {"type": "cc.event", "n": 2})
            break
        except Exception:  # the publishing connection was cut too; the next one reconnects
            await asyncio.sleep(0.2)
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 2
    await layer.flush()


@pytest.fixture
def layer(needs_redis):
    from django.conf import settings

    return RedisChannelLayer(hosts=[{"address": settings.REDIS_URL}], prefix=f"lanes-{uuid.uuid4().hex[:8]}")


async def test_an_event_published_from_a_thread_without_an_event_loop_reaches_each_member_once(layer):
    one, two = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("agent.1", one)
    await layer.group_add("org.1", one)
    await layer.group_add("org.1", two)
    # A request's or a Celery worker's thread publishes with a plain Redis connection, right there.
    await asyncio.to_thread(layer.publish_now, ["agent.1", "org.1", "queue.404"], {"type": "cc.event", "n": 1})
    await asyncio.to_thread(layer.publish_now, ["agent.1"], {"type": "cc.event", "n": 2})
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 1
    assert (await asyncio.wait_for(layer.receive(two), 5))["n"] == 1
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 2  # n=1 came to `one` once
    await layer.flush()


def test_publishing_while_redis_is_away_fails_at_once(private_redis):
    import redis

    layer = RedisChannelLayer(hosts=[{"address": f"redis://127.0.0.1:{private_redis.port}"}], prefix="away")
    layer.publish_now(["org.1"], {"type": "cc.event", "n": 1})
    private_redis.stop()
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):  # events.py logs it; the caller's request goes on
        layer.publish_now(["org.1"], {"type": "cc.event", "n": 2})
    assert time.monotonic() - started < 1.5  # no retries, no long timeout
    private_redis.start()


class Lane:
    """A consumer's fast lane in miniature: it takes what `accept` says, and notes what it saw."""

    def __init__(self, accept: bool):
        self.accept = accept
        self.seen = []

    def take(self, message) -> bool:
        self.seen.append(message["n"])
        return self.accept


async def member_with_a_lane(layer, accept: bool) -> tuple[str, Lane]:
    """A channel in group org.1 whose messages are offered to a fast lane first."""
    channel = await layer.new_channel()
    await layer.group_add("org.1", channel)
    lane = Lane(accept)
    layer.fastlane(channel, lane.take)
    return channel, lane


async def published(layer, n: int) -> None:
    await layer.group_send_many(["org.1"], {"type": "cc.event", "n": n})
    await asyncio.sleep(0.3)  # through Redis and back


async def test_a_fast_lane_takes_a_message_on_the_event_loop_instead_of_the_queue(layer):
    channel, lane = await member_with_a_lane(layer, accept=True)
    await published(layer, 1)
    assert lane.seen == [1]
    with pytest.raises(TimeoutError):  # nothing was queued
        await asyncio.wait_for(layer.receive(channel), 0.3)
    await layer.flush()


async def test_a_message_the_fast_lane_declines_is_queued_and_the_next_waits_until_the_consumer_is_done(layer):
    channel, lane = await member_with_a_lane(layer, accept=False)
    await published(layer, 1)
    assert lane.seen == [1]
    assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 1
    # The consumer has n=1 in hand: n=2 must not overtake it through the fast lane.
    lane.accept = True
    await published(layer, 2)
    assert lane.seen == [1]
    layer.fastlane_done(channel)
    assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 2
    layer.fastlane_done(channel)
    # Nothing in hand, nothing queued: the fast lane again.
    await published(layer, 3)
    assert lane.seen == [1, 3]
    await layer.flush()


async def test_a_fast_lane_does_not_keep_its_consumer_alive(layer):
    channel = await layer.new_channel()
    await layer.group_add("org.1", channel)
    lane = Lane(accept=True)
    layer.fastlane(channel, lane.take)
    del lane
    await published(layer, 1)  # the lane is gone: the message is queued as usual
    assert (await asyncio.wait_for(layer.receive(channel), 5))["n"] == 1
    await layer.flush()
