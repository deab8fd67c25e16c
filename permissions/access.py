"""Access helpers: every view and consumer fetches what it touches through these. They return
the object, or raise Http404 (another organization's id, or not visible to this user) or
PermissionDenied (visible, but not allowed)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from contactcenter.models import (
    Attachment,
    Conversation,
    MonitoringSession,
    Queue,
    QueueLogin,
    QueueMembership,
    Role,
    Transfer,
    User,
)
from contactcenter.selectors.reports import Scope
from contactcenter.services.policies import (
    can_manage_public_canned,
    can_view_reports,
    supervised_queues,
    user_can_supervise_agent,
    user_can_supervise_queue,
)


def require_org_user(user) -> None:
    if not (user.is_authenticated and user.is_active and user.organization_id):
        raise PermissionDenied


def require_supervising(user) -> None:
    require_org_user(user)
    if not user.is_supervising:
        raise PermissionDenied


def require_org_admin(user) -> None:
    require_org_user(user)
    if not user.is_org_admin:
        raise PermissionDenied


def supervised_queue_ids(user: User) -> list[int]:
    """Queues the user supervises: all for managers and up (or when the organization does not
    limit supervisors), otherwise those they hold the guardian object permission on, which
    their supervisor membership grants (see contactcenter/signals.py)."""
    return list(supervised_queues(user).values_list("pk", flat=True))


def logged_in_queue_ids(user: User) -> list[int]:
    return list(QueueLogin.objects.filter(agent=user, ended_at__isnull=True).values_list("queue_id", flat=True))


def unassigned_queue_ids(user: User, logged_in: list[int] | None = None) -> list[int]:
    """The queues whose waiting conversations the user sees in Sin asignar: those they are logged
    in to and, for supervisors, those they supervise. `logged_in`: the user's logged-in queue ids
    when the caller has them already (one query less per page)."""
    logged_in = logged_in_queue_ids(user) if logged_in is None else logged_in
    return sorted(set(logged_in) | set(supervised_queue_ids(user)))


def visible_conversations(user: User):
    """Conversations a user may open in the workspace: their own (assigned now or before),
    waiting ones in queues they are logged in to, and everything in queues they supervise."""
    # The logged-in queues as a subquery: the page asks for them again, and one round trip less
    # per open conversation counts under load.
    logged_in = QueueLogin.objects.filter(agent=user, ended_at__isnull=True).values("queue_id")
    supervised = set(supervised_queue_ids(user))
    return Conversation.objects.filter(organization_id=user.organization_id).filter(
        Q(assignee=user)
        | Q(queue_id__in=logged_in, status__in=(Conversation.Status.QUEUED, Conversation.Status.OFFERED))
        | Q(queue_id__in=supervised)
        | Q(offers__agent=user, offers__status="pending")
        | Q(transfers__to_agent=user, transfers__status="pending")
        # read-only afterwards: what they handled before a transfer
        | Q(transfers__from_agent=user)
    ).distinct()


def conversation_for_agent(user: User, conversation_id: int) -> Conversation:
    require_org_user(user)
    conversation = (
        visible_conversations(user)
        .select_related("contact", "queue", "channel", "assignee", "disposition")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def attachment_for_user(user: User, attachment_id: int) -> Attachment:
    """A file of a conversation the user may open (its agent, a supervisor of its queue, an
    admin): anything else is a 404, however the file's address was learned."""
    require_org_user(user)
    attachment = (Attachment.objects.filter(pk=attachment_id, organization_id=user.organization_id,
                                            message__conversation__in=visible_conversations(user))
                  .select_related("message").first())
    if attachment is None:
        raise Http404
    return attachment


