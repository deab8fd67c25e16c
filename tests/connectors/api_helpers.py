"""Helpers for the inbound API, outbound delivery and WhatsApp tests: channels, signed posts,
and a real local HTTP server that records what it receives and answers as scripted.

Test modules import the fixtures they use by their function names (FIXTURES below)."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from contactcenter.connectors import signing
from contactcenter.models import Channel
from tests import factories as f

SECRET = "api-channel-secret-0123456789"
APP_SECRET = "whatsapp-app-secret-0123456789"
VERIFY_TOKEN = "verify-me"
PHONE_NUMBER_ID = "106540352242922"


def api_channel(personas, **kwargs) -> Channel:
    return f.ChannelFactory(organization=personas.organization, queue=kwargs.pop("queue", personas.queue),
                            kind=Channel.Kind.API, public_key=kwargs.pop("public_key", "acme-api"), secret=SECRET,
                            **kwargs)


def voice_channel(personas, **kwargs) -> Channel:
    return f.ChannelFactory(organization=personas.organization, queue=kwargs.pop("queue", personas.other_queue),
                            kind=kwargs.pop("kind", Channel.Kind.VOICE),
                            public_key=kwargs.pop("public_key", "acme-tel"), secret=SECRET, **kwargs)


def whatsapp_channel(personas, graph_url: str = "", **kwargs) -> Channel:
    settings = {"verify_token": VERIFY_TOKEN, "app_secret": APP_SECRET, "phone_number_id": PHONE_NUMBER_ID,
                "access_token": "EAAG-test-token"}
    if graph_url:
        settings["graph_url"] = graph_url
    return f.ChannelFactory(organization=kwargs.pop("organization", personas.organization),
                            queue=kwargs.pop("queue", personas.queue), kind=Channel.Kind.WHATSAPP,
                            public_key=kwargs.pop("public_key", "acme-wa"), settings=settings, **kwargs)


def body_of(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def post_signed(client, url: str, payload, *, secret: str = SECRET, signature: str | None = None, **extra):
    body = body_of(payload)
    headers = {"HTTP_X_SIGNATURE": signature if signature is not None else signing.sign(secret, body)}
    headers.update(extra)
    return client.generic("POST", url, body, content_type="application/json", **headers)


def messages_url(key: str = "acme-api") -> str:
    return reverse("api:messages", args=[key])


def calls_url(key: str = "acme-tel") -> str:
    return reverse("api:calls", args=[key])


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class LocalServer:
    """A real HTTP server on 127.0.0.1 in a thread. `responses` maps a path to a list of
    (status, body bytes, content type[, extra headers]) used in turn (the last one repeats); unknown paths 404."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    responses: dict = field(default_factory=dict)

    def answer(self, path: str, *replies) -> None:
        self.responses[path] = list(replies)

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path.split("?")[0] == path]


def json_reply(data, status: int = 200):
    return status, json.dumps(data).encode(), "application/json"


def start_server(host: str = "127.0.0.1"):
    state = LocalServer()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            replies = state.responses.get(self.path.split("?")[0])
            if not replies:
                status, data, content_type = 404, b"{}", "application/json"
            else:
                status, data, content_type, *extra = replies.pop(0) if len(replies) > 1 else replies[0]
            self.send_response(status)
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://{host}:{server.server_address[1]}"
    return server, state


@pytest.fixture(name="local_server")
def local_server_fixture():
    server, state = start_server()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(name="ready_agent")
def ready_agent_fixture(personas):
    """Ana: signed in (the workspace open), logged in to Ventas, Receive new on."""
    from contactcenter.services import agents, queues

    f.open_workspace(personas.agent)
    agents.agent_sign_in(agent=personas.agent)
    queues.queue_login(queue=personas.queue, agent=personas.agent)
    agents.agent_set_receive_new(agent=personas.agent, on=True)
    return personas.agent
