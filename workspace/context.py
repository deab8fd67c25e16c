"""What each region of the desk needs. Views render the whole page or the desk; the websocket
consumer renders single regions from the same partials with the same context."""

from django.urls import reverse
from django.utils import timezone

from contactcenter.models import CampaignContact, Conversation, PrerecordedMessage, Queue, Tag, User
from contactcenter.selectors import rules as rules_sel
from contactcenter.selectors import shifts
from contactcenter.selectors import workspace as sel
from contactcenter.services import campaigns, telephony, uploads, wrapup
from contactcenter.services.policies import (
    can_create_tags,
    can_log_in_to_unassigned_queues,
    can_manage_prerecorded,
)
from permissions import access
from workspace.forms import ContactForm, DetailForm, MessageForm, TransferForm, WrapupForm

TABS = ("assigned", "unassigned")
SORTS = ("newest", "oldest")


def as_page(value, default=1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def view_params(params) -> dict:
    """tab, sort and page from a query string or a form, with safe defaults."""
    return {
        "tab": params.get("tab") if params.get("tab") in TABS else "assigned",
        "sort": params.get("sort") if params.get("sort") in SORTS else "newest",
        "page": as_page(params.get("page")),
    }


def bar_context(user: User, logged_in: list[int] | None = None) -> dict:
    """`logged_in`: the user's logged-in queue ids, when the caller has them already."""
    logged_in = access.logged_in_queue_ids(user) if logged_in is None else logged_in
    member_queues = list(user.queue_memberships.filter(role="agent").select_related("queue"))
    logged_in_queues = list(Queue.objects.filter(pk__in=logged_in).order_by("name"))
    member_ids = {m.queue_id for m in member_queues}
    unassigned_queues = []
    if can_log_in_to_unassigned_queues(user):
        unassigned_queues = list(
            Queue.objects.filter(organization_id=user.organization_id, is_active=True)
            .exclude(pk__in=member_ids | set(logged_in)).order_by("name")
        )
    state = sel.agent_state(user)
    off_shift = state is not None and not state.in_shift
    return {
        "state": state,
        # A status rule that put the agent where they are: the bar says which (and until when).
        "status_cause": rules_sel.status_cause(state),
        "blockers": work_blockers(state, has_member_queues=any(m.queue.is_active for m in member_queues),
                                  logged_in=bool(logged_in), may_log_in_elsewhere=bool(unassigned_queues),
                                  off_shift=off_shift and user.organization.shift_routing,
                                  overtime=user.organization.shift_allow_overtime),
        "off_shift": off_shift,
        "shift_zone": user.organization.time_zone,
        "next_shift_start": shifts.next_shift_start(user, timezone.now()) if off_shift else None,
        "incoming_offers": sel.pending_offers(user),
        "pause_reasons": sel.pause_reasons(user),
        "figures": sel.panel_figures(logged_in),
        "member_queues": member_queues,
        "other_queues": [q for q in logged_in_queues if q.pk not in member_ids],
        # Queues they are not a member of, offered while the organization allows logging in to them.
        "unassigned_queues": unassigned_queues,
        "logged_in_ids": set(logged_in),
        "dial_queues": [q for q in logged_in_queues if q.kind != Queue.Kind.CHAT],
        "campaigns": campaign_panels(user, [q for q in logged_in_queues if q.kind == Queue.Kind.CAMPAIGN]),
    }


def work_blockers(state, *, has_member_queues: bool, logged_in: bool, may_log_in_elsewhere: bool,
                  off_shift: bool = False, overtime: bool = True) -> list[str]:
    """Why no new work can reach the agent now, in the order to fix it; the bar says each with the
    action that fixes it in place. Empty when work can come."""
    if state is None:
        return []
    code = state.status.code
    if code == "banned":
        return ["banned"]
    blockers = ["offline"] if code == "offline" else []
    if off_shift:
        blockers.append("off_shift" if overtime else "off_shift_no_overtime")
    if not logged_in:
        blockers.append("not_logged_in" if has_member_queues else
                        "no_queues_may_log_in" if may_log_in_elsewhere else "no_queues")
    if state.status.is_pause:
        blockers.append("paused")
    elif not state.receive_new and code != "offline" and not (off_shift and not overtime):
        blockers.append("receive_new_off")
    return blockers


def campaign_panels(user: User, campaign_queues) -> list[dict]:
    """For each campaign the agent is logged in to: progress, and the contact they preview."""
    panels = []
    for queue in campaign_queues:
        entry = (
            CampaignContact.objects.filter(queue=queue, assigned_to=user, status=CampaignContact.Status.IN_PROGRESS)
            .select_related("contact", "last_disposition").first()
        )
        history = []
        if entry is not None:
            history = list(Conversation.objects.filter(contact_id=entry.contact_id).select_related("queue")
                           .order_by("-enqueued_at")[:5])
        panels.append({"queue": queue, "progress": campaigns.campaign_progress(queue), "entry": entry,
                       "history": history})
    return panels


def lists_context(user: User, *, tab: str, sort: str, page: int = 1, conversation=None,
                  logged_in: list[int] | None = None) -> dict:
    assigned = sel.assigned_page(user, page if tab == "assigned" else 1)
    unassigned = sel.unassigned_page(user, queue_ids=access.unassigned_queue_ids(user, logged_in), sort=sort,
                                    page=page if tab == "unassigned" else 1)
    return {
        "tab": tab,
        "sort": sort,
        "assigned": assigned,
        "unassigned": unassigned,
        "unread": sel.unread_conversations(user),
        "conversation": conversation,
    }


def conversation_context(user: User, conversation: Conversation, *, state=None, ringing=None, message_form=None,
                         contact_form=None, transfer_form=None) -> dict:
    """`state` and `ringing` (the agent's state and pending offers): what the bar read already."""
    state = state if state is not None else sel.agent_state(user)
    incoming_transfer, outgoing_transfer = sel.pending_transfers(user, conversation)
    window, older = sel.messages_window(conversation)
    in_wrapup = state is not None and state.wrapup_conversation_id == conversation.pk
    users, queues = sel.transfer_targets(user)
    ctx = {
        "conversation": conversation,
        "state": state,
        "messages_list": window,
        "has_older": older,
        "message_form": message_form or MessageForm(),
        "contact_form": contact_form or ContactForm(instance=conversation.contact, prefix="contact"),
        "detail_form": DetailForm(prefix="detail"),
        "transfer_form": transfer_form or TransferForm(),
        "target_users": users,
        "target_queues": queues,
        "canned": sel.canned_responses(user),
        "upload_rules": uploads.allowed_summary(),
        "upload_accept": uploads.ACCEPT,
        "history": sel.contact_history(conversation),
        "rating": sel.conversation_rating(conversation),
        "all_tags": Tag.objects.filter(organization_id=user.organization_id).order_by("name"),
        "may_create_tags": can_create_tags(user),
        "is_mine": conversation.assignee_id == user.pk and conversation.status == Conversation.Status.ASSIGNED,
        "offer": sel.pending_offer(user, conversation, ringing),
        "incoming_transfer": incoming_transfer,
        "outgoing_transfer": outgoing_transfer,
        "in_wrapup": in_wrapup,
        "wrapup_form": WrapupForm(instance=conversation, queue=conversation.queue, prefix="wrapup",
                                  autosave_url=reverse("workspace:wrapup", args=[conversation.pk]))
        if in_wrapup else None,
        "needs_disposition": in_wrapup and wrapup.needs_disposition(conversation),
        "campaign_entry": CampaignContact.objects.filter(conversation=conversation).first()
        if conversation.queue.kind == Queue.Kind.CAMPAIGN else None,
    }
    if conversation.medium == Conversation.Medium.VOICE:
        ctx["prerecorded"] = list(PrerecordedMessage.objects.filter(organization_id=user.organization_id))
        ctx["may_manage_prerecorded"] = can_manage_prerecorded(user)
        ctx["simulated_voice"] = telephony.backend_is_simulated()
    ctx["footer_mode"] = footer_mode(ctx)
    return ctx


def footer_mode(ctx: dict) -> str:
    """What the bottom of the conversation shows: the wrap-up form, the composer, or nothing."""
    if ctx.get("in_wrapup"):
        return "wrapup"
    return "composer" if ctx.get("is_mine") else "none"


def desk_context(user: User, params, conversation: Conversation | None = None, **forms) -> dict:
    p = view_params(params)
    logged_in = access.logged_in_queue_ids(user)  # read once: the bar and the lists both need it
    ctx = {**bar_context(user, logged_in), **lists_context(user, tab=p["tab"], sort=p["sort"], page=p["page"],
                                                            conversation=conversation, logged_in=logged_in)}
    if conversation is not None:
        ctx.update(conversation_context(user, conversation, state=ctx["state"], ringing=ctx["incoming_offers"],
                                        **forms))
    return ctx
