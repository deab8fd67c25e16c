"""The OpenAPI document, and a property-based run (hypothesis) over the inbound endpoints:
whatever the body, headers and signature, the answer is one of the documented codes, never a
500 (the test client re-raises any exception a view lets through)."""

import base64
import json
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.connectors import signing
from contactcenter.connectors.api import views
from contactcenter.connectors.whatsapp import views as whatsapp_views
from contactcenter.models import Message
from tests.connectors.api_helpers import (
    APP_SECRET,
    SECRET,
    api_channel,
    voice_channel,
    whatsapp_channel,
)
from tests.contactcenter import fixtures_files as files

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DOCUMENTED = {202, 400, 401, 404, 413, 429}


@pytest.fixture
def channels(personas, monkeypatch):
    monkeypatch.setattr(views, "CLIENT_LIMIT", 10**9)
    monkeypatch.setattr(views, "CHANNEL_LIMIT", 10**9)
    monkeypatch.setattr(whatsapp_views, "CLIENT_LIMIT", 10**9)
    monkeypatch.setattr(whatsapp_views, "CHANNEL_LIMIT", 10**9)
    return api_channel(personas), voice_channel(personas), whatsapp_channel(personas, graph_url="http://127.0.0.1:9")


# --- The document ------------------------------------------------------------------------------


def test_the_openapi_document_describes_both_endpoints(client):
    response = client.get(reverse("api:openapi"))

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/channels/{key}/messages", "/channels/{key}/calls",
                                      "/channels/{key}/ratings", "/openapi.json"}
    for path in ("/channels/{key}/messages", "/channels/{key}/calls"):
        operation = document["paths"][path]["post"]
        assert set(operation["responses"]) == {"202", "400", "401", "404", "413", "429"}
        assert operation["security"] == [{"signature": []}]
    assert document["components"]["securitySchemes"]["signature"]["name"] == "X-Signature"


def test_the_documented_fields_are_the_accepted_fields(client):
    schemas = client.get(reverse("api:openapi")).json()["components"]["schemas"]
    from contactcenter.connectors.api import validation

    assert set(schemas["InboundMessage"]["properties"]) == validation.MESSAGE_FIELDS
    assert set(schemas["CallEvent"]["properties"]) == validation.CALL_FIELDS
    assert set(schemas["Attachment"]["properties"]) == validation.ATTACHMENT_FIELDS
    assert schemas["CallEvent"]["properties"]["event"]["enum"] == ["ringing", "answered", "ended", "abandoned"]


def test_the_document_needs_no_login_and_no_signature(client):
    assert client.get("/api/v1/openapi.json")["Content-Type"] == "application/json"


# --- Strategies --------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=12)


def mostly(valid, other=None):
    """Well-formed values four times in five (to get past the first checks), else anything."""
    other = json_values if other is None else other
    return st.integers(0, 4).flatmap(lambda n: valid if n else other)


plain = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=60)
weird = st.text(max_size=140) | st.sampled_from(["", " ", "\x00", "\ud800", "x" * 4001, "é" * 129])
texts = mostly(plain, weird)
recent = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.timezones())


moments = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | st.sampled_from(
    ["2026-01-31T10:15:00Z", "2026-01-31", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:00"]) | texts
attachment = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["image", "video", "audio", "document", "sticker"]) | json_values,
    "content": st.sampled_from([base64.b64encode(files.png()).decode(), base64.b64encode(files.html()).decode(),
                                "!!", ""]) | st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    "url": st.sampled_from(["http://127.0.0.1:9/a.png", "ftp://x/y", "http://", "javascript:alert(1)", "//x"]),
    "filename": texts | json_values,
})
message_bodies = st.fixed_dictionaries({
    "external_id": mostly(texts),
    "message_id": mostly(texts),
}, optional={
    "name": mostly(texts),
    "text": mostly(texts),
    "attachments": st.lists(attachment | json_values, max_size=6) | json_values,
    "location": st.fixed_dictionaries({}, optional={"latitude": scalars, "longitude": scalars, "name": texts})
    | json_values,
    "sent_at": mostly(recent.map(lambda d: d.isoformat()), moments),
})
call_bodies = st.fixed_dictionaries({
    "call_id": mostly(st.sampled_from(["call-1", "call-2"]) | texts),
    "from": mostly(texts),
    "event": mostly(st.sampled_from(["ringing", "answered", "ended", "abandoned", "RINGING"])),
    "at": mostly(recent.map(lambda d: d.isoformat()), moments),
}, optional={
    "name": mostly(texts),
})
raw_bodies = st.binary(max_size=300)


def encode(body) -> bytes:
    if isinstance(body, bytes):
        return body
    try:
        return json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError):
        return b"{}"


def send(client, path: str, body: bytes, *, secret: str, header: str, signed: bool, signature: str,
         content_type: str):
    value = signing.sign(secret, body) if signed else signature
    return client.generic("POST", path, body, content_type=content_type, **{header: value})


