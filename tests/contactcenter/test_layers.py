"""Healing after Redis restarts (contactcenter/layers.py), on channels_redis' own layers."""

import asyncio
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from contactcenter import layers
from contactcenter.layers import HEALED, Watcher
from contactcenter.services import agents
from tests.workspace.test_consumers import communicator, receive_all, receive_until, session_cookie

pytestmark = [pytest.mark.redis]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, which the test may stop and start again."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
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


def a_layer(backend, url: str):
    return backend(hosts=[{"address": url, "socket_connect_timeout": 1, "socket_timeout": 30}],
                   prefix=f"heal-{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize("backend", [RedisPubSubChannelLayer, RedisChannelLayer])
async def test_a_new_redis_run_id_tells_every_watched_socket_to_heal(needs_redis, backend):
    layer = a_layer(backend, settings.REDIS_URL)
    one, two = await layer.new_channel(), await layer.new_channel()
    watcher = Watcher(layer, settings.REDIS_URL)
    watcher.channels |= {one, two}
    assert not await watcher.check("run-1")  # the first look only notes it
    assert not await watcher.check("run-1")
    assert await watcher.check("run-2")
    assert await asyncio.wait_for(layer.receive(one), 5) == {"type": HEALED}
    assert await asyncio.wait_for(layer.receive(two), 5) == {"type": HEALED}
    await layer.flush()


async def test_after_redis_restarts_the_sockets_heal_and_their_groups_are_heard_again(private_redis):
    layer = a_layer(RedisPubSubChannelLayer, private_redis.url)
    one = await layer.new_channel()
    await layer.group_add("org.1", one)
    watcher = Watcher(layer, private_redis.url)
    watcher.channels.add(one)
    task = asyncio.create_task(watcher.run())
    await layer.group_send("org.1", {"type": "cc.event", "n": 1})
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 1
    while watcher.run_id is None:
        await asyncio.sleep(0.1)

    private_redis.stop()
    await asyncio.sleep(0.3)
    private_redis.start()

    assert await asyncio.wait_for(layer.receive(one), 15) == {"type": HEALED}
    await layer.group_add("org.1", one)  # as the consumer does on HEALED
    await layer.group_send("org.1", {"type": "cc.event", "n": 2})
    assert (await asyncio.wait_for(layer.receive(one), 5))["n"] == 2
    task.cancel()
    await layer.flush()


@pytest.mark.django_db(transaction=True)
async def test_a_workspace_socket_hears_its_groups_and_after_a_redis_restart_rejoins_them_and_resyncs(
        needs_redis, personas):
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    comm = communicator(cookie=await sync_to_async(session_cookie)(personas.agent))
    assert (await comm.connect())[0]
    await receive_all(comm, timeout=0.5)
    await sync_to_async(agents.agent_set_unavailable)(agent=personas.agent, dnd=True)
    assert "status status-dnd" in await receive_until(comm, "status status-dnd")

    watcher = layers.watcher()  # started by the socket's connect, on this event loop
    assert watcher is not None and watcher.run_id is not None
    assert await watcher.check(f"{watcher.run_id}-restarted")
    html = await receive_until(comm, 'id="agent-bar"', 'id="lists"')  # the whole screen again
    assert 'id="agent-bar"' in html and 'id="lists"' in html
    await sync_to_async(agents.agent_set_unavailable)(agent=personas.agent, dnd=False)
    assert "status status-online" in await receive_until(comm, "status status-online")
    await comm.disconnect()
