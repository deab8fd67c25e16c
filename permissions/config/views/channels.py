"""The Channels section of the configuration portal (administrators): where conversations come
from, and the web chat's embed snippet."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from contactcenter.connectors.webchat.snippet import embed_snippet
from contactcenter.models import Channel
from contactcenter.services import channels
from permissions.config import forms
from permissions.config.views.sections import Section, is_admin, org, register, yes_no


def _channel_confirm(channel: Channel) -> str:
    """Say what deleting a channel does: a live web chat stops working for customers."""
    in_use = channel.conversations.exists()
    if channel.kind == Channel.Kind.WEBCHAT and channel.is_active:
        if in_use:
            return _("The chat page stops working for customers. The channel is deactivated, not deleted, "
                     "because conversations refer to it. Continue?")
        return _("The chat page stops working for customers and the channel is deleted. Continue?")
    if in_use:
        return _("Conversations refer to this channel, so it is deactivated, not deleted. Continue?")
    return _("Delete it?")


def _details_context(request, channel: Channel) -> dict:
    return {"snippet": embed_snippet(channel, request) if channel.kind == Channel.Kind.WEBCHAT else ""}


CHANNELS = register(Section(
    key="channels", title=gettext_lazy("Channels"), new_label=gettext_lazy("New channel"),
    form=forms.ChannelForm,
    queryset=lambda user: Channel.objects.filter(**org(user)).select_related("queue"),
    columns=(
        (gettext_lazy("Name"), lambda c: c.name),
        (gettext_lazy("Kind"), lambda c: c.get_kind_display()),
        (gettext_lazy("Queue"), lambda c: c.queue.name),
        (pgettext_lazy("masculine", "Active"), lambda c: yes_no(c.is_active)),
    ),
    may_view=is_admin, may_manage=is_admin, confirm=_channel_confirm,
    save=lambda request, obj, data: channels.channel_save(by=request.user, channel=obj, **data),
    delete=lambda user, obj: channels.channel_delete(by=user, channel=obj),
    extra="config/_channel_details.html", extra_context=_details_context,
))
