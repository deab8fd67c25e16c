"""The distributed shape with real processes: two Daphne servers and a Celery worker sharing
PostgreSQL and Redis. An event caused by a request to server A, or by a Celery task (a wrap-up
deadline), reaches a browser socket connected to server B."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from contactcenter.services import agents, conversations, queues
from tests import factories as f

pytestmark = [pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def processes(needs_postgres, needs_redis, tmp_path):
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        # The processes run as deployed (tests/settings.py would keep Celery's broker in memory).
        "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",  # static files from the finders: no collectstatic in a test
        "SESSION_COOKIE_SECURE": "0",
        "MEDIA_ROOT": str(tmp_path),
        "CHANNELS_PREFIX": "cc-dist-test",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    ports = {"a": free_port(), "b": free_port()}
    started = []
    for name, port in ports.items():
        started.append(subprocess.Popen(
            [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "contactcenter.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / f"daphne-{name}.log", "wb")))
    started.append(subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "contactcenter", "worker", "--pool", "solo", "-Q", "celery",
         "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "wb")))
    try:
        for port in ports.values():
            wait_for_port(port)
        time.sleep(1.5)  # the worker connects to the broker
        yield ports
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def assigned_chat(personas):
    personas.queue.after_service_seconds = 2
    personas.queue.after_service_enforced = True
    personas.queue.save()
    agent = personas.agent
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=personas.queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)
    conv = conversations.conversation_open(
        queue=personas.queue, contact=f.ContactFactory(organization=personas.organization), text="Hola")
    conv.refresh_from_db()
    assert conv.assignee_id == agent.pk
    return conv


def receive_until(ws, needle: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        try:
            frame = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        seen += frame
        if needle in frame:
            return frame
    raise AssertionError(f"{needle!r} did not arrive in {timeout} s")


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_a_request_to_server_a_and_a_celery_deadline_reach_sockets_on_server_b(processes, personas, assigned_chat):
    from websockets.sync.client import connect

    session = session_of(personas.agent)
    a, b = processes["a"], processes["b"]
    # The agent's page and the supervisor's overview are open on server B.
    supervisor = connect(f"ws://127.0.0.1:{b}/ws/supervision/", additional_headers={
        "Cookie": f"sessionid={session_of(personas.supervisor)}", "Origin": f"http://127.0.0.1:{b}"})
    status_cell = f'<td id="agent-{personas.agent.pk}-status"><span class="status status-'
    with supervisor, connect(f"ws://127.0.0.1:{b}/ws/workspace/?c={assigned_chat.pk}", additional_headers={
            "Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{b}"}) as ws:
        receive_until(supervisor, 'id="agent-rows"', timeout=10)  # the refresh on connect
        receive_until(ws, 'id="agent-bar"', timeout=10)
        # A reply posted to server A shows up on B.
        page = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{a}/workspace/", headers={"Cookie": f"sessionid={session}"}), timeout=10)
        cookies = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        csrf = cookies["csrftoken"].value
        request = urllib.request.Request(
            f"http://127.0.0.1:{a}/workspace/conversations/{assigned_chat.pk}/send/",
            data=urlencode({"text": "Enviado desde el servidor A"}).encode(),
            headers={"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf,
                     "Origin": f"http://127.0.0.1:{a}", "Referer": f"http://127.0.0.1:{a}/workspace/"},
        )
        opener = urllib.request.build_opener(NoRedirect)
        assert opener.open(request, timeout=10).status in (200, 302)
        receive_until(ws, "Enviado desde el servidor A", timeout=10)
        # Closing on A starts a 2-second enforced wrap-up; the Celery worker ends it; B shows Ready.
        request = urllib.request.Request(
            f"http://127.0.0.1:{a}/workspace/conversations/{assigned_chat.pk}/close/", data=b"",
            headers={"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf,
                     "Origin": f"http://127.0.0.1:{a}", "Referer": f"http://127.0.0.1:{a}/workspace/"},
        )
        opener.open(request, timeout=10)
        receive_until(ws, "status-after_service", timeout=10)
        receive_until(supervisor, status_cell + "after_service", timeout=10)
        receive_until(ws, "status status-ready", timeout=15)
        receive_until(supervisor, status_cell + "ready", timeout=5)
    personas.agent.state.refresh_from_db()
    assert personas.agent.state.status.code == "ready"
    last = personas.agent.status_intervals.order_by("-started_at").first()
    assert last.source == "system" and "time ran out" in last.reason


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp
