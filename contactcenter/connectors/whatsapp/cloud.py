"""Meta's WhatsApp Cloud API webhook payloads, read into what the services take.

A webhook body is {"object": "whatsapp_business_account", "entry": [{"id", "changes": [{"field":
"messages", "value": {"metadata": {"phone_number_id"}, "contacts": [{"profile": {"name"}, "wa_id"}],
"messages": [...], "statuses": [...]}}]}]}. Each message becomes a service call (its own
transaction, idempotent by its wamid); each status moves the delivery state of the message we
sent with that wamid. Media (image, video, audio, document, sticker) is downloaded from the Graph
API by id: GET {graph_url}/{media_id} gives a short-lived url, fetched with the access token.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation
from django.utils.translation import gettext as _

from contactcenter.connectors import http, outbound
from contactcenter.connectors.csat import outbound as csat_outbound
from contactcenter.models import Channel
from contactcenter.services import csat, delivery, inbound, uploads
from contactcenter.services.errors import DomainError
from contactcenter.services.messages import MAX_TEXT

logger = logging.getLogger(__name__)

MEDIA_TYPES = {"image": "image", "video": "video", "audio": "audio", "document": "document", "sticker": "image"}
STATUSES = {"sent", "delivered", "read", "failed"}
IGNORED_TYPES = {"reaction", "system", "ephemeral"}
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MEDIA_TIMEOUT = 15


class Malformed(ValueError):
    """The body is not shaped as Meta documents it."""


class RetryLater(Exception):
    """A medium could not be downloaded for now: answer non-2xx so that Meta retries."""


@dataclass
class Outcome:
    messages: int = 0
    statuses: int = 0
    retry: bool = False


def _text(value, limit: int = MAX_TEXT) -> str:
    """Provider text made safe to store: valid UTF-8, no NUL, at most `limit` characters."""
    if not isinstance(value, str):
        return ""
    value = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return value.strip()[:limit]


def _dict(value, path: str) -> dict:
    if not isinstance(value, dict):
        raise Malformed(_("%(path)s must be an object.") % {"path": path})
    return value


def _list(value, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(_("%(path)s must be a list.") % {"path": path})
    return value


def changes(payload) -> list[dict]:
    """The "messages" changes' values of a webhook body; Malformed if it is not one."""
    payload = _dict(payload, "body")
    if payload.get("object") != "whatsapp_business_account":
        raise Malformed(_("object must be whatsapp_business_account."))
    values = []
    for i, entry in enumerate(_list(payload.get("entry"), "entry")):
        entry = _dict(entry, f"entry.{i}")
        for j, change in enumerate(_list(entry.get("changes"), f"entry.{i}.changes")):
            change = _dict(change, f"entry.{i}.changes.{j}")
            if change.get("field") != "messages":
                continue
            value = _dict(change.get("value"), f"entry.{i}.changes.{j}.value")
            for key in ("contacts", "messages", "statuses"):
                items = _list(value.get(key), f"entry.{i}.changes.{j}.value.{key}")
                for k, item in enumerate(items):
                    _dict(item, f"entry.{i}.changes.{j}.value.{key}.{k}")
            _dict(value.get("metadata", {}), f"entry.{i}.changes.{j}.value.metadata")
            values.append(value)
    return values


def process(channel: Channel, payload) -> Outcome:
    outcome = Outcome()
    expected_number = str((channel.settings or {}).get("phone_number_id") or "")
    for value in changes(payload):
        number = str((value.get("metadata") or {}).get("phone_number_id") or "")
        if expected_number and number and number != expected_number:
            continue  # another phone number of the same business account
        names = {}
        for contact in value.get("contacts") or []:
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            names[_text(contact.get("wa_id"), 128)] = _text(profile.get("name"), 120)
        for message in value.get("messages") or []:
            try:
                if receive_message(channel, message, names):
                    outcome.messages += 1
            except RetryLater as error:
                logger.warning("whatsapp %s: %s", channel.public_key, error)
                outcome.retry = True
        for status in value.get("statuses") or []:
            if receive_status(channel, status):
                outcome.statuses += 1
    return outcome


