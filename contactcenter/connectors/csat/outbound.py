"""Satisfaction surveys leaving through a provider (the task `csat_request`, after the close
commits): a WhatsApp interactive list message (1–5, with a plain-text fallback line: "reply with
a number"), or a signed `conversation.rating_requested` event to an API channel's webhook, with
the survey's signed link for the provider to render. The web chat needs nothing here: its page
draws the survey when it learns of the close.
"""

import json
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from contactcenter.connectors import http, outbound, signing
from contactcenter.models import Channel, SatisfactionRating
from contactcenter.models.csat import SCORE_MAX, SCORE_MIN
from contactcenter.services import csat

logger = logging.getLogger(__name__)

EVENT = "conversation.rating_requested"
REPLY_PREFIX = "csat:"  # the list rows' ids: "csat:<score>:<token>"


def rating_url(rating: SatisfactionRating) -> str:
    return settings.PUBLIC_URL + reverse("csat:rate", args=[csat.csat_token(rating)])


def score_labels() -> dict[int, str]:
    return {1: _("Very bad"), 2: _("Bad"), 3: _("Fair"), 4: _("Good"), 5: _("Very good")}


def request(rating_id: int) -> bool:
    """Send one survey; False when there is nothing to send (gone, answered, expired, a channel
    that cannot). Raises outbound.RetryLater for the task to retry."""
    rating = (SatisfactionRating.objects.select_related("conversation__channel", "conversation__contact",
                                                        "organization").filter(pk=rating_id).first())
    if rating is None or rating.is_answered or not csat.is_open(rating):
        return False
    channel = rating.conversation.channel
    if channel is None or not channel.is_active:
        return False
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if channel.kind == Channel.Kind.WHATSAPP:
                _send_whatsapp(channel, rating)
            elif channel.kind == Channel.Kind.API:
                _post_webhook(channel, rating)
            else:
                return False
    except http.HttpError as error:
        if error.retryable:
            raise outbound.RetryLater(str(error)) from error
        logger.warning("rating %s not requested: %s", rating_id, error)
        return False
    except outbound.Undeliverable as error:
        logger.warning("rating %s not requested: %s", rating_id, error)
        return False
    return True


# --- API channels ------------------------------------------------------------------------------


def webhook_payload(rating: SatisfactionRating) -> dict:
    conversation = rating.conversation
    return {
        "event": EVENT,
        "conversation_id": conversation.pk,
        "channel": conversation.channel.public_key,
        "contact": {"external_id": conversation.contact.external_id, "name": conversation.contact.name},
        "rating_url": rating_url(rating),
        "token": csat.csat_token(rating),
        "scale": {"min": SCORE_MIN, "max": SCORE_MAX, "labels": {str(k): v for k, v in score_labels().items()}},
        "question": _("How would you rate the service you received?"),
        "asked_at": rating.asked_at.isoformat(),
        "expires_at": rating.expires_at.isoformat(),
    }


def _post_webhook(channel: Channel, rating: SatisfactionRating) -> None:
    if not channel.webhook_url:
        raise outbound.Undeliverable("the api channel has no webhook URL")
    body = json.dumps(webhook_payload(rating), ensure_ascii=False, separators=(",", ":")).encode()
    http.post_json(channel.webhook_url, body, headers={
        signing.SIGNATURE_HEADER: signing.sign(channel.secret, body),
        "Idempotency-Key": f"rating-{rating.pk}",
    })


# --- WhatsApp ------------------------------------------------------------------------------------


def whatsapp_payload(rating: SatisfactionRating) -> dict:
    contact = rating.conversation.contact
    token = csat.csat_token(rating)
    labels = score_labels()
    rows = [{"id": f"{REPLY_PREFIX}{score}:{token}", "title": f"{score} {'★' * score}"[:24],
             "description": labels[score]} for score in range(SCORE_MAX, SCORE_MIN - 1, -1)]
    body = _("How would you rate the service you received? Choose an option, or reply with a number from "
             "%(min)s (very bad) to %(max)s (very good).") % {"min": SCORE_MIN, "max": SCORE_MAX}
    return {
        "messaging_product": "whatsapp", "recipient_type": "individual",
        "to": contact.external_id or contact.phone.lstrip("+"),
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {"button": _("Rate")[:20], "sections": [{"title": _("Your rating")[:24], "rows": rows}]},
        },
    }


def _send_whatsapp(channel: Channel, rating: SatisfactionRating) -> None:
    settings_ = channel.settings if isinstance(channel.settings, dict) else {}
    token, phone_number_id = settings_.get("access_token"), settings_.get("phone_number_id")
    if not token or not phone_number_id:
        raise outbound.Undeliverable("the whatsapp channel needs access_token and phone_number_id")
    body = json.dumps(whatsapp_payload(rating)).encode()
    http.post_json(f"{outbound.graph_url(channel)}/{phone_number_id}/messages", body,
                   auth_headers={"Authorization": f"Bearer {token}"})


def parse_reply(reply_id) -> tuple[int, str] | None:
    """A list row's id as (score, token), or None when it is not one of ours."""
    if not isinstance(reply_id, str) or not reply_id.startswith(REPLY_PREFIX):
        return None
    score, _sep, token = reply_id[len(REPLY_PREFIX):].partition(":")
    if not score.isdigit() or not token:
        return None
    return int(score), token
