"""Supervisor queue membership ⇄ the object permission contactcenter.supervise_queue.

This is a signal rather than a line in the membership services because memberships are also
written by Django admin (the queue's inline and the membership pages), the configuration portal,
the demo seed and test factories: a permission that lagged behind a membership written any of
those ways would be a silent hole in "limit access to assigned queues". The permission is
derived state: after any save or delete of a membership it is recomputed from the rows.

Also here: django-axes' lockout signal (its public hook), audited.
"""

import logging

from axes.signals import user_locked_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from guardian.ctypes import get_content_type
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from contactcenter.models import Queue, QueueMembership, User
from contactcenter.services.audit import audit
from contactcenter.services.policies import SUPERVISE_QUEUE

logger = logging.getLogger(__name__)


def sync_supervise_permission(*, user: User, queue: Queue) -> None:
    """Grant the permission while the user has a supervisor membership of the queue, else revoke."""
    if QueueMembership.objects.filter(queue=queue, user=user, role=QueueMembership.Role.SUPERVISOR).exists():
        assign_perm(SUPERVISE_QUEUE, user, queue)
    else:
        remove_perm(SUPERVISE_QUEUE, user, queue)


@receiver(post_save, sender=QueueMembership, dispatch_uid="membership_saved_supervise_permission")
def membership_saved(sender, instance: QueueMembership, raw=False, **kwargs):
    if raw:  # loaddata: the fixture carries its own permission rows
        return
    sync_supervise_permission(user=instance.user, queue=instance.queue)


@receiver(post_delete, sender=QueueMembership, dispatch_uid="membership_deleted_supervise_permission")
def membership_deleted(sender, instance: QueueMembership, **kwargs):
    # Looked up again: in a cascade (a deleted user or queue) they may be going too. Guardian's
    # rows go with a deleted user by foreign key; a deleted queue's go below.
    user = User.objects.filter(pk=instance.user_id).first()
    queue = Queue.objects.filter(pk=instance.queue_id).first()
    if user is not None and queue is not None:
        sync_supervise_permission(user=user, queue=queue)


@receiver(post_delete, sender=Queue, dispatch_uid="queue_deleted_object_permissions")
def queue_deleted(sender, instance: Queue, **kwargs):
    UserObjectPermission.objects.filter(content_type=get_content_type(Queue), object_pk=str(instance.pk)).delete()


# --- Login lockouts (django-axes) -------------------------------------------------------------------


@receiver(user_locked_out, dispatch_uid="login_locked_out_audit")
def login_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """A lockout is logged, and audited in the user's organization when the username is one of
    theirs (an unknown username has no organization to tell)."""
    logger.warning("login locked out: username=%r address=%s", username, ip_address)
    user = User.objects.filter(username=username).first() if username else None
    if user is not None and user.organization_id:
        audit(None, "login.locked_out", target_user=user, ip_address=ip_address or "")
