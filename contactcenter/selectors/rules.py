"""The status rules' triggers, as reads: which agents (or queues) a rule's trigger finds now, each
with the moment its occurrence began, leaving out the occurrences the rule already fired for.
Also what the panels show of the rules: the latest firings, and why an agent's status changed.

An occurrence's start is stable while it lasts (the moment the agent became Ready, logged in or
came back from a pause, the pause began, the streak of missed offers began, the queue's wait
crossed the threshold), so the engine's firing record keyed by it makes a rule fire once per
occurrence however often the sweep runs. A few queries per rule, none per agent (but for the
agents with a recent missed offer).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from contactcenter.models import (
    AgentState,
    Conversation,
    Offer,
    Queue,
    QueueLogin,
    QueueMembership,
    RuleFiring,
    StatusDefinition,
    StatusInterval,
    StatusRule,
    SystemStatus,
)

S = SystemStatus
T = StatusRule.Trigger
WORKING = (S.READY, S.IN_SERVICE, S.AFTER_SERVICE, S.DIALING)
AWAKE = (*WORKING, S.ONLINE, S.DND)  # logged in, not on a pause
WAITING = (Conversation.Status.QUEUED, Conversation.Status.OFFERED)
# Missed offers older than this are not looked at again (a streak that old fired long ago).
MISSED_OFFERS_HORIZON = timedelta(days=1)


@dataclass(frozen=True)
class Occurrence:
    start: datetime
    agent_id: int | None = None
    queue_id: int | None = None
    count: int = 0  # conversations received, offers missed... (for the firing's detail)


def rule_queue_ids(rule: StatusRule) -> list[int]:
    return [queue.pk for queue in rule.queues.all()]


def agents_in_scope(rule: StatusRule, agent_ids=None) -> QuerySet:
    """The agent states a rule looks at: members of or logged in to one of its queues (every
    agent of the organization when it names none)."""
    states = AgentState.objects.filter(organization_id=rule.organization_id)
    if agent_ids is not None:
        states = states.filter(agent_id__in=list(agent_ids))
    queue_ids = rule_queue_ids(rule)
    if queue_ids:
        logged_in = QueueLogin.objects.filter(agent_id=OuterRef("agent_id"), queue_id__in=queue_ids,
                                              ended_at__isnull=True)
        member = QueueMembership.objects.filter(user_id=OuterRef("agent_id"), queue_id__in=queue_ids,
                                                role=QueueMembership.Role.AGENT)
        states = states.filter(Exists(logged_in) | Exists(member))
    return states


def _status_ids(organization_id: int, codes) -> list[int]:
    return list(StatusDefinition.objects.filter(organization_id=organization_id, kind=StatusDefinition.Kind.SYSTEM,
                                                code__in=codes).values_list("pk", flat=True))


def _stretch_start(status_ids: list[int]) -> Subquery:
    """When the agent's current stretch in these statuses began: the end of their latest closed
    interval in any other status (the ledger tiles time, so it is where the stretch starts)."""
    return Subquery(StatusInterval.objects.filter(agent_id=OuterRef("agent_id"), ended_at__isnull=False)
                    .exclude(status_id__in=status_ids).order_by("-started_at").values("ended_at")[:1])


def _conversations_since_ready(rule: StatusRule, now: datetime, agent_ids) -> list[Occurrence]:
    working = _status_ids(rule.organization_id, WORKING)
    received = Conversation.objects.filter(assignee_id=OuterRef("agent_id"), assigned_at__gte=OuterRef("stretch"))
    queue_ids = rule_queue_ids(rule)
    if queue_ids:
        received = received.filter(queue_id__in=queue_ids)
    counted = Subquery(received.order_by().values("assignee_id").annotate(n=Count("pk")).values("n")[:1])
    rows = (agents_in_scope(rule, agent_ids).filter(status_id__in=working)
            .annotate(stretch=_stretch_start(working)).filter(stretch__isnull=False)
            .annotate(received=Coalesce(counted, 0)).filter(received__gte=rule.threshold)
            .values_list("agent_id", "stretch", "received"))
    return [Occurrence(start=start, agent_id=agent_id, count=n) for agent_id, start, n in rows]


def _logged_in_without_pause(rule: StatusRule, now: datetime, agent_ids) -> list[Occurrence]:
    awake = _status_ids(rule.organization_id, AWAKE)
    rows = (agents_in_scope(rule, agent_ids).filter(status_id__in=awake)
            .annotate(stretch=_stretch_start(awake))
            .filter(stretch__lte=now - timedelta(hours=rule.threshold)).values_list("agent_id", "stretch"))
    return [Occurrence(start=start, agent_id=agent_id, count=rule.threshold) for agent_id, start in rows]


def _pause_over_maximum(rule: StatusRule, now: datetime, agent_ids) -> list[Occurrence]:
    rows = (agents_in_scope(rule, agent_ids)
            .filter(status__kind=StatusDefinition.Kind.PAUSE, status__max_minutes__isnull=False)
            .values_list("agent_id", "since", "status__max_minutes"))
    return [Occurrence(start=since, agent_id=agent_id, count=maximum) for agent_id, since, maximum in rows
            if now - since > timedelta(minutes=maximum + rule.threshold)]


def _missed_offers(rule: StatusRule, now: datetime, agent_ids) -> list[Occurrence]:
    """A streak: the offers the agent let ring out since the last one they answered or declined
    (withdrawn ones, answered by someone else, do not count either way)."""
    offers = Offer.objects.filter(organization_id=rule.organization_id)
    queue_ids = rule_queue_ids(rule)
    if queue_ids:
        offers = offers.filter(conversation__queue_id__in=queue_ids)
    scope = agents_in_scope(rule, agent_ids).values("agent_id")
    candidates = (offers.filter(status=Offer.Status.EXPIRED, resolved_at__gte=now - MISSED_OFFERS_HORIZON,
                                agent_id__in=scope).order_by().values_list("agent_id", flat=True).distinct())
    found = []
    for agent_id in candidates:
        mine = offers.filter(agent_id=agent_id)
        answered = (mine.filter(status__in=(Offer.Status.ACCEPTED, Offer.Status.DECLINED))
                    .order_by("-created_at").values_list("created_at", flat=True).first())
        streak = mine.filter(status=Offer.Status.EXPIRED)
        if answered is not None:
            streak = streak.filter(created_at__gt=answered)
        figures = streak.aggregate(n=Count("pk"), start=Min("created_at"))
        if figures["n"] >= rule.threshold:
            found.append(Occurrence(start=figures["start"], agent_id=agent_id, count=figures["n"]))
    return found


def oldest_waiting(rule: StatusRule) -> dict[int, datetime | None]:
    """Each queue of the rule (every active queue of the organization when it names none) and
    when its longest-waiting customer arrived (None: nobody waits)."""
    queues = Queue.objects.filter(organization_id=rule.organization_id, is_active=True)
    queue_ids = rule_queue_ids(rule)
    if queue_ids:
        queues = queues.filter(pk__in=queue_ids)
    oldest = dict.fromkeys(queues.values_list("pk", flat=True))
    rows = (Conversation.objects.filter(queue_id__in=list(oldest), status__in=WAITING).order_by()
            .values("queue_id").annotate(first=Min("enqueued_at")).values_list("queue_id", "first"))
    oldest.update(rows)
    return oldest


def queues_over(rule: StatusRule, now: datetime) -> dict[int, datetime]:
    """The queues whose longest wait is over the rule's seconds, and when it crossed them."""
    limit = timedelta(seconds=rule.threshold)
    return {queue_id: first + limit for queue_id, first in oldest_waiting(rule).items()
            if first is not None and now - first > limit}


