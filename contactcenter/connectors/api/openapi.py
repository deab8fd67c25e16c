"""The OpenAPI 3.1 description of the inbound API (served at /api/v1/openapi.json) and of the
webhook we POST to an api channel for every message an agent sends."""

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from contactcenter.connectors.api import validation

_ID = {"type": "integer"}
_MOMENT = {"type": "string", "format": "date-time",
           "description": "ISO 8601 with a time zone, e.g. 2026-01-31T10:15:00Z"}


class _Schema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema) -> bool:
        return False  # the property's name says it


def _request_schemas() -> dict:
    """The request bodies' schemas (and the Attachment and Location they use), from the very
    models that validate them."""
    _, schemas = models_json_schema([(validation.InboundMessage, "validation"), (validation.CallEvent, "validation"),
                                     (validation.InboundRating, "validation")],
                                    ref_template="#/components/schemas/{model}", schema_generator=_Schema)
    return schemas["$defs"]


def _error(description: str, *, with_fields: bool = False) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                + ("Invalid" if with_fields else "Error")}}}}


def _errors(*, signed: bool = True) -> dict:
    responses = {
        "404": _error("Unknown or inactive channel, or a channel of another kind."),
        "429": _error("Rate limited, per client address and per channel (see Retry-After)."),
    }
    if signed:
        responses.update({
            "400": _error("Bad JSON or fields; `errors` maps each field to its messages.", with_fields=True),
            "401": _error("Missing or wrong X-Signature."),
            "413": _error("The body is larger than 8 MiB."),
        })
    return responses


