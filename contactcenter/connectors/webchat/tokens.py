"""A visitor's identity: a signed token naming their contact and conversation, per channel.

Kept in a cookie (a reload keeps the conversation) and echoed in the page's forms and socket URL,
so the chat also works where an embedding site's iframe gets no cookies. A token signed for one
channel is worthless on another; nothing in it can be guessed or changed.
"""

from django.core import signing

from contactcenter.models import Channel, Conversation

MAX_AGE = 30 * 24 * 3600
MAX_LENGTH = 300


def cookie_name(channel: Channel) -> str:
    return f"chat_{channel.public_key}"


def _salt(channel: Channel) -> str:
    return f"webchat:{channel.public_key}"


def make(channel: Channel, conversation: Conversation) -> str:
    return signing.dumps({"c": conversation.pk, "k": conversation.contact_id}, salt=_salt(channel))


def read(channel: Channel, token: str | None) -> Conversation | None:
    """The conversation the token names on this channel, or None (bad, expired or foreign)."""
    if not token or len(token) > MAX_LENGTH:
        return None
    try:
        data = signing.loads(token, salt=_salt(channel), max_age=MAX_AGE)
        conversation_id, contact_id = int(data["c"]), int(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (
        Conversation.objects.filter(
            pk=conversation_id, contact_id=contact_id, channel=channel, organization_id=channel.organization_id
        )
        .select_related("contact", "assignee", "queue")
        .first()
    )
