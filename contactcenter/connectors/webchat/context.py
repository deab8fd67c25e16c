"""What the web chat page shows; the views and the socket render the same partials with it."""

from contactcenter.connectors.csat.views import rating_context
from contactcenter.models import Channel, Conversation, Message, SatisfactionRating
from contactcenter.services import csat, uploads
from contactcenter.services.autoreplies import waiting_position

PAGE = "webchat/chat.html"
MAX_MESSAGES = 200


def visible_messages(conversation: Conversation) -> list[Message]:
    """Only what the customer may read: never internal notes or whispers."""
    recent = (
        Message.objects.filter(conversation=conversation, direction__in=Message.CUSTOMER_DIRECTIONS, is_whisper=False)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[:MAX_MESSAGES]
    )
    return list(reversed(recent))


def chat_context(channel: Channel, conversation: Conversation | None, token: str = "", **extra) -> dict:
    context = {
        "channel": channel,
        "organization": channel.organization,
        "conversation": conversation,
        "token": token,
        "upload_accept": uploads.accept_attribute(),
        "upload_rules": uploads.allowed_summary(),
        **extra,
    }
    if conversation is not None:
        context["messages"] = visible_messages(conversation)
        context["position"] = waiting_position(conversation)
        if not conversation.is_open:  # the satisfaction survey, once an agent closed it
            rating = SatisfactionRating.objects.filter(conversation=conversation).first()
            if rating is not None:
                context |= rating_context(rating, csat.csat_token(rating))
    return context
