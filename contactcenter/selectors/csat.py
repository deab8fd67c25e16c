"""Customer satisfaction as the screens read it: the comments customers left (the reports'
list, newest first, a page at a time) and today's CSAT per queue for the supervisor's live panel,
from the hourly rollups (stored hours summed by the database, the hours after the fill mark from
the few surveys answered since), never by scanning the day's conversations."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Sum
from django.utils import timezone

from contactcenter.models import QueueHour, SatisfactionRating
from contactcenter.selectors import rollups
from contactcenter.selectors.report_ranges import ReportRange, local_today
from contactcenter.selectors.reports import Scope, Totals, queues_in_scope

COMMENTS_PAGE = 20
_CSAT_COUNTERS = ("csat_asked", "csat_answered", "csat_positive", "csat_score_sum")


def comments(scope: Scope, period: ReportRange, *, queue_ids=(), channel_kind: str = "",
             agent_id: int | None = None, page: int = 1, now: datetime | None = None) -> Page:
    """The ratings with a comment answered in the period, in what the reader may see."""
    end = min(period.end, now or timezone.now())
    ratings = SatisfactionRating.objects.filter(
        organization_id=scope.organization_id, answered_at__gte=period.start, answered_at__lt=end,
    ).exclude(comment="")
    allowed = queues_in_scope(scope, queue_ids)
    if allowed is not None:
        ratings = ratings.filter(queue_id__in=allowed)
    if channel_kind:
        ratings = ratings.filter(channel_kind=channel_kind)
    if agent_id is not None:
        ratings = ratings.filter(agent_id=agent_id)
    ratings = ratings.select_related("queue", "agent", "conversation__contact").order_by("-answered_at", "-pk")
    return Paginator(ratings, COMMENTS_PAGE).get_page(page)


def today_by_queue(organization_id: int, zone, queue_ids, *, now: datetime | None = None) -> dict[int, Totals]:
    """Today's (the organization's day) CSAT counters per queue id."""
    now = now or timezone.now()
    today = local_today(zone, now)
    period = ReportRange(today, today, zone)
    start, end = period.start, min(period.end, now)
    ids = set(queue_ids)
    result: dict[int, Totals] = {queue_id: Totals() for queue_id in ids}
    mark = rollups.fill_mark(rollups.QUEUE_HOURS)
    split = max(start, min(end, mark)) if mark is not None else start
    stored = (QueueHour.objects.filter(organization_id=organization_id, queue_id__in=ids, hour__gte=start,
                                       hour__lt=split)
              .values("queue_id").annotate(**{f"sum_{name}": Sum(name) for name in _CSAT_COUNTERS}).order_by())
    for row in stored:
        result[row["queue_id"]].add({name: row[f"sum_{name}"] for name in _CSAT_COUNTERS})
    if split < end:
        for _hour, queue_id, _agent, _kind, _medium, counters in rollups.rating_counts(organization_id, split, end):
            if queue_id in result:
                result[queue_id].add(counters)
    return result
