"""Rules about who may do what, shared by services (the second check) and permissions/ (the
first check, in views and consumers)."""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from contactcenter.models import Queue, QueueLogin, QueueMembership, Role, User

SUPERVISE_QUEUE = "contactcenter.supervise_queue"


def supervised_queues(user: User) -> QuerySet:
    """The queues a user supervises. Managers and up: all of their organization's. Supervisors:
    all of them too when the organization does not limit supervisors to their assigned queues;
    otherwise the queues on which they hold the object permission (django-guardian), which a
    supervisor membership grants and its removal revokes (contactcenter/signals.py)."""
    if not (user.is_active and user.organization_id and user.is_supervising):
        return Queue.objects.none()
    queues = Queue.objects.filter(organization_id=user.organization_id)
    if user.role == Role.SUPERVISOR and user.organization.supervisors_limited_to_assigned_queues:
        return get_objects_for_user(user, SUPERVISE_QUEUE, klass=queues, use_groups=False,
                                    with_superuser=False, accept_global_perms=False)
    return queues


def user_can_supervise_queue(user: User, queue) -> bool:
    if not (user.is_active and user.organization_id == queue.organization_id):
        return False
    if user.role in (Role.OWNER, Role.ADMIN, Role.MANAGER):
        return True
    if user.role != Role.SUPERVISOR:
        return False
    if not user.organization.supervisors_limited_to_assigned_queues:
        return True
    return user.has_perm(SUPERVISE_QUEUE, queue)


def user_can_supervise_agent(user: User, agent: User) -> bool:
    """A supervisor acts on an agent who is a member of (or logged in to) a queue they supervise."""
    if not (user.is_active and user.organization_id == agent.organization_id):
        return False
    if user.role in (Role.OWNER, Role.ADMIN, Role.MANAGER):
        return True
    if user.role != Role.SUPERVISOR:
        return False
    if not user.organization.supervisors_limited_to_assigned_queues:
        return True
    supervised = supervised_queues(user).values("pk")
    return (
        QueueMembership.objects.filter(user=agent, queue_id__in=supervised).exists()
        or QueueLogin.objects.filter(agent=agent, ended_at__isnull=True, queue_id__in=supervised).exists()
    )


def can_log_in_to_unassigned_queues(agent: User) -> bool:
    """GoTo's organization policy "Permitir que los agentes inicien sesión en colas sin asignar"."""
    return bool(agent.is_active and agent.organization_id and agent.organization.allow_unassigned_queue_login)


def can_log_in_to_queue(agent: User, queue) -> bool:
    """An agent may log in to a queue they are a member of, or to any queue of their organization
    while it allows logging in to unassigned queues. (A login lasts until logout even if the
    policy is turned off later: this is asked only when logging in.)"""
    if not (agent.is_active and agent.organization_id == queue.organization_id and queue.is_active):
        return False
    return can_log_in_to_unassigned_queues(agent) or QueueMembership.objects.filter(
        queue=queue, user=agent, role=QueueMembership.Role.AGENT).exists()


def can_manage_permissions(user: User) -> bool:
    """The permissions page: owners and contact-center administrators."""
    return _is_admin(user)


# --- Toggles of the permissions page (GoTo's "Funciones y permisos") ------------------------
# One function per feature: views, templates (a control the user may not use is not shown) and
# services all ask these. Admins and owners may always; supervisors and agents per toggle.


# The toggles (Organization fields), in the order and groups the permissions page shows them.
ORGANIZATION_TOGGLES = ("allow_unassigned_queue_login",)
SUPERVISOR_TOGGLES = (
    "supervisors_access_config",
    "supervisors_limited_to_assigned_queues",
    "supervisors_manage_queue_settings",
    "supervisors_view_pause_reasons",
    "supervisors_manage_pause_reasons",
    "supervisors_view_skills",
    "supervisors_manage_skills",
    "supervisors_end_after_service",
    "supervisors_view_reports",
)
AGENT_TOGGLES = (
    "agents_manage_prerecorded",
    "agents_manage_public_canned",
    "agents_create_tags",
    "dispositions_enabled",
)
TOGGLES = ORGANIZATION_TOGGLES + SUPERVISOR_TOGGLES + AGENT_TOGGLES


def _in_org(user: User) -> bool:
    return bool(user.is_active and user.organization_id)


def _is_admin(user: User) -> bool:
    return _in_org(user) and user.role in (Role.OWNER, Role.ADMIN)


def can_access_config(user: User) -> bool:
    """The configuration portal: admins; supervisors (and managers) when the toggle allows."""
    if _is_admin(user):
        return True
    return (
        _in_org(user)
        and user.role in (Role.MANAGER, Role.SUPERVISOR)
        and user.organization.supervisors_access_config
    )


def can_view_reports(user: User) -> bool:
    """The historical reports: owners, admins and managers; supervisors when the toggle allows
    (on by default); agents never."""
    if not _in_org(user):
        return False
    if user.role in (Role.OWNER, Role.ADMIN, Role.MANAGER):
        return True
    return user.role == Role.SUPERVISOR and user.organization.supervisors_view_reports


def can_view_queue_settings(user: User) -> bool:
    """Always on for anyone who may open the portal (shown disabled on the permissions page)."""
    return can_access_config(user)


def can_manage_queue_settings(user: User) -> bool:
    return _is_admin(user) or (can_access_config(user) and user.organization.supervisors_manage_queue_settings)


def can_view_pause_reasons(user: User) -> bool:
    """Who may manage them may also see them."""
    return can_manage_pause_reasons(user) or (
        can_access_config(user) and user.organization.supervisors_view_pause_reasons)


def can_manage_pause_reasons(user: User) -> bool:
    return _is_admin(user) or (can_access_config(user) and user.organization.supervisors_manage_pause_reasons)


def can_view_skills(user: User) -> bool:
    """Who may manage them may also see them."""
    return can_manage_skills(user) or (can_access_config(user) and user.organization.supervisors_view_skills)


def can_manage_skills(user: User) -> bool:
    return _is_admin(user) or (can_access_config(user) and user.organization.supervisors_manage_skills)


def can_end_after_service(user: User) -> bool:
    """End another agent's after service early (the supervisor panel's action)."""
    return _is_admin(user) or (
        _in_org(user) and user.is_supervising and user.organization.supervisors_end_after_service
    )


def can_manage_prerecorded(user: User) -> bool:
    return _is_admin(user) or (_in_org(user) and user.organization.agents_manage_prerecorded)


def can_manage_public_canned(user: User) -> bool:
    return _is_admin(user) or (_in_org(user) and user.organization.agents_manage_public_canned)


def can_create_tags(user: User) -> bool:
    return _is_admin(user) or (_in_org(user) and user.organization.agents_create_tags)


def can_manage_tags(user: User) -> bool:
    """Renaming or deleting the organization's tags (creating them is can_create_tags):
    administrators and owners only."""
    return _is_admin(user)


def can_manage_queue_members(user: User, queue) -> bool:
    """Add, remove and order the members of a queue: who may manage queue settings, on a queue
    they supervise."""
    return can_manage_queue_settings(user) and user_can_supervise_queue(user, queue)


def dispositions_apply(queue) -> bool:
    """Call dispositions apply only to queues with after-service time."""
    return queue.organization.dispositions_enabled and queue.after_service_seconds > 0
