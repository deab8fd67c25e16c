"""The customers' web chat: a visitor starts a conversation on a webchat channel."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import Channel, Contact, Conversation
from contactcenter.services import conversations
from contactcenter.services.errors import DomainError


def _check_channel(channel: Channel) -> None:
    if channel.kind != Channel.Kind.WEBCHAT or not channel.is_active or not channel.queue.is_active:
        raise DomainError(_("This chat is not available right now."), code="unavailable")


@transaction.atomic
def webchat_start(*, channel: Channel, name: str, email: str = "", phone: str = "", text: str = "") -> Conversation:
    """A new visitor: a contact of the channel and a conversation waiting in its queue (routed,
    and auto-replied, on commit). The inputs are already validated by the form."""
    _check_channel(channel)
    contact = Contact.objects.create(
        organization_id=channel.organization_id, channel=channel, name=name, email=email, phone=phone
    )
    return conversations.conversation_open(queue=channel.queue, contact=contact, channel=channel, text=text)


@transaction.atomic
def webchat_restart(*, previous: Conversation, text: str = "") -> Conversation:
    """The same visitor after their conversation closed: a new conversation, same contact."""
    channel = previous.channel
    _check_channel(channel)
    if previous.is_open:
        return previous
    return conversations.conversation_open(queue=channel.queue, contact=previous.contact, channel=channel,
                                           text=text)
