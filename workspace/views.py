"""The agent desk: the page (lists and the open conversation), the status menu, queue logins,
and taking or assigning work. Views are thin: an access helper, one service call, render.

Working an open conversation lives in views_messages (messages, files) and views_conversation
(close, after service, transfer, contact, tags); calls in views_calls; canned responses and
pre-recorded messages in views_catalog. All answer through workspace.responses.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from contactcenter.models import Conversation, StatusDefinition
from contactcenter.selectors import workspace as sel
from contactcenter.services import agents as agent_services
from contactcenter.services import calls, offers
from contactcenter.services import conversations as conv_services
from contactcenter.services import messages as message_services
from contactcenter.services import queues as queue_services
from contactcenter.services.errors import DomainError
from permissions import access
from workspace import context
from workspace.forms import AssignForm
from workspace.responses import PAGE, back, desk_context, positive_int, refused, render_desk

# --- Pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    access.require_org_user(request.user)
    if request.htmx and request.GET.get("region") == "lists":
        p = context.view_params(request.GET)
        return render(request, PAGE + "#lists", context.lists_context(request.user, tab=p["tab"], sort=p["sort"],
                                                                      page=p["page"]))
    return render_desk(request)


@login_required
@require_GET
def conversation(request, pk: int):
    """Opening a conversation changes nothing: the page, once shown, sends its read receipt
    (conversation_read) when the customer's messages are unread by their assignee."""
    conversation = access.conversation_for_agent(request.user, pk)
    ctx = desk_context(request, conversation)
    ctx["read_receipt"] = conversation.assignee_id == request.user.pk and conversation.unread_count > 0
    return render(request, PAGE + "#desk" if request.htmx else PAGE, ctx)


@login_required
@require_POST
def conversation_read(request, pk: int):
    """The read receipt: the customer's messages count as read by the assignee (anyone else's
    receipt changes nothing). With htmx the answer is the lists, without their unread dot."""
    conversation = access.conversation_for_agent(request.user, pk)
    message_services.conversation_mark_read(conversation=conversation, agent=request.user)
    if request.htmx:
        p = context.view_params(request.POST)
        return render(request, PAGE + "#lists", context.lists_context(
            request.user, tab=p["tab"], sort=p["sort"], page=p["page"], conversation=conversation))
    return back(request, conversation)


# --- Status and queues ----------------------------------------------------------------------------


@login_required
@require_POST
def receive_new(request):
    access.require_org_user(request.user)
    try:
        agent_services.agent_set_receive_new(agent=request.user, on=request.POST.get("on") == "1")
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


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
                pk=positive_int(choice.removeprefix("pause:"), default=0),
            ).exclude(code="no_answer").first()
            if reason is None:
                raise DomainError(_("Choose one of the organization's pause reasons."))
            agent_services.agent_pause(agent=user, reason=reason, note=request.POST.get("note", "")[:200])
        else:
            raise DomainError(_("Choose a status."))
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


@login_required
@require_POST
def queue_login_all(request):
    access.require_org_user(request.user)
    try:
        queue_services.queue_login_member_queues(agent=request.user)
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


@login_required
@require_POST
def queue_login(request, queue_id: int):
    queue = access.queue_for_agent(request.user, queue_id)
    try:
        queue_services.queue_login(queue=queue, agent=request.user)
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


@login_required
@require_POST
def queue_logout(request, queue_id: int):
    queue = access.queue_for_agent(request.user, queue_id)
    try:
        queue_services.queue_logout(queue=queue, agent=request.user)
    except DomainError as exc:
        return refused(request, exc)
    return back(request)


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
        return refused(request, exc)
    conversation.refresh_from_db()
    messages.success(request, _("The conversation is yours."))
    return back(request, conversation, tab="assigned")


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
        return back(request)
    colleague = access.colleague_for_agent(request.user, form.cleaned_data["agent"])
    try:
        conv_services.conversation_assign(conversation=conversation, agent=colleague, by=request.user)
    except DomainError as exc:
        return refused(request, exc)
    messages.success(request, _("Assigned to %(agent)s.") % {"agent": colleague.display_name})
    return back(request)


@login_required
@require_POST
def offer_answer(request, pk: int):
    """Contestar / Rechazar a ringing call."""
    conversation = access.conversation_for_agent(request.user, pk)
    offer = sel.pending_offer(request.user, conversation)
    if offer is None:
        messages.error(request, _("This call stopped ringing."))
        return back(request)
    try:
        if request.POST.get("answer") == "accept":
            calls.call_answer(offer_id=offer.pk, agent=request.user)
        else:
            offers.offer_decline(offer_id=offer.pk, agent=request.user)
    except DomainError as exc:
        return refused(request, exc)
    conversation.refresh_from_db()
    return back(request, conversation if conversation.assignee_id == request.user.pk else None)

