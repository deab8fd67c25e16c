"""Live-update delivery through Redis: how long a status change takes to reach every socket.

A throwaway organization (slug bench-rt-<random>) gets one chat queue, A agents (members, signed
in) and S supervisors (supervisor members of the queue), each with a Django session. One Daphne
process is started (or --url targets a running one that shares this DATABASE_URL, REDIS_URL and
SECRET_KEY); A workspace sockets (/ws/workspace/) and S supervision sockets (/ws/supervision/)
connect with the bench's own minimal websocket client (_bench_utils.Client), all in one event loop of this process.

Then C status changes are made through the services, one at a time: a random agent toggles
DND / Online (agent_set_unavailable), in a transaction whose first on-commit callback stamps
t_commit, as a request in Daphne would (the service runs in a sync_to_async thread of a server-like
event loop, so events.publish reuses that loop's Redis connections). Each change must reach every
supervisor socket (the frame with the agent's status cell, `id="agent-<id>-status"`, showing the new
status) and the agent's own
socket (the frame with `id="agent-bar"` showing it); delay = arrival - t_commit. A fragment that
has not arrived after 5 s is missing.

For scale, the same run measures raw Redis PUBLISH -> SUBSCRIBE round trips with redis-py, and
Daphne's resident memory (VmRSS) before and after the sockets connect.

CPUs: with two or more, the Daphne it starts runs on the first CPU and this process (the 350
"browsers" and the changes) on the others (`--no-pin` leaves both to the scheduler). Otherwise the
bench's own client takes turns with the server on one core, which no browser does: on a 2-CPU
machine that added about 1.5 ms to the median. Redis and PostgreSQL are not pinned.

`--idle N` is the other mode: N idle workspace sockets (the agents' sessions, reused round robin)
are held on the one Daphne process for a few seconds; the figures are the sockets still open,
errors, and memory per socket; a few status changes are measured on them too.
"""

import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path
from urllib.parse import quote, urlsplit

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from contactcenter.management.commands._bench_proxy import start_behind_proxy
from contactcenter.management.commands._bench_utils import (
    LoopThread,
    Sock,
    SocketPool,
    Watch,
    free_port,
    listening_pid,
    percentile,
    raise_nofile_limit,
    rss_kib,
    wait_for_port,
)
from contactcenter.models import (
    AgentState,
    Device,
    Organization,
    Queue,
    QueueMembership,
    Role,
    StatusInterval,
    SystemStatus,
    User,
)
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services
from contactcenter.services import queues as queue_services

MISSING_AFTER = 5.0  # seconds: a fragment not in by then is missing
PAUSE_BETWEEN = 0.05  # seconds between two changes (the tail frames of one settle)
WARMUP_CHANGES = 3
IDLE_HOLD = 12.0  # seconds the idle sockets are held before counting them (> 2 x Redis' 5 s BZPOPMIN)
CLOSE_BATCH = 25  # agent sockets closed at once at the end
# Handshakes in flight. The server runs every consumer's connect (and its refresh) one at a time in
# its sync thread; a handshake still queued after Daphne's 5 s connect timeout is dropped. A
# supervisor's refresh renders a row per agent: a few hundred ms each.
AGENT_CONNECTS = 8
SUPERVISOR_CONNECTS = 2
IDLE_CHANGES = 50  # at most this many measured changes in --idle mode
REDIS_ROUND_TRIPS = 1000
BACKEND = "django.contrib.auth.backends.ModelBackend"
ROOT = Path(settings.BASE_DIR)


