"""The one guarded HTTP client: no outgoing request reaches a private address unless
CONNECTORS_ALLOW_PRIVATE_URLS is on, whatever the URL's spelling, a redirect or a DNS answer that
changes between the check and the connection; credentials go only to the configured host.

Every "internal service" here is a real HTTP server on this machine that must receive nothing.
A "public host" is another loopback address (127.0.0.2, .3) that the test declares public by
replacing the project's own address policy, so no traffic ever leaves the machine."""

import ast
import json
import socket
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from contactcenter import tasks
from contactcenter.connectors import http
from contactcenter.models import Message
from permissions.config.forms import ChannelForm
from tests.connectors.api_helpers import api_channel, json_reply, start_server, whatsapp_channel
from tests.connectors.test_outbound import open_conversation, reply
from tests.connectors.test_whatsapp import notification, post

pytestmark = pytest.mark.django_db
PUBLIC = {"127.0.0.2", "127.0.0.3"}  # stand-ins for public hosts (loopback, so nothing leaves)


@pytest.fixture(autouse=True)
def guard_on(settings):
    settings.CONNECTORS_ALLOW_PRIVATE_URLS = False


@pytest.fixture
def internal():
    """A service on the server's own network (127.0.0.1) that must never be reached."""
    server, state = start_server("127.0.0.1")
    state.answer("/healthz", (200, b"internal secret", "text/plain"))
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def public(monkeypatch):
    """Two "public" hosts on 127.0.0.2 and 127.0.0.3, declared public for this test."""
    real = http.is_public_address
    monkeypatch.setattr(http, "is_public_address", lambda address: address in PUBLIC or real(address))
    servers = [start_server(host) for host in sorted(PUBLIC)]
    yield [state for _server, state in servers]
    for server, _state in servers:
        server.shutdown()
        server.server_close()


# --- Addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
    "240.0.0.1", "100.64.0.1", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "2002:7f00:1::1", "64:ff9b::7f00:1",
])
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_not_public(address):
    assert http.is_public_address(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address):
    assert http.is_public_address(address) is True


@pytest.mark.parametrize("spelling", [
    "http://127.0.0.1:{port}/healthz", "http://2130706433:{port}/healthz", "http://0x7f000001:{port}/healthz",
    "http://0177.0.0.1:{port}/healthz", "http://127.1:{port}/healthz", "http://localhost:{port}/healthz",
    "http://[::ffff:127.0.0.1]:{port}/healthz",
])
def test_every_spelling_of_a_local_address_is_refused_and_nothing_is_sent(internal, spelling):
    port = internal.url.rsplit(":", 1)[1]
    with pytest.raises(http.Refused):
        http.fetch(spelling.format(port=port), max_bytes=1000)
    assert internal.received == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://x/", "http://", "nonsense"])
def test_only_http_and_https_urls_are_fetched(url):
    with pytest.raises(http.Refused):
        http.fetch(url, max_bytes=1000)


def test_with_private_urls_allowed_a_local_service_is_reached(settings, internal):
    settings.CONNECTORS_ALLOW_PRIVATE_URLS = True
    assert http.fetch(internal.url + "/healthz", max_bytes=1000).body == b"internal secret"


# --- Redirects, rebinding, credentials ------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused_after_the_public_hop(public, internal):
    first, _second = public
    first.answer("/go", (302, b"", "text/plain", {"Location": internal.url + "/healthz"}))
    with pytest.raises(http.Refused):
        http.fetch(first.url + "/go", max_bytes=1000)
    assert len(first.received) == 1 and internal.received == []


def test_too_many_redirects_are_refused(public):
    first, _second = public
    first.answer("/loop", (302, b"", "text/plain", {"Location": "/loop"}))
    with pytest.raises(http.Refused):
        http.fetch(first.url + "/loop", max_bytes=1000)
    assert len(first.received) == http.MAX_REDIRECTS + 1


def test_dns_rebinding_cannot_move_the_connection_to_a_private_address(monkeypatch, public, internal):
    """The resolver answers a public address first and the internal one afterwards: the request
    goes to the address that was checked, and the internal service hears nothing."""
    first, _second = public
    first_port = int(first.url.rsplit(":", 1)[1])
    first.answer("/file", (200, b"public file", "text/plain"))
    # The internal service listens on the same port at 127.0.0.1, as a rebinding attacker would want.
    internal_on_same_port = start_server_on(first_port)
    answers = iter(["127.0.0.2"])
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_resolver(host, port, *args, **kwargs):
        if host != "files.example.com":  # an address literal resolves to itself, as in real life
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver)
    response = http.fetch(f"http://files.example.com:{first_port}/file", max_bytes=1000)
    assert response.body == b"public file"
    assert first.received[0].headers["Host"] == f"files.example.com:{first_port}"
    assert internal_on_same_port.received == []


