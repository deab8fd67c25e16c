"""Helpers for the benchmark commands that drive real servers and sockets (bench_realtime).

Nothing here imports Django models: process and socket plumbing only.
"""

import asyncio
import base64
import math
import os
import resource
import socket
import threading
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


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
#
# The bench's browsers: a minimal websocket client (RFC 6455) on asyncio's protocol callbacks,
# hundreds of them in one event loop. A frame's arrival is stamped when its last bytes are read,
# before any other socket's frames of the same read are parsed: what is measured is the server's
# delay, not a client library's parsing queue (with the `websockets` library, 350 sockets in one
# Python thread parsed about as slowly as the server sent, and a socket's frame waited for the
# parsing of the frames that came before it on other sockets, as no browser's would).

CONNECTING, OPEN, CLOSED = "connecting", "open", "closed"


@dataclass(eq=False)
class Sock:
    """One websocket of the bench: who it is, what it has received."""

    kind: str  # "supervisor" or "agent"
    user_id: int
    path: str
    session_key: str
    ready_needle: str  # the refresh on connect is in when a frame contains this
    conn: "Client | None" = None
    frames: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None
    error: str = ""
    connect_seconds: float | None = None  # from the handshake's start to the refresh being in

    @property
    def is_open(self) -> bool:
        return self.conn is not None and self.conn.state == OPEN


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


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client's frame (clients mask what they send). Payloads here are short (close, pong)."""
    mask = os.urandom(4)
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Client(asyncio.Protocol):
    """One websocket: the opening handshake, then the server's frames, each handed with its arrival
    time to `on_text(sock, text, t)`."""

    def __init__(self, sock: Sock, host: str, origin: str, on_text):
        self.sock, self.host, self.origin, self.on_text = sock, host, origin, on_text
        self.state = CONNECTING
        self.buffer = bytearray()
        self.message = bytearray()  # a fragmented message's parts so far
        self.transport: asyncio.Transport | None = None
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((
            f"GET {self.sock.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {self.origin}\r\nCookie: sessionid={self.sock.session_key}\r\n\r\n"
        ).encode())

    def data_received(self, data: bytes) -> None:
        t = time.perf_counter()
        self.buffer += data
        if self.state == CONNECTING:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
            del self.buffer[:end + 4]
            if b" 101 " not in status + b" ":
                self.fail(f"handshake refused: {status.decode(errors='replace')}")
                return
            self.state = OPEN
            self.opened.set_result(None)
        self.read_frames(t)

    def read_frames(self, t: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            fin, opcode, size, start = buffer[0] & 0x80, buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, start = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + size:
                return
            payload = bytes(buffer[start:start + size])
            del buffer[:start + size]
            if opcode in (0x0, 0x1, 0x2):
                self.message += payload
                if fin:
                    text, self.message = bytes(self.message).decode("utf-8", "replace"), bytearray()
                    self.on_text(self.sock, text, t)
            elif opcode == 0x8:  # close: answer it, then the server closes the connection
                self.sock.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if self.state == OPEN:
                    self.transport.write(masked_frame(0x8, payload[:2]))
                self.state = CLOSED
            elif opcode == 0x9:  # ping
                self.transport.write(masked_frame(0xA, payload))

    def fail(self, error: str) -> None:
        self.sock.error = self.sock.error or error
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(error))
        self.transport.close()

    def connection_lost(self, exc) -> None:
        if self.sock.close_code is None:
            self.sock.close_code = 1006
        self.state = CLOSED
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during the handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def close(self, timeout: float = 2) -> None:
        if self.state == OPEN:
            self.transport.write(masked_frame(0x8, (1000).to_bytes(2, "big")))
            self.state = CLOSED
            try:
                await asyncio.wait_for(asyncio.shield(self.closed), timeout)
            except TimeoutError:
                pass
        self.transport.close()


class SocketPool:
    """The bench's websocket clients (`Client`), all in one event loop."""

    def __init__(self, ws_base: str, origin: str, *, open_timeout: float = 60, ready_timeout: float = 60):
        parts = urlsplit(ws_base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.netloc = parts.netloc
        self.origin = origin
        self.open_timeout = open_timeout
        self.ready_timeout = ready_timeout
        self.socks: list[Sock] = []
        self.current: Watch | None = None  # set by the main thread around a measured change
        self.last_frame_at = time.perf_counter()
        self.frames = 0

    async def open(self, socks: Iterable[Sock], *, concurrency: int = 25) -> list[Sock]:
        """Connect the sockets (at most `concurrency` handshakes at once) and wait for each one's
        refresh. Returns those that failed (with .error set)."""
        gate = asyncio.Semaphore(concurrency)
        failed: list[Sock] = []
        loop = asyncio.get_running_loop()

        async def one(sock: Sock) -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    _, client = await asyncio.wait_for(loop.create_connection(
                        lambda: Client(sock, self.netloc, self.origin, self.on_text), self.host, self.port,
                    ), self.open_timeout)
                    sock.conn = client
                    await asyncio.wait_for(client.opened, self.open_timeout)
                    self.socks.append(sock)
                    await asyncio.wait_for(sock.ready.wait(), self.ready_timeout)
                    sock.connect_seconds = time.perf_counter() - started
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    detail = f" (closed {sock.close_code})" if sock.close_code is not None else ""
                    sock.error = sock.error or f"{type(exc).__name__}: {exc}{detail}"
                    failed.append(sock)

        await asyncio.gather(*(one(s) for s in socks))
        return failed

    def on_text(self, sock: Sock, frame: str, t: float) -> None:
        self.last_frame_at = t
        self.frames += 1
        sock.frames += 1
        if not sock.ready.is_set() and sock.ready_needle in frame:
            sock.ready.set()
        watch = self.current
        if watch is not None:
            watch.offer(sock, frame, t)

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
        await asyncio.gather(*(s.conn.close() for s in socks if s.conn is not None))

    def open_count(self) -> int:
        return sum(1 for s in self.socks if s.is_open)
