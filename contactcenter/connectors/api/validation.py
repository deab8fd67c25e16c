"""Strict parsing and field-by-field validation of the inbound API's JSON bodies.

Every error names its field ("text", "attachments.1.url") with a message a developer can act
on. Strings are refused when they carry NUL or other control characters where they make no
sense, or invalid Unicode (lone surrogates), so nothing reaches the database that it would
reject.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import Attachment
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
ATTACHMENT_TYPES = tuple(Attachment.Kind.values)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # text keeps tabs and line breaks


class Errors(dict):
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


def _valid_unicode(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def string(data: dict, name: str, errors: Errors, *, required: bool = False, max_length: int,
           text: bool = False, prefix: str = "") -> str | None:
    """A string field: trimmed, not blank if required, at most max_length characters."""
    field = prefix + name
    value = data.get(name)
    if value is None:
        if required:
            errors.add(field, _("This field is required."))
        return None
    if not isinstance(value, str):
        errors.add(field, _("Must be a string."))
        return None
    if not _valid_unicode(value):
        errors.add(field, _("Must be valid Unicode text."))
        return None
    if (_CONTROL_IN_TEXT if text else _CONTROL).search(value):
        errors.add(field, _("Must not contain control characters."))
        return None
    value = value.strip()
    if required and not value:
        errors.add(field, _("This field is required."))
        return None
    if len(value) > max_length:
        errors.add(field, _("At most %(max)s characters.") % {"max": max_length})
        return None
    return value


def moment(data: dict, name: str, errors: Errors, *, required: bool = False) -> datetime | None:
    """An ISO 8601 date and time with a time zone ("2026-01-31T10:15:00Z"), at most a day ahead."""
    raw = string(data, name, errors, required=required, max_length=40)
    if raw is None:
        return None
    invalid = _("Use an ISO 8601 date and time with a time zone, e.g. 2026-01-31T10:15:00Z.")
    try:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError
        value = value.astimezone(UTC)
    except (ValueError, OverflowError):
        errors.add(name, invalid)
        return None
    if value > timezone.now() + timedelta(days=1):
        errors.add(name, _("This moment is in the future."))
        return None
    return value


def only_known(data: dict, known: set[str], errors: Errors, *, prefix: str = "") -> None:
    for key in data:
        if key not in known:
            errors.add(prefix + str(key)[:60], _("Unknown field."))


def _object(value, field: str, errors: Errors) -> dict | None:
    if not isinstance(value, dict):
        errors.add(field, _("Must be an object."))
        return None
    return value


MESSAGE_FIELDS = {"external_id", "message_id", "name", "text", "attachments", "location", "sent_at", "priority"}
ATTACHMENT_FIELDS = {"type", "url", "content", "filename"}
LOCATION_FIELDS = {"latitude", "longitude", "name"}
CALL_FIELDS = {"call_id", "from", "event", "at", "name", "priority"}


def priority(data: dict, errors: Errors) -> int | None:
    """The conversation's priority (higher is served first), when the provider gives one."""
    value = data.get("priority")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not PRIORITY_MIN <= value <= PRIORITY_MAX:
        errors.add("priority", _("Must be a whole number from %(min)s to %(max)s.")
                   % {"min": PRIORITY_MIN, "max": PRIORITY_MAX})
        return None
    return value


def message(data) -> tuple[dict, Errors]:
    errors = Errors()
    if _object(data, "body", errors) is None:
        return {}, errors
    only_known(data, MESSAGE_FIELDS, errors)
    clean = {
        "external_id": string(data, "external_id", errors, required=True, max_length=MAX_ID),
        "message_id": string(data, "message_id", errors, required=True, max_length=MAX_MESSAGE_ID),
        "name": string(data, "name", errors, max_length=MAX_NAME) or "",
        "text": string(data, "text", errors, max_length=MAX_TEXT, text=True) or "",
        "sent_at": moment(data, "sent_at", errors),
        "priority": priority(data, errors),
        "attachments": [],
        "location": None,
    }
    items = data.get("attachments")
    if items is not None:
        if not isinstance(items, list):
            errors.add("attachments", _("Must be a list."))
        elif len(items) > MAX_PARTS:
            errors.add("attachments", _("Send at most %(max)s attachments in one message.") % {"max": MAX_PARTS})
        else:
            for index, item in enumerate(items):
                clean["attachments"].append(_attachment(item, f"attachments.{index}", errors))
    place = data.get("location")
    if place is not None and _object(place, "location", errors) is not None:
        only_known(place, LOCATION_FIELDS, errors, prefix="location.")
        coordinates = {}
        for key in ("latitude", "longitude"):
            value = place.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                errors.add(f"location.{key}", _("Must be a number."))
            else:
                coordinates[key] = value
        label = string(place, "name", errors, max_length=MAX_LABEL, prefix="location.") or ""
        if len(coordinates) == 2:
            clean["location"] = {**coordinates, "name": label}
    if not errors and not (clean["text"] or clean["attachments"] or clean["location"]):
        errors.add("text", _("Send a text, an attachment or a location."))
    return clean, errors


def _attachment(item, field: str, errors: Errors) -> dict:
    if _object(item, field, errors) is None:
        return {}
    prefix = field + "."
    only_known(item, ATTACHMENT_FIELDS, errors, prefix=prefix)
    kind = item.get("type")
    if kind not in ATTACHMENT_TYPES:
        errors.add(prefix + "type", _("Must be one of: %(choices)s.") % {"choices": ", ".join(ATTACHMENT_TYPES)})
    url = string(item, "url", errors, max_length=MAX_URL, prefix=prefix)
    content = item.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(prefix + "content", _("Must be a string (the file in base64)."))
        content = None
    if (url is None) == (content is None):
        errors.add(field, _("Give either url or content (base64), not both."))
    if url is not None:
        try:
            parts = urlsplit(url)
            valid_url = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid_url = False
        if not valid_url:
            errors.add(prefix + "url", _("Must be an http or https URL."))
    filename = string(item, "filename", errors, max_length=MAX_FILENAME, prefix=prefix)
    return {"type": kind, "url": url, "content": content, "filename": filename or ""}


def call(data) -> tuple[dict, Errors]:
    errors = Errors()
    if _object(data, "body", errors) is None:
        return {}, errors
    only_known(data, CALL_FIELDS, errors)
    event = data.get("event")
    if event is None:
        errors.add("event", _("This field is required."))
    elif event not in CALL_EVENTS:
        errors.add("event", _("Must be one of: %(choices)s.") % {"choices": ", ".join(CALL_EVENTS)})
    clean = {
        "call_id": string(data, "call_id", errors, required=True, max_length=MAX_ID),
        "from": string(data, "from", errors, required=True, max_length=MAX_CALLER),
        "event": event,
        "at": moment(data, "at", errors, required=True),
        "name": string(data, "name", errors, max_length=MAX_NAME) or "",
        "priority": priority(data, errors),
    }
    return clean, errors
