"""What every provider-facing endpoint does before it trusts a request: read a bounded body
(413 beyond the limit, checked on Content-Length before reading), count the client against
the rate limits (429), and answer errors as small JSON documents."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from contactcenter.connectors import ratelimit


class TooLarge(Exception):
    pass


def error(status: int, code: str, detail, **extra) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": str(detail), **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def read_body(request, max_bytes: int) -> bytes:
    """The raw body, at most `max_bytes` (TooLarge otherwise). The declared length is checked
    before reading a byte; a body without one is read only up to the limit."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise TooLarge
    # Read the stream directly: request.body would apply DATA_UPLOAD_MAX_MEMORY_SIZE (form
    # posts' limit) instead of this endpoint's own.
    body = request.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise TooLarge
    return body


def too_large(max_bytes: int) -> JsonResponse:
    return error(413, "too_large", _("The request body is larger than %(max)s bytes.") % {"max": max_bytes})


def rate_limited(window_seconds: int) -> JsonResponse:
    response = error(429, "rate_limited", _("Too many requests. Try again in a minute."))
    response["Retry-After"] = str(window_seconds)
    return response


def over_limit(request, group: str, value: str | int, limit: int, window_seconds: int) -> bool:
    """Count the request for `value` (the client's address, a channel id) in `group`; True once
    more than `limit` came in the window."""
    return ratelimit.exceeded(request, ratelimit.Limit(group, value, limit, window_seconds))