def _moment(timestamp) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(timestamp)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def receive_message(channel: Channel, message: dict, names: dict) -> bool:
    wamid, sender, kind = _text(message.get("id"), 128), _text(message.get("from"), 128), message.get("type")
    if not wamid or not sender or kind in IGNORED_TYPES:
        return False
    try:
        if inbound.already_received(channel, wamid) is not None:
            return False
    except inbound.InvalidField:
        return False
    content = message.get(kind) if isinstance(kind, str) and isinstance(message.get(kind), dict) else {}
    if (rated := receive_rating(channel, sender, kind, content)) is not None:
        return rated
    fields = {"text": "", "uploads": [], "location": None}
    if kind == "text":
        fields["text"] = _text(content.get("body"))
    elif kind in MEDIA_TYPES:
        fields["text"] = _text(content.get("caption"))
        try:
            fields["uploads"] = [download_media(channel, content, kind)]
        except DomainError as error:
            fields["text"] = _("The customer sent a file that could not be received: %(reason)s") % {
                "reason": error.message}
    elif kind == "location":
        label = " — ".join(x for x in (_text(content.get("name"), 200), _text(content.get("address"), 200)) if x)
        fields["location"] = inbound.Location(content.get("latitude"), content.get("longitude"), label[:200])
    elif kind == "button":
        fields["text"] = _text(content.get("text"))
    elif kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        fields["text"] = _text(reply.get("title") if isinstance(reply, dict) else "")
    if not (fields["text"] or fields["uploads"] or fields["location"]):
        fields["text"] = _("The customer sent a message of a type that cannot be shown here (%(type)s).") % {
            "type": _text(kind, 40) or "?"}
    try:
        inbound.inbound_message_receive(
            channel=channel, external_id=sender, message_id=wamid, name=names.get(sender, ""), phone="+" + sender,
            sent_at=_moment(message.get("timestamp")), **fields)
    except DomainError as error:
        logger.warning("whatsapp %s: message %s refused: %s", channel.public_key, wamid, error.message)
        return False
    return True


def receive_rating(channel: Channel, sender: str, kind, content: dict) -> bool | None:
    """A customer's answer to the satisfaction survey: a row of our list message (its id names
    the survey by its signed token), or the plain-text fallback "1".."5" while a survey of theirs
    waits. None: not an answer, an ordinary message."""
    if kind == "interactive":
        reply = content.get("list_reply") or content.get("button_reply") or {}
        parsed = csat_outbound.parse_reply(reply.get("id") if isinstance(reply, dict) else None)
        if parsed is None:
            return None
        score, token = parsed
        # The refusal is written to the customer: in the language the surveys are sent in.
        with translation.override(settings.LANGUAGE_CODE):
            try:
                csat.csat_answer(token=token, score=score, channel=channel)
            except DomainError as error:  # late, changed twice, a bad score, another channel's: nothing changes
                logger.info("whatsapp %s: rating refused: %s", channel.public_key, error.message)
                csat.csat_refusal_reply(token=token, channel=channel, reason=error.message)
                return False
        return True
    text = _text(content.get("body"), 10) if kind == "text" else ""
    if len(text) == 1 and text in "12345":
        try:
            rating = csat.csat_answer_from_contact(channel=channel, external_id=sender, score=int(text))
        except DomainError:
            return None
        return True if rating is not None else None
    return None


def download_media(channel: Channel, content: dict, kind: str) -> ContentFile:
    """The medium's bytes from the Graph API (DomainError when it cannot be had, RetryLater when
    it may work later)."""
    media_id = content.get("id")
    token = (channel.settings or {}).get("access_token")
    if not isinstance(media_id, str) or not _MEDIA_ID.match(media_id) or not token:
        raise DomainError(_("the file is not available."), code="media")
    auth = {"Authorization": f"Bearer {token}"}
    try:
        info = http.fetch(f"{outbound.graph_url(channel)}/{media_id}", max_bytes=64 * 1024, auth_headers=auth,
                          timeout=MEDIA_TIMEOUT).json()
        url = info.get("url") if isinstance(info, dict) else None
        if not isinstance(url, str):
            raise DomainError(_("the file is not available."), code="media")
        data = http.fetch(url, max_bytes=uploads.max_upload_bytes(), auth_headers=auth,
                          credential_hosts=outbound.graph_credential_hosts(channel), timeout=MEDIA_TIMEOUT).body
    except http.HttpError as error:
        if error.retryable:
            raise RetryLater(f"media {media_id}: {error}") from None
        raise DomainError(_("the file could not be downloaded."), code="media") from None
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("the file is not available."), code="media") from None
    name = _text(content.get("filename"), 200) or MEDIA_TYPES[kind]
    upload = ContentFile(data, name=name)
    uploads.validate_upload(upload)  # refused files become a note for the agent, not an error
    return upload


def receive_status(channel: Channel, status: dict) -> bool:
    wamid, state = _text(status.get("id"), 128), status.get("status")
    if not wamid or state not in STATUSES:
        return False
    return delivery.message_delivery_report(organization_id=channel.organization_id, external_id=wamid,
                                            state=state)
