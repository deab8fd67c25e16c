"""Rules about who may do what, shared by services (the second check) and permissions/ (the
first check, in views and consumers)."""

from contactcenter.models import QueueMembership, Role, User


def user_can_supervise_queue(user: User, queue) -> bool:
    if not (user.is_active and user.organization_id == queue.organization_id):
        return False
    if user.role in (Role.OWNER, Role.ADMIN, Role.MANAGER):
        return True
    if user.role != Role.SUPERVISOR:
        return False
    if not user.organization.supervisors_limited_to_assigned_queues:
        return True
    return QueueMembership.objects.filter(
        queue=queue, user=user, role=QueueMembership.Role.SUPERVISOR
    ).exists()


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
    supervised = QueueMembership.objects.filter(user=user, role=QueueMembership.Role.SUPERVISOR).values(
        "queue_id"
    )
    return (
        QueueMembership.objects.filter(user=agent, queue_id__in=supervised).exists()
        or agent.queue_logins.filter(ended_at__isnull=True, queue_id__in=supervised).exists()
    )
