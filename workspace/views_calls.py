"""Calls and campaigns in the workspace: the call controls, "Llamar", and the campaign preview.

Media runs on the telephony system; these views call the services, which send the commands
through the voice backend (services/telephony.py) after commit.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcenter.models import CampaignContact, Contact, PrerecordedMessage
from contactcenter.services import calls, campaigns, telephony
from contactcenter.services.errors import DomainError, NotAllowed
from permissions import access
from workspace.responses import back, positive_int, refused

CALL_ACTIONS = {
    "mute": lambda c, u: calls.call_mute(conversation=c, by=u, on=True),
    "unmute": lambda c, u: calls.call_mute(conversation=c, by=u, on=False),
    "hold": lambda c, u: calls.call_hold(conversation=c, by=u, on=True),
    "resume": lambda c, u: calls.call_hold(conversation=c, by=u, on=False),
    "hangup": lambda c, u: calls.call_hangup(conversation=c, by=u),
}
SIMULATIONS = {
    "answer": calls.call_answered,
    "no-answer": calls.call_no_answer,
    "remote-hangup": calls.call_remote_hangup,
}


@login_required
@require_POST
def call_action(request, pk: int, action: str):
    """Silenciar, En espera, Finalizar (and their undo) on the agent's own call."""
    conversation = access.conversation_for_agent(request.user, pk)
    if action not in CALL_ACTIONS:
        raise Http404
    try:
        CALL_ACTIONS[action](conversation, request.user)
    except DomainError as exc:
        return refused(request, exc, conversation)
    conversation.refresh_from_db()
    return back(request, conversation)


@login_required
@require_POST
def call_play(request, pk: int):
    """Reproducir mensaje: one of the organization's pre-recorded messages."""
    conversation = access.conversation_for_agent(request.user, pk)
    message = PrerecordedMessage.objects.filter(
        organization_id=request.user.organization_id, pk=positive_int(request.POST.get("message"), default=0)
    ).first()
    if message is None:
        messages.error(request, _("Choose a pre-recorded message."))
        return back(request, conversation)
    try:
        calls.call_play_message(conversation=conversation, by=request.user, message=message)
    except DomainError as exc:
        return refused(request, exc, conversation)
    return back(request, conversation)


@login_required
@require_POST
def call_simulate(request, pk: int, event: str):
    """The simulated telephony system's side (demo and tests): the callee answers, nobody
    answers, the other party hangs up. Only with the simulated backend."""
    if not telephony.backend_is_simulated() or event not in SIMULATIONS:
        raise Http404
    conversation = access.conversation_for_agent(request.user, pk)
    if conversation.assignee_id != request.user.pk or conversation.medium != "voice":
        raise PermissionDenied
    try:
        SIMULATIONS[event](conversation=conversation)
    except DomainError as exc:
        return refused(request, exc, conversation)
    conversation.refresh_from_db()
    return back(request, conversation)


@login_required
@require_POST
def dial(request):
    """Llamar: a number or a contact, from a voice queue or campaign the agent is logged in to."""
    access.require_org_user(request.user)
    queue = access.queue_for_agent(request.user, positive_int(request.POST.get("queue"), default=0))
    contact = None
    if request.POST.get("contact"):
        contact = Contact.objects.filter(
            organization_id=request.user.organization_id, pk=positive_int(request.POST["contact"], default=0)
        ).first()
        if contact is None:
            raise Http404
    number = request.POST.get("number", "").strip()[:40]
    if contact is None and not number:
        messages.error(request, _("Write a number or choose a contact."))
        return back(request)
    try:
        conversation = calls.call_dial(agent=request.user, queue=queue, number=number or None, contact=contact)
    except DomainError as exc:
        return refused(request, exc)
    return back(request, conversation, tab="assigned")


# --- Campaigns ----------------------------------------------------------------------------------


def _entry_for(request, entry_id: int) -> CampaignContact:
    entry = CampaignContact.objects.filter(
        organization_id=request.user.organization_id, pk=entry_id, assigned_to=request.user
    ).select_related("queue", "contact").first()
    if entry is None:
        raise Http404
    return entry


@login_required
@require_POST
def campaign_next(request, queue_id: int):
    queue = access.queue_for_agent(request.user, queue_id)
    try:
        entry = campaigns.campaign_next_contact(agent=request.user, queue=queue)
    except DomainError as exc:
        return refused(request, exc)
    if entry is None:
        messages.info(request, _("No contact of %(queue)s is due now.") % {"queue": queue.name})
    return back(request)


@login_required
@require_POST
def campaign_call(request, entry_id: int):
    entry = _entry_for(request, entry_id)
    try:
        conversation = campaigns.campaign_call(agent=request.user, campaign_contact=entry)
    except DomainError as exc:
        return refused(request, exc)
    return back(request, conversation, tab="assigned")


@login_required
@require_POST
def campaign_skip(request, entry_id: int):
    entry = _entry_for(request, entry_id)
    try:
        campaigns.campaign_release(campaign_contact=entry, by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        return refused(request, exc)
    return back(request)
