"""Outbound delivery: what an agent (or the system, e.g. an auto-reply) writes to a customer
on an api or whatsapp channel leaves through the provider after the transaction commits.

`messages.message_add` asks `delivery.wants_delivery` and, if so, creates the message as pending
and schedules the Celery task `deliver_message` (services/jobs.py), which calls `deliver` here: an api channel
gets a signed JSON POST to its webhook URL; a whatsapp channel, a Graph API call
(POST {graph_url}/{phone_number_id}/messages). Network errors, 429 and 5xx answers are retried
with backoff; other answers, a misconfigured channel or the last retry mark the message failed.
Internal notes and whispers never leave; neither do the system lines of calls.
"""

import base64
import json
import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.connectors import http, signing
from contactcenter.models import Channel, Message
from contactcenter.services.delivery import KINDS, message_delivery_update

logger = logging.getLogger(__name__)

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
STALE_AFTER = timedelta(hours=1)  # longer than every retry's backoff together (about 30 minutes)
D = Message.Delivery


class RetryLater(Exception):
    """The provider may accept the message later (network error, 429, 5xx)."""


class Undeliverable(Exception):
    """The message can never go out as things are (no webhook URL, no access token, refused)."""


def backoff(retries: int) -> int:
    """Seconds before retry number `retries + 1`: 10, 20, 40 … at most 10 minutes."""
    return min(600, 10 * 2 ** retries)


def graph_url(channel: Channel) -> str:
    url = (channel.settings or {}).get("graph_url") or DEFAULT_GRAPH_URL
    return str(url).rstrip("/")


# --- Configuration checks (the channel forms of the portal and of Django admin) ---------------------


def clean_webhook_url(url: str) -> str:
    """The outbound webhook must be a public http(s) address (unless private URLs are allowed)."""
    if url and (refusal := http.url_refusal(url)):
        raise ValidationError(refusal)
    return url


def clean_provider_settings(value) -> dict:
    """Provider settings: a JSON object whose graph_url, if any, is a public http(s) address."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_('Write a JSON object, e.g. {"verify_token": "…"}.'))
    url = value.get("graph_url")
    if url not in (None, ""):
        refusal = http.url_refusal(url) if isinstance(url, str) else _("Use an http:// or https:// address.")
        if refusal:
            raise ValidationError(_("graph_url: %(error)s") % {"error": refusal})
    return value


# Meta serves WhatsApp media from its CDN host, which wants the same access token; with the default
# Graph API (and only then) the token may go there too, never to another host an answer names.
META_MEDIA_HOSTS = {"lookaside.fbsbx.com"}


def graph_credential_hosts(channel: Channel) -> set[str]:
    """The hosts the channel's access token may be sent to."""
    host = urlsplit(graph_url(channel)).hostname or ""
    return {host, *META_MEDIA_HOSTS} if host == urlsplit(DEFAULT_GRAPH_URL).hostname else {host}


