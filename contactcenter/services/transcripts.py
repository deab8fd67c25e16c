"""Transcripts of a conversation the customer may take home (the web chat's "Download the
conversation"; any channel may reuse it).

Only what the customer saw: their messages, the agents' replies and the organization's
auto-replies. Never internal notes, supervisors' whispers or the staff's event lines.
"""

import zoneinfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from contactcenter.models import Conversation, Message


def customer_messages(conversation: Conversation) -> list[Message]:
    """Every message the customer may read, oldest first."""
    return list(
        Message.objects.filter(conversation=conversation, direction__in=Message.CUSTOMER_DIRECTIONS, is_whisper=False)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def local_date(conversation: Conversation):
    """The day the conversation started, in the organization's time zone."""
    return conversation.enqueued_at.astimezone(zoneinfo.ZoneInfo(conversation.organization.time_zone)).date()


def transcript_filename(conversation: Conversation) -> str:
    return f"conversation-{local_date(conversation).isoformat()}.txt"


def _author(message: Message, conversation: Conversation) -> str:
    if message.direction == Message.Direction.INBOUND:
        return conversation.contact.name or _("You")
    if message.direction == Message.Direction.OUTBOUND and message.sender is not None:
        return message.sender.display_name
    return conversation.organization.name


def _content(message: Message) -> str:
    parts = [message.body.strip()] if message.body.strip() else []
    if message.kind == Message.Kind.LOCATION:
        parts.append(_("[Location: %(place)s]") % {
            "place": message.location_label or f"{message.latitude}, {message.longitude}"})
    parts += [_("[Attachment: %(name)s]") % {"name": item.original_name} for item in message.attachments.all()]
    # Continuation lines are indented so every message still starts its own line.
    return " ".join(parts).replace("\r\n", "\n").replace("\n", "\n    ")


def customer_transcript(conversation: Conversation, language: str) -> str:
    """The conversation as plain text in `language`: a header, then one line per message the
    customer saw (time in the organization's time zone, who, text, attachment names)."""
    organization = conversation.organization
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    with translation.override(language):
        day = local_date(conversation)
        lines = [
            organization.name,
            _("Channel: %(channel)s") % {"channel": conversation.channel.name if conversation.channel else "—"},
            _("Date: %(date)s") % {"date": formats.date_format(day, "DATE_FORMAT")},
            "",
        ]
        for message in customer_messages(conversation):
            at = message.created_at.astimezone(zone)
            if at.date() != day:
                day = at.date()
                lines += ["", f"— {formats.date_format(day, 'DATE_FORMAT')} —"]
            lines.append(f"[{at:%H:%M}] {_author(message, conversation)}: {_content(message)}")
    return "\n".join(lines) + "\n"