def document(server_url: str = "/api/v1/") -> dict:
    key = {"name": "key", "in": "path", "required": True, "description": "The channel's public key.",
           "schema": {"type": "string", "maxLength": 64}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Contact center inbound API",
            "version": "1",
            "description": (
                "Providers post customers' messages and calls. Every POST is signed: header "
                "`X-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the channel's secret>`. "
                "Deliveries are idempotent by message_id and by call_id (and event): a retry creates "
                "nothing new and answers 202 with `duplicate: true`. Nothing is written when the answer "
                "is an error."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "signature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                              "description": "sha256=<hex HMAC-SHA256 of the raw body with the channel's secret>"},
            },
            "schemas": {
                **_request_schemas(),
                "MessageAccepted": {
                    "type": "object",
                    "required": ["status", "duplicate", "contact_id", "conversation_id", "message_ids"],
                    "properties": {
                        "status": {"const": "accepted"},
                        "duplicate": {"type": "boolean"},
                        "contact_id": _ID,
                        "conversation_id": _ID,
                        "message_ids": {"type": "array", "items": _ID},
                    },
                },
                "CallAccepted": {
                    "type": "object",
                    "required": ["status", "duplicate", "contact_id", "conversation_id", "conversation_status"],
                    "properties": {
                        "status": {"const": "accepted"},
                        "duplicate": {"type": "boolean", "description": "true when the event changed nothing"},
                        "contact_id": _ID,
                        "conversation_id": _ID,
                        "conversation_status": {"enum": ["queued", "offered", "assigned", "closed", "abandoned"]},
                        "call_state": {"type": "string"},
                    },
                },
                "RatingAccepted": {
                    "type": "object",
                    "required": ["status", "duplicate", "conversation_id", "score", "changed"],
                    "properties": {
                        "status": {"const": "accepted"},
                        "duplicate": {"type": "boolean", "description": "true when the same answer was stored already"},
                        "conversation_id": _ID,
                        "score": _ID,
                        "changed": {"type": "boolean", "description": "true once the one change was used"},
                    },
                },
                "RatingRequested": {
                    "type": "object",
                    "description": "POSTed to the channel's webhook URL (signed like messages) when an agent closed "
                                   "a conversation whose queue asks for ratings. Show the question and a 1–5 scale, "
                                   "then POST the answer to /channels/{key}/ratings, or send the customer to "
                                   "rating_url (a signed page).",
                    "properties": {
                        "event": {"const": "conversation.rating_requested"},
                        "conversation_id": _ID,
                        "channel": {"type": "string"},
                        "contact": {"type": "object", "properties": {"external_id": {"type": "string"},
                                                                     "name": {"type": "string"}}},
                        "rating_url": {"type": "string", "format": "uri"},
                        "token": {"type": "string"},
                        "scale": {"type": "object"},
                        "question": {"type": "string"},
                        "asked_at": _MOMENT,
                        "expires_at": _MOMENT,
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "detail"],
                    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
                },
                "Invalid": {
                    "type": "object",
                    "required": ["error", "detail", "errors"],
                    "properties": {
                        "error": {"const": "invalid"},
                        "detail": {"type": "string"},
                        "errors": {"type": "object", "additionalProperties": {"type": "array",
                                                                              "items": {"type": "string"}}},
                    },
                },
                "OutboundMessage": {
                    "type": "object",
                    "description": "POSTed to the channel's webhook URL, signed with X-Signature like inbound "
                                   "requests. Answer 2xx (optionally {\"status\": \"delivered\"}); other answers "
                                   "are retried with backoff (429, 5xx, network) or mark the message failed.",
                    "properties": {
                        "event": {"const": "message"},
                        "message_id": {"type": "string"},
                        "conversation_id": _ID,
                        "channel": {"type": "string"},
                        "contact": {"type": "object", "properties": {"external_id": {"type": "string"},
                                                                     "name": {"type": "string"}}},
                        "direction": {"enum": ["outbound", "system"]},
                        "sender": {"type": ["string", "null"]},
                        "text": {"type": "string"},
                        "sent_at": _MOMENT,
                        "attachments": {"type": "array", "items": {"type": "object", "properties": {
                            "type": {"type": "string"}, "filename": {"type": "string"},
                            "content_type": {"type": "string"}, "size": _ID,
                            "content": {"type": "string", "contentEncoding": "base64"}}}},
                        "location": {"oneOf": [{"$ref": "#/components/schemas/Location"}, {"type": "null"}]},
                    },
                },
            },
        },
        "paths": {
            "/channels/{key}/messages": {
                "post": {
                    "operationId": "receiveMessage",
                    "summary": "A customer's message",
                    "parameters": [key],
                    "security": [{"signature": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/InboundMessage"}}}},
                    "responses": {
                        "202": {"description": "Stored (or already stored: duplicate).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/MessageAccepted"}}}},
                        **_errors(),
                    },
                }
            },
            "/channels/{key}/calls": {
                "post": {
                    "operationId": "reportCall",
                    "summary": "An inbound call rang, was answered, ended or was abandoned",
                    "description": "For channels whose queue is a voice queue (kind voice or api).",
                    "parameters": [key],
                    "security": [{"signature": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/CallEvent"}}}},
                    "responses": {
                        "202": {"description": "Applied (or nothing to change: duplicate).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/CallAccepted"}}}},
                        **_errors(),
                    },
                }
            },
            "/channels/{key}/ratings": {
                "post": {
                    "operationId": "rateConversation",
                    "summary": "The customer's satisfaction rating of a conversation (1–5, optional comment)",
                    "description": "Once per conversation, changed at most once, within the queue's window "
                                   "(default 24 h) after conversation.rating_requested.",
                    "parameters": [key],
                    "security": [{"signature": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/InboundRating"}}}},
                    "responses": {
                        "200": {"description": "Stored (or the same answer again: duplicate).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/RatingAccepted"}}}},
                        "409": _error("The survey is over: expired, already changed once, or never asked."),
                        **_errors(),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "webhooks": {
            "message": {
                "post": {
                    "summary": "A message for the customer (an agent's reply, an auto-reply)",
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/OutboundMessage"}}}},
                    "responses": {"200": {"description": "Accepted by the provider."}},
                }
            },
            "conversation.rating_requested": {
                "post": {
                    "summary": "Ask the customer to rate the conversation an agent closed",
                    "requestBody": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/RatingRequested"}}}},
                    "responses": {"200": {"description": "Accepted by the provider."}},
                }
            },
        },
    }
