"""The fixed-window rate limiter behind every public endpoint (web chat, API, WhatsApp)."""

import uuid

from django.core.cache import caches

from contactcenter.connectors import ratelimit


def test_hits_up_to_the_limit_are_allowed_and_the_next_is_refused():
    assert [ratelimit.allow("client:1", 3, 60) for _ in range(4)] == [True, True, True, False]


def test_each_key_counts_on_its_own():
    assert [ratelimit.allow("client:1", 1, 60), ratelimit.allow("client:2", 1, 60)] == [True, True]
    assert ratelimit.allow("client:1", 1, 60) is False


def test_allow_all_refuses_when_any_check_is_over_its_limit():
    assert ratelimit.allow_all(("client:9", 5, 60), ("channel:9", 1, 60)) is True
    assert ratelimit.allow_all(("client:9", 5, 60), ("channel:9", 1, 60)) is False


def test_a_new_window_starts_a_new_count(monkeypatch):
    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert [ratelimit.allow("client:3", 1, 60) for _ in range(2)] == [True, False]
    now[0] += 60
    assert ratelimit.allow("client:3", 1, 60) is True


def test_processes_share_their_counts_through_redis(needs_redis, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": settings.REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4()}"}}
    assert ratelimit.allow("client:4", 2, 60) and ratelimit.allow("client:4", 2, 60)
    # Another process: another connection to the same Redis, same counts.
    other = caches.create_connection("default")
    window = int(ratelimit.time.time() // 60)
    assert other.get(f"ratelimit:client:4:{window}") == 2
    assert ratelimit.allow("client:4", 2, 60) is False
