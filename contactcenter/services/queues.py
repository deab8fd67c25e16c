"""Queues: their settings (created and changed in the configuration portal), membership
(permanent) and login (now)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Conversation, Queue, QueueLogin, QueueMembership, User
from contactcenter.services import routing, writes
from contactcenter.services.agent_states import is_banned, lock_state
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import (
    can_log_in_to_queue,
    can_manage_queue_members,
    can_manage_queue_settings,
    user_can_supervise_queue,
)

# --- Settings -------------------------------------------------------------------------------------


@transaction.atomic
def queue_save(*, by: User, queue: Queue | None, required_skills=(), dispositions=(), **fields) -> Queue:
    """Create (administrators) or change (those who may manage queue settings) a queue."""
    if queue is None:
        writes.require(by.is_org_admin)
        queue = Queue()
    else:
        writes.require(can_manage_queue_settings(by) and user_can_supervise_queue(by, queue))
    writes.same_organization(by, fields.get("business_hours"), *required_skills, *dispositions)
    queue.organization_id = by.organization_id
    writes.check_unique(queue, _("There is already a queue named “%(name)s”.") % {"name": fields["name"]},
                        name__iexact=fields["name"])
    writes.save(by, queue, "queue", fields)
    queue.required_skills.set(required_skills)
    queue.dispositions.set(dispositions)
    # Skills, capacity, strategy or priority may now match waiting work to an agent: route at
    # once rather than at the next sweep.
    routing.route_queue_on_commit(queue.pk)
    return queue


@transaction.atomic
def queue_delete(*, by: User, queue: Queue) -> str:
    """A queue with open conversations stays; one with history is deactivated (its agents are
    logged out of it); else deleted. Returns writes.DELETED or writes.DEACTIVATED."""
    writes.require(by.is_org_admin)
    writes.same_organization(by, queue)
    open_count = queue.conversations.filter(status__in=Conversation.OPEN_STATUSES).count()
    if open_count:
        raise DomainError(
            _("%(queue)s has %(count)s open conversations. Close or transfer them first.")
            % {"queue": queue.name, "count": open_count},
            code="in_use",
        )
    if queue.conversations.exists() or queue.channels.exists() or queue.campaign_contacts.exists():
        for login in queue.logins.filter(ended_at__isnull=True).select_related("agent"):
            queue_logout(queue=queue, agent=login.agent, by=by)
        return writes.deactivate(by, queue, "queue")
    return writes.delete(by, queue, "queue")


# --- Login ----------------------------------------------------------------------------------------


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


# --- Membership -----------------------------------------------------------------------------------


def _check_new_member(queue: Queue, user: User, role: str) -> None:
    if not user.is_active:
        raise DomainError(_("%(user)s is deactivated.") % {"user": user.display_name}, code="inactive")
    if role == QueueMembership.Role.SUPERVISOR and not user.is_supervising:
        raise DomainError(
            _("%(user)s has the role %(role)s: only supervisors, managers and administrators can "
              "supervise a queue.") % {"user": user.display_name, "role": user.get_role_display()},
            code="role",
        )
    if QueueMembership.objects.filter(queue=queue, user=user, role=role).exists():
        raise DomainError(_("%(user)s is already a member of %(queue)s.")
                          % {"user": user.display_name, "queue": queue.name}, code="duplicate")


@transaction.atomic
def queue_member_add(*, queue: Queue, user: User, role: str = QueueMembership.Role.AGENT,
                     position: int | None = None, by: User | None = None) -> QueueMembership:
    """Make a user an agent or a supervisor of a queue (last in its order unless `position`).

    `by` is the person doing it (the configuration portal): checked, refused with the reason
    (deactivated, not a supervising role, already a member) and audited. Without `by` it is the
    system (demo data, fixtures): the membership is created if missing."""
    if by is not None:
        writes.require(can_manage_queue_members(by, queue))
        writes.same_organization(by, queue, user)
        _check_new_member(queue, user, role)
    if queue.organization_id != user.organization_id:
        raise DomainError(_("That user does not exist."), code="not_found")
    if position is None:
        position = QueueMembership.objects.filter(queue=queue, role=role).count()
    membership, _created = QueueMembership.objects.get_or_create(
        queue=queue, user=user, role=role,
        defaults={"organization_id": queue.organization_id, "position": position},
    )
    if by is not None:
        audit(by, "queue.member_add", target_user=user, queue=queue, role=role)
    return membership


@transaction.atomic
def queue_member_remove(*, queue: Queue, user: User, role: str = QueueMembership.Role.AGENT,
                        by: User | None = None) -> None:
    """End a membership. With `by` (the configuration portal): checked and audited."""
    if by is not None:
        writes.require(can_manage_queue_members(by, queue))
        writes.same_organization(by, queue)
    QueueMembership.objects.filter(queue=queue, user=user, role=role).delete()
    if by is not None:
        audit(by, "queue.member_remove", target_user=user, queue=queue, role=role)


@transaction.atomic
def queue_member_move(*, by: User, membership: QueueMembership, up: bool) -> None:
    """One place up or down in the order sequential routing follows (audited)."""
    queue = membership.queue
    writes.require(can_manage_queue_members(by, queue))
    writes.same_organization(by, membership)
    ids = list(QueueMembership.objects.filter(queue=queue, role=membership.role).values_list("user_id", flat=True))
    index = ids.index(membership.user_id)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        queue_member_reorder(queue=queue, role=membership.role, user_ids=ids)
        audit(by, "queue.member_reorder", target_user=membership.user, queue=queue, order=ids)


@transaction.atomic
def queue_member_reorder(*, queue: Queue, role: str, user_ids: list[int]) -> None:
    """Set the order sequential routing follows: `user_ids` first to last."""
    memberships = {m.user_id: m for m in QueueMembership.objects.select_for_update().filter(queue=queue, role=role)}
    if set(user_ids) != set(memberships):
        raise DomainError(_("The members of the queue changed meanwhile. Reload the page."), code="stale")
    for position, user_id in enumerate(user_ids):
        QueueMembership.objects.filter(pk=memberships[user_id].pk).update(position=position)
