"""Customer satisfaction (CSAT): one survey per conversation an agent closed, answered by the
customer from 1 to 5 (4 and 5 count as satisfied) with an optional comment, within the queue's
window, and changed at most once within it.

The customer reaches the survey through a signed token (django.core.signing, like the web
chat's), never by a conversation id anyone could guess. Asking happens in the close's
transaction; what each channel shows is the outbound adapter's business after commit
(connectors/csat/outbound.py: a WhatsApp list message, an API webhook event; the web chat page
draws the form itself when the conversation's page learns of the close).
"""

import re
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Channel, Conversation, SatisfactionRating
from contactcenter.models.csat import MAX_COMMENT, SCORE_MAX, SCORE_MIN
from contactcenter.services import jobs, messages, rollups
from contactcenter.services.errors import DomainError

TOKEN_SALT = "csat.rating"
MAX_TOKEN = 300
# The channels that can show a survey; calls, SMS and channel-less conversations are not asked.
ASKING_CHANNELS = (Channel.Kind.WEBCHAT, Channel.Kind.WHATSAPP, Channel.Kind.API)
# The channels whose survey leaves through a provider (the web chat draws it in its page).
SENT_CHANNELS = (Channel.Kind.WHATSAPP, Channel.Kind.API)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def csat_token(rating: SatisfactionRating) -> str:
    """The customer's key to this survey: signed, so nobody can rate a conversation by its id."""
    return signing.dumps({"r": rating.pk, "c": rating.conversation_id, "o": rating.organization_id},
                         salt=TOKEN_SALT)


def rating_for_token(token) -> SatisfactionRating | None:
    """The survey a token names, or None for a forged, altered or malformed one."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        rating_id, conversation_id, organization_id = int(data["r"]), int(data["c"]), int(data["o"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (SatisfactionRating.objects.filter(pk=rating_id, conversation_id=conversation_id,
                                              organization_id=organization_id)
            .select_related("conversation__channel", "organization").first())


def is_open(rating: SatisfactionRating, now=None) -> bool:
    """Whether the customer may still answer or change it."""
    return (now or timezone.now()) < rating.expires_at and rating.changed_at is None


# --- Asking ---------------------------------------------------------------------------------------


def csat_ask(conversation: Conversation, *, now=None) -> SatisfactionRating | None:
    """Under the close's transaction: the survey of a chat an agent closed, if its queue asks and
    its channel can show one (None otherwise, or if it was asked already: one per conversation).
    A provider's channel sends it after commit."""
    queue, channel = conversation.queue, conversation.channel
    if (not queue.csat_enabled or conversation.medium != Conversation.Medium.CHAT
            or conversation.status != Conversation.Status.CLOSED or conversation.assignee_id is None
            or channel is None or channel.kind not in ASKING_CHANNELS or not channel.is_active):
        return None
    now = now or timezone.now()
    rating, created = SatisfactionRating.objects.get_or_create(
        conversation=conversation,
        defaults={"organization_id": conversation.organization_id, "queue_id": conversation.queue_id,
                  "agent_id": conversation.assignee_id, "channel_kind": channel.kind, "medium": conversation.medium,
                  "asked_at": now, "expires_at": now + timedelta(hours=queue.csat_window_hours)},
    )
    if not created:
        return None
    if channel.kind in SENT_CHANNELS:
        jobs.schedule_csat_request(rating)
    return rating


# --- Answering ------------------------------------------------------------------------------------


def clean_score(score) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise DomainError(_("Choose a score from %(min)s to %(max)s.") % {"min": SCORE_MIN, "max": SCORE_MAX},
                          code="score")
    return score


def clean_comment(comment) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise DomainError(_("The comment must be text."), code="comment")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("The comment is too long (at most %(max)s characters).") % {"max": MAX_COMMENT},
                          code="comment")
    if _CONTROL.search(comment):
        raise DomainError(_("The comment contains characters that are not allowed."), code="comment")
    return comment


def _not_found() -> DomainError:
    return DomainError(_("This rating link is not valid."), code="not_found")


