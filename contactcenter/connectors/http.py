"""The one way the product reaches the network: a guarded HTTP client on httpx.

Every outgoing request (API attachment downloads, WhatsApp's Graph API and media, outbound
webhooks) goes through `fetch`/`post` here; a test fails if another module imports a network
library. The guard protects the server's own network from URLs that a provider's payload or an
organization's administrator chose:

- http and https only; at most MAX_REDIRECTS redirects, each one checked like the first;
- the host is resolved here, every address it resolves to must be public (not private, loopback,
  link-local, multicast, reserved or unspecified; IPv4-mapped and other IPv6 forms of those
  count, and so do the decimal/octal/hex spellings of an IPv4 address, which resolve to it),
  and the connection goes to the address that was checked: a second lookup by the HTTP library,
  which DNS rebinding would answer differently, never happens (the request keeps its Host
  header and TLS server name, so certificates are still checked against the host name);
- credentials (`auth_headers`) go only to the hosts they were configured for, never to a host a
  redirect or an answer points at;
- bodies are capped in size and every request in time; no proxy from the environment.

Private addresses are allowed only when CONNECTORS_ALLOW_PRIVATE_URLS is on (default: DEBUG).
"""

import ipaddress
import json
import secrets
import socket
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT = 10  # seconds, for a whole request (connect, send, read)
MAX_RESPONSE = 64 * 1024  # bytes of a response body kept for parsing or logging
MAX_REDIRECTS = 3
USER_AGENT = "contactcenter-connector/1"
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class HttpError(Exception):
    """The request did not succeed. `status` is the HTTP status when there was a response;
    `retryable` says whether trying again later may help (network errors, 429, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True, body: bytes = b""):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.body = body


class Refused(HttpError):
    """The address is not one the product may reach (scheme, private network, credentials)."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def allow_private_urls() -> bool:
    return bool(settings.CONNECTORS_ALLOW_PRIVATE_URLS)


# --- The address check ------------------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (and so safe to connect to)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if ip.version == 6:
        # IPv6 spellings of an IPv4 address (::ffff:127.0.0.1, 6to4, Teredo, NAT64) are that address.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


def _url(url: str | httpx.URL) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused("bad URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise Refused("only http and https URLs")
    return parsed


def resolve(url: httpx.URL, *, allow_private: bool | None = None) -> str:
    """The address to connect to for `url`: every address its host resolves to must be public."""
    allow_private = allow_private_urls() if allow_private is None else allow_private
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise HttpError("the host cannot be resolved") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise HttpError("the host cannot be resolved")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise Refused("the host is on a private network")
    return addresses[0]


def url_refusal(url: str) -> str | None:
    """For configuration forms: why the product may not send to `url`, or None when it may."""
    try:
        parsed = _url(url)
        if not allow_private_urls():
            resolve(parsed, allow_private=False)
    except Refused as refused:
        if str(refused) == "the host is on a private network":
            return _("This address is on a private or local network; the contact center may only send to "
                     "public internet addresses.")
        return _("Use an http:// or https:// address.")
    except HttpError:
        return _("This host name cannot be resolved.")
    return None


# --- Requests -------------------------------------------------------------------------------------


def _client(timeout: float) -> httpx.Client:
    # trust_env=False: no proxy from the environment; the connection goes where it was checked.
    return httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False, follow_redirects=False,
                        headers={"User-Agent": USER_AGENT})


def _request(method: str, url: str, *, content: bytes | None = None, headers: dict | None = None,
             auth_headers: dict | None = None, credential_hosts: set[str] | None = None,
             max_bytes: int = MAX_RESPONSE, timeout: float = TIMEOUT) -> Response:
    current = _url(url)
    credential_hosts = {current.host} if credential_hosts is None else set(credential_hosts)
    deadline = time.monotonic() + timeout
    with _client(timeout) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            address = resolve(current)
            request_headers = {**(headers or {}), "Host": current.netloc.decode("ascii")}
            if current.host in credential_hosts:
                request_headers.update(auth_headers or {})
            request = client.build_request(method, current.copy_with(host=address), headers=request_headers,
                                           content=content, extensions={"sni_hostname": current.host})
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as error:
                raise HttpError(f"{type(error).__name__}: {error}") from None
            try:
                if response.is_redirect:
                    current = _url(current.join(response.headers["location"]))
                    if response.status_code in (301, 302, 303) and method == "POST":
                        method, content = "GET", None
                    continue
                body = _read(response, max_bytes=max_bytes, deadline=deadline)
            finally:
                response.close()
            status = response.status_code
            if status >= 400:
                raise HttpError(f"HTTP {status}", status=status, body=body[:MAX_RESPONSE],
                                retryable=status in (408, 425, 429) or status >= 500)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Response(status, body, content_type)
    raise Refused("too many redirects")


def _read(response: httpx.Response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and response.status_code < 400:
        raise HttpError("the file is too large", retryable=False)
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                if response.status_code >= 400:
                    break
                raise HttpError("the file is too large", retryable=False)
            if time.monotonic() > deadline:
                raise HttpError("the answer took too long")
            chunks.append(chunk)
    except httpx.HTTPError as error:
        raise HttpError(f"{type(error).__name__}: {error}") from None
    return b"".join(chunks)


def fetch(url: str, *, max_bytes: int, headers: dict | None = None, auth_headers: dict | None = None,
          credential_hosts: set[str] | None = None, timeout: float = TIMEOUT) -> Response:
    """GET `url`; at most `max_bytes` are read (HttpError(retryable=False) beyond that).
    `auth_headers` go only to `credential_hosts` (default: the host of `url`)."""
    return _request("GET", url, headers=headers, auth_headers=auth_headers, credential_hosts=credential_hosts,
                    max_bytes=max_bytes, timeout=timeout)


def post(url: str, body: bytes, *, content_type: str, headers: dict | None = None,
         auth_headers: dict | None = None, timeout: float = TIMEOUT) -> Response:
    """POST `body`; a 2xx answer is returned, anything else raises HttpError."""
    return _request("POST", url, content=body, headers={**(headers or {}), "Content-Type": content_type},
                    auth_headers=auth_headers, timeout=timeout)


def post_json(url: str, body: bytes, *, headers: dict | None = None, auth_headers: dict | None = None,
              timeout: float = TIMEOUT) -> Response:
    return post(url, body, content_type="application/json", headers=headers, auth_headers=auth_headers,
                timeout=timeout)


def post_multipart(url: str, fields: dict[str, str], file_field: str, filename: str, content: bytes,
                   file_content_type: str, *, headers: dict | None = None, auth_headers: dict | None = None,
                   timeout: float = TIMEOUT) -> Response:
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
                headers=headers, auth_headers=auth_headers, timeout=timeout)