def start_server_on(port: int):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError:
        pytest.skip("the port is taken on 127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class State:
        pass

    state = State()
    state.received = received
    return state


def test_credentials_go_only_to_the_configured_host(public):
    first, second = public
    first.answer("/media", json_reply({"url": second.url + "/cdn/file"}))
    second.answer("/cdn/file", (200, b"bytes", "application/octet-stream"))
    auth = {"Authorization": "Bearer secret-token"}
    info = http.fetch(first.url + "/media", max_bytes=1000, auth_headers=auth).json()
    http.fetch(info["url"], max_bytes=1000, auth_headers=auth, credential_hosts={"127.0.0.2"})
    assert first.received[0].headers["Authorization"] == "Bearer secret-token"
    assert "Authorization" not in second.received[0].headers


def test_a_body_over_the_limit_is_refused(public):
    first, _second = public
    first.answer("/big", (200, b"x" * 5000, "application/octet-stream"))
    with pytest.raises(http.HttpError, match="too large"):
        http.fetch(first.url + "/big", max_bytes=1000)


# --- The two reported paths -----------------------------------------------------------------------


def test_a_whatsapp_channel_pointed_at_an_internal_graph_url_fetches_nothing(client, personas, internal):
    whatsapp_channel(personas, graph_url=internal.url + "/graph")
    internal.answer("/graph/5551", json_reply({"url": internal.url + "/healthz"}))
    document = {"from": "34600111222", "id": "wamid.doc", "timestamp": "1763712000", "type": "document",
                "document": {"id": "5551", "filename": "x.pdf", "mime_type": "application/pdf"}}
    assert post(client, notification([document])).status_code == 200
    assert internal.received == []
    assert not Message.objects.filter(attachments__isnull=False).exists()


def test_an_api_webhook_at_an_internal_address_is_never_posted_and_fails(personas, internal, monkeypatch):
    from contactcenter.services import agents, queues

    monkeypatch.setattr(tasks.deliver_message, "delay", lambda message_id: None)
    agents.agent_sign_in(agent=personas.agent)
    queues.queue_login(queue=personas.queue, agent=personas.agent)
    agents.agent_set_receive_new(agent=personas.agent, on=True)
    channel = api_channel(personas, webhook_url=internal.url + "/healthz")
    message = reply(open_conversation(channel, personas.agent), personas.agent)
    assert tasks.deliver_message(message.pk) == Message.Delivery.FAILED
    assert internal.received == []


# --- Configuration forms --------------------------------------------------------------------------


def channel_form(personas, **data):
    return ChannelForm(data={"kind": "api", "name": "Proveedor", "queue": personas.queue.pk, "webhook_url": "",
                             "settings": "{}", "is_active": "on", **data}, organization=personas.organization)


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8102/healthz",
                                 "http://[::1]/", "http://localhost:8000/", "http://[::ffff:10.0.0.1]/"])
def test_the_channel_form_refuses_an_internal_webhook_url_with_a_field_error(personas, url):
    with translation.override("en"):
        form = channel_form(personas, webhook_url=url)
        assert not form.is_valid()
        assert "private or local network" in form.errors["webhook_url"][0]


def test_the_channel_form_says_it_in_spanish(personas):
    with translation.override("es"):
        form = channel_form(personas, webhook_url="http://169.254.169.254/")
        assert not form.is_valid() and "red privada o local" in form.errors["webhook_url"][0]


def test_a_decimal_spelling_of_a_local_address_is_refused_by_the_form_too(personas):
    form = channel_form(personas, webhook_url="http://2130706433/")
    assert not form.is_valid() and "webhook_url" in form.errors


def test_the_channel_form_refuses_an_internal_graph_url_in_the_settings(personas):
    with translation.override("en"):
        form = channel_form(personas, kind="whatsapp", settings=json.dumps({"graph_url": "http://127.0.0.1:8199/g"}))
        assert not form.is_valid()
        assert "private or local network" in form.errors["settings"][0]


def test_a_public_webhook_url_is_accepted(personas, monkeypatch):
    monkeypatch.setattr(http, "resolve", lambda url, allow_private=None: "93.184.216.34")  # no DNS in tests
    assert channel_form(personas, webhook_url="https://hooks.example.com/cc").is_valid()


# --- One way to the network -----------------------------------------------------------------------

NETWORK_MODULES = {"socket", "urllib.request", "http.client", "httpx", "httpcore", "requests", "urllib3",
                   "aiohttp", "ftplib", "smtplib"}
# The guarded client itself; the local benchmark client (loopback websockets of bench_realtime); the
# local process plumbing of run_distributed (a free loopback port, and whether a server listens on it);
# fault_drill's requests to the nginx it started on 127.0.0.1.
ALLOWED = {"contactcenter/connectors/http.py", "contactcenter/management/commands/_bench_utils.py",
           "contactcenter/cluster.py", "contactcenter/management/commands/fault_drill.py"}


def test_no_module_but_the_guarded_client_imports_a_network_library():
    base = Path(django_settings.BASE_DIR)
    offenders = []
    for package in ("contactcenter", "workspace", "supervision", "permissions"):
        for path in (base / package).rglob("*.py"):
            relative = path.relative_to(base).as_posix()
            if relative in ALLOWED or "/migrations/" in relative:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                offenders += [f"{relative}: {name}" for name in names if name in NETWORK_MODULES]
    assert offenders == []
