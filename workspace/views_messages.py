"""Messages of an open conversation: the earlier ones, their files, and sending a reply, an
internal note, files or a location."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from contactcenter import files
from contactcenter.selectors import workspace as sel
from contactcenter.services import attachments as attachment_services
from contactcenter.services import messages as message_services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions import access
from workspace.forms import MessageForm
from workspace.responses import PAGE, back, positive_int, render_desk

# --- Reading --------------------------------------------------------------------------------------


@login_required
@require_GET
def attachment(request, pk: int):
    """A file of a conversation the person may open; a colleague who cannot open it gets a 404."""
    item = access.attachment_for_user(request.user, pk)
    return files.file_response(item.file, filename=item.original_name, content_type=item.content_type,
                               kind=item.kind)


@login_required
@require_GET
def messages_before(request, pk: int):
    """"Ver anteriores" (before=<message id>) and "Ir al día" (day in the person's date format)."""
    conversation = access.conversation_for_agent(request.user, pk)
    day = None
    if request.GET.get("day"):
        # The person's own format (dd/mm/aaaa in Spanish) or ISO, as the page's date fields take.
        try:
            day = forms.DateField().clean(request.GET["day"])
        except ValidationError:
            raise Http404 from None
    before = positive_int(request.GET.get("before"), default=None) if request.GET.get("before") else None
    window, older = sel.messages_window(conversation, before_id=before, day=day)
    return render(request, PAGE + "#message-window",
                  {"conversation": conversation, "messages_list": window, "has_older": older,
                   "replace": day is not None})


# --- Sending --------------------------------------------------------------------------------------


@login_required
@require_POST
def send_message(request, pk: int):
    """Text, files (the text is the first one's caption) or a location. A refused file keeps the
    typed text and stores nothing."""
    conversation = access.conversation_for_agent(request.user, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["file"]:
                attachment_services.message_send_attachments(
                    conversation=conversation, sender=request.user, uploads=data["file"], caption=data["text"],
                    internal=data["internal"])
            elif data["latitude"] is not None:
                attachment_services.message_send_location(
                    conversation=conversation, sender=request.user, latitude=data["latitude"],
                    longitude=data["longitude"], label=data["location_label"] or data["text"],
                    internal=data["internal"])
            else:
                message_services.message_send(conversation=conversation, sender=request.user,
                                           text=data["text"], internal=data["internal"])
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            form.add_error("file" if data["file"] else "text", exc.message)
    if form.errors:
        # Nothing typed is lost: the form comes back with the text and the error.
        return render_desk(request, conversation, status=422 if request.htmx else 200, message_form=form)
    return back(request, conversation)

