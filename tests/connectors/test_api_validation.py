"""The inbound API's request models (contactcenter/connectors/api/validation.py): each error in
our words, field by field; null is the same as an absent field; the schemas are the models'."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings

from contactcenter.connectors.api import validation
from tests.connectors.test_api_openapi_fuzz import call_bodies, encode, json_values, message_bodies, mostly

VALID = {"external_id": "cust-1", "message_id": "m-1", "text": "Hola"}


def errors_of(body, read=validation.message) -> dict:
    with translation.override("en"):
        data, errors = read(body if isinstance(body, bytes) else json.dumps(body).encode())
    assert (data is None) == bool(errors)
    return dict(errors)


@pytest.mark.parametrize("body, expected", [
    ({**VALID, "external_id": None}, {"external_id": ["This field is required."]}),
    ({**VALID, "external_id": "  "}, {"external_id": ["This field is required."]}),
    ({**VALID, "external_id": 12}, {"external_id": ["Must be a string."]}),
    ({**VALID, "external_id": "x" * 129}, {"external_id": ["At most 128 characters."]}),
    ({**VALID, "external_id": "a\nb"}, {"external_id": ["Must not contain control characters."]}),
    ({**VALID, "text": "\ud800"}, {"text": ["Must be valid Unicode text."]}),
    ({**VALID, "colour": 9, "c" * 70: None}, {"colour": ["Unknown field."], "c" * 60: ["Unknown field."]}),
    ({**VALID, "location": [40, 3]}, {"location": ["Must be an object."]}),
    ({**VALID, "location": {"latitude": True, "longitude": 3}}, {"location.latitude": ["Must be a number."]}),
    ({**VALID, "attachments": "foto.png"}, {"attachments": ["Must be a list."]}),
    ({**VALID, "attachments": [{"type": "image", "content": "AAAA"}] * 6},
     {"attachments": ["Send at most 5 attachments in one message."]}),
    ({**VALID, "attachments": [7, {"type": "sticker", "content": "AAAA"}, {"type": "image"},
                               {"type": "image", "url": "ftp://example.com/a.png"}, {"type": "image", "content": 1}]},
     {"attachments.0": ["Must be an object."],
      "attachments.1.type": ["Must be one of: image, video, document, audio."],
      "attachments.2": ["Give either url or content (base64), not both."],
      "attachments.3.url": ["Must be an http or https URL."],
      "attachments.4.content": ["Must be a string (the file in base64)."]}),
    ({**VALID, "sent_at": "2026-01-31"},
     {"sent_at": ["Use an ISO 8601 date and time with a time zone, e.g. 2026-01-31T10:15:00Z."]}),
    ({**VALID, "sent_at": "2999-01-31T10:00:00Z"}, {"sent_at": ["This moment is in the future."]}),
    ({**VALID, "priority": True}, {"priority": ["Must be a whole number from -100 to 100."]}),
    ({**VALID, "text": " "}, {"text": ["Send a text, an attachment or a location."]}),
    ([], {"body": ["Must be an object."]}),
    (b'{"a": 1, "a": 2}', {"body": ["The key “a” appears twice."]}),
])
def test_each_error_is_in_our_words_under_its_field(body, expected):
    assert errors_of(body) == expected


def test_a_call_event_names_its_fields_as_sent():
    errors = errors_of({"call_id": "c-1", "caller": "+34", "event": 1}, validation.call)

    assert errors == {"from": ["This field is required."], "at": ["This field is required."],
                      "event": ["Must be one of: ringing, answered, ended, abandoned."],
                      "caller": ["Unknown field."]}


def test_null_is_an_absent_field_and_values_come_back_trimmed():
    data, errors = validation.message(json.dumps({**VALID, "text": " Hola\n", "name": None, "attachments": None,
                                                  "location": None, "sent_at": None}).encode())

    assert not errors
    assert (data.text, data.name, data.attachments, data.location, data.sent_at) == ("Hola", "", [], None, None)


def test_the_request_schemas_are_the_models(client):
    schemas = client.get(reverse("api:openapi")).json()["components"]["schemas"]

    assert schemas["CallEvent"]["properties"]["from"] == {
        "type": "string", "minLength": 1, "maxLength": validation.MAX_CALLER,
        "description": "The caller's number (or id, e.g. anonymous)."}
    attachments = schemas["InboundMessage"]["properties"]["attachments"]
    assert attachments["items"] == {"$ref": "#/components/schemas/Attachment"}
    assert schemas["Attachment"]["additionalProperties"] is False


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=mostly(message_bodies, json_values), call=mostly(call_bodies, json_values))
def test_no_error_is_left_in_pydantics_words(message, call):
    for body, read in ((message, validation.message), (call, validation.call)):
        for messages in errors_of(encode(body), read).values():
            assert not any(text.startswith(("Input should", "Field required", "String should", "List should",
                                            "Extra inputs", "Value error")) for text in messages), messages
