"""Fixed-window rate limits kept in Django's cache (Redis when REDIS_URL is set, so every
process shares the counts; per process otherwise)."""

import time

from django.core.cache import cache


def allow(key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit for `key`; False once `limit` hits were counted in the current window."""
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{key}:{window}"
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return True
    return hits <= limit


def allow_all(*checks: tuple[str, int, int]) -> bool:
    """Every (key, limit, window) must allow the hit; each is counted."""
    return all([allow(key, limit, window) for key, limit, window in checks])
