"""The agent desk. Views are thin: an access helper, one service call, render.

Every action is a plain form post (redirect back, flash message) that htmx upgrades: with
htmx the view answers with the "desk" partial of the same page template.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactcenter import files
from contactcenter.models import CampaignContact, Conversation, StatusDefinition, Tag
from contactcenter.selectors import workspace as sel
from contactcenter.services import agents as agent_services
from contactcenter.services import attachments as attachment_services
from contactcenter.services import calls, campaigns, routing
from contactcenter.services import contacts as contact_services
from contactcenter.services import conversations as conv_services
from contactcenter.services import queues as queue_services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions import access
from workspace import context
from workspace.forms import AssignForm, ContactForm, DetailForm, MessageForm, TagForm, TransferForm, WrapupForm

PAGE = "workspace/index.html"


# --- Context --------------------------------------------------------------------------------------


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def desk_context(request, conversation: Conversation | None = None, **forms) -> dict:
    params = request.POST if request.method == "POST" else request.GET
    return context.desk_context(request.user, params, conversation, **forms)


def _desk(request, conversation=None, status=200, **forms):
    return render(request, PAGE + "#desk" if request.htmx else PAGE,
                  desk_context(request, conversation, **forms), status=status)


def _back(request, conversation: Conversation | None = None, *, tab: str | None = None):
    """After an action: the desk partial for htmx, a redirect (PRG) otherwise."""
    if request.htmx:
        return _desk(request, conversation)
    url = reverse("workspace:conversation", args=[conversation.pk]) if conversation else reverse("workspace:index")
    tab = tab or request.POST.get("tab")
    return redirect(f"{url}?tab={tab}" if tab in ("assigned", "unassigned") else url)


def _refused(request, exc: DomainError, conversation=None):
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)
    return _back(request, conversation)


# --- Pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    access.require_org_user(request.user)
    if request.htmx and request.GET.get("region") == "lists":
        p = context.view_params(request.GET)
        return render(request, PAGE + "#lists", context.lists_context(request.user, tab=p["tab"], sort=p["sort"],
                                                                      page=p["page"]))
    return _desk(request)


@login_required
@require_GET
def conversation(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    conv_services.conversation_mark_read(conversation=conversation, agent=request.user)
    return _desk(request, conversation)


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
    """"Ver anteriores" (before=<message id>) and the date picker (day=YYYY-MM-DD)."""
    conversation = access.conversation_for_agent(request.user, pk)
    day = None
    if request.GET.get("day"):
        try:
            day = date.fromisoformat(request.GET["day"])
        except ValueError:
            raise Http404 from None
    before = _int(request.GET.get("before"), default=None) if request.GET.get("before") else None
    window, older = sel.messages_window(conversation, before_id=before, day=day)
    return render(request, PAGE + "#message-window",
                  {"conversation": conversation, "messages_list": window, "has_older": older,
                   "replace": day is not None})


# --- Status and queues ----------------------------------------------------------------------------


@login_required
@require_POST
def receive_new(request):
    access.require_org_user(request.user)
    try:
        agent_services.agent_set_receive_new(agent=request.user, on=request.POST.get("on") == "1")
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


@login_required
@require_POST
def set_status(request):
    """The status menu: Ready (Recibir nuevo on), Online, DND, a pause reason, or back from a pause;
    Go online when Offline. The menu shows the status the agent chose."""
    user = request.user
    access.require_org_user(user)
    choice = request.POST.get("status", "")
    try:
        if choice == "sign_in":
            # Back from Offline (e.g. after a supervisor's Forzar desconexión), as at login.
            agent_services.agent_sign_in(agent=user)
        elif choice == "ready":
            agent_services.agent_set_receive_new(agent=user, on=True)
        elif choice in ("online", "dnd"):
            agent_services.agent_set_unavailable(agent=user, dnd=choice == "dnd")
        elif choice == "resume":
            agent_services.agent_resume(agent=user)
        elif choice.startswith("pause:"):
            reason = StatusDefinition.objects.filter(
                organization_id=user.organization_id, kind="pause", is_active=True,
                pk=_int(choice.removeprefix("pause:"), default=0),
            ).exclude(code="no_answer").first()
            if reason is None:
                raise DomainError(_("Choose one of the organization's pause reasons."))
            agent_services.agent_pause(agent=user, reason=reason, note=request.POST.get("note", "")[:200])
        else:
            raise DomainError(_("Choose a status."))
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


@login_required
@require_POST
def queue_login_all(request):
    access.require_org_user(request.user)
    try:
        queue_services.queue_login_member_queues(agent=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


@login_required
@require_POST
def queue_login(request, queue_id: int):
    queue = access.queue_for_agent(request.user, queue_id)
    try:
        queue_services.queue_login(queue=queue, agent=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


@login_required
@require_POST
def queue_logout(request, queue_id: int):
    queue = access.queue_for_agent(request.user, queue_id)
    try:
        queue_services.queue_logout(queue=queue, agent=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


# --- Taking and assigning -------------------------------------------------------------------------


@login_required
@require_POST
def take(request, pk: int):
    """Asignarme (a chat), or Contestar a waiting call."""
    conversation = access.conversation_for_taking(request.user, pk)
    try:
        if conversation.medium == Conversation.Medium.VOICE:
            calls.call_take(conversation=conversation, agent=request.user)
        else:
            conv_services.conversation_assign(conversation=conversation, agent=request.user, by=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    conversation.refresh_from_db()
    messages.success(request, _("The conversation is yours."))
    return _back(request, conversation, tab="assigned")


@login_required
@require_GET
def assign_options(request, pk: int):
    """The colleagues logged in to the conversation's queue ("Luis · En servicio · 4/6"), loaded
    when "Asignar a…" opens (a page of its own without JavaScript)."""
    conversation = access.conversation_for_taking(request.user, pk)
    if conversation.status != Conversation.Status.QUEUED:
        raise Http404
    colleagues = sel.colleagues_by_queue([conversation.queue], exclude=request.user)
    ctx = {
        "conversation_to_assign": conversation,
        "colleagues": colleagues.get(conversation.queue_id, []),
        "tab": context.view_params(request.GET)["tab"],
    }
    if request.htmx:
        return render(request, PAGE + "#assign-form", ctx)
    return render(request, "workspace/assign.html", ctx)


@login_required
@require_POST
def assign(request, pk: int):
    """Asignar a… a colleague logged in to the conversation's queue."""
    conversation = access.conversation_for_taking(request.user, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a colleague."))
        return _back(request)
    colleague = access.colleague_for_agent(request.user, form.cleaned_data["agent"])
    try:
        conv_services.conversation_assign(conversation=conversation, agent=colleague, by=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    messages.success(request, _("Assigned to %(agent)s.") % {"agent": colleague.display_name})
    return _back(request)


@login_required
@require_POST
def offer_answer(request, pk: int):
    """Contestar / Rechazar a ringing call."""
    conversation = access.conversation_for_agent(request.user, pk)
    offer = sel.pending_offer(request.user, conversation)
    if offer is None:
        messages.error(request, _("This call stopped ringing."))
        return _back(request)
    try:
        if request.POST.get("answer") == "accept":
            calls.call_answer(offer_id=offer.pk, agent=request.user)
        else:
            routing.offer_decline(offer_id=offer.pk, agent=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    conversation.refresh_from_db()
    return _back(request, conversation if conversation.assignee_id == request.user.pk else None)


# --- Messages -------------------------------------------------------------------------------------


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
                conv_services.message_send(conversation=conversation, sender=request.user,
                                           text=data["text"], internal=data["internal"])
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            form.add_error("file" if data["file"] else "text", exc.message)
    if form.errors:
        # Nothing typed is lost: the form comes back with the text and the error.
        return _desk(request, conversation, status=422 if request.htmx else 200, message_form=form)
    return _back(request, conversation)


# --- Close, after service, transfer ---------------------------------------------------------------


@login_required
@require_POST
def close(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    try:
        conv_services.conversation_close(conversation=conversation, by=request.user)
    except DomainError as exc:
        return _refused(request, exc, conversation)
    conversation.refresh_from_db()
    return _back(request, conversation)


@login_required
@require_POST
def wrapup_save(request, pk: int):
    """Saves the wrap-up form as it is typed (and on "Listo"): nothing is lost when time runs out."""
    conversation = access.conversation_for_agent(request.user, pk)
    form = WrapupForm(request.POST, instance=conversation, queue=conversation.queue, prefix="wrapup")
    if not form.is_valid():
        messages.error(request, _("Check the wrap-up form."))
        return _back(request, conversation)
    entry = CampaignContact.objects.filter(conversation=conversation, assigned_to=request.user).first()
    try:
        if entry is not None and form.cleaned_data["disposition"] is not None:
            # A campaign call: the outcome also finishes or reschedules the contact.
            campaigns.campaign_disposition(agent=request.user, campaign_contact=entry,
                                           disposition=form.cleaned_data["disposition"],
                                           notes=form.cleaned_data["wrapup_notes"],
                                           callback_at=form.cleaned_data.get("callback_at"))
        else:
            conv_services.conversation_set_disposition(
                conversation=conversation, by=request.user, disposition=form.cleaned_data["disposition"],
                notes=form.cleaned_data["wrapup_notes"],
            )
        if request.POST.get("ready") == "1":
            conv_services.wrapup_end(agent=request.user, by=request.user, source="agent")
    except DomainError as exc:
        return _refused(request, exc, conversation)
    if request.htmx and request.POST.get("autosave") == "1":
        return render(request, PAGE + "#wrapup-saved", {})
    return _back(request, conversation)


@login_required
@require_POST
def wrapup_ready(request):
    """Listo: leave After service (the disposition rule applies)."""
    access.require_org_user(request.user)
    try:
        conv_services.wrapup_end(agent=request.user, by=request.user, source="agent")
    except DomainError as exc:
        return _refused(request, exc)
    return _back(request)


@login_required
@require_GET
def transfer_targets(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    users, queues = sel.transfer_targets(request.user, request.GET.get("q", "").strip()[:60])
    return render(request, PAGE + "#transfer-targets",
                  {"conversation": conversation, "target_users": users, "target_queues": queues})


@login_required
@require_POST
def transfer(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _desk(request, conversation, status=422 if request.htmx else 200, transfer_form=form)
    kind, _sep, target_id = form.cleaned_data["target"].partition(":")
    try:
        if kind == "agent":
            target = access.colleague_for_agent(request.user, int(target_id))
            conv_services.conversation_transfer(conversation=conversation, by=request.user, to_agent=target,
                                                consult=form.cleaned_data["mode"] == "consult",
                                                note=form.cleaned_data["note"])
        else:
            queue = access.queue_for_agent(request.user, int(target_id))
            if form.cleaned_data["mode"] == "consult":
                raise DomainError(_("Ask first works with an agent, not a queue."))
            conv_services.conversation_transfer(conversation=conversation, by=request.user, to_queue=queue,
                                                note=form.cleaned_data["note"])
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(exc.message) from None
        form.add_error(None, exc.message)
        return _desk(request, conversation, status=422 if request.htmx else 200, transfer_form=form)
    conversation.refresh_from_db()
    messages.success(request, _("Transfer sent."))
    return _back(request, conversation if conversation.assignee_id == request.user.pk else None)


@login_required
@require_POST
def transfer_answer(request, transfer_id: int):
    transfer = access.transfer_for_agent(request.user, transfer_id)
    try:
        if request.POST.get("answer") == "accept":
            conv_services.transfer_accept(transfer=transfer, agent=request.user)
        else:
            conv_services.transfer_decline(transfer=transfer, agent=request.user)
    except DomainError as exc:
        return _refused(request, exc)
    conversation = transfer.conversation
    conversation.refresh_from_db()
    return _back(request, conversation if conversation.assignee_id == request.user.pk else None)


# --- Contact and tags -----------------------------------------------------------------------------


@login_required
@require_POST
def contact_edit(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = ContactForm(request.POST, instance=conversation.contact, prefix="contact")
    if form.is_valid():
        try:
            contact_services.contact_update(contact=conversation.contact, by=request.user,
                                            **{k: form.cleaned_data[k] for k in ("name", "phone", "email", "notes")})
        except DomainError as exc:
            form.add_error(None, exc.message)
    if form.errors:
        conversation.contact.refresh_from_db()
        return _desk(request, conversation, status=422 if request.htmx else 200, contact_form=form)
    messages.success(request, _("Contact saved."))
    return _back(request, conversation)


@login_required
@require_POST
def contact_detail(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = DetailForm(request.POST, prefix="detail")
    if not form.is_valid():
        messages.error(request, _("Write the field's name (up to 40 characters) and its value."))
        return _back(request, conversation)
    try:
        contact_services.contact_set_detail(contact=conversation.contact, by=request.user,
                                            key=form.cleaned_data["key"], value=form.cleaned_data["value"])
    except DomainError as exc:
        return _refused(request, exc, conversation)
    return _back(request, conversation)


@login_required
@require_POST
def tag_add(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a tag name (up to 60 characters)."))
        return _back(request, conversation)
    try:
        contact_services.conversation_tag_add(conversation=conversation, by=request.user, name=form.cleaned_data["tag"])
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            messages.error(request, exc.message)
            return _back(request, conversation)
        return _refused(request, exc, conversation)
    return _back(request, conversation)


@login_required
@require_POST
def tag_remove(request, pk: int, tag_id: int):
    conversation = access.conversation_for_agent(request.user, pk)
    tag = Tag.objects.filter(organization_id=request.user.organization_id, pk=tag_id).first()
    if tag is None:
        raise Http404
    contact_services.conversation_tag_remove(conversation=conversation, by=request.user, tag=tag)
    return _back(request, conversation)


# --- Canned responses -----------------------------------------------------------------------------


def _canned_page(request, *, editing=None, error=None, form_data=None, status=200):
    return render(request, "workspace/canned.html", {
        "items": sel.canned_responses(request.user),
        "may_public": access.may_manage_public_canned(request.user),
        "editing": editing,
        "error": error,
        "form_data": form_data or ({"shortcut": editing.shortcut, "title": editing.title, "body": editing.body}
                                   if editing else {}),
    }, status=status)


def _canned_for(request, pk: int):
    from contactcenter.models import CannedResponse

    canned = CannedResponse.objects.filter(organization_id=request.user.organization_id, pk=pk).first()
    if canned is None or (canned.owner_id and canned.owner_id != request.user.pk):
        raise Http404
    return canned


@login_required
def canned(request):
    """Personal canned responses, and public ones where the organization allows."""
    from contactcenter.services import catalog

    access.require_org_user(request.user)
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in ("shortcut", "title", "body", "public")}
        try:
            catalog.canned_create(by=request.user, shortcut=data["shortcut"], title=data["title"],
                                  body=data["body"], public=data["public"] == "1")
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            return _canned_page(request, error=exc.message, form_data=data, status=422)
        messages.success(request, _("Canned response saved."))
        return redirect("workspace:canned")
    if request.GET.get("edit"):
        item = _canned_for(request, _int(request.GET["edit"], default=0))
        if item.is_public and not access.may_manage_public_canned(request.user):
            raise PermissionDenied
        return _canned_page(request, editing=item)
    return _canned_page(request)


@login_required
@require_POST
def canned_edit(request, pk: int):
    from contactcenter.services import catalog

    item = _canned_for(request, pk)
    data = {k: request.POST.get(k, "") for k in ("shortcut", "title", "body")}
    try:
        catalog.canned_update(canned=item, by=request.user, **data)
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(exc.message) from None
        item.refresh_from_db()
        return _canned_page(request, editing=item, error=exc.message, form_data=data, status=422)
    messages.success(request, _("Canned response saved."))
    return redirect("workspace:canned")


@login_required
@require_POST
def canned_delete(request, pk: int):
    from contactcenter.services import catalog

    item = _canned_for(request, pk)
    try:
        catalog.canned_delete(canned=item, by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Canned response deleted."))
    return redirect("workspace:canned")


# --- Pre-recorded messages ------------------------------------------------------------------------


def _prerecorded_page(request, *, error=None, name="", status=200):
    from contactcenter.models import PrerecordedMessage

    return render(request, "workspace/prerecorded.html", {
        "items": PrerecordedMessage.objects.filter(organization_id=request.user.organization_id),
        "error": error,
        "name": name,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prerecorded(request):
    """The organization's pre-recorded messages, for agents the organization lets manage them."""
    from contactcenter.services import catalog
    from contactcenter.services.policies import can_manage_prerecorded

    access.require_org_user(request.user)
    if not can_manage_prerecorded(request.user):
        raise PermissionDenied
    if request.method == "POST":
        name = request.POST.get("name", "")[:200]
        try:
            catalog.prerecorded_save(by=request.user, name=name, audio=request.FILES.get("audio"))
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            return _prerecorded_page(request, error=exc.message, name=name, status=422)
        messages.success(request, _("Pre-recorded message saved."))
        return redirect("workspace:prerecorded")
    return _prerecorded_page(request)


@login_required
@require_POST
def prerecorded_delete(request, pk: int):
    from contactcenter.models import PrerecordedMessage
    from contactcenter.services import catalog

    access.require_org_user(request.user)
    message = PrerecordedMessage.objects.filter(organization_id=request.user.organization_id, pk=pk).first()
    if message is None:
        raise Http404
    try:
        catalog.prerecorded_delete(by=request.user, message=message)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Pre-recorded message deleted."))
    return redirect("workspace:prerecorded")
