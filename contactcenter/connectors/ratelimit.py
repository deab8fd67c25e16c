"""Rate limits of the public endpoints, counted in Django's cache (Redis when REDIS_URL is set, so
every process shares the counts; per process otherwise).

HTTP requests are counted by django-ratelimit (`exceeded`, through its public
`django_ratelimit.core.is_ratelimited`). The web chat socket's connect has no HttpRequest (only
an ASGI scope), so it counts with `allow`: the same fixed-window counter (one cache.add, then
cache.incr) on a plain key, kept readable in Redis as "ratelimit:<key>:<window>".

django_ratelimit is not in INSTALLED_APPS: that would only register its system check, which
refuses the embedded mode's per-process LocMemCache (django_ratelimit.E003).
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per `window` seconds for each `value` (a client address, a channel id)
    in a `group` (what is counted, e.g. "api:client")."""

    group: str
    value: str | int
    limit: int
    window: int = 60


def exceeded(request: HttpRequest, *limits: Limit) -> bool:
    """Count the request against every limit (each is counted, even once one is over); True when
    any is over."""
    over = [is_ratelimited(request, group=limit.group, key=_constant(str(limit.value)),
                           rate=(limit.limit, limit.window), increment=True)
            for limit in limits]
    return any(over)


def _constant(value: str):
    # django-ratelimit asks a key callable for the value to count by; ours is known beforehand.
    return lambda group, request: value


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

