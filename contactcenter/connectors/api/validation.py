"""The inbound API's request bodies, declared once as pydantic models: the checks come from them
and so do the OpenAPI document's request schemas (openapi.py).

Strict: nothing is coerced ("5" is not 5, true is not 1), unknown fields are refused, and a JSON
null is the same as leaving the field out. Every error names its field ("text",
"attachments.1.url") with a translated message a developer can act on. Strings are refused when
they carry NUL or other control characters where they make no sense, or invalid Unicode (lone
surrogates), so nothing reaches the database that it would reject.
"""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from contactcenter import models
from contactcenter.models.csat import MAX_COMMENT, SCORE_MAX, SCORE_MIN
from contactcenter.services.conversations import PRIORITY_MAX, PRIORITY_MIN
from contactcenter.services.inbound import CALL_EVENTS, MAX_PARTS
from contactcenter.services.messages import MAX_TEXT

MAX_ID = 128
MAX_MESSAGE_ID = 100  # leaves room for the part number of a delivery's further messages
MAX_NAME = 120
MAX_CALLER = 64
MAX_URL = 2000
MAX_FILENAME = 200
MAX_LABEL = 200
MAX_MOMENT = 40
ATTACHMENT_TYPES = tuple(models.Attachment.Kind.values)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # text keeps tabs and line breaks


class Errors(dict):
    """Messages by field name: {"attachments.1.url": ["Must be an http or https URL."]}."""

    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(str(message))


def parse_json(body: bytes):
    """The body as JSON, refusing what lenient parsers let through: invalid UTF-8, NaN and
    Infinity, duplicate keys. Raises ValueError with a message to show."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(_("The body is not UTF-8 text.")) from None

    def constant(name):
        raise ValueError(_("%(name)s is not valid JSON.") % {"name": name})

    def pairs(items):
        data = {}
        for key, value in items:
            if key in data:
                raise ValueError(_("The key “%(key)s” appears twice.") % {"key": key[:40]})
            data[key] = value
        return data

    try:
        return json.loads(text, parse_constant=constant, object_pairs_hook=pairs)
    except RecursionError:
        raise ValueError(_("The JSON is nested too deeply.")) from None
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            raise ValueError(_("The body is not valid JSON: %(error)s") % {"error": error.msg}) from None
        raise


# --- Field types: each carries its schema and its checks ------------------------------------------


def _invalid(message) -> PydanticCustomError:
    # The message is already translated (validation runs in the request's language); an empty
    # context keeps pydantic from reading braces in it as placeholders.
    return PydanticCustomError("invalid", str(message), {})


def _clean(value, *, multiline: bool = False):
    """Before pydantic's length checks: a string without control characters (tabs and line
    breaks allowed in multi-line text) or lone surrogates, trimmed."""
    if not isinstance(value, str):
        raise _invalid(_("Must be a string."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(_("Must be valid Unicode text.")) from None
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        raise _invalid(_("Must not contain control characters."))
    return value.strip()


def Text(max_length: int, *, required: bool = False, multiline: bool = False, **field):
    """A string field's type (hence the capital): trimmed, then not blank if required and at
    most max_length characters."""
    return Annotated[str, Field(min_length=1 if required else None, max_length=max_length, **field),
                     BeforeValidator(lambda value: _clean(value, multiline=multiline))]


def _one_message(message: Callable[[], str]) -> WrapValidator:
    """Whatever is wrong with the value (its type, its range, its choice), one message says
    what is expected."""
    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise _invalid(message()) from None
    return WrapValidator(validate)


def _moment(value) -> datetime:
    value = _clean(value)
    if len(value) > MAX_MOMENT:
        raise _invalid(_("At most %(max)s characters.") % {"max": MAX_MOMENT})
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(_("Use an ISO 8601 date and time with a time zone, e.g. 2026-01-31T10:15:00Z.")) from None
    if moment > timezone.now() + timedelta(days=1):
        raise _invalid(_("This moment is in the future."))
    return moment


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise _invalid(_("Must be an http or https URL."))
    return value


def _base64(value) -> str:
    if not isinstance(value, str):
        raise _invalid(_("Must be a string (the file in base64)."))
    return value


def _few_attachments(value, handler):
    try:
        return handler(value)
    except ValidationError as error:
        if any(item["type"] == "too_long" and not item["loc"] for item in error.errors()):
            raise _invalid(_("Send at most %(max)s attachments in one message.") % {"max": MAX_PARTS}) from None
        raise


def _choice(choices: tuple[str, ...], **field):
    return Annotated[Literal[choices], Field(**field),
                     _one_message(lambda: _("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)})]


Moment = Annotated[datetime, Field(description="ISO 8601 with a time zone, e.g. 2026-01-31T10:15:00Z"),
                   BeforeValidator(_moment)]
Priority = Annotated[int, Field(
    ge=PRIORITY_MIN, le=PRIORITY_MAX,
    description="The conversation's priority: higher is served first (first come, first served within a "
                "priority). Default: the queue's. On a message joining a waiting conversation, it changes "
                "that conversation's priority."),
    _one_message(lambda: _("Must be a whole number from %(min)s to %(max)s.")
                 % {"min": PRIORITY_MIN, "max": PRIORITY_MAX})]


def _coordinate(limit: int):
    # Any number is taken here; the range is the service's rule (one message for the location).
    return Annotated[int | float, WithJsonSchema({"type": "number", "minimum": -limit, "maximum": limit}),
                     _one_message(lambda: _("Must be a number."))]


# --- The bodies -----------------------------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def null_is_absent(cls, data):
        if not isinstance(data, dict):
            return data
        known = {field.alias or name for name, field in cls.model_fields.items()}
        return {key: value for key, value in data.items() if value is not None or key not in known}


class Attachment(Body):
    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["url"]}, {"required": ["content"]}]})

    type: _choice(ATTACHMENT_TYPES)
    url: Annotated[Text(MAX_URL), AfterValidator(_http_url), Field(
        json_schema_extra={"format": "uri"},
        description="http(s); downloaded with a 5 s timeout. Give url or content.")] | None = None
    content: Annotated[str, BeforeValidator(_base64), Field(
        json_schema_extra={"contentEncoding": "base64"},
        description="The file itself, base64. Give url or content.")] | None = None
    filename: Text(MAX_FILENAME) = ""

    @model_validator(mode="after")
    def url_or_content(self):
        if (self.url is None) == (self.content is None):
            raise _invalid(_("Give either url or content (base64), not both."))
        return self


class Location(Body):
    latitude: _coordinate(90)
    longitude: _coordinate(180)
    name: Text(MAX_LABEL) = ""


class InboundMessage(Body):
    """At least one of text, attachments, location."""

    external_id: Text(MAX_ID, required=True,
                      description="The customer's id at the provider (one contact per channel).")
    message_id: Text(MAX_MESSAGE_ID, required=True,
                     description="The provider's id of this message: retries are recognized by it.")
    name: Text(MAX_NAME) = ""
    text: Text(MAX_TEXT, multiline=True) = ""
    attachments: Annotated[list[Attachment], Field(max_length=MAX_PARTS), WrapValidator(_few_attachments)] = []
    location: Location | None = None
    sent_at: Moment | None = None
    priority: Priority | None = None


class CallEvent(Body):
    call_id: Text(MAX_ID, required=True)
    caller: Text(MAX_CALLER, required=True, alias="from",
                 description="The caller's number (or id, e.g. anonymous).")
    event: _choice(CALL_EVENTS, description="ringing: the call waits in the channel's voice queue and is "
                                            "offered to agents; ended / abandoned: the caller hung up.")
    at: Moment
    name: Text(MAX_NAME) = ""
    priority: Priority | None = None


class InboundRating(Body):
    """The customer's answer to the satisfaction survey of a conversation on this channel."""

    conversation_id: Annotated[int, Field(ge=1, le=2**63 - 1, description="The conversation the rating is for "
                                                                          "(conversation.rating_requested gave it)."),
                               _one_message(lambda: _("Must be a conversation id (a whole number)."))]
    score: Annotated[int, Field(ge=SCORE_MIN, le=SCORE_MAX, description="1 (very bad) to 5 (very good)."),
                     _one_message(lambda: _("Must be a whole number from %(min)s to %(max)s.")
                                  % {"min": SCORE_MIN, "max": SCORE_MAX})]
    comment: Text(MAX_COMMENT, multiline=True) = ""


