"""/chat/<channel key>/: the customers' web chat.

Public pages: the visitor is identified by a signed token (see tokens.py), never by a session.
The forms carry the token, so a cross-site post cannot act for a visitor (the views are
CSRF-exempt: an embedding site's iframe often gets no CSRF cookie). Everything is rate-limited
per client address and per channel. The page may be framed by other sites; nothing else may.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from contactcenter import files
from contactcenter.connectors import ratelimit
from contactcenter.connectors.webchat import tokens
from contactcenter.connectors.webchat.context import PAGE, chat_context
from contactcenter.connectors.webchat.forms import MessageForm, StartForm
from contactcenter.models import Attachment, Channel, Conversation, Message
from contactcenter.services import attachments, messages, transcripts, webchat
from contactcenter.services.errors import DomainError

# (per client address, per channel) hits a minute.
LIMITS = {
    "start": (5, 120),
    "send": (30, 1200),
    "file": (120, 6000),
    "transcript": (120, 6000),
}


def _channel(key: str) -> Channel:
    return get_object_or_404(
        Channel.objects.select_related("organization", "queue"),
        public_key=key, kind=Channel.Kind.WEBCHAT, is_active=True,
    )


def _allowed(request, channel: Channel, action: str) -> bool:
    per_client, per_channel = LIMITS[action]
    client = request.META.get("REMOTE_ADDR", "") or "unknown"
    return not ratelimit.exceeded(
        request,
        ratelimit.Limit(f"webchat:{action}:client", client, per_client),
        ratelimit.Limit(f"webchat:{action}:channel", channel.pk, per_channel),
    )


def _embeddable(request, response, channel: Channel):
    """Other sites may frame the chat page (and only it): the channel's settings may list the
    origins allowed to embed it ("embed_origins"); by default any site may. The policy differs by
    channel, so Django's own decorators are applied to this one response."""
    origins = channel.settings.get("embed_origins") if isinstance(channel.settings, dict) else None
    if not (isinstance(origins, list) and all(isinstance(o, str) for o in origins) and origins):
        origins = ["*"]
    policy = {**settings.SECURE_CSP, "frame-ancestors": origins}
    return csp_override(policy)(xframe_options_exempt(lambda _request: response))(request)


def _set_token(response, request, channel: Channel, token: str):
    # SameSite=None lets an embedded chat keep its cookie where the browser allows it; that needs
    # Secure, so over plain http (development) the cookie is Lax and the page carries the token.
    secure = request.is_secure()
    response.set_cookie(
        tokens.cookie_name(channel), token, max_age=tokens.MAX_AGE, httponly=True, secure=secure,
        samesite="None" if secure else "Lax",
    )
    return response


def _page(request, channel: Channel, conversation: Conversation | None, *, token: str = "", status: int = 200,
          partial: str = "", **extra):
    context = chat_context(channel, conversation, token, **extra)
    template = f"{PAGE}#{partial}" if partial else PAGE
    return _embeddable(request, render(request, template, context, status=status), channel)


def _from_cookie(request, channel: Channel) -> tuple[Conversation | None, str]:
    token = request.COOKIES.get(tokens.cookie_name(channel), "")
    conversation = tokens.read(channel, token)
    return conversation, token if conversation else ""


def _from_post(request, channel: Channel) -> tuple[Conversation | None, str]:
    token = request.POST.get("t", "")
    conversation = tokens.read(channel, token)
    return conversation, token if conversation else ""


# --- Pages ---------------------------------------------------------------------------------------


@never_cache
@xframe_options_exempt
@require_GET
def chat(request, key: str):
    """The chat, or the start form for a new visitor."""
    channel = _channel(key)
    conversation, token = _from_cookie(request, channel)
    return _page(request, channel, conversation, token=token, start_form=StartForm())


@csrf_exempt
@xframe_options_exempt
@require_POST
def start(request, key: str):
    channel = _channel(key)
    form = StartForm(request.POST)
    partial = "app" if request.htmx else ""
    if not _allowed(request, channel, "start"):
        return _page(request, channel, None, start_form=form, status=429, partial=partial,
                     error=_("Too many attempts. Please wait a minute and try again."))
    if not form.is_valid():
        return _page(request, channel, None, start_form=form, status=422, partial=partial)
    data = form.cleaned_data
    try:
        conversation = webchat.webchat_start(channel=channel, name=data["name"].strip(), email=data["email"],
                                             phone=data["phone"], text=data["text"].strip())
    except DomainError as exc:
        return _page(request, channel, None, start_form=form, status=422, partial=partial, error=exc.message)
    return _started(request, channel, conversation)