def deliver(message_id: int) -> str:
    """Send one pending message; returns its new delivery state ("" when there was nothing to
    do: gone, or no longer pending). Raises RetryLater for the task to retry."""
    message = (
        Message.objects.select_related("conversation__channel", "conversation__contact", "sender")
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.delivery != D.PENDING:
        return ""
    channel = message.conversation.channel
    try:
        if channel is None or not channel.is_active or channel.kind not in KINDS:
            raise Undeliverable("the channel is missing, inactive or cannot send")
        if channel.kind == Channel.Kind.API:
            state, external_id = _post_webhook(channel, message)
        else:
            state, external_id = _send_whatsapp(channel, message)
    except http.HttpError as error:
        if error.retryable:
            raise RetryLater(str(error)) from error
        return give_up(message_id, str(error))
    except Undeliverable as error:
        return give_up(message_id, str(error))
    message_delivery_update(message_id=message_id, state=state, external_id=external_id)
    return state


def fail_stale(now=None) -> int:
    """The sweep: a message still pending long after every retry would have ended lost its task
    (a worker died, an embedded server stopped): it is marked failed so the agent sees it."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = list(Message.objects.filter(delivery=D.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)[:500])
    for message_id in stale:
        give_up(message_id, "still pending after the retries' time")
    return len(stale)


def give_up(message_id: int, reason: str) -> str:
    logger.warning("message %s not delivered: %s", message_id, reason)
    message_delivery_update(message_id=message_id, state=D.FAILED)
    return D.FAILED


# --- API channels: a signed webhook ----------------------------------------------------------


def webhook_payload(message: Message) -> dict:
    conversation = message.conversation
    payload = {
        "event": "message",
        "message_id": str(message.pk),
        "conversation_id": conversation.pk,
        "channel": conversation.channel.public_key,
        "contact": {"external_id": conversation.contact.external_id, "name": conversation.contact.name},
        "direction": message.direction,
        "sender": message.sender.display_name if message.sender else None,
        "text": message.body,
        "sent_at": message.created_at.isoformat(),
        "attachments": [],
        "location": None,
    }
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as file:
            content = file.read()
        payload["attachments"].append({
            "type": attachment.kind, "filename": attachment.original_name,
            "content_type": attachment.content_type, "size": attachment.size,
            "content": base64.b64encode(content).decode("ascii"),
        })
    if message.kind == Message.Kind.LOCATION:
        payload["location"] = {"latitude": float(message.latitude), "longitude": float(message.longitude),
                               "name": message.location_label}
    return payload


def _post_webhook(channel: Channel, message: Message) -> tuple[str, str | None]:
    if not channel.webhook_url:
        raise Undeliverable("the api channel has no webhook URL")
    body = json.dumps(webhook_payload(message), ensure_ascii=False, separators=(",", ":")).encode()
    response = http.post_json(channel.webhook_url, body, headers={
        signing.SIGNATURE_HEADER: signing.sign(channel.secret, body),
        "Idempotency-Key": str(message.pk),
    })
    # The provider may answer {"status": "delivered"} (or "read") when it already knows.
    state = D.SENT
    try:
        reported = response.json().get("status")
    except (ValueError, AttributeError, UnicodeDecodeError):
        reported = None
    if reported in (D.DELIVERED, D.READ):
        state = reported
    return state, None


# --- WhatsApp Cloud API ------------------------------------------------------------------------


def _whatsapp_config(channel: Channel) -> tuple[str, str, str]:
    settings = channel.settings if isinstance(channel.settings, dict) else {}
    token, phone_number_id = settings.get("access_token"), settings.get("phone_number_id")
    if not token or not phone_number_id:
        raise Undeliverable("the whatsapp channel needs access_token and phone_number_id")
    return graph_url(channel), str(phone_number_id), str(token)


def whatsapp_payload(message: Message, *, media_id: str | None = None, attachment=None) -> dict:
    contact = message.conversation.contact
    to = contact.external_id or contact.phone.lstrip("+")
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if message.kind == Message.Kind.LOCATION:
        payload["type"] = "location"
        payload["location"] = {"latitude": float(message.latitude), "longitude": float(message.longitude)}
        if message.location_label:
            payload["location"]["name"] = message.location_label
    elif attachment is not None:
        kind = attachment.kind
        media = {"id": media_id}
        if message.body and kind != "audio":
            media["caption"] = message.body
        if kind == "document":
            media["filename"] = attachment.original_name
        payload["type"] = kind
        payload[kind] = media
    else:
        payload["type"] = "text"
        payload["text"] = {"preview_url": False, "body": message.body}
    return payload


def _send_whatsapp(channel: Channel, message: Message) -> tuple[str, str | None]:
    base, phone_number_id, token = _whatsapp_config(channel)
    auth = {"Authorization": f"Bearer {token}"}
    attachment = message.attachments.first() if message.kind == Message.Kind.ATTACHMENT else None
    media_id = None
    if attachment is not None:
        with attachment.file.open("rb") as file:
            content = file.read()
        uploaded = http.post_multipart(
            f"{base}/{phone_number_id}/media", {"messaging_product": "whatsapp", "type": attachment.content_type},
            "file", attachment.original_name, content, attachment.content_type, auth_headers=auth)
        try:
            media_id = str(uploaded.json()["id"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise Undeliverable("the Graph API did not return a media id") from None
    body = json.dumps(whatsapp_payload(message, media_id=media_id, attachment=attachment)).encode()
    response = http.post_json(f"{base}/{phone_number_id}/messages", body, auth_headers=auth)
    try:
        wamid = str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError, UnicodeDecodeError):
        wamid = None
    return D.SENT, wamid