def _fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(field.alias or name for name, field in model.model_fields.items())


MESSAGE_FIELDS = _fields(InboundMessage)
ATTACHMENT_FIELDS = _fields(Attachment)
LOCATION_FIELDS = _fields(Location)
CALL_FIELDS = _fields(CallEvent)


# --- Reading a body -------------------------------------------------------------------------------


def _message(error: ErrorDetails) -> str:
    """pydantic's own errors in our words; ours (type "invalid") carry their message."""
    match error["type"]:
        case "missing" | "string_too_short":  # only required strings have a minimum length (1)
            return _("This field is required.")
        case "string_too_long":
            return _("At most %(max)s characters.") % {"max": error["ctx"]["max_length"]}
        case "extra_forbidden":
            return _("Unknown field.")
        case "model_type":
            return _("Must be an object.")
        case "list_type":
            return _("Must be a list.")
    return error["msg"]  # not reached with these models (tests/connectors/test_api_validation.py)


def _field(error: ErrorDetails) -> str:
    path = [str(part) for part in error["loc"]]
    if error["type"] == "extra_forbidden":
        path[-1] = path[-1][:60]  # the name is the client's: echo a bounded part of it
    return ".".join(path) if path else "body"


def read[M: BaseModel](model: type[M], body: bytes) -> tuple[M | None, Errors]:
    """The body as `model`, or None and the errors field by field ("body" for the whole)."""
    errors = Errors()
    try:
        data = parse_json(body)
    except ValueError as error:
        errors.add("body", error)
        return None, errors
    try:
        return model.model_validate(data), errors
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            errors.add(_field(item), _message(item))
        return None, errors


def message(body: bytes) -> tuple[InboundMessage | None, Errors]:
    """A customer's message; the rule across fields (something to deliver) once each is valid."""
    data, errors = read(InboundMessage, body)
    if data is not None and not (data.text or data.attachments or data.location):
        errors.add("text", _("Send a text, an attachment or a location."))
        return None, errors
    return data, errors


def call(body: bytes) -> tuple[CallEvent | None, Errors]:
    return read(CallEvent, body)


def rating(body: bytes) -> tuple[InboundRating | None, Errors]:
    return read(InboundRating, body)