def _started(request, channel: Channel, conversation: Conversation):
    token = tokens.make(channel, conversation)
    if request.htmx:
        conversation.refresh_from_db()
        response = _page(request, channel, conversation, token=token, partial="app")
    else:
        response = redirect("webchat:chat", key=channel.public_key)
        response.status_code = 303
    return _set_token(response, request, channel, token)


@csrf_exempt
@xframe_options_exempt
@require_POST
def restart(request, key: str):
    """"Start a new conversation" once the previous one is closed."""
    channel = _channel(key)
    previous, token = _from_post(request, channel)
    if previous is None:
        return _page(request, channel, None, start_form=StartForm(), status=403,
                     partial="app" if request.htmx else "",
                     error=_("This chat session is no longer valid. Please start again."))
    if not _allowed(request, channel, "start"):
        return _page(request, channel, previous, token=token, status=429, partial="app" if request.htmx else "",
                     error=_("Too many attempts. Please wait a minute and try again."))
    try:
        conversation = webchat.webchat_restart(previous=previous)
    except DomainError as exc:
        return _page(request, channel, previous, token=token, status=422, partial="app" if request.htmx else "",
                     error=exc.message)
    return _started(request, channel, conversation)


@csrf_exempt
@xframe_options_exempt
@require_POST
def send(request, key: str):
    """The visitor writes or attaches a file."""
    channel = _channel(key)
    conversation, token = _from_post(request, channel)
    partial = "composer" if request.htmx else ""
    if conversation is None:
        return _page(request, channel, None, start_form=StartForm(), status=403,
                     partial="app" if request.htmx else "",
                     error=_("This chat session is no longer valid. Please start again."))
    form = MessageForm(request.POST, request.FILES)
    if not _allowed(request, channel, "send"):
        form.is_valid()
        form.add_error(None, _("You are sending messages too fast. Please wait a moment."))
        return _page(request, channel, conversation, token=token, message_form=form, status=429, partial=partial)
    if not form.is_valid():
        return _page(request, channel, conversation, token=token, message_form=form, status=422, partial=partial)
    text, upload = form.cleaned_data["text"].strip(), form.cleaned_data["file"]
    try:
        if upload:
            attachments.message_receive_attachment(conversation=conversation, upload=upload, caption=text)
        else:
            messages.message_receive(conversation=conversation, text=text)
    except DomainError as exc:
        form.add_error("file" if upload else "text", exc.message)
        conversation.refresh_from_db()
        return _page(request, channel, conversation, token=token, message_form=form, status=422, partial=partial)
    if not request.htmx:
        return redirect("webchat:chat", key=channel.public_key)
    conversation.refresh_from_db()
    # A fresh composer, and the thread (out of band) so the message shows even without the socket.
    context = chat_context(channel, conversation, token, message_form=MessageForm(), oob=True)
    html = "".join(render_to_string(f"{PAGE}#{name}", context, request=request)
                   for name in ("composer", "status", "thread"))
    return _embeddable(request, HttpResponse(html), channel)


@never_cache
@require_GET
def attachment(request, key: str, attachment_id: int):
    """A file of the visitor's own conversation (the staff's /media/ needs a login)."""
    channel = _channel(key)
    token = request.GET.get("t") or request.COOKIES.get(tokens.cookie_name(channel), "")
    conversation = tokens.read(channel, token)
    if conversation is None or not _allowed(request, channel, "file"):
        raise Http404
    item = (
        Attachment.objects.filter(
            pk=attachment_id, message__conversation=conversation,
            message__direction__in=(Message.Direction.INBOUND, Message.Direction.OUTBOUND),
            message__is_whisper=False,
        ).first()
    )
    if item is None:
        raise Http404
    return files.file_response(item.file, filename=item.original_name, content_type=item.content_type,
                               kind=item.kind)


@never_cache
@require_GET
def transcript(request, key: str):
    """"Download the conversation": the visitor's own conversation as plain text, in their language."""
    channel = _channel(key)
    token = request.GET.get("t") or request.COOKIES.get(tokens.cookie_name(channel), "")
    conversation = tokens.read(channel, token)
    if conversation is None or not _allowed(request, channel, "transcript"):
        raise Http404
    text = transcripts.customer_transcript(conversation, translation.get_language())
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{transcripts.transcript_filename(conversation)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
