"""/webhooks/whatsapp/<channel key>/: Meta's verification handshake (GET) and its signed
notifications (POST, X-Hub-Signature-256 with the app secret): messages and status updates."""

import hmac

from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from contactcenter.connectors import signing, webhooks
from contactcenter.connectors.api.validation import parse_json
from contactcenter.connectors.whatsapp import cloud
from contactcenter.models import Channel

MAX_BODY = 1024 * 1024
CLIENT_LIMIT = 600  # requests per client address and minute (Meta batches, but bursts happen)
CHANNEL_LIMIT = 3000
WINDOW = 60


def _channel(key: str) -> Channel | None:
    return Channel.objects.filter(public_key=key, kind=Channel.Kind.WHATSAPP, is_active=True).first()


@csrf_exempt
def webhook(request, key: str):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if webhooks.over_limit(request, "whatsapp:client", webhooks.client_ip(request), CLIENT_LIMIT, WINDOW):
        return webhooks.rate_limited(WINDOW)
    channel = _channel(key)
    if channel is None:
        return webhooks.error(404, "not_found", _("There is no such channel."))
    if webhooks.over_limit(request, "whatsapp:channel", channel.pk, CHANNEL_LIMIT, WINDOW):
        return webhooks.rate_limited(WINDOW)
    if request.method == "GET":
        return _verify(request, channel)
    return _notify(request, channel)


def _verify(request, channel: Channel):
    """Meta checks the URL once: hub.mode=subscribe and our verify token → echo hub.challenge."""
    expected = (channel.settings or {}).get("verify_token")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (request.GET.get("hub.mode") != "subscribe" or not isinstance(expected, str) or not expected
            or not hmac.compare_digest(token.encode(), expected.encode()) or not challenge):
        return HttpResponse(_("Verification failed."), status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(challenge[:200], content_type="text/plain; charset=utf-8")


def _notify(request, channel: Channel):
    try:
        body = webhooks.read_body(request, MAX_BODY)
    except webhooks.TooLarge:
        return webhooks.too_large(MAX_BODY)
    if not signing.verify_whatsapp(channel, body, request.headers.get(signing.WHATSAPP_SIGNATURE_HEADER)):
        return webhooks.error(401, "bad_signature", _("The X-Hub-Signature-256 header does not match the body."))
    try:
        outcome = cloud.process(channel, parse_json(body))
    except ValueError as error:  # Malformed, or not JSON
        return webhooks.error(400, "invalid", error)
    if outcome.retry:
        # What was stored stays (retries are recognized by their wamid); the rest comes again.
        return webhooks.error(503, "retry", _("Some media could not be downloaded yet."))
    return JsonResponse({"status": "ok", "messages": outcome.messages, "statuses": outcome.statuses})
