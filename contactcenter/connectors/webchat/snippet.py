"""The iframe tag a website pastes to embed a web chat channel."""

from django.urls import reverse
from django.utils.html import format_html


def embed_snippet(channel, request) -> str:
    """An <iframe> pointing at the channel's public chat page, on this server's address."""
    url = request.build_absolute_uri(reverse("webchat:chat", kwargs={"key": channel.public_key}))
    return format_html(
        '<iframe src="{}" title="{}" width="380" height="560" style="border:0" loading="lazy" '
        'allow="clipboard-write"></iframe>',
        url, channel.name,
    )
