"""Fault drill: the distributed shape with real processes, hurt on purpose.

Starts, through contactcenter/cluster.py (what run_distributed runs): a private Redis on a free
port (the shared one is never touched), SERVERS Daphne processes behind nginx from
deploy/nginx.conf, two Celery workers and one beat, all on this DATABASE_URL (PostgreSQL). An
organization with one agent and a chat queue (an enforced wrap-up of a few seconds) is made
here; the agent's screens and actions go through the proxy like a browser's. Then:

  a. kill one Daphne (SIGKILL): the screens it held reconnect through the proxy (on the htmx
     ws extension's schedule: a random wait up to 1 s, then 2 s, 4 s...) and get their whole
     screen again within 5 s, and requests made right after the kill are all answered (nginx
     passes a refused connection on to the next server);
  b. kill the Celery worker that holds a wrap-up's deadline task: the other worker's sweep ends
     the wrap-up within 1.2 x the sweep interval of its deadline, once;
  c. kill both workers during a wrap-up, start one after its deadline: it ends within 5 s of
     the worker's return, once;
  d. restart Redis: after it returns, a status change reaches every screen within 10 s.

Prints one line per fault and a table; exits non-zero if one failed. Everything it started is
stopped and its organization deleted at the end (--keep keeps the organization and the logs).
"""

import random
import secrets
import shutil
import tempfile
import threading
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from celery import Celery
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from contactcenter import cluster
from contactcenter.models import AgentState, Contact, Conversation, Organization, Queue, QueueMembership, StatusInterval
from contactcenter.services import agents as agent_services
from contactcenter.services import conversations
from contactcenter.services import organizations as org_services
from contactcenter.services import queues as queue_services
from contactcenter.services.uploads import max_upload_bytes

try:  # a development tool: its websocket client comes with the dev extra (requirements-dev.lock)
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect
except ImportError:
    connect, WebSocketException = None, OSError

SCREENS = 4
WRAPUP_SECONDS = 3
ENDED_BY_TIME = "after service: time ran out"
REFRESH_MARK = 'id="agent-bar"'  # the first fragment of a workspace's full refresh


