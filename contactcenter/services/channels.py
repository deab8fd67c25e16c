"""Channels: where conversations come from (web chat, WhatsApp, SMS, API, voice), each feeding
one queue."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import Channel, User
from contactcenter.services import writes
from contactcenter.services.errors import DomainError


@transaction.atomic
def channel_save(*, by: User, channel: Channel | None, **fields) -> Channel:
    """Create (`channel` None) or change a channel: administrators only."""
    writes.require(by.is_org_admin)
    writes.same_organization(by, fields.get("queue"))
    channel = channel or Channel(organization_id=by.organization_id)
    if not isinstance(fields.get("settings"), dict):
        raise DomainError(_("Provider settings must be a JSON object, e.g. {\"verify_token\": \"…\"}."),
                          code="invalid")
    writes.check_unique(channel, _("There is already a channel named “%(name)s”.") % {"name": fields["name"]},
                        name__iexact=fields["name"])
    return writes.save(by, channel, "channel", fields)


@transaction.atomic
def channel_delete(*, by: User, channel: Channel) -> str:
    """Conversations keep their channel: a channel with history is deactivated."""
    writes.require(by.is_org_admin)
    writes.same_organization(by, channel)
    if channel.conversations.exists():
        return writes.deactivate(by, channel, "channel")
    return writes.delete(by, channel, "channel")
