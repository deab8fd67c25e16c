"""What /healthz and /readyz ask: does each shared dependency this process uses (the database, the
channel layer, the cache, the Celery broker) answer now? Real clients with a one-second limit and no
retries, so a probe never holds a proxy's health check (or a server thread) for long."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import redis
from django.conf import settings
from django.db import connection

TIMEOUT_SECONDS = 1.0
IN_MEMORY = "in-memory"


@dataclass(frozen=True)
class Dependency:
    name: str  # database, channel_layer, cache, broker
    backend: str  # sqlite, postgresql, redis, in-memory
    target: str = ""  # what is reached (a Redis URL): one probe per target, however many use it
    probe: Callable[[], None] | None = None  # None: in this process, nothing to reach


def dependencies() -> list[Dependency]:
    return [database(), *redis_users()]


def report() -> dict[str, dict]:
    """{dependency: {"status": "ok" | "error", "backend", "ms" or "error": the exception's class}}."""
    answers: dict[str, dict] = {}
    results: dict[str, dict] = {}
    for dependency in dependencies():
        key = dependency.target or dependency.name
        if key not in answers:
            answers[key] = answer(dependency)
        results[dependency.name] = {"backend": dependency.backend, **answers[key]}
    return results


def answer(dependency: Dependency) -> dict:
    if dependency.probe is None:
        return {"status": "ok"}
    started = time.perf_counter()
    try:
        dependency.probe()
    except Exception as exc:  # noqa: BLE001 - whatever fails, the dependency is not usable now
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


# --- The database --------------------------------------------------------------------------------


def database() -> Dependency:
    if connection.vendor != "postgresql":
        return Dependency("database", connection.vendor, probe=query_django_connection)
    if connection.pool is not None:
        return Dependency("database", "postgresql", probe=query_pool)
    return Dependency("database", "postgresql", probe=query_new_connection)


def query_django_connection():
    """SQLite: a file on this machine, nothing to wait for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def query_pool():
    """A connection of the pool the requests use (psycopg_pool's public API): no new connection when
    one is idle, PoolTimeout after a second when none comes (server away, or every one busy)."""
    pool = connection.pool
    pool.open()  # Django opens it at the first query; a no-op once open
    with pool.connection(timeout=TIMEOUT_SECONDS) as pooled:
        pooled.execute("SELECT 1").fetchone()


def query_new_connection():
    """Without the pool (DATABASE_POOL=0): a connection of its own. psycopg waits at least 2 s to
    connect, so the wait is cut at one second here; the thread ends by itself."""
    params = connection.get_connection_params()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-database")
    try:
        executor.submit(connect_and_query, params).result(timeout=TIMEOUT_SECONDS)
    finally:
        executor.shutdown(wait=False)


def connect_and_query(params: dict):
    with psycopg.connect(**{**params, "connect_timeout": 2, "autocommit": True}) as fresh:
        fresh.execute("SELECT 1").fetchone()


# --- Redis: the channel layer, the cache, the broker ------------------------------------------------


def redis_users() -> list[Dependency]:
    layer_hosts = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [])
    layer = [host["address"] if isinstance(host, dict) else host if isinstance(host, str)
             else f"redis://{host[0]}:{host[1]}" for host in layer_hosts]
    cache_settings = settings.CACHES["default"]
    cache = cache_settings["LOCATION"] if cache_settings["BACKEND"].endswith("RedisCache") else []
    cache = [cache] if isinstance(cache, str) else list(cache)
    broker = [settings.CELERY_BROKER_URL] if settings.CELERY_BROKER_URL.startswith(
        ("redis://", "rediss://", "unix://")) else []
    return [Dependency(name, "redis", target=" ".join(urls), probe=lambda urls=urls: [ping(url) for url in urls])
            if urls else Dependency(name, IN_MEMORY)
            for name, urls in (("channel_layer", layer), ("cache", cache), ("broker", broker))]


def ping(url: str):
    """PING with a short connect and read limit and no retry (a redis.Redis() retries 3 times with
    backoff by default: 8-10 s here on a Redis that accepts and never answers)."""
    half = TIMEOUT_SECONDS / 2
    client = redis.Redis.from_url(url, socket_connect_timeout=half, socket_timeout=half, retry=None)
    try:
        client.ping()
    finally:
        client.close()