def _queue_wait(rule: StatusRule, now: datetime, agent_ids) -> list[Occurrence]:
    ongoing = set(RuleFiring.objects.filter(rule=rule, queue__isnull=False, cleared_at__isnull=True)
                  .values_list("queue_id", flat=True))
    return [Occurrence(start=start, queue_id=queue_id, count=rule.threshold)
            for queue_id, start in queues_over(rule, now).items() if queue_id not in ongoing]


TRIGGERS = {
    T.CONVERSATIONS_SINCE_READY: _conversations_since_ready,
    T.LOGGED_IN_WITHOUT_PAUSE: _logged_in_without_pause,
    T.PAUSE_OVER_MAXIMUM: _pause_over_maximum,
    T.MISSED_OFFERS: _missed_offers,
    T.QUEUE_WAIT_OVER: _queue_wait,
}


def occurrences(rule: StatusRule, now: datetime, *, agent_ids=None) -> list[Occurrence]:
    """What the rule's trigger finds now (for these agents only, if given) that it has not fired
    for yet."""
    if rule.is_queue_rule and agent_ids is not None:
        return []
    found = TRIGGERS[rule.trigger](rule, now, agent_ids)
    if rule.is_queue_rule or not found:
        return found
    fired = set(RuleFiring.objects.filter(rule=rule, agent_id__in=[o.agent_id for o in found])
                .values_list("agent_id", "occurrence"))
    return [o for o in found if (o.agent_id, o.start) not in fired]


