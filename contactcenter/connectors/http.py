"""A small HTTP client for the connectors, on the standard library: bounded downloads and
JSON/multipart posts, with short timeouts and http(s) only.

Downloads of addresses a provider gives us (an API attachment's url) refuse hosts on private,
loopback or link-local networks, so a signed request cannot make the server read its own
network (cloud metadata, admin ports). Development and tests allow them
(setting CONNECTORS_ALLOW_PRIVATE_URLS, default DEBUG or TESTING).
"""

import http.client
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT = 10  # seconds, per request
MAX_RESPONSE = 64 * 1024  # bytes of a response body kept for parsing or logging
USER_AGENT = "contactcenter-connector/1"


class HttpError(Exception):
    """The request did not succeed. `status` is the HTTP status when there was a response;
    `retryable` says whether trying again later may help (network errors, 429, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True, body: bytes = b""):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.body = body


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def allow_private_urls() -> bool:
    default = settings.DEBUG or getattr(settings, "TESTING", False)
    return bool(getattr(settings, "CONNECTORS_ALLOW_PRIVATE_URLS", default))


def check_public_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise HttpError(retryable=False) unless `url` is http(s) with a host on a public network."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise HttpError("bad URL", retryable=False) from None
    if parts.scheme not in ("http", "https") or not host:
        raise HttpError("only http and https URLs", retryable=False)
    if allow_private if allow_private is not None else allow_private_urls():
        return
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise HttpError("the host cannot be resolved", retryable=False) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise HttpError("the host is on a private network", retryable=False)


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 3

    def __init__(self, check):
        self.check = check

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.check(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(request: urllib.request.Request, *, timeout: float, check=None):
    def no_check(url):
        if urlsplit(url).scheme not in ("http", "https"):
            raise HttpError("only http and https URLs", retryable=False)

    opener = urllib.request.build_opener(_Redirects(check or no_check))
    request.add_header("User-Agent", USER_AGENT)
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_RESPONSE) if error.fp else b""
        status = error.code
        raise HttpError(f"HTTP {status}", status=status, retryable=status in (408, 425, 429) or status >= 500,
                        body=body) from None
    except HttpError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        raise HttpError(f"{type(error).__name__}: {error}") from None


def fetch(url: str, *, max_bytes: int, headers: dict | None = None, timeout: float = TIMEOUT,
          public_only: bool = False) -> Response:
    """GET `url`; at most `max_bytes` are read (HttpError(retryable=False) beyond that)."""
    check = (lambda u: check_public_url(u)) if public_only else None
    if check:
        check(url)
    elif urlsplit(url).scheme not in ("http", "https"):
        raise HttpError("only http and https URLs", retryable=False)
    request = urllib.request.Request(url, headers=headers or {}, method="GET")
    with _open(request, timeout=timeout, check=check) as response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise HttpError("the file is too large", retryable=False)
        try:
            body = response.read(max_bytes + 1)
        except (http.client.HTTPException, OSError) as error:
            raise HttpError(f"{type(error).__name__}: {error}") from None
        if len(body) > max_bytes:
            raise HttpError("the file is too large", retryable=False)
        return Response(response.status, body, response.headers.get_content_type())


def post(url: str, body: bytes, *, content_type: str, headers: dict | None = None,
         timeout: float = TIMEOUT) -> Response:
    """POST `body`; a 2xx answer is returned, anything else raises HttpError."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise HttpError("only http and https URLs", retryable=False)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={**(headers or {}), "Content-Type": content_type})
    with _open(request, timeout=timeout) as response:
        try:
            data = response.read(MAX_RESPONSE)
        except (http.client.HTTPException, OSError) as error:
            raise HttpError(f"{type(error).__name__}: {error}") from None
        return Response(response.status, data, response.headers.get_content_type())


def post_json(url: str, body: bytes, *, headers: dict | None = None, timeout: float = TIMEOUT) -> Response:
    return post(url, body, content_type="application/json", headers=headers, timeout=timeout)


def post_multipart(url: str, fields: dict[str, str], file_field: str, filename: str, content: bytes,
                   file_content_type: str, *, headers: dict | None = None, timeout: float = TIMEOUT) -> Response:
    boundary = "----cc" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    safe_name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{safe_name}"\r\n'
        f"Content-Type: {file_content_type}\r\n\r\n".encode() + content + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return post(url, b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}",
                headers=headers, timeout=timeout)