def split_cpus() -> tuple[set[int], set[int]] | None:
    """The CPUs this process may use, split: the first for the server, the rest for the bench."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return ({cpus[0]}, set(cpus[1:])) if len(cpus) >= 2 else None


def close_connection() -> None:
    connection.close()  # looked up here: the connection of the thread this runs in


def database_url() -> str:
    db = connection.settings_dict
    if not settings.IS_POSTGRES:
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


class Command(BaseCommand):
    help = (
        "Benchmark live updates through Redis: delay from a status change's commit to the fragment "
        "arriving at every supervisor socket and the agent's own, compared with raw Redis "
        "PUBLISH/SUBSCRIBE; Daphne memory per socket. --idle N holds N idle sockets instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--supervisors", type=int, default=50, help="Supervision sockets (one user each).")
        parser.add_argument("--agents", type=int, default=300, help="Agents, one workspace socket each.")
        parser.add_argument("--changes", type=int, default=200, help="Status changes to measure.")
        parser.add_argument("--idle", type=int, default=0, metavar="N",
                            help="Idle mode: hold N idle workspace sockets on one Daphne process.")
        parser.add_argument("--url", default="",
                            help="Target a running server (http://host:port) that shares this DATABASE_URL, "
                                 "REDIS_URL and SECRET_KEY, instead of starting Daphne.")
        parser.add_argument("--servers", type=int, default=0,
                            help="Start N Daphne processes behind nginx (deploy/nginx.conf) and drive them through it.")
        parser.add_argument("--pid", type=int, default=None,
                            help="With --url: the server's pid, for its memory (found from the port if local).")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--keep", action="store_true", help="Keep the bench organization afterwards.")
        parser.add_argument("--no-pin", action="store_true",
                            help="Do not put the Daphne it starts and this process on different CPUs.")

    def handle(self, *args, supervisors, agents, changes, idle, url, pid, seed, keep, no_pin, servers, **options):
        if not settings.REDIS_URL:
            raise CommandError(
                "bench_realtime measures delivery through Redis (the distributed shape), but REDIS_URL "
                "is not set: the embedded in-memory channel layer cannot reach another process. Run it "
                "with REDIS_URL=redis://127.0.0.1:6379/2 (and DATABASE_URL=postgres://…, migrated)."
            )
        for name, value, low in (("--supervisors", supervisors, 0), ("--agents", agents, 1),
                                 ("--changes", changes, 1), ("--idle", idle, 0)):
            if value < low:
                raise CommandError(f"{name} must be at least {low}.")
        if url and not url.startswith(("http://", "https://")):
            raise CommandError("--url must look like http://127.0.0.1:8000")
        self.out = self.stdout.write
        if servers:
            url, pid = start_behind_proxy(self.out, servers)
        if not settings.IS_POSTGRES:
            self.out(self.style.WARNING("DATABASE_URL is SQLite: two processes share one file; "
                                        "PostgreSQL is recommended for meaningful figures."))
        self.rng = random.Random(seed)
        nofile = raise_nofile_limit()
        if idle and idle + 100 > nofile:
            raise CommandError(f"--idle {idle} needs more open files than this process may have ({nofile}).")
        if idle:
            supervisors = 0
            changes = min(changes, IDLE_CHANGES)
        slug = f"bench-rt-{secrets.token_hex(4)}"
        mode = f"idle mode, {idle} workspace sockets" if idle else f"{supervisors} supervisors, {agents} agents"
        self.out(f"bench_realtime on {connection.vendor} {connection.settings_dict.get('NAME')}, "
                 f"redis {settings.REDIS_URL}: {mode}, {changes} changes; {os.cpu_count()} CPUs, "
                 f"load average {os.getloadavg()[0]:.1f}")

        # The sockets' reader loop shares this process's GIL with the thread making the changes:
        # with Python's default 5 ms switch interval, a frame could wait that long to be read.
        sys.setswitchinterval(0.0005)
        started = time.monotonic()
        organization = org_services.organization_create(name=f"Bench {slug}", slug=slug)
        self.session_keys: list[str] = []
        self.server: subprocess.Popen | None = None
        self.server_log: Path | None = None
        self.sockets = self.app = None
        self.server_errors = 0
        try:
            agent_users, supervisor_users = self.set_up(organization, agents=agents, supervisors=supervisors)
            self.out(f"set-up: organization {slug}, {agents} agents signed in, {supervisors} supervisors, "
                     f"{len(self.session_keys)} sessions in {time.monotonic() - started:.1f} s")
            self.cpus = None if url or no_pin else split_cpus()
            base, server_pid = self.start_server(url, pid)
            if self.cpus:
                os.sched_setaffinity(0, self.cpus[1])
                self.out(f"CPUs: the server on {sorted(self.cpus[0])}, this bench's sockets and changes on "
                         f"{sorted(self.cpus[1])} (--no-pin: not pinned)")
            raw = self.bench_raw_redis()
            self.out(f"raw redis PUBLISH -> SUBSCRIBE ({REDIS_ROUND_TRIPS} round trips, redis-py): "
                     f"p50 {raw['p50']:.3f} ms, p99 {raw['p99']:.3f} ms, max {raw['max']:.3f} ms")
            result = self.bench_sockets(base, server_pid, agent_users, supervisor_users,
                                        changes=changes, idle=idle)
        finally:
            self.stop_sockets()
            self.stop_server()
            if keep:
                self.out(f"kept organization {slug} (id {organization.pk}) and its sessions")
            else:
                self.tear_down(organization)
        self.report(raw, result, idle=idle)

    # --- Set-up and tear-down ---------------------------------------------------------------------

    def set_up(self, organization: Organization, *, agents: int, supervisors: int) -> tuple[list[User], list[User]]:
        queue = Queue.objects.create(organization=organization, name="Bench realtime", kind=Queue.Kind.CHAT)
        slug = organization.slug
        agent_users = [
            org_services.user_create(organization=organization, username=f"{slug}-agent-{i + 1}",
                                     first_name=f"Agente {i + 1:03d}")
            for i in range(agents)
        ]
        supervisor_users = [
            org_services.user_create(organization=organization, username=f"{slug}-supervisor-{i + 1}",
                                     first_name=f"Supervisor {i + 1:03d}", role=Role.SUPERVISOR)
            for i in range(supervisors)
        ]
        QueueMembership.objects.bulk_create(
            [QueueMembership(organization=organization, queue=queue, user=u, role=QueueMembership.Role.AGENT,
                             position=i) for i, u in enumerate(agent_users)]
        )
        for supervisor in supervisor_users:  # one by one: each grants the queue's object permission
            queue_services.queue_member_add(queue=queue, user=supervisor, role=QueueMembership.Role.SUPERVISOR)
        for agent in agent_users:
            agent_services.agent_sign_in(agent=agent)
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        for user in agent_users + supervisor_users:
            store = store_class()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = BACKEND
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.save(must_create=True)
            user.bench_session = store.session_key
            self.session_keys.append(store.session_key)
        return agent_users, supervisor_users

    def tear_down(self, organization: Organization) -> None:
        started = time.monotonic()
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        for key in self.session_keys:
            store_class(session_key=key).delete()
        with transaction.atomic():
            # Rows that PROTECT what the organization's cascade deletes go first.
            StatusInterval.objects.filter(organization=organization).delete()
            AgentState.objects.filter(organization=organization).delete()
            organization.delete()
        self.out(f"deleted organization {organization.slug} and {len(self.session_keys)} sessions "
                 f"in {time.monotonic() - started:.1f} s")

    # --- The server -------------------------------------------------------------------------------

    def start_server(self, url: str, pid: int | None) -> tuple[str, int | None]:
        if url:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            pid = pid or (listening_pid(port) if parts.hostname in ("127.0.0.1", "localhost", "::1") else None)
            self.out(f"server: {url} (not started here; pid {pid or 'unknown: no memory figures'})")
            return f"{parts.scheme}://{parts.netloc}", pid
        port = free_port()
        # The server shares this process's database, Redis and channel prefix (under pytest, the
        # test database and the worker's prefix).
        env = {
            **os.environ,
            # As deployed: the test settings would add their worker suffix to the prefix again.
            "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CHANNELS_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "1",
            "SESSION_COOKIE_SECURE": "0",
        }
        handle, log_path = tempfile.mkstemp(prefix="bench-realtime-daphne-", suffix=".log")
        self.server_log = Path(log_path)
        daphne = Path(sys.executable).parent / "daphne"
        self.server = subprocess.Popen(
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "contactcenter.asgi:application"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=handle,
            preexec_fn=self.server_preexec,
        )
        os.close(handle)
        try:
            wait_for_port("127.0.0.1", port, timeout=60, alive=lambda: self.server.poll() is None)
        except RuntimeError as exc:
            raise CommandError(f"Daphne did not start: {exc}\n{self.server_log_tail()}") from None
        self.out(f"server: one Daphne process, pid {self.server.pid}, port {port} (log {self.server_log})")
        return f"http://127.0.0.1:{port}", self.server.pid

    def server_preexec(self) -> None:
        raise_nofile_limit()
        if self.cpus:
            os.sched_setaffinity(0, self.cpus[0])

    def server_log_tail(self, lines: int = 30) -> str:
        if self.server_log is None or not self.server_log.exists():
            return ""
        return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])

    def server_log_errors(self) -> list[str]:
        """Errors in Daphne's log: one per exception (a chained traceback counts once)."""
        if self.server_log is None or not self.server_log.exists():
            return []
        lines = self.server_log.read_text(errors="replace").splitlines()
        errors = [line for line in lines if line.startswith("Exception inside application") or " ERROR " in line]
        if not errors:
            errors = [line for i, line in enumerate(lines) if line.startswith("Traceback")
                      and not (i >= 2 and lines[i - 2].startswith(("The above exception", "During handling")))]
        return errors

    def stop_server(self) -> None:
        if self.server is None:
            return
        self.server.terminate()
        try:
            self.server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(timeout=5)
        errors = self.server_log_errors()
        self.server_errors = len(errors)
        if errors:
            self.out(self.style.WARNING(f"Daphne logged {len(errors)} errors (first: {errors[0]}); "
                                        f"log kept at {self.server_log}"))
        elif self.server_log is not None:
            self.server_log.unlink(missing_ok=True)
        self.server = None

    # --- Raw Redis ------------------------------------------------------------------------------

    def bench_raw_redis(self) -> dict:

        channel = f"bench-rt-raw-{secrets.token_hex(4)}"
        subscriber = redis.Redis.from_url(settings.REDIS_URL)
        publisher = redis.Redis.from_url(settings.REDIS_URL)
        pubsub = subscriber.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel)
            while pubsub.subscribed and pubsub.get_message(timeout=0.01) is not None:
                pass
            timings = []
            for i in range(REDIS_ROUND_TRIPS + 50):
                payload = str(i).encode()
                t0 = time.perf_counter()
                publisher.publish(channel, payload)
                while True:
                    message = pubsub.get_message(timeout=5)
                    if message is None:
                        raise CommandError("raw redis: a published message did not come back within 5 s")
                    if message["type"] == "message" and message["data"] == payload:
                        break
                if i >= 50:  # the first ones warm the connections
                    timings.append((time.perf_counter() - t0) * 1000)
        finally:
            pubsub.close()
            subscriber.close()
            publisher.close()
        return {"p50": statistics.median(timings), "p99": percentile(timings, 99), "max": max(timings)}

    # --- Sockets ----------------------------------------------------------------------------------

    def stop_sockets(self) -> None:
        if self.sockets is not None:
            self.sockets.stop()
            self.sockets = None
        if self.app is not None:
            try:
                self.app.run(sync_to_async(close_connection)(), timeout=10)
            except Exception:  # noqa: BLE001 - stopping anyway
                pass
            self.app.stop()
            self.app = None

    def bench_sockets(self, base: str, server_pid: int | None, agent_users: list[User],
                      supervisor_users: list[User], *, changes: int, idle: int) -> dict:
        ws_base = base.replace("http", "ws", 1)
        # The browsers: one event loop reading every socket. The server side of the bench: a loop
        # whose sync_to_async thread runs the services, as a Daphne request would.
        self.sockets = LoopThread("bench-sockets")
        self.app = LoopThread("bench-app")
        pool = SocketPool(ws_base, origin=base)
        run = self.sockets.run

        def agent_sock(user: User) -> Sock:
            return Sock("agent", user.pk, "/ws/workspace/", user.bench_session, 'id="lists"')

        def supervisor_sock(user: User) -> Sock:
            return Sock("supervisor", user.pk, "/ws/supervision/", user.bench_session, 'id="agent-rows"')

        # Warm-up (imports, templates, connections in the server): one socket of each kind, closed.
        warm = SocketPool(ws_base, origin=base)
        warm_socks = [agent_sock(agent_users[0])] + ([supervisor_sock(supervisor_users[0])] if supervisor_users else [])
        failed = run(warm.open(warm_socks))
        if failed:
            raise CommandError(f"could not open a socket: {failed[0].error}\n{self.server_log_tail()}")
        run(warm.close(warm.socks))
        run(pool.quiet(0.5, timeout=10))
        time.sleep(1)
        rss_before = rss_kib(server_pid) if server_pid else None

        t0 = time.monotonic()
        if idle:
            socks = [agent_sock(agent_users[i % len(agent_users)]) for i in range(idle)]
            failed = run(pool.open(socks, concurrency=AGENT_CONNECTS))
            opened_in = time.monotonic() - t0
            self.out(f"connected {idle - len(failed)} of {idle} idle workspace sockets in {opened_in:.1f} s")
        else:
            # Agents first: each workspace connect publishes device.changed to the organization,
            # which every supervisor socket would re-render a row for.
            failed = run(pool.open([agent_sock(u) for u in agent_users], concurrency=AGENT_CONNECTS))
            failed += run(pool.open([supervisor_sock(u) for u in supervisor_users], concurrency=SUPERVISOR_CONNECTS))
            opened_in = time.monotonic() - t0
            self.out(f"connected {pool.open_count()} sockets ({len(agent_users)} workspace, "
                     f"{len(supervisor_users)} supervision) in {opened_in:.1f} s, refreshes drained")
        for kind in ("agent", "supervisor"):
            times = [s.connect_seconds * 1000 for s in pool.socks if s.kind == kind and s.connect_seconds]
            if times:
                self.out(f"  {kind} sockets: connect + refresh p50 {statistics.median(times):.0f} ms, "
                         f"max {max(times):.0f} ms")
        for sock in failed[:5]:
            self.out(self.style.ERROR(f"  {sock.kind} socket of user {sock.user_id} failed: {sock.error}"))
        run(pool.quiet(1.0, timeout=60))
        time.sleep(IDLE_HOLD if idle else 2.0)
        held = pool.open_count()
        rss_after = rss_kib(server_pid) if server_pid else None
        failed_set = set(failed)
        dropped = [s for s in pool.socks if not s.is_open and s not in failed_set]
        memory = {"before": rss_before, "after": rss_after, "sockets": held}
        if rss_before is not None and rss_after is not None and held:
            memory["per_socket"] = (rss_after - rss_before) / held
        self.out(f"memory (Daphne VmRSS): {fmt(rss_before and rss_before / 1024)} MiB after warm-up, "
                 f"{fmt(rss_after and rss_after / 1024)} MiB with {held} sockets open "
                 f"= {fmt(memory.get('per_socket'))} KiB per socket")
        for sock in dropped[:5]:
            self.out(self.style.ERROR(f"  {sock.kind} socket of user {sock.user_id} closed by the server "
                                      f"(code {sock.close_code}) {sock.error}"))
        if idle:
            self.out(f"held {held} of {idle} sockets open after {IDLE_HOLD:.0f} s idle; "
                     f"{len(failed)} failed to connect, {len(dropped)} closed since")

        measured = self.measure_changes(pool, agent_users, changes=changes)
        self.report_deliveries(measured)
        held_end = pool.open_count()
        dropped_since = [s for s in pool.socks if not s.is_open and s not in failed_set and s not in dropped]
        for sock in dropped_since[:5]:
            self.out(self.style.ERROR(f"  {sock.kind} socket of user {sock.user_id} closed by the server "
                                      f"during the changes (code {sock.close_code}) {sock.error}"))
        dropped += dropped_since
        stuck = self.close_sockets(pool, agent_users[0].organization_id)
        return {**measured, "memory": memory, "held": held_end, "failed": len(failed),
                "dropped": len(dropped), "stuck": stuck, "sockets": len(pool.socks)}

    def close_sockets(self, pool: SocketPool, organization_id: int) -> None:
        """Close the supervisors' sockets, then the agents' in batches, each batch once the server
        has run its disconnect handlers (the device marked disconnected): Daphne cancels a handler
        still queued after 10 s (application_close_timeout), which would leave devices "connected"."""
        run = self.sockets.run
        run(pool.close([s for s in pool.socks if s.kind == "supervisor"]))
        devices = Device.objects.filter(organization_id=organization_id, disconnected_at__isnull=True)
        agents = [s for s in pool.socks if s.kind == "agent"]
        started = time.monotonic()
        for start in range(0, len(agents), CLOSE_BATCH):
            batch = agents[start:start + CLOSE_BATCH]
            target = devices.count() - sum(1 for s in batch if s.is_open)
            run(pool.close(batch))
            deadline = time.monotonic() + 10
            while devices.count() > target and time.monotonic() < deadline:
                time.sleep(0.05)
        left = devices.count()
        self.out(f"closed {len(pool.socks)} sockets in {time.monotonic() - started:.1f} s"
                 + (f"; {left} devices still marked connected (their consumer ended without its "
                    "disconnect handler)" if left else ""))
        return left

    # --- Changes ----------------------------------------------------------------------------------

    def measure_changes(self, pool: SocketPool, agent_users: list[User], *, changes: int) -> dict:
        by_agent: dict[int, list[Sock]] = {}
        for sock in pool.socks:
            if sock.kind == "agent" and sock.is_open:
                by_agent.setdefault(sock.user_id, []).append(sock)
        supervisors = [s for s in pool.socks if s.kind == "supervisor" and s.is_open]
        candidates = [a for a in agent_users if a.pk in by_agent]
        if not candidates:
            raise CommandError("no workspace socket is open: nothing to measure")
        dnd = {a.pk: False for a in agent_users}  # signed in: Online

        def change(agent: User, to_dnd: bool, watch: Watch) -> str:
            with transaction.atomic():
                transaction.on_commit(watch.stamp_commit)  # first callback: right after COMMIT
                state = agent_services.agent_set_unavailable(agent=agent, dnd=to_dnd)
            watch.t_returned = time.perf_counter()
            return state.status.code

        run_change = sync_to_async(change)
        delays = {"supervisor": [], "agent": []}
        first, fanout, publish, missing, expected = [], [], [], 0, 0
        for i in range(WARMUP_CHANGES + changes):
            agent = self.rng.choice(candidates)
            to_dnd = not dnd[agent.pk]
            code = SystemStatus.DND if to_dnd else SystemStatus.ONLINE
            status = f'class="status status-{code}"'
            expect = {s: (f'id="agent-{agent.pk}-status"', status) for s in supervisors}
            expect |= {s: ('id="agent-bar"', status) for s in by_agent[agent.pk]}
            watch = Watch(expect)
            pool.current = watch
            got = self.app.run(run_change(agent, to_dnd, watch), timeout=30)
            dnd[agent.pk] = to_dnd
            if got != code:
                raise CommandError(f"agent {agent.pk} went to {got}, not {code}")
            watch.done.wait(MISSING_AFTER)
            pool.current = None
            arrivals = dict(watch.arrivals)
            if i >= WARMUP_CHANGES:
                expected += len(expect)
                missing += len(expect) - len(arrivals)
                for sock, t in arrivals.items():
                    delays[sock.kind].append((t - watch.t_commit) * 1000)
                sup = [t for s, t in arrivals.items() if s.kind == "supervisor"]
                if sup:
                    first.append((min(sup) - watch.t_commit) * 1000)
                    fanout.append((max(sup) - watch.t_commit) * 1000)
                publish.append((watch.t_returned - watch.t_commit) * 1000)
            time.sleep(PAUSE_BETWEEN)
        return {"delays": delays, "first": first, "fanout": fanout, "publish": publish, "missing": missing,
                "expected": expected, "changes": changes}

    # --- Report -----------------------------------------------------------------------------------

    def report_deliveries(self, result: dict) -> None:
        out = self.out
        delays = result["delays"]

        def line(name: str, values: list[float]) -> None:
            if values:
                out(f"  {name}: n {len(values)}, p50 {statistics.median(values):.1f} ms, "
                    f"p99 {percentile(values, 99):.1f} ms, max {max(values):.1f} ms")

        out(f"deliveries (commit -> fragment at the socket), {result['changes']} changes:")
        line("every socket", delays["supervisor"] + delays["agent"])
        line("supervisor rows (status cell id=\"agent-<id>-status\")", delays["supervisor"])
        line("agent's own bar (id=\"agent-bar\")", delays["agent"])
        line("first supervisor of each change", result["first"])
        line("last supervisor of each change", result["fanout"])
        line("publish (commit -> service returned, both group_sends)", result["publish"])
        out(f"  missing (not in within {MISSING_AFTER:.0f} s): {result['missing']} of {result['expected']}")

    def report(self, raw: dict, result: dict, *, idle: int) -> None:
        out = self.out
        every = result["delays"]["supervisor"] + result["delays"]["agent"]
        p50 = statistics.median(every) if every else None
        p99 = percentile(every, 99) if every else None
        ratio = p50 / raw["p50"] if p50 is not None and raw["p50"] else None
        per_socket = result["memory"].get("per_socket")
        # A socket the server closed on an exception is also one traceback in its log: count it once.
        errors = result["failed"] + result["dropped"] + max(0, self.server_errors - result["dropped"])
        out(f"load average now {os.getloadavg()[0]:.1f} (other processes on this machine inflate the delays); "
            f"channel layer {settings.CHANNEL_LAYERS['default']['BACKEND']}")
        out(f"sockets: {result['held']} open at the end of {result['sockets']} connected; errors {errors} "
            f"({result['failed']} failed to connect, {result['dropped']} closed by the server, "
            f"{self.server_errors} tracebacks in the server log); "
            f"{result['stuck']} devices left marked connected")
        if idle:
            out(f"targets: sockets {result['held']} (>= {idle}), errors {errors} (= 0), "
                f"KiB per socket {fmt(per_socket)} (<= 100)")
        else:
            # The promise (issue 21): a change reaches every subscribed screen with p99 <= 100 ms and
            # p50 <= 25 ms at this load, and nothing is lost.
            out(f"targets: p50 {fmt(p50)} ms (<= 25), p99 {fmt(p99)} ms (<= 100), lost {result['missing']} (= 0), "
                f"KiB per socket {fmt(per_socket)} (<= 100), errors {errors} (= 0)")
        out(f"realtime: p50 {fmt(p50)} ms, p99 {fmt(p99)} ms, lost {result['missing']} of {result['expected']}, "
            f"ratio p50 to raw redis {fmt(ratio)}, "
            f"sockets {result['held']}, KiB per socket {fmt(per_socket, 0)}")
