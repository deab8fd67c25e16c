"""Queue membership (permanent) and queue login (now)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Queue, QueueLogin, QueueMembership, User
from contactcenter.services import routing
from contactcenter.services.agent_states import is_banned, lock_state
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_log_in_to_queue, user_can_supervise_queue


def is_member(agent: User, queue: Queue) -> bool:
    return QueueMembership.objects.filter(queue=queue, user=agent, role=QueueMembership.Role.AGENT).exists()


@transaction.atomic
def queue_login(*, queue: Queue, agent: User, by: User | None = None) -> QueueLogin:
    """Log an agent in to a queue, by themself or by a supervisor of that queue.

    Members may always; others only while the organization allows logging in to unassigned
    queues. Such a login lasts until logout even if the policy is turned off later.
    """
    by = by or agent
    if queue.organization_id != agent.organization_id or by.organization_id != agent.organization_id:
        raise DomainError(_("That queue does not exist."), code="not_found")
    if by.pk != agent.pk and not user_can_supervise_queue(by, queue):
        raise NotAllowed(_("You do not supervise this queue."))
    if not queue.is_active:
        raise DomainError(_("The queue %(queue)s is not active.") % {"queue": queue.name}, code="inactive")
    if not agent.is_active:
        raise DomainError(_("%(agent)s is deactivated.") % {"agent": agent.display_name}, code="inactive")
    if is_banned(agent):  # the stored state, not a copy cached on the user object
        raise DomainError(_("%(agent)s is banned from receiving work.") % {"agent": agent.display_name},
                          code="banned")
    existing = QueueLogin.objects.filter(queue=queue, agent=agent, ended_at__isnull=True).first()
    if existing:
        return existing
    member = is_member(agent, queue)
    if not can_log_in_to_queue(agent, queue):
        raise DomainError(
            _("%(agent)s is not a member of %(queue)s, and the organization does not allow "
              "logging in to unassigned queues.") % {"agent": agent.display_name, "queue": queue.name},
            code="not_member",
        )
    login = QueueLogin.objects.create(
        organization_id=queue.organization_id,
        queue=queue,
        agent=agent,
        logged_in_by=by,
        started_at=timezone.now(),
        is_unassigned=not member,
    )
    if by.pk != agent.pk:
        audit(by, "queue.login_agent", target_user=agent, queue=queue)
    events.publish(events.QUEUE_LOGIN, organization_id=queue.organization_id, agent_ids=[agent.pk],
                   queue_ids=[queue.pk])
    routing.route_queue_on_commit(queue.pk)
    return login


@transaction.atomic
def queue_logout(*, queue: Queue, agent: User, by: User | None = None) -> bool:
    by = by or agent
    if queue.organization_id != agent.organization_id or by.organization_id != agent.organization_id:
        raise DomainError(_("That queue does not exist."), code="not_found")
    if by.pk != agent.pk and not user_can_supervise_queue(by, queue):
        raise NotAllowed(_("You do not supervise this queue."))
    # The router checks the login under the agent's lock: take it, so that no assignment lands
    # between this logout's clock reading and its commit.
    lock_state(agent)
    ended = QueueLogin.objects.filter(queue=queue, agent=agent, ended_at__isnull=True).update(
        ended_at=timezone.now(), logged_out_by=by
    )
    if ended:
        if by.pk != agent.pk:
            audit(by, "queue.logout_agent", target_user=agent, queue=queue)
        events.publish(events.QUEUE_LOGOUT, organization_id=queue.organization_id, agent_ids=[agent.pk],
                       queue_ids=[queue.pk])
    return bool(ended)


@transaction.atomic
def queue_login_member_queues(*, agent: User) -> list[QueueLogin]:
    """"Log in to my queues": every active queue the agent is a member of, in one step."""
    queues = Queue.objects.filter(memberships__user=agent, memberships__role=QueueMembership.Role.AGENT,
                                  is_active=True).distinct().order_by("name")
    logins = [queue_login(queue=queue, agent=agent) for queue in queues]
    if not logins:
        raise DomainError(_("You are not a member of any active queue yet. Ask your supervisor to add you."),
                          code="no_queues")
    return logins


def queue_logout_all(*, agent: User, by: User | None = None) -> list[int]:
    queue_ids = list(
        QueueLogin.objects.filter(agent=agent, ended_at__isnull=True).values_list("queue_id", flat=True)
    )
    if queue_ids:
        QueueLogin.objects.filter(agent=agent, ended_at__isnull=True).update(
            ended_at=timezone.now(), logged_out_by=by or agent
        )
        for queue_id in queue_ids:
            events.publish(events.QUEUE_LOGOUT, organization_id=agent.organization_id, agent_ids=[agent.pk],
                           queue_ids=[queue_id])
    return queue_ids


@transaction.atomic
def queue_member_add(*, queue: Queue, user: User, role: str = QueueMembership.Role.AGENT,
                     position: int | None = None) -> QueueMembership:
    if queue.organization_id != user.organization_id:
        raise DomainError(_("That user does not exist."), code="not_found")
    if position is None:
        position = QueueMembership.objects.filter(queue=queue, role=role).count()
    membership, _created = QueueMembership.objects.get_or_create(
        queue=queue, user=user, role=role,
        defaults={"organization_id": queue.organization_id, "position": position},
    )
    return membership


@transaction.atomic
def queue_member_remove(*, queue: Queue, user: User, role: str = QueueMembership.Role.AGENT) -> None:
    QueueMembership.objects.filter(queue=queue, user=user, role=role).delete()


@transaction.atomic
def queue_member_reorder(*, queue: Queue, role: str, user_ids: list[int]) -> None:
    """Set the order sequential routing follows: `user_ids` first to last."""
    memberships = {m.user_id: m for m in QueueMembership.objects.select_for_update().filter(queue=queue, role=role)}
    if set(user_ids) != set(memberships):
        raise DomainError(_("The members of the queue changed meanwhile. Reload the page."), code="stale")
    for position, user_id in enumerate(user_ids):
        QueueMembership.objects.filter(pk=memberships[user_id].pk).update(position=position)
