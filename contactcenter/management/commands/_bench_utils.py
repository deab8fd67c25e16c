"""Helpers for the benchmark commands that drive real servers and sockets (bench_realtime).

Nothing here imports Django models: process and socket plumbing only.
"""

import asyncio
import math
import os
import resource
import socket
import threading
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 30, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server exited before listening on {host}:{port}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def raise_nofile_limit() -> int:
    """Raise this process's open-files limit to the hard limit; returns the new soft limit.
    Also usable as a subprocess preexec_fn (the child raises its own)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB (Linux), or None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def listening_pid(port: int) -> int | None:
    """The pid of a local process (of this user) listening on a TCP port, from /proc; or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{parts[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


class LoopThread:
    """An asyncio event loop running in a daemon thread; the main thread submits coroutines."""

    def __init__(self, name: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self.loop.is_closed():
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout=10)
        except Exception:  # noqa: BLE001 - stopping anyway
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        if not self.thread.is_alive():
            self.loop.close()


# --- Sockets --------------------------------------------------------------------------------------


@dataclass(eq=False)
class Sock:
    """One websocket of the bench: who it is, what it has received."""

    kind: str  # "supervisor" or "agent"
    user_id: int
    path: str
    session_key: str
    ready_needle: str  # the refresh on connect is in when a frame contains this
    ws: object = None
    frames: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    error: str = ""
    connect_seconds: float | None = None  # from the handshake's start to the refresh being in

    @property
    def is_open(self) -> bool:
        from websockets.protocol import State

        return self.ws is not None and self.ws.state is State.OPEN


class Watch:
    """One measured change: for each socket that must hear it, the strings its frame must
    contain; arrival times are stamped by the socket loop's readers."""

    def __init__(self, expect: dict[Sock, tuple[str, ...]]):
        self.expect = expect
        self.arrivals: dict[Sock, float] = {}
        self.t_commit: float | None = None
        self.t_returned: float | None = None
        self.done = threading.Event()
        if not expect:
            self.done.set()

    def stamp_commit(self) -> None:
        self.t_commit = time.perf_counter()

    def offer(self, sock: Sock, frame: str, t: float) -> None:
        needles = self.expect.get(sock)
        if needles is None or sock in self.arrivals:
            return
        if all(n in frame for n in needles):
            self.arrivals[sock] = t
            if len(self.arrivals) == len(self.expect):
                self.done.set()


class SocketPool:
    """Websocket clients (the `websockets` asyncio client), all in one event loop."""

    def __init__(self, ws_base: str, origin: str, *, open_timeout: float = 60, ready_timeout: float = 60):
        self.ws_base = ws_base.rstrip("/")
        self.origin = origin
        self.open_timeout = open_timeout
        self.ready_timeout = ready_timeout
        self.socks: list[Sock] = []
        self.current: Watch | None = None  # set by the main thread around a measured change
        self.last_frame_at = time.perf_counter()
        self.frames = 0
        self.readers: set[asyncio.Task] = set()

    async def open(self, socks: Iterable[Sock], *, concurrency: int = 25) -> list[Sock]:
        """Connect the sockets (at most `concurrency` handshakes at once) and wait for each one's
        refresh. Returns those that failed (with .error set)."""
        from websockets.asyncio.client import connect

        gate = asyncio.Semaphore(concurrency)
        failed: list[Sock] = []

        async def one(sock: Sock) -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    sock.ws = await connect(
                        self.ws_base + sock.path,
                        additional_headers={"Cookie": f"sessionid={sock.session_key}", "Origin": self.origin},
                        open_timeout=self.open_timeout, ping_interval=None, close_timeout=2,
                        max_size=None, max_queue=None,
                    )
                    self.socks.append(sock)
                    task = asyncio.get_running_loop().create_task(self._read(sock))
                    self.readers.add(task)
                    task.add_done_callback(self.readers.discard)
                    await asyncio.wait_for(sock.ready.wait(), self.ready_timeout)
                    sock.connect_seconds = time.perf_counter() - started
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    detail = f" (closed {sock.close_code})" if sock.close_code is not None else ""
                    sock.error = f"{type(exc).__name__}: {exc}{detail}"
                    failed.append(sock)

        await asyncio.gather(*(one(s) for s in socks))
        return failed

    async def _read(self, sock: Sock) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in sock.ws:
                t = time.perf_counter()
                if isinstance(frame, bytes):
                    frame = frame.decode("utf-8", "replace")
                self.last_frame_at = t
                self.frames += 1
                sock.frames += 1
                if not sock.ready.is_set() and sock.ready_needle in frame:
                    sock.ready.set()
                watch = self.current
                if watch is not None:
                    watch.offer(sock, frame, t)
        except ConnectionClosed:
            pass
        except Exception as exc:  # noqa: BLE001 - reported with the socket
            sock.error = sock.error or f"{type(exc).__name__}: {exc}"
        finally:
            sock.close_code = getattr(sock.ws, "close_code", None) or 1006

    async def quiet(self, seconds: float, timeout: float) -> bool:
        """Wait until no frame arrived for `seconds` (True), or `timeout` passed (False)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            idle = time.perf_counter() - self.last_frame_at
            if idle >= seconds:
                return True
            await asyncio.sleep(min(0.1, seconds - idle + 0.01))
        return False

    async def close(self, socks: Iterable[Sock]) -> None:
        async def one(sock: Sock) -> None:
            try:
                await sock.ws.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass

        await asyncio.gather(*(one(s) for s in socks if s.ws is not None))

    def open_count(self) -> int:
        return sum(1 for s in self.socks if s.is_open)