def conversation_for_taking(user: User, conversation_id: int) -> Conversation:
    """Asignarme / Asignar a…: a conversation of a queue the user is logged in to or supervises,
    whatever its status now, so one taken a moment ago answers "someone already took it"."""
    require_org_user(user)
    queue_ids = set(logged_in_queue_ids(user)) | set(supervised_queue_ids(user))
    conversation = (
        Conversation.objects.filter(organization_id=user.organization_id, queue_id__in=queue_ids, pk=conversation_id)
        .select_related("contact", "queue", "channel", "assignee", "disposition")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def queue_for_agent(user: User, queue_id: int) -> Queue:
    require_org_user(user)
    queue = Queue.objects.filter(organization_id=user.organization_id, pk=queue_id).first()
    if queue is None:
        raise Http404
    return queue


def queue_for_supervisor(user: User, queue_id: int) -> Queue:
    require_supervising(user)
    queue = Queue.objects.filter(organization_id=user.organization_id, pk=queue_id).first()
    if queue is None or not user_can_supervise_queue(user, queue):
        raise Http404
    return queue


def conversation_for_supervisor(user: User, conversation_id: int) -> Conversation:
    """A conversation of a queue the user supervises (404 otherwise)."""
    require_supervising(user)
    conversation = (Conversation.objects.filter(organization_id=user.organization_id, pk=conversation_id)
                    .select_related("queue").first())
    if conversation is None or not user_can_supervise_queue(user, conversation.queue):
        raise Http404
    return conversation


def agent_for_supervisor(user: User, agent_id: int) -> User:
    """An agent this supervisor may act on; anyone else (another organization, an agent of a
    queue they do not supervise) is a 404."""
    require_supervising(user)
    agent = User.objects.filter(organization_id=user.organization_id, pk=agent_id).first()
    if agent is None or not user_can_supervise_agent(user, agent):
        raise Http404
    return agent


def org_user_for_supervisor(user: User, agent_id: int) -> User:
    """Any active user of the organization (Registrar agentes logs in non-members too)."""
    require_supervising(user)
    agent = User.objects.filter(organization_id=user.organization_id, pk=agent_id, is_active=True).first()
    if agent is None:
        raise Http404
    return agent


def session_for_supervisor(user: User, session_id: int) -> MonitoringSession:
    """One of the supervisor's own monitoring sessions."""
    require_supervising(user)
    session = (MonitoringSession.objects.filter(organization_id=user.organization_id, supervisor=user, pk=session_id)
               .select_related("agent").first())
    if session is None:
        raise Http404
    return session


def colleague_for_agent(user: User, agent_id: int) -> User:
    require_org_user(user)
    colleague = User.objects.filter(organization_id=user.organization_id, pk=agent_id, is_active=True).first()
    if colleague is None:
        raise Http404
    return colleague


def transfer_for_agent(user: User, transfer_id: int) -> Transfer:
    require_org_user(user)
    transfer = Transfer.objects.filter(
        organization_id=user.organization_id, pk=transfer_id
    ).filter(Q(to_agent=user) | Q(from_agent=user)).select_related("conversation").first()
    if transfer is None:
        raise Http404
    return transfer


# --- Questions a screen asks before it shows a control ------------------------------------------------


def may_manage_public_canned(user: User) -> bool:
    """Public canned responses (workspace and portal): the rule the catalog service checks again."""
    return can_manage_public_canned(user)


def report_scope(user: User):
    """What the user's reports cover (403 for whoever may not see reports): the whole
    organization for owners, admins and managers, and for supervisors who are not limited to
    their queues; otherwise the queues they supervise and the agents who are members of them."""
    require_org_user(user)
    if not can_view_reports(user):
        raise PermissionDenied
    queue_ids = supervised_queue_ids(user) if user.role == Role.SUPERVISOR and \
        user.organization.supervisors_limited_to_assigned_queues else None
    agent_ids = None
    if queue_ids is not None:
        agent_ids = frozenset(QueueMembership.objects.filter(queue_id__in=queue_ids).values_list("user_id", flat=True))
        queue_ids = frozenset(queue_ids)
    return Scope(organization_id=user.organization_id, zone_name=user.organization.time_zone, queue_ids=queue_ids,
                 agent_ids=agent_ids)


def agent_for_reports(user: User, agent_id: int) -> tuple[Scope, User]:
    """The reader's report scope and one agent in it (403 for whoever may not see reports; 404 for
    another organization's user or an agent outside a limited supervisor's queues)."""
    scope = report_scope(user)
    agent = User.objects.filter(organization_id=scope.organization_id, pk=agent_id).first()
    if agent is None or (scope.agent_ids is not None and agent.pk not in scope.agent_ids):
        raise Http404
    return scope, agent
