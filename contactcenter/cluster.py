"""The distributed shape as local processes: N Daphne servers behind nginx (deploy/nginx.conf),
Celery workers and one beat. Used by `manage.py run_distributed`, `manage.py fault_drill` and the
tests, so that what is tested is what runs.

Process plumbing only: nothing here imports the models. Each child starts in its own session
(process group): Ctrl-C reaches this process alone, which stops every child itself, and a fault
drill can kill one child with everything it forked (a Celery worker's pool) and nothing else.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
BIN = Path(sys.executable).parent
INSTALL_NGINX = "nginx was not found: install it with `apt-get install -y nginx` (Debian/Ubuntu)."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(**overrides: str) -> dict:
    """The children's environment: this process's, with the database, Redis, channel prefix and
    secret this process really uses (under pytest, the test database), read as deployed
    (contactcenter.settings). They sit behind nginx, so they trust its X-Forwarded-For."""
    db = connection.settings_dict
    if settings.IS_POSTGRES:
        user = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        database = f"postgres://{user}@{host}/{quote(db['NAME'], safe='')}"
    else:
        database = f"sqlite:///{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
        "DATABASE_URL": database,
        "REDIS_URL": settings.REDIS_URL,
        "CHANNELS_PREFIX": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "cc"),
        "SECRET_KEY": settings.SECRET_KEY,
        "BEHIND_PROXY": os.environ.get("BEHIND_PROXY", "1"),
        **overrides,
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def nginx_binary() -> str | None:
    """nginx on PATH, or Debian's /usr/sbin/nginx (not on a plain user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def nginx_config(*, port: int, server_ports: list[int], run_dir: Path, static_root: Path, media_root: Path,
                 max_body_bytes: int) -> str:
    """deploy/nginx.conf with its fields filled."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in server_ports)
    fields = {
        # Started by root, nginx would run its workers as `nobody`, who cannot write the run
        # directory; started by anyone else, it keeps that user and ignores the directive.
        "user": "user root;" if os.geteuid() == 0 else "",
        "run_dir": str(run_dir),
        "servers": servers,
        "port": str(port),
        "static_root": str(static_root).rstrip("/"),
        "media_root": str(media_root).rstrip("/"),
        # Room for the multipart form around the largest file.
        "max_body": f"{max_body_bytes // (1024 * 1024) + 1}m",
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace("{{ " + name + " }}", value)
    if "{{" in text:
        raise RuntimeError(f"{NGINX_TEMPLATE} has a field this runner does not fill: {text[text.index('{{'):][:40]}")
    return text


def wait_for_port(port: int, timeout: float, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the process exited before listening on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


@dataclass
class Child:
    name: str  # "daphne-1", "nginx", "worker-2", "beat"
    command: list[str]
    process: subprocess.Popen
    port: int | None = None
    log: Path | None = None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """A fault: the process and everything it forked get `sig` at once."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    """Start with start_servers / start_proxy / start_workers / start_beat, stop with stop().
    `logs`: a folder for one log file per child, or None to share this process's output."""

    run_dir: Path
    env: dict
    logs: Path | None = None
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], port: int | None = None) -> Child:
        log = self.logs / f"{name}.log" if self.logs else None
        output = open(log, "ab") if log else None
        try:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT if output else None, start_new_session=True)
        finally:
            if output:
                output.close()
        child = Child(name, command, process, port, log)
        self.children.append(child)
        return child

    def servers(self) -> list[Child]:
        return [child for child in self.children if child.name.startswith("daphne-")]

    def workers(self) -> list[Child]:
        return [child for child in self.children if child.name.startswith("worker-")]

    def start_servers(self, count: int) -> list[Child]:
        started = []
        for number in range(1, count + 1):
            port = free_port()
            started.append(self.spawn(f"daphne-{number}", [
                str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "contactcenter.asgi:application"], port))
        for child in started:
            wait_for_port(child.port, timeout=60, alive=child.alive)
        return started

    def start_proxy(self, *, port: int, static_root: Path, media_root: Path, max_body_bytes: int) -> Child:
        nginx = nginx_binary()
        if nginx is None:
            raise RuntimeError(INSTALL_NGINX)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config = self.run_dir / "nginx.conf"
        config.write_text(nginx_config(
            port=port, server_ports=[child.port for child in self.servers()], run_dir=self.run_dir,
            static_root=static_root, media_root=media_root, max_body_bytes=max_body_bytes))
        child = self.spawn("nginx", [nginx, "-p", str(self.run_dir), "-c", str(config)], port)
        wait_for_port(port, timeout=10, alive=child.alive)
        return child

    def start_redis(self) -> Child:
        """A private Redis (no persistence) that a drill may stop and start without disturbing anyone."""
        redis_server = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin:/usr/local/bin")
        if redis_server is None:
            raise RuntimeError("redis-server was not found: install it with `apt-get install -y redis-server`.")
        port = free_port()
        child = self.spawn("redis", [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no"], port)
        wait_for_port(port, timeout=10, alive=child.alive)
        return child

    def start_workers(self, count: int, *, concurrency: int = 2) -> list[Child]:
        return [self.spawn(f"worker-{number}", [
            str(BIN / "celery"), "-A", "contactcenter", "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
            f"--hostname=worker{number}@%h", "--without-gossip", "--without-mingle"]) for number in range(1, count + 1)]

    def start_beat(self) -> Child:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        return self.spawn("beat", [str(BIN / "celery"), "-A", "contactcenter", "beat", "--loglevel=INFO",
                                   f"--schedule={self.run_dir / 'celerybeat-schedule'}"])

    def restart(self, child: Child) -> Child:
        """A new process in a dead child's place: same name, command and port."""
        self.children.remove(child)
        new = self.spawn(child.name, child.command, child.port)
        if new.port and new.name != "nginx":
            wait_for_port(new.port, timeout=60, alive=new.alive)
        return new

    def dead(self) -> list[Child]:
        return [child for child in self.children if not child.alive()]

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to every child (a Celery worker's warm shutdown gives its unfinished tasks back
        to the broker), SIGKILL to whoever is still there after `timeout`."""
        for child in self.children:
            child.kill(signal.SIGTERM)  # the whole group: a dead worker's pool may still be there
        deadline = time.monotonic() + timeout
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill(signal.SIGKILL)
                child.process.wait(timeout=5)
        self.children.clear()