class Screen(threading.Thread):
    """One workspace tab through the proxy: reads every frame; when the socket closes, reconnects
    as the htmx ws extension does (full jitter: a random wait up to 1 s, 2 s, 4 s...)."""

    def __init__(self, url: str, headers: dict):
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.frames: list[tuple[float, str]] = []
        self.closes: list[float] = []
        self.stopping = threading.Event()
        self.socket = None

    def run(self) -> None:
        retries = 0
        while not self.stopping.is_set():
            try:
                with connect(self.url, additional_headers=self.headers, open_timeout=5) as socket:
                    self.socket, retries = socket, 0
                    for frame in socket:
                        self.frames.append((time.monotonic(), frame))
            except (OSError, WebSocketException):
                pass
            self.closes.append(time.monotonic())
            self.stopping.wait(random.random() * 2 ** min(retries, 6))
            retries += 1

    def first_frame_after(self, moment: float, mark: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, frame in list(self.frames):
                if at > moment and mark in frame:
                    return at
            time.sleep(0.05)
        return None

    def stop(self) -> None:
        self.stopping.set()
        if self.socket is not None:
            self.socket.close()


class Command(BaseCommand):
    help = "Kill a Daphne, Celery workers and Redis under a running distributed shape; print what survived."

    def add_arguments(self, parser):
        parser.add_argument("--servers", type=int, default=2)
        parser.add_argument("--sweep", type=int, default=5, help="ROUTING_SWEEP_SECONDS of the drill's processes.")
        parser.add_argument("--keep", action="store_true", help="Keep the organization and the processes' logs.")

    def handle(self, *args, servers, sweep, keep, **options):
        if connect is None:
            raise CommandError("The drill's websocket client is missing: pip install -r requirements-dev.lock")
        if not settings.IS_POSTGRES:
            raise CommandError("The drill needs DATABASE_URL=postgres://... (migrated).")
        if cluster.nginx_binary() is None:
            raise CommandError(cluster.INSTALL_NGINX)
        if servers < 2:
            raise CommandError("--servers must be at least 2 (one is killed).")
        self.sweep = sweep
        self.run_dir = Path(tempfile.mkdtemp(prefix="contactcenter-drill-"))
        self.group = cluster.Cluster(run_dir=self.run_dir, env={}, logs=self.run_dir)
        self.screens: list[Screen] = []
        self.results: list[tuple[str, str, bool]] = []
        organization = self.set_up()
        try:
            self.start(servers)
            self.drill_daphne()
            self.drill_one_worker()
            self.drill_all_workers()
            self.drill_redis()
        finally:
            for screen in self.screens:
                screen.stop()
            self.group.stop()
            if keep:
                self.stdout.write(f"kept organization {organization.slug} and the logs in {self.run_dir}")
            else:
                self.tear_down(organization)
                shutil.rmtree(self.run_dir, ignore_errors=True)
        self.report()

    # --- Set-up -----------------------------------------------------------------------------------

    def set_up(self) -> Organization:
        slug = f"drill-{secrets.token_hex(4)}"
        organization = org_services.organization_create(name=f"Drill {slug}", slug=slug)
        queue = Queue.objects.create(organization=organization, name="Drill", kind=Queue.Kind.CHAT,
                                     after_service_seconds=WRAPUP_SECONDS, after_service_enforced=True)
        agent = org_services.user_create(organization=organization, username=f"{slug}-agent", first_name="Agente")
        QueueMembership.objects.create(organization=organization, queue=queue, user=agent,
                                       role=QueueMembership.Role.AGENT, position=0)
        agent_services.agent_sign_in(agent=agent)
        queue_services.queue_login(queue=queue, agent=agent)
        agent_services.agent_set_receive_new(agent=agent, on=True)
        self.agent, self.chats = agent, []
        for number in (1, 2):
            contact = Contact.objects.create(organization=organization, name=f"Cliente {number}")
            chat = conversations.conversation_open(queue=queue, contact=contact, text="Hola")
            chat.refresh_from_db()
            if chat.assignee_id != agent.pk:
                raise CommandError("the drill's chat was not assigned to its agent")
            self.chats.append(chat)
        client = Client()
        client.force_login(agent)
        self.session = client.cookies["sessionid"].value
        self.stdout.write(f"set-up: organization {slug}, one agent with two chats, wrap-up {WRAPUP_SECONDS} s")
        return organization

    def tear_down(self, organization: Organization) -> None:
        try:
            with transaction.atomic():
                # Rows that PROTECT what the organization's cascade deletes go first.
                Conversation.objects.filter(organization=organization).delete()
                StatusInterval.objects.filter(organization=organization).delete()
                AgentState.objects.filter(organization=organization).delete()
                organization.delete()
        except Exception as error:  # a leftover organization is harmless; say so and go on
            self.stderr.write(f"could not delete organization {organization.slug}: {error}")

    def start(self, servers: int) -> None:
        redis = self.group.start_redis()
        self.group.env = cluster.process_env(
            REDIS_URL=f"redis://127.0.0.1:{redis.port}/0", CHANNELS_PREFIX="drill", DEBUG="1",
            SESSION_COOKIE_SECURE="0", ROUTING_SWEEP_SECONDS=str(self.sweep), MEDIA_ROOT=str(self.run_dir / "media"))
        self.group.start_servers(servers)
        self.port = cluster.free_port()
        self.group.start_proxy(port=self.port, static_root=self.run_dir / "static", media_root=self.run_dir / "media",
                               max_body_bytes=max_upload_bytes())
        self.group.start_workers(2, concurrency=1)
        self.group.start_beat()
        time.sleep(2)  # the workers connect to the broker
        self.stdout.write(f"started: private redis :{redis.port}, {servers} Daphne behind nginx :{self.port}, "
                          f"2 Celery workers, beat (sweep every {self.sweep} s); logs in {self.run_dir}")
        origin = f"http://127.0.0.1:{self.port}"
        for _ in range(SCREENS):
            screen = Screen(f"ws://127.0.0.1:{self.port}/ws/workspace/",
                            {"Cookie": f"sessionid={self.session}", "Origin": origin})
            screen.start()
            self.screens.append(screen)
            if screen.first_frame_after(0, REFRESH_MARK, timeout=10) is None:
                raise CommandError(f"a screen got no refresh through the proxy; logs in {self.run_dir}")

    def record(self, fault: str, outcome: str, passed: bool) -> None:
        self.results.append((fault, outcome, passed))
        self.stdout.write(f"{'ok  ' if passed else 'FAIL'} {fault}: {outcome}")

    # --- Through the proxy, as the agent's browser ------------------------------------------------

    def post(self, path: str, data: dict | None = None) -> int:
        base = f"http://127.0.0.1:{self.port}"
        page = urllib.request.urlopen(urllib.request.Request(
            f"{base}/workspace/", headers={"Cookie": f"sessionid={self.session}"}), timeout=10)
        cookies = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        csrf = cookies["csrftoken"].value
        request = urllib.request.Request(f"{base}{path}", data=urlencode(data or {}).encode(), headers={
            "Cookie": f"sessionid={self.session}; csrftoken={csrf}", "X-CSRFToken": csrf, "HX-Request": "true",
            "Origin": base, "Referer": f"{base}/workspace/"})
        return urllib.request.urlopen(request, timeout=10).status

    def answers(self, path: str) -> bool:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10).status == 200
        except OSError:  # urllib's HTTPError and URLError included
            return False

    def close_chat(self, chat) -> tuple[int, object]:
        """Close a chat through the proxy; returns the wrap-up's episode and deadline."""
        self.post(f"/workspace/conversations/{chat.pk}/close/")
        state = AgentState.objects.get(agent=self.agent)
        if state.wrapup_deadline is None:
            raise CommandError("closing the chat started no enforced wrap-up")
        return state.wrapup_episode, state.wrapup_deadline

    def ended_by_time(self, after, timeout: float) -> list:
        """When the ledger says the wrap-up ended by its deadline (intervals started after `after`)."""
        deadline = time.monotonic() + timeout
        while True:
            ends = list(StatusInterval.objects.filter(agent=self.agent, reason=ENDED_BY_TIME, started_at__gt=after)
                        .values_list("started_at", flat=True))
            if ends or time.monotonic() > deadline:
                return ends
            time.sleep(0.1)

    # --- The faults -------------------------------------------------------------------------------

    def drill_daphne(self) -> None:
        victim = self.group.servers()[0]
        killed = time.monotonic()
        victim.kill()
        victim.process.wait()
        failed_requests = sum(not self.answers(path) for path in ["/readyz", "/accounts/login/"] * 10)
        time.sleep(0.5)  # nginx closes the sockets it proxied to the dead server
        dropped = [s for s in self.screens if any(at > killed for at in s.closes)]
        back = [s.first_frame_after(killed, REFRESH_MARK, timeout=8) for s in dropped]
        times = [at - killed for at in back if at is not None]
        worst = max(times, default=0)
        passed = bool(dropped) and len(times) == len(dropped) and worst <= 5 and failed_requests == 0
        self.record("kill one Daphne", f"{len(dropped)} of {len(self.screens)} screens dropped, "
                    f"{len(times)} back with a full refresh through the proxy, slowest {worst:.1f} s (limit 5 s); "
                    f"{failed_requests} of 20 requests right after the kill failed", passed)
        self.group.restart(victim)

    def worker_holding(self, task: str, timeout: float = 5) -> cluster.Child | None:
        """The worker that took `task` and keeps it until its time (Celery's remote control)."""
        app = Celery(broker=self.group.env["REDIS_URL"])
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for hostname, waiting in (app.control.inspect(timeout=1).scheduled() or {}).items():
                    if any(entry["request"]["name"] == task for entry in waiting):
                        name = "worker-" + hostname.split("@")[0].removeprefix("worker")
                        return next(worker for worker in self.group.workers() if worker.name == name)
        finally:
            app.close()
        return None

    def wait_until_ready(self, workers: list[cluster.Child], timeout: float = 30):
        """The moment the first of these (re)started workers says it is ready (consuming), as
        noticed by reading their logs every 50 ms: a task it runs at once may come a little earlier."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(" ready." in worker.log.read_text(errors="replace") for worker in workers):
                return timezone.now()
            time.sleep(0.05)
        raise CommandError(f"no worker got ready in {timeout} s; logs in {self.run_dir}")

    def drill_one_worker(self) -> None:
        _episode, deadline = self.close_chat(self.chats[0])
        holder = self.worker_holding("contactcenter.tasks.wrapup_expire")
        if holder is None:
            self.record("kill the worker holding a wrap-up", "no worker took the deadline task", False)
            return
        holder.kill()
        ends = self.ended_by_time(deadline, timeout=WRAPUP_SECONDS + 3 * self.sweep)
        late = (min(ends) - deadline).total_seconds() if ends else None
        limit = 1.2 * self.sweep
        self.group.restart(holder)
        time.sleep(3)  # the restarted worker may run what it is given again: it must change nothing
        count = len(self.ended_by_time(deadline, timeout=0))
        passed = late is not None and late <= limit and count == 1
        self.record(f"kill the worker holding a wrap-up ({holder.name})",
                    f"ended {late if late is None else round(late, 1)} s after its deadline by the other worker "
                    f"(limit 1.2 x {self.sweep} s = {limit:.1f} s); ends in the ledger after a restart: {count}",
                    passed)

    def drill_all_workers(self) -> None:
        for worker in self.group.workers():
            worker.kill()
            worker.process.wait()
        _episode, deadline = self.close_chat(self.chats[1])
        time.sleep(WRAPUP_SECONDS + 2)
        ended_without_workers = bool(self.ended_by_time(deadline, timeout=0))
        for worker in self.group.workers():
            worker.log.write_bytes(b"")  # the log's next "ready." is the restarted worker's
        started = timezone.now()
        ready = self.wait_until_ready([self.group.restart(worker) for worker in list(self.group.workers())])
        ends = self.ended_by_time(deadline, timeout=15)
        if ends and not ended_without_workers:
            after_ready = max(0.0, (min(ends) - ready).total_seconds())
            after_start = (min(ends) - started).total_seconds()
            took = f"{after_ready:.1f} s after a worker was ready again ({after_start:.1f} s after they were started)"
        else:
            after_ready, took = None, "not" if not ends else "before any worker returned (?)"
        time.sleep(2)
        count = len(self.ended_by_time(deadline, timeout=0))
        passed = after_ready is not None and after_ready <= 5 and count == 1
        self.record("kill every worker during a wrap-up, start them after its deadline",
                    f"ended {took} (limit 5 s after ready); ends in the ledger: {count}", passed)

    def drill_redis(self) -> None:
        redis = next(child for child in self.group.children if child.name == "redis")
        redis.kill()
        redis.process.wait()
        time.sleep(2)
        self.group.restart(redis)
        returned = time.monotonic()
        time.sleep(2)
        changed = time.monotonic()
        try:
            self.post("/workspace/status/", {"status": "dnd"})
        except OSError as error:
            self.record("restart Redis", f"a status change through the proxy failed after Redis returned: {error}",
                        False)
            return
        arrived = [s.first_frame_after(changed, "status-dnd", timeout=10) for s in self.screens]
        times = [at - returned for at in arrived if at is not None]
        passed = len(times) == len(self.screens)
        self.record("restart Redis", f"{len(times)} of {len(self.screens)} screens showed a status change made "
                    f"after Redis returned, the last {max(times, default=0):.1f} s after its return", passed)

    def report(self) -> None:
        width = max(len(fault) for fault, _, _ in self.results)
        self.stdout.write("")
        self.stdout.write(f"{'fault':<{width}}  result")
        for fault, outcome, passed in self.results:
            self.stdout.write(f"{fault:<{width}}  {'ok  ' if passed else 'FAIL'}  {outcome}")
        failed = [fault for fault, _, passed in self.results if not passed]
        self.stdout.write(f"fault_drill: {len(self.results) - len(failed)} of {len(self.results)} faults survived")
        if failed:
            raise CommandError(f"{len(failed)} fault(s) not survived: {', '.join(failed)}")
