"""/healthz reports each dependency (database, channel layer, cache, Celery broker) with its backend
and status; /readyz tells a proxy whether to send this server traffic: 503 while the database or
Redis does not answer within a second, 200 otherwise. Real clients against a closed port and a
socket that accepts and never answers; no mocks."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens there: the connection is refused
IN_MEMORY = {"backend": "in-memory", "status": "ok"}


@pytest.fixture
def embedded(settings):
    """The embedded mode's shared parts (whatever the run's REDIS_URL): nothing to reach but the database."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = "memory://"
    return settings


def redis_everywhere(settings, url: str):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [{"address": url}]}}}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.CELERY_BROKER_URL = url


@pytest.fixture
def silent_port():
    """A port on this machine that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def timed_get(client, path):
    started = time.perf_counter()
    response = client.get(path)
    return response, time.perf_counter() - started


# --- /healthz ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_reports_each_dependency_with_its_backend_and_status(client, embedded):
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    database = body.pop("database")
    assert body == {"status": "ok", "channel_layer": IN_MEMORY, "cache": IN_MEMORY, "broker": IN_MEMORY}
    assert database["backend"] == connection.vendor and database["status"] == "ok" and database["ms"] >= 0


@pytest.mark.django_db
def test_healthz_checks_the_configured_redis_for_the_layer_the_cache_and_the_broker(client, settings, needs_redis):
    redis_everywhere(settings, django_settings.REDIS_URL)  # the tests' cache and Celery stay in memory
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    for name in ("channel_layer", "cache", "broker"):
        assert body[name]["backend"] == "redis" and body[name]["status"] == "ok", body


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_channel_layer_when_its_redis_refuses(client, embedded):
    embedded.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [CLOSED]}}}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"]["status"] == "ok"
    assert body["channel_layer"] == {"backend": "redis", "status": "error", "error": "ConnectionError"}
    assert body["cache"] == body["broker"] == IN_MEMORY


@pytest.mark.django_db
def test_healthz_is_503_when_the_celery_broker_is_unreachable(client, embedded):
    embedded.CELERY_BROKER_URL = CLOSED
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == {"backend": "redis", "status": "error", "error": "ConnectionError"}


@pytest.mark.django_db
def test_healthz_needs_no_login_reads_no_session_and_is_never_cached(client, embedded):
    client.cookies["sessionid"] = "x" * 32  # a stale session cookie is never looked up
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "") and not response.cookies


@pytest.mark.django_db
def test_health_probes_answer_a_proxy_that_asks_by_address(client, embedded):
    """A proxy checks each server by its address, a Host that ALLOWED_HOSTS does not list."""
    assert client.get("/accounts/login/", headers={"Host": "app-3.internal:8000"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "app-3.internal:8000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "app-3.internal:8000"}).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_probes_refuse_post(client, path):
    assert client.post(path).status_code == 405


# --- /readyz -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_readyz_is_200_when_the_database_and_redis_answer(client):
    response = client.get("/readyz")  # this run's database, and its Redis when REDIS_URL is set
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_answers_a_head_request_without_session_or_cache(client, embedded):
    response = client.head("/readyz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and not response.cookies


@pytest.mark.django_db
def test_readyz_is_503_naming_what_fails_when_redis_refuses(client, settings):
    redis_everywhere(settings, CLOSED)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["broker", "cache", "channel_layer"]}


@pytest.mark.django_db
def test_readyz_gives_up_within_a_second_on_a_redis_that_never_answers(client, settings, silent_port):
    redis_everywhere(settings, f"redis://127.0.0.1:{silent_port}/0")
    response, elapsed = timed_get(client, "/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker", "cache", "channel_layer"]
    assert elapsed < 1.5  # one Redis behind all three: asked once, for at most a second


# --- The database away: a server started against it (its own process) --------------------------------

PROBE = """
import django, json, time
django.setup()
from django.test import Client
client = Client()
answers = {}
for path in ("/readyz", "/healthz"):
    started = time.perf_counter()
    response = client.get(path)
    answers[path] = [response.status_code, response.json(), time.perf_counter() - started]
print(json.dumps(answers))
"""


def probe_with_database(url: str, **env: str) -> dict:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
             "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "contactcenter.settings", "DEBUG": "1",
             "SECRET_KEY": "health-probe-test-key-0123456789-abcdefghijklmnop", "DATABASE_URL": url, **env}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=django_settings.BASE_DIR, env=clean,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("server", "pool"), [("closed", "1"), ("silent", "1"), ("silent", "0")])
def test_with_postgresql_away_readyz_and_healthz_answer_503_within_a_second(server, pool, silent_port):
    port = 1 if server == "closed" else silent_port
    answers = probe_with_database(f"postgres://postgres@127.0.0.1:{port}/down", DATABASE_POOL=pool)
    status, body, elapsed = answers["/readyz"]
    assert (status, body) == (503, {"status": "unavailable", "failing": ["database"]})
    assert elapsed < 1.8
    status, body, elapsed = answers["/healthz"]
    assert status == 503 and body["status"] == "error" and elapsed < 1.8
    assert body["database"]["backend"] == "postgresql" and body["database"]["status"] == "error"
    assert body["channel_layer"] == {"backend": "in-memory", "status": "ok"}


def test_with_the_sqlite_file_unreachable_readyz_answers_503(tmp_path):
    answers = probe_with_database(f"sqlite:///{tmp_path}/no-such-folder/db.sqlite3")
    assert answers["/readyz"][:2] == [503, {"status": "unavailable", "failing": ["database"]}]
    assert answers["/healthz"][1]["database"] == {"backend": "sqlite", "status": "error", "error": "OperationalError"}
