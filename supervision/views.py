"""The supervisor panel. Views are thin: an access helper, one service call, render.

Actions are plain form posts that redirect back (with a flash message); with htmx the view
answers with the region of the page the action changed.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from contactcenter.models import Conversation, MonitoringSession, Queue, Role, StatusDefinition, User
from contactcenter.selectors import audit as audit_sel
from contactcenter.services import conversations as conv_services
from contactcenter.services import supervision as services
from contactcenter.services.errors import DomainError, NotAllowed
from permissions import access
from permissions.access import require_supervising
from supervision import context, exports
from supervision.forms import AuditFilterForm

MAX_TEXT = 4000


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request):
    require_supervising(request.user)
    ctx = context.overview_context(request.user, request.GET)
    if request.htmx and request.htmx.target == "agents-panel":
        return render(request, "supervision/overview.html#agents-panel", ctx)
    return render(request, "supervision/overview.html", ctx)


@login_required
@require_GET
def wallboard(request):
    """A wall screen: the queues' figures in large type, no controls, live. `?queue=` shows one
    queue (404 when the supervisor may not see it)."""
    require_supervising(request.user)
    queue = None
    if request.GET.get("queue"):
        queue = access.queue_for_supervisor(request.user, _int(request.GET["queue"]) or 0)
    return render(request, "supervision/wallboard.html", context.wallboard_context(request.user, queue))


@login_required
@require_GET
def queue(request, queue_id: int):
    queue = access.queue_for_supervisor(request.user, queue_id)
    if request.htmx and request.GET.get("region") == "register":
        return render(request, "supervision/queue.html#register-results",
                      context.register_context(request.user, queue, request.GET))
    return render(request, "supervision/queue.html", {**context.queue_context(request.user, queue, request.GET),
                                                       **context.notify_context(request.user)})


@login_required
@require_GET
def queue_agent_actions(request, queue_id: int, agent_id: int):
    """The Acciones menu of one agent of a queue (loaded when the menu opens; a page without JS)."""
    queue = access.queue_for_supervisor(request.user, queue_id)
    ctx = context.queue_agent_row_context(request.user, queue, agent_id)
    if ctx is None or not (ctx["row"].here_logged_in or ctx["row"].here_member):
        raise Http404
    if request.htmx:
        return render(request, "supervision/queue.html#actions-list", ctx)
    return render(request, "supervision/agent_actions.html", ctx)


@login_required
@require_GET
def agent_actions(request, agent_id: int):
    """The overview's Acciones menu of one agent (loaded when it opens); without JS, the agent's
    page has the same actions."""
    agent = access.agent_for_supervisor(request.user, agent_id)
    ctx = context.agent_actions_context(request.user, agent.pk)
    if ctx is None:
        raise Http404
    if not request.htmx:
        return redirect("supervision:agent", agent.pk)
    return render(request, "supervision/overview.html#row-actions-list", ctx)


AUDIT_PAGE_SIZE = 50


@login_required
@require_GET
def audit(request):
    """The audit trail: admins and managers see the whole organization, supervisors what concerns
    their queues and those queues' agents. Filters, pages, and the same rows as CSV."""
    require_supervising(request.user)
    queue_ids = access.supervised_queue_ids(request.user)
    queues = Queue.objects.filter(organization_id=request.user.organization_id, pk__in=queue_ids)
    scope = None if request.user.role in (Role.OWNER, Role.ADMIN, Role.MANAGER) else queue_ids
    form = AuditFilterForm(request.GET or None, organization_id=request.user.organization_id, queues=queues)
    entries = audit_sel.audit_entries(request.user.organization_id, queue_ids=scope)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        entries = audit_sel.audit_entries(
            request.user.organization_id, queue_ids=scope, actor_id=getattr(data["actor"], "pk", None),
            target_id=getattr(data["target"], "pk", None), queue_id=getattr(data["queue"], "pk", None),
            action=data["action"], day_from=data["day_from"], day_to=data["day_to"])
    elif form.is_bound:
        entries = entries.none()
    if request.GET.get("format") == "csv" and not form.errors:
        return _audit_csv(entries)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    ctx = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "supervision/audit.html#audit-results" if request.htmx else "supervision/audit.html",
                  ctx)


def _audit_csv(entries) -> StreamingHttpResponse:
    """The filtered trail as CSV, in the organization's times."""
    header = [_("When"), _("Who"), _("Action"), _("Affected agent"), _("Queue"), _("Conversation"), _("Reason"),
              _("Details")]
    rows = ([timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
             entry.actor.display_name if entry.actor else _("System"), audit_sel.action_label(entry.action),
             entry.target_user.display_name if entry.target_user else "", entry.queue.name if entry.queue else "",
             entry.conversation_id or "", entry.reason,
             json.dumps(entry.data, ensure_ascii=False) if entry.data else ""]
            for entry in entries.iterator(chunk_size=500))
    return exports.csv_response("audit.csv", header, rows)


