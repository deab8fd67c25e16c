"""The audit trail as people read it: who did what to whom, where and when, with each action's
name in the reader's language, filtered and scoped to what the reader may see."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from contactcenter.models import AuditEntry, QueueLogin, QueueMembership
from contactcenter.models.audit import action_label


def day_start(day: date) -> datetime:
    """Midnight of `day` in the active (the organization's) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(organization_id: int, *, queue_ids: list[int] | None, actor_id: int | None = None,
                  target_id: int | None = None, queue_id: int | None = None, action: str = "",
                  day_from: date | None = None, day_to: date | None = None) -> QuerySet:
    """Newest first. `queue_ids` None: the whole organization; a list: entries about those queues
    or about agents who belong to (or are logged in to) them."""
    qs = AuditEntry.objects.filter(organization_id=organization_id)
    if queue_ids is not None:
        agents = set(QueueMembership.objects.filter(queue_id__in=queue_ids).values_list("user_id", flat=True))
        agents |= set(QueueLogin.objects.filter(queue_id__in=queue_ids, ended_at__isnull=True)
                      .values_list("agent_id", flat=True))
        qs = qs.filter(Q(queue_id__in=queue_ids) | Q(target_user_id__in=agents))
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if target_id:
        qs = qs.filter(target_user_id=target_id)
    if queue_id:
        qs = qs.filter(queue_id=queue_id)
    if action:
        qs = qs.filter(action=action)
    if day_from:
        qs = qs.filter(created_at__gte=day_start(day_from))
    if day_to:
        qs = qs.filter(created_at__lt=day_start(day_to + timedelta(days=1)))
    return qs.select_related("actor", "target_user", "queue").order_by("-created_at", "-id")


def action_choices(organization_id: int) -> list[tuple[str, str]]:
    codes = AuditEntry.objects.filter(organization_id=organization_id).values_list("action", flat=True).distinct()
    return sorted(((code, action_label(code)) for code in codes.order_by()), key=lambda pair: pair[1].lower())