@transaction.atomic
def _record(rating_id: int, *, score, comment, now=None) -> tuple[SatisfactionRating, bool]:
    """Store an answer: the first one, or the one change. (rating, changed anything)."""
    score, comment = clean_score(score), clean_comment(comment)
    rating = SatisfactionRating.objects.select_for_update().filter(pk=rating_id).first()
    if rating is None:
        raise _not_found()
    now = now or timezone.now()
    if rating.is_answered and (rating.score, rating.comment) == (score, comment):
        return rating, False  # the same answer again (a retried delivery, a double click): nothing to do
    if now >= rating.expires_at:
        raise DomainError(_("The time to rate this conversation is over."), code="expired")
    if rating.changed_at is not None:
        raise DomainError(_("This rating was already changed once; it cannot change again."), code="changed")
    if rating.is_answered:
        rating.changed_at = now
        # The answer is counted in its first hour: that hour's rollups are filled again.
        rollups.rollups_refill_later(organization_id=rating.organization_id, moments=[rating.answered_at])
    else:
        rating.answered_at = now
    rating.score, rating.comment = score, comment
    rating.save(update_fields=["score", "comment", "answered_at", "changed_at"])
    events.publish(events.CONVERSATION_RATED, organization_id=rating.organization_id,
                   agent_ids=[rating.agent_id] if rating.agent_id else [], queue_ids=[rating.queue_id],
                   conversation_ids=[rating.conversation_id], score=score)
    return rating, True


def csat_answer(*, token, score, comment="", channel: Channel | None = None, now=None) -> SatisfactionRating:
    """The customer answers (or changes their answer) through the survey's signed token. With
    `channel`, the survey must be of a conversation on that channel (a provider answering for
    its customers)."""
    rating = rating_for_token(token)
    if rating is None or (channel is not None and rating.conversation.channel_id != channel.pk):
        raise _not_found()
    return _record(rating.pk, score=score, comment=comment, now=now)[0]


def csat_refusal_reply(*, token, channel: Channel, reason: str) -> None:
    """A customer's answer through a provider was refused (too late, changed once already, a
    score out of range): tell them why, as a system line on the survey's conversation, which the
    channel's delivery sends like any auto-reply. Nothing when the token names no survey of this
    channel: a forgery gets no answer."""
    rating = rating_for_token(token)
    if rating is None or rating.conversation.channel_id != channel.pk:
        return
    messages.message_system(conversation=rating.conversation,
                            text=_("Your rating was not recorded: %(reason)s") % {"reason": reason})


def csat_answer_conversation(*, channel: Channel, conversation_id, score, comment="",
                             now=None) -> tuple[SatisfactionRating, bool]:
    """A provider (the signed inbound API) answers for its customer, naming the conversation.
    Another channel's or organization's conversation is not found. (rating, changed anything)"""
    if isinstance(conversation_id, bool) or not isinstance(conversation_id, int):
        raise _not_found()
    rating = SatisfactionRating.objects.filter(
        conversation_id=conversation_id, conversation__channel=channel, organization_id=channel.organization_id,
    ).first()
    if rating is None:
        if Conversation.objects.filter(pk=conversation_id, channel=channel).exists():
            raise DomainError(_("This conversation was not asked for a rating."), code="not_asked")
        raise DomainError(_("There is no such conversation on this channel."), code="not_found")
    return _record(rating.pk, score=score, comment=comment, now=now)


def csat_answer_from_contact(*, channel: Channel, external_id: str, score: int,
                             now=None) -> SatisfactionRating | None:
    """The plain-text fallback (a WhatsApp customer replies "4"): the contact's latest survey on
    the channel that is still waiting for its first answer, if any (None: the text is an
    ordinary message)."""
    now = now or timezone.now()
    if Conversation.objects.filter(channel=channel, contact__external_id=external_id,
                                   status__in=Conversation.OPEN_STATUSES).exists():
        return None  # they are writing to us again: "4" is part of that conversation
    rating = (
        SatisfactionRating.objects.filter(
            organization_id=channel.organization_id, conversation__channel=channel,
            conversation__contact__external_id=external_id, answered_at__isnull=True, expires_at__gt=now)
        .order_by("-asked_at").first()
    )
    if rating is None:
        return None
    return _record(rating.pk, score=score, comment="", now=now)[0]
