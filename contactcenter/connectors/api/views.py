"""The inbound API: providers post customers' messages and calls, signed with the channel's
secret (X-Signature: sha256=<HMAC-SHA256 of the raw body>).

Order of the checks: rate limit per client (429), the channel (404), rate limit per channel
(429), body size (413), signature (401), JSON and fields (400, by the models in validation.py);
only then one service call, which writes everything in one transaction or nothing (202 with the
ids). The OpenAPI document at /api/v1/openapi.json describes it all, its request schemas
generated from those same models.
"""

import base64
import binascii
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.files.base import ContentFile
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from contactcenter.connectors import http, signing, webhooks
from contactcenter.connectors.api import openapi, validation
from contactcenter.models import Channel
from contactcenter.services import csat, inbound, uploads
from contactcenter.services.errors import DomainError

MAX_BODY = 8 * 1024 * 1024  # base64 attachments included; larger files come by url
CLIENT_LIMIT = 300  # requests per client address and minute
CHANNEL_LIMIT = 1200  # requests per channel and minute
WINDOW = 60
FETCH_TIMEOUT = 5  # seconds to download an attachment given by url

MESSAGE_KINDS = (Channel.Kind.API,)
CALL_KINDS = (Channel.Kind.API, Channel.Kind.VOICE)


def _channel(key: str, kinds, medium: str) -> Channel | None:
    channel = (
        Channel.objects.filter(public_key=key, is_active=True, kind__in=kinds)
        .select_related("queue")
        .first()
    )
    if channel is None or channel.queue.medium != medium:
        return None
    return channel


def _accept(request, key: str, *, kinds, medium: str) -> tuple[Channel | None, bytes | JsonResponse]:
    """The checks every endpoint makes before reading the payload: (channel, body) or
    (None, the error response)."""
    if webhooks.over_limit(request, "api:client", webhooks.client_ip(request), CLIENT_LIMIT, WINDOW):
        return None, webhooks.rate_limited(WINDOW)
    channel = _channel(key, kinds, medium)
    if channel is None:
        return None, webhooks.error(404, "not_found", _("There is no such channel."))
    if webhooks.over_limit(request, "api:channel", channel.pk, CHANNEL_LIMIT, WINDOW):
        return None, webhooks.rate_limited(WINDOW)
    try:
        body = webhooks.read_body(request, MAX_BODY)
    except webhooks.TooLarge:
        return None, webhooks.too_large(MAX_BODY)
    if not signing.verify_channel(channel, body, request.headers.get(signing.SIGNATURE_HEADER)):
        return None, webhooks.error(401, "bad_signature", _(
            "The X-Signature header is missing or does not match the body "
            "(sha256= and the HMAC-SHA256 of the raw body with the channel's secret)."))
    return channel, body


def _invalid(errors: dict) -> JsonResponse:
    return webhooks.error(400, "invalid", _("Some fields are not valid."), errors=errors)


