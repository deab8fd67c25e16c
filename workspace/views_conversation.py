"""Working an open conversation: close it, the after-service (wrap-up) form, transfers, and
the contact's data and tags."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contactcenter.models import CampaignContact, Tag
from contactcenter.selectors import workspace as sel
from contactcenter.services import campaigns, transfers, wrapup
from contactcenter.services import contacts as contact_services
from contactcenter.services import conversations as conv_services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions import access
from workspace.forms import ContactForm, DetailForm, TagForm, TransferForm, WrapupForm
from workspace.responses import PAGE, back, refused, render_desk

# --- Close, after service, transfer ---------------------------------------------------------------


@login_required
@require_POST
def close(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    try:
        conv_services.conversation_close(conversation=conversation, by=request.user)
    except DomainError as exc:
        return refused(request, exc, conversation)
    conversation.refresh_from_db()
    return back(request, conversation)


@login_required
@require_POST
def wrapup_save(request, pk: int):
    """Saves the wrap-up form as it is typed (and on "Listo"): nothing is lost when time runs out."""
    conversation = access.conversation_for_agent(request.user, pk)
    form = WrapupForm(request.POST, instance=conversation, queue=conversation.queue, prefix="wrapup")
    if not form.is_valid():
        messages.error(request, _("Check the wrap-up form."))
        return back(request, conversation)
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
            wrapup.wrapup_end(agent=request.user, by=request.user, source="agent")
    except DomainError as exc:
        return refused(request, exc, conversation)
    if request.htmx and request.POST.get("autosave") == "1":
        return render(request, PAGE + "#wrapup-saved", {})
    return back(request, conversation)


@login_required
@require_POST
def wrapup_ready(request):
    """Listo: leave After service (the disposition rule applies)."""
    access.require_org_user(request.user)
    try:
        wrapup.wrapup_end(agent=request.user, by=request.user, source="agent")
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


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
        return render_desk(request, conversation, status=422 if request.htmx else 200, transfer_form=form)
    kind, _sep, target_id = form.cleaned_data["target"].partition(":")
    try:
        if kind == "agent":
            target = access.colleague_for_agent(request.user, int(target_id))
            transfers.conversation_transfer(conversation=conversation, by=request.user, to_agent=target,
                                                consult=form.cleaned_data["mode"] == "consult",
                                                note=form.cleaned_data["note"])
        else:
            queue = access.queue_for_agent(request.user, int(target_id))
            if form.cleaned_data["mode"] == "consult":
                raise DomainError(_("Ask first works with an agent, not a queue."))
            transfers.conversation_transfer(conversation=conversation, by=request.user, to_queue=queue,
                                                note=form.cleaned_data["note"])
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(exc.message) from None
        form.add_error(None, exc.message)
        return render_desk(request, conversation, status=422 if request.htmx else 200, transfer_form=form)
    conversation.refresh_from_db()
    messages.success(request, _("Transfer sent."))
    return back(request, conversation if conversation.assignee_id == request.user.pk else None)


@login_required
@require_POST
def transfer_answer(request, transfer_id: int):
    transfer = access.transfer_for_agent(request.user, transfer_id)
    try:
        if request.POST.get("answer") == "accept":
            transfers.transfer_accept(transfer=transfer, agent=request.user)
        else:
            transfers.transfer_decline(transfer=transfer, agent=request.user)
    except DomainError as exc:
        return refused(request, exc)
    conversation = transfer.conversation
    conversation.refresh_from_db()
    return back(request, conversation if conversation.assignee_id == request.user.pk else None)


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
        return render_desk(request, conversation, status=422 if request.htmx else 200, contact_form=form)
    messages.success(request, _("Contact saved."))
    return back(request, conversation)


@login_required
@require_POST
def contact_detail(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = DetailForm(request.POST, prefix="detail")
    if not form.is_valid():
        messages.error(request, _("Write the field's name (up to 40 characters) and its value."))
        return back(request, conversation)
    try:
        contact_services.contact_set_detail(contact=conversation.contact, by=request.user,
                                            key=form.cleaned_data["key"], value=form.cleaned_data["value"])
    except DomainError as exc:
        return refused(request, exc, conversation)
    return back(request, conversation)


@login_required
@require_POST
def tag_add(request, pk: int):
    conversation = access.conversation_for_agent(request.user, pk)
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a tag name (up to 60 characters)."))
        return back(request, conversation)
    try:
        contact_services.conversation_tag_add(conversation=conversation, by=request.user, name=form.cleaned_data["tag"])
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            messages.error(request, exc.message)
            return back(request, conversation)
        return refused(request, exc, conversation)
    return back(request, conversation)


@login_required
@require_POST
def tag_remove(request, pk: int, tag_id: int):
    conversation = access.conversation_for_agent(request.user, pk)
    tag = Tag.objects.filter(organization_id=request.user.organization_id, pk=tag_id).first()
    if tag is None:
        raise Http404
    contact_services.conversation_tag_remove(conversation=conversation, by=request.user, tag=tag)
    return back(request, conversation)