headers_strategy = dict(
    signed=st.integers(0, 4).map(bool),
    signature=st.text(max_size=80).filter(lambda s: "\n" not in s),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=x"]),
)


# --- Fuzzing -----------------------------------------------------------------------------------


@FUZZ
@given(body=mostly(message_bodies, raw_bodies | json_values), **headers_strategy)
def test_random_messages_never_fail_the_server(client, channels, body, signed, signature, content_type):
    response = send(client, reverse("api:messages", args=[channels[0].public_key]), encode(body), secret=SECRET,
                    header="HTTP_X_SIGNATURE", signed=signed, signature=signature, content_type=content_type)

    assert response.status_code in DOCUMENTED
    assert "error" in response.json() or response.status_code == 202


@FUZZ
@given(body=mostly(call_bodies, raw_bodies | json_values), **headers_strategy)
def test_random_call_reports_never_fail_the_server(client, channels, body, signed, signature, content_type):
    response = send(client, reverse("api:calls", args=[channels[1].public_key]), encode(body), secret=SECRET,
                    header="HTTP_X_SIGNATURE", signed=signed, signature=signature, content_type=content_type)

    assert response.status_code in DOCUMENTED
    assert "error" in response.json() or response.status_code == 202


@FUZZ
@given(key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_0123456789", min_size=1, max_size=70), body=raw_bodies)
def test_random_channel_keys_are_404_or_401(client, channels, key, body):
    response = send(client, f"/api/v1/channels/{key}/messages", body, secret=SECRET, header="HTTP_X_SIGNATURE",
                    signed=True, signature="", content_type="application/json")

    assert response.status_code in ({401, 400, 202} if key == channels[0].public_key else {404})


whatsapp_bodies = st.fixed_dictionaries({
    "object": mostly(st.just("whatsapp_business_account")),
    "entry": mostly(st.lists(st.fixed_dictionaries({"changes": mostly(st.lists(mostly(st.fixed_dictionaries({
        "field": mostly(st.just("messages")),
        "value": st.fixed_dictionaries({}, optional={
            "metadata": st.fixed_dictionaries({}, optional={"phone_number_id": texts | json_values}),
            "contacts": st.lists(st.fixed_dictionaries({}, optional={
                "wa_id": texts, "profile": st.fixed_dictionaries({}, optional={"name": texts | json_values})
                | json_values}) | json_values, max_size=2) | json_values,
            "messages": st.lists(st.fixed_dictionaries({}, optional={
                "from": texts | json_values, "id": texts | json_values, "timestamp": texts | json_values,
                "type": st.sampled_from(["text", "image", "location", "document", "interactive", "button",
                                         "reaction", "unsupported"]) | json_values,
                "text": st.fixed_dictionaries({}, optional={"body": texts | json_values}) | json_values,
                "image": st.fixed_dictionaries({}, optional={"id": texts | json_values}) | json_values,
                "location": st.fixed_dictionaries({}, optional={
                    "latitude": scalars, "longitude": scalars, "name": texts | json_values}) | json_values,
                "interactive": json_values,
            }) | json_values, max_size=3) | json_values,
            "statuses": st.lists(st.fixed_dictionaries({}, optional={
                "id": texts | json_values, "status": st.sampled_from(["sent", "delivered", "read", "failed"])
                | json_values}) | json_values, max_size=3) | json_values,
        }) | json_values,
    })), max_size=2))}), max_size=2)),
})


@FUZZ
@given(body=mostly(whatsapp_bodies, raw_bodies | json_values), signed=st.integers(0, 4).map(bool))
def test_random_whatsapp_notifications_never_fail_the_server(client, channels, body, signed):
    response = send(client, reverse("whatsapp:webhook", args=[channels[2].public_key]), encode(body),
                    secret=APP_SECRET, header="HTTP_X_HUB_SIGNATURE_256", signed=signed, signature="sha256=00",
                    content_type="application/json")

    assert response.status_code in {200, 400, 401, 503}


# --- Valid documents are accepted ---------------------------------------------------------------

valid_messages = st.fixed_dictionaries({
    "external_id": st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), min_size=1, max_size=128),
    "message_id": st.uuids().map(str),
    "text": st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=200).filter(str.strip),
}, optional={
    "name": st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=120),
    "sent_at": st.just(timezone.now().isoformat()),
})


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=valid_messages)
def test_every_valid_message_is_accepted_once(client, channels, body):
    path = reverse("api:messages", args=[channels[0].public_key])
    raw = json.dumps(body).encode()
    first = send(client, path, raw, secret=SECRET, header="HTTP_X_SIGNATURE", signed=True, signature="",
                 content_type="application/json")
    again = send(client, path, raw, secret=SECRET, header="HTTP_X_SIGNATURE", signed=True, signature="",
                 content_type="application/json")

    assert first.status_code == 202, first.json()
    assert again.json() == {**first.json(), "duplicate": True}
    assert Message.objects.filter(external_id=body["message_id"]).count() == 1