@login_required
@require_POST
def conversation_priority(request, conversation_id: int):
    """Raise or lower a waiting customer's priority from the queue page (audited; routes at once)."""
    conversation = access.conversation_for_supervisor(request.user, conversation_id)
    try:
        priority = int(request.POST.get("priority", ""))
    except ValueError:
        priority = None  # the service refuses it with the range in its message
    try:
        conv_services.conversation_set_priority(conversation=conversation, priority=priority, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(customer)s now has priority %(priority)s.")
                         % {"customer": conversation.contact, "priority": priority})
    url = reverse("supervision:queue", args=[conversation.queue_id])
    if request.htmx:
        return render(request, "supervision/queue.html#waiting-list",
                      {"waiting": context.sel.waiting_conversations(conversation.queue), "queue": conversation.queue,
                       "messages": messages.get_messages(request)})
    return redirect(url)


@login_required
@require_GET
def agent(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    return render(request, "supervision/agent.html", {**context.agent_context(request.user, agent),
                                                       **context.notify_context(request.user)})


@login_required
@require_GET
def monitor(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    try:
        session = services.monitoring_start(by=request.user, agent=agent)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:agent", agent.pk)
    return render(request, "supervision/monitor.html", {
        **context.monitor_context(request.user, agent, session, request.GET.get("c")),
        **context.notify_context(request.user)})


# --- Actions on agents ----------------------------------------------------------------------------


def _back(request, agent: User | None = None):
    """Where an action returns: the queue page it came from, else the agent's page."""
    queue_id = _int(request.POST.get("queue"))
    if queue_id and request.POST.get("back") in ("queue", "register"):
        queue = access.queue_for_supervisor(request.user, queue_id)
        if request.htmx:
            return render(request, "supervision/queue.html#queue-body",
                          context.queue_context(request.user, queue, {}))
        return redirect("supervision:queue", queue.pk)
    if request.POST.get("back") == "overview":
        return redirect("supervision:overview")
    if agent is not None:
        return redirect("supervision:agent", agent.pk)
    return redirect("supervision:overview")


def _acting_queue(request):
    """The queue page an action was made from (its form says so), for the audit log; 404 when
    the supervisor may not see it."""
    queue_id = _int(request.POST.get("queue"))
    return access.queue_for_supervisor(request.user, queue_id) if queue_id else None


def _run(request, action, done: str, back):
    """Run a supervisor's action: forbidden → 403, refused → the reason as an error, done → `done`;
    then `back()` answers."""
    try:
        action()
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return back()


def _act(request, agent: User, action, done: str):
    return _run(request, action, done, lambda: _back(request, agent))


def _register_refused(request, agent: User, queue, message: str):
    """Registrar agentes: a refusal shows inside the register panel, next to that agent."""
    ctx = {**context.register_context(request.user, queue, request.POST),
           "register_error": {"agent_id": agent.pk, "message": message}}
    if request.htmx:
        response = render(request, "supervision/queue.html#register-results", ctx)
        return retarget(reswap(response, "outerHTML"), "#register-results")
    return render(request, "supervision/queue.html", {**context.queue_context(request.user, queue, {}), **ctx})


@login_required
@require_POST
def agent_queue_login(request, agent_id: int):
    agent = access.org_user_for_supervisor(request.user, agent_id)
    queue = access.queue_for_supervisor(request.user, _int(request.POST.get("queue")) or 0)
    if request.POST.get("back") == "register":
        try:
            services.supervisor_queue_login(by=request.user, agent=agent, queue=queue)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            return _register_refused(request, agent, queue, exc.message)
        messages.success(request, _("%(agent)s is logged in to %(queue)s.")
                         % {"agent": agent.display_name, "queue": queue.name})
        if request.htmx:  # the queue's agents, and the search results without the one registered
            ctx = context.queue_context(request.user, queue, request.POST)
            body = render(request, "supervision/queue.html#queue-body", ctx)
            results = render_to_string("supervision/queue.html#register-results", {**ctx, "oob": True},
                                       request=request)
            body.content += results.encode()
            return body
        return _back(request, agent)
    return _act(request, agent, lambda: services.supervisor_queue_login(by=request.user, agent=agent, queue=queue),
                _("%(agent)s is logged in to %(queue)s.") % {"agent": agent.display_name, "queue": queue.name})


@login_required
@require_POST
def agent_queue_logout(request, agent_id: int):
    agent = access.org_user_for_supervisor(request.user, agent_id)
    queue = access.queue_for_supervisor(request.user, _int(request.POST.get("queue")) or 0)
    return _act(request, agent, lambda: services.supervisor_queue_logout(by=request.user, agent=agent, queue=queue),
                _("%(agent)s is logged out of %(queue)s.") % {"agent": agent.display_name, "queue": queue.name})


@login_required
@require_POST
def agent_pause(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    reason = StatusDefinition.objects.filter(
        organization_id=request.user.organization_id, kind=StatusDefinition.Kind.PAUSE, is_active=True,
        pk=_int(request.POST.get("reason")) or 0,
    ).first()
    if reason is None:
        messages.error(request, _("Choose one of the organization's pause reasons."))
        return _back(request, agent)
    queue = _acting_queue(request)
    return _act(request, agent,
                lambda: services.supervisor_pause(by=request.user, agent=agent, reason=reason, queue=queue),
                _("%(agent)s is paused: %(reason)s.") % {"agent": agent.display_name, "reason": reason.name})


@login_required
@require_POST
def agent_resume(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    queue = _acting_queue(request)
    return _act(request, agent, lambda: services.supervisor_resume(by=request.user, agent=agent, queue=queue),
                _("%(agent)s is back from their pause.") % {"agent": agent.display_name})


@login_required
@require_POST
def agent_force_offline(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    return _act(request, agent, lambda: services.supervisor_force_offline(by=request.user, agent=agent),
                _("%(agent)s is offline.") % {"agent": agent.display_name})


@login_required
@require_POST
def agent_end_after_service(request, agent_id: int):
    agent = access.agent_for_supervisor(request.user, agent_id)
    return _act(request, agent, lambda: services.supervisor_end_after_service(by=request.user, agent=agent),
                _("%(agent)s's after service has ended.") % {"agent": agent.display_name})


# --- Monitoring -----------------------------------------------------------------------------------


def _monitored_conversation(request, session: MonitoringSession, conversation_id: int) -> Conversation:
    conversation = access.conversation_for_agent(request.user, conversation_id)
    if conversation.assignee_id != session.agent_id:
        raise Http404
    return conversation


def _monitor_back(request, session: MonitoringSession, conversation: Conversation):
    """Back to the monitoring page, on the conversation the action was about."""
    if request.htmx:
        return render(request, "supervision/monitor.html#monitored",
                      context.monitor_context(request.user, session.agent, session, conversation.pk))
    return redirect(reverse("supervision:monitor-session", args=[session.pk]) + f"?c={conversation.pk}")


def _monitor_act(request, session, conversation, action, done: str):
    return _run(request, action, done, lambda: _monitor_back(request, session, conversation))


@login_required
@require_GET
def monitor_session(request, session_id: int):
    """Back to a monitoring page after an action without JavaScript (the session goes on)."""
    session = access.session_for_supervisor(request.user, session_id)
    if session.ended_at is not None:
        return redirect("supervision:monitor", session.agent_id)
    access.agent_for_supervisor(request.user, session.agent_id)
    return render(request, "supervision/monitor.html", {
        **context.monitor_context(request.user, session.agent, session, request.GET.get("c")),
        **context.notify_context(request.user)})


@login_required
@require_POST
def monitor_stop(request, session_id: int):
    session = access.session_for_supervisor(request.user, session_id)
    services.monitoring_stop(session=session, by=request.user)
    return redirect("supervision:agent", session.agent_id)


def _text(request) -> str:
    return (request.POST.get("text") or "")[:MAX_TEXT + 1]


@login_required
@require_POST
def whisper(request, session_id: int, conversation_id: int):
    session = access.session_for_supervisor(request.user, session_id)
    conversation = _monitored_conversation(request, session, conversation_id)
    text = _text(request)
    return _monitor_act(request, session, conversation,
                        lambda: services.supervisor_whisper(by=request.user, conversation=conversation, text=text),
                        _("Whisper sent to %(agent)s.") % {"agent": session.agent.display_name})


@login_required
@require_POST
def barge(request, session_id: int, conversation_id: int):
    session = access.session_for_supervisor(request.user, session_id)
    conversation = _monitored_conversation(request, session, conversation_id)
    text = _text(request)
    return _monitor_act(request, session, conversation,
                        lambda: services.supervisor_barge(by=request.user, conversation=conversation, text=text),
                        _("Your message was sent to the customer."))


@login_required
@require_POST
def call_monitor(request, session_id: int, conversation_id: int):
    session = access.session_for_supervisor(request.user, session_id)
    conversation = _monitored_conversation(request, session, conversation_id)
    mode = request.POST.get("mode", "")
    return _monitor_act(request, session, conversation,
                        lambda: services.monitoring_call(by=request.user, session=session, conversation=conversation,
                                                         mode=mode),
                        _("Joined the call."))