def _uploads(items: list[validation.Attachment]) -> tuple[list, dict]:
    """The attachments as files: base64 content decoded, urls downloaded (http(s), public hosts,
    a short timeout, at most the largest allowed file). Validated by content later."""
    files, errors = [], validation.Errors()
    limit = uploads.max_upload_bytes()
    for index, item in enumerate(items):
        field = f"attachments.{index}"
        name = item.filename or item.type
        if item.content is not None:
            if len(item.content) > (limit // 3 + 1) * 4:
                errors.add(field + ".content", _("The file is too large."))
                continue
            try:
                data = base64.b64decode(item.content, validate=True)
            except (binascii.Error, ValueError):
                errors.add(field + ".content", _("Not valid base64."))
                continue
        else:
            try:
                data = http.fetch(item.url, max_bytes=limit, timeout=FETCH_TIMEOUT).body
            except http.HttpError as error:
                errors.add(field + ".url", _("The file could not be downloaded (%(reason)s).") % {"reason": error})
                continue
            if not item.filename:
                name = PurePosixPath(unquote(urlsplit(item.url).path)).name or name
        files.append(ContentFile(data, name=name))
    return files, errors


def _accepted(data: dict, duplicate: bool) -> JsonResponse:
    return JsonResponse({"status": "accepted", "duplicate": duplicate, **data}, status=202)


@csrf_exempt
@require_POST
def messages(request, key: str):
    channel, body = _accept(request, key, kinds=MESSAGE_KINDS, medium="chat")
    if channel is None:
        return body
    data, errors = validation.message(body)
    if data is None:
        return _invalid(errors)
    if (found := _already(channel, data.message_id)) is not None:
        return found
    files, errors = _uploads(data.attachments)
    if errors:
        return _invalid(errors)
    place = data.location
    try:
        received = inbound.inbound_message_receive(
            channel=channel, external_id=data.external_id, message_id=data.message_id, name=data.name,
            text=data.text, uploads=files, kinds=[item.type for item in data.attachments],
            location=inbound.Location(place.latitude, place.longitude, place.name) if place else None,
            sent_at=data.sent_at, priority=data.priority)
    except inbound.InvalidField as error:
        return _invalid({error.field: [str(error.message)]})
    except DomainError as error:
        return _invalid({"body": [str(error.message)]})
    return _message_response(received)


def _already(channel: Channel, message_id: str) -> JsonResponse | None:
    """A retried delivery is answered before downloading anything again."""
    try:
        found = inbound.already_received(channel, message_id)
    except inbound.InvalidField as error:
        return _invalid({error.field: [str(error.message)]})
    return _message_response(found) if found is not None else None


def _message_response(received: inbound.Received) -> JsonResponse:
    return _accepted({
        "contact_id": received.contact.pk,
        "conversation_id": received.conversation.pk,
        "message_ids": [m.pk for m in received.messages],
    }, received.duplicate)


@csrf_exempt
@require_POST
def calls(request, key: str):
    channel, body = _accept(request, key, kinds=CALL_KINDS, medium="voice")
    if channel is None:
        return body
    data, errors = validation.call(body)
    if data is None:
        return _invalid(errors)
    try:
        report = inbound.inbound_call_event(channel=channel, call_id=data.call_id, caller=data.caller,
                                            event=data.event, at=data.at, name=data.name, priority=data.priority)
    except inbound.InvalidField as error:
        return _invalid({error.field: [str(error.message)]})
    except DomainError as error:
        return _invalid({"body": [str(error.message)]})
    conversation = report.conversation
    return _accepted({
        "contact_id": report.contact.pk,
        "conversation_id": conversation.pk,
        "conversation_status": conversation.status,
        "call_state": conversation.call_state,
    }, not report.changed)


@csrf_exempt
@require_POST
def ratings(request, key: str):
    """The customer's satisfaction rating, collected by the provider (conversation.rating_requested):
    200 when stored (or the same answer again: duplicate), 404 for a conversation that is not
    this channel's, 409 when the survey is over (expired, already changed once, never asked)."""
    channel, body = _accept(request, key, kinds=MESSAGE_KINDS, medium="chat")
    if channel is None:
        return body
    data, errors = validation.rating(body)
    if data is None:
        return _invalid(errors)
    try:
        rating, changed = csat.csat_answer_conversation(channel=channel, conversation_id=data.conversation_id,
                                                        score=data.score, comment=data.comment)
    except DomainError as error:
        if error.code == "not_found":
            return webhooks.error(404, "not_found", error.message)
        if error.code in ("score", "comment"):
            return _invalid({error.code: [str(error.message)]})
        return webhooks.error(409, error.code, error.message)
    return JsonResponse({"status": "accepted", "duplicate": not changed, "conversation_id": rating.conversation_id,
                         "score": rating.score, "changed": rating.changed_at is not None})


@require_GET
def openapi_document(request):
    return JsonResponse(openapi.document(request.build_absolute_uri("/api/v1/")), json_dumps_params={"indent": 1})
