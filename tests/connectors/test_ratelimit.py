"""The fixed-window rate limiter behind every public endpoint (web chat, API, WhatsApp)."""

import uuid

from django.core.cache import caches

from contactcenter.connectors import ratelimit


def test_hits_up_to_the_limit_are_allowed_and_the_next_is_refused(still_clock):
    assert [ratelimit.allow("client:1", 3, 60) for _ in range(4)] == [True, True, True, False]


def test_each_key_counts_on_its_own(still_clock):
    assert [ratelimit.allow("client:1", 1, 60), ratelimit.allow("client:2", 1, 60)] == [True, True]
    assert ratelimit.allow("client:1", 1, 60) is False


def test_a_new_window_starts_a_new_count(monkeypatch):
    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert [ratelimit.allow("client:3", 1, 60) for _ in range(2)] == [True, False]
    now[0] += 60
    assert ratelimit.allow("client:3", 1, 60) is True


def test_processes_share_their_counts_through_redis(needs_redis, settings, still_clock):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": settings.REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4()}"}}
    assert ratelimit.allow("client:4", 2, 60) and ratelimit.allow("client:4", 2, 60)
    # Another process: another connection to the same Redis, same counts.
    other = caches.create_connection("default")
    window = int(ratelimit.time.time() // 60)
    assert other.get(f"ratelimit:client:4:{window}") == 2
    assert ratelimit.allow("client:4", 2, 60) is False


# --- HTTP requests: django-ratelimit ------------------------------------------------------------


def hit(rf, *limits, address="10.0.0.1"):
    return ratelimit.exceeded(rf.post("/x", REMOTE_ADDR=address), *limits)


def test_a_request_over_the_limit_is_refused(rf, still_clock):
    limit = ratelimit.Limit("api:client", "10.0.0.1", 2)
    assert [hit(rf, limit) for _ in range(3)] == [False, False, True]


def test_each_value_of_a_group_counts_on_its_own(rf, still_clock):
    assert hit(rf, ratelimit.Limit("api:client", "10.0.0.1", 1)) is False
    assert hit(rf, ratelimit.Limit("api:client", "10.0.0.2", 1)) is False
    assert hit(rf, ratelimit.Limit("api:channel", "10.0.0.1", 1)) is False
    assert hit(rf, ratelimit.Limit("api:client", "10.0.0.1", 1)) is True


def test_a_request_is_counted_against_every_limit_even_when_one_is_over(rf, still_clock):
    per_client, per_channel = ratelimit.Limit("send:client", "a", 1), ratelimit.Limit("send:channel", 7, 5)
    assert hit(rf, per_client, per_channel) is False
    assert hit(rf, per_client, per_channel) is True
    assert [hit(rf, per_channel) for _ in range(4)] == [False, False, False, True]


def test_the_library_counts_a_new_window_afresh(rf, monkeypatch):
    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    limit = ratelimit.Limit("api:client", "10.0.0.3", 1)
    assert [hit(rf, limit), hit(rf, limit)] == [False, True]
    now[0] += 60
    assert hit(rf, limit) is False


def test_http_counts_are_shared_through_redis(needs_redis, settings, rf, still_clock):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": settings.REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4()}"}}
    limit = ratelimit.Limit("api:client", "10.0.0.4", 2)
    assert [hit(rf, limit), hit(rf, limit)] == [False, False]
    del caches["default"]  # the next use builds a new client and connection pool, as another process would
    assert hit(rf, limit) is True