# --- What the panels show --------------------------------------------------------------------------


def recent_firings(organization_id: int, *, agent_ids, queue_ids, limit: int = 10) -> list[RuleFiring]:
    """The latest firings about these agents or queues (the overview's "Rules fired")."""
    return list(RuleFiring.objects.filter(organization_id=organization_id)
                .filter(Q(agent_id__in=list(agent_ids)) | Q(queue_id__in=list(queue_ids)))
                .select_related("rule", "agent", "queue", "rule__pause_reason").order_by("-fired_at", "-id")[:limit])


def status_cause(state: AgentState) -> RuleFiring | None:
    """The firing that put the agent where they are now (its change, or its return), if a rule
    did: the workspace says why the status changed."""
    if state is None:
        return None
    return (RuleFiring.objects.filter(agent_id=state.agent_id, outcome=RuleFiring.Outcome.APPLIED)
            .filter(Q(expected_since=state.since, returned_at__isnull=True) | Q(returned_at=state.since))
            .select_related("rule").order_by("-fired_at").first())


def firing_result(*, action: str, status_name: str = "", detail: str = "") -> str:
    """What a rule's firing did, in a few words (the panel's list and toasts, the e-mails)."""
    A = StatusRule.Action
    results = {
        A.PAUSE: lambda: status_name,
        A.READY: lambda: str(S.READY.label),
        A.ONLINE: lambda: str(S.ONLINE.label),
        A.OFFLINE: lambda: str(S.OFFLINE.label),
        A.RECEIVE_NEW_OFF: lambda: _("Receive new off"),
        A.RECEIVE_NEW_ON: lambda: _("Receive new on"),
        A.NOTIFY: lambda: _("supervisors notified"),
        A.AUTO_REPLY: lambda: _("auto-reply sent to %(count)s customers") % {"count": detail or 0},
    }
    return results[action]() if action in results else ""


def firing_text(*, rule_name: str, subject: str, action: str, outcome: str, status_name: str = "",
                detail: str = "") -> str:
    """One line about a firing: "Rule “Break after 20 chats”: Ana López → Break", or why skipped."""
    if outcome == RuleFiring.Outcome.SKIPPED:
        return _("Rule “%(rule)s” skipped for %(subject)s: %(why)s") % {
            "rule": rule_name, "subject": subject, "why": detail}
    return _("Rule “%(rule)s”: %(subject)s → %(result)s") % {
        "rule": rule_name, "subject": subject,
        "result": firing_result(action=action, status_name=status_name, detail=detail)}


def describe(firing: RuleFiring) -> str:
    """`firing_text` of a stored firing (its rule, agent and queue selected)."""
    rule = firing.rule
    return firing_text(rule_name=rule.name, subject=firing.agent.display_name if firing.agent_id else firing.queue.name,
                       action=rule.action, outcome=firing.outcome, detail=firing.detail,
                       status_name=rule.pause_reason.name if rule.pause_reason_id else "")
