"""The Redis channel layer (contactcenter/layers.py): pub/sub fanned out per process, and healing
after Redis comes back."""

import asyncio
import shutil
import socket
import subprocess
import time

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
