"""The status rules engine: Celery beat runs `rules_check` every few seconds (lasting changes that
are due return, then every enabled rule looks for new occurrences of its trigger), and events run
one agent's rules at once (an offer that rang out: `rules_check_agent`). Never a loop in a request.

A rule fires once per occurrence: the firing row, keyed by rule + agent (or queue) + the
occurrence's start under a unique constraint, is written in the same transaction as the action,
after the agent's row is locked and the trigger re-checked under the lock; a concurrent or later
sweep finds the row and does nothing. The action runs in a savepoint: a move the state machine
refuses is rolled back whole and the firing recorded as skipped, with why (and logged). Every
firing is published (`rule.fired`): the supervisors' panel lists it; a notify rule also e-mails.
A change that lasts returns at its time, like a wrap-up: a conditional update on the state it left.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from contactcenter import events
from contactcenter.models import (
    AgentState,
    QueueLogin,
    QueueMembership,
    RuleFiring,
    StatusRule,
)
from contactcenter.selectors import rules as sel
from contactcenter.services import jobs, rule_actions
from contactcenter.services.agent_states import lock_state
from contactcenter.services.errors import DomainError

logger = logging.getLogger(__name__)
OUTCOME = RuleFiring.Outcome


def enabled_rules(organization_id: int | None = None):
    rules = (StatusRule.objects.filter(is_enabled=True).select_related("organization", "pause_reason")
             .prefetch_related("queues").order_by("organization_id", "name"))
    if organization_id is not None:
        rules = rules.filter(organization_id=organization_id)
    return rules


def rules_check(now: datetime | None = None) -> int:
    """The beat task: due returns, then every enabled rule of every organization. Returns how many
    firings and returns it made."""
    now = now or timezone.now()
    done = rule_returns_due(now)
    for rule in enabled_rules():
        done += rule_run(rule=rule, now=now)
    return done


def rules_check_agent(*, agent_id: int, now: datetime | None = None) -> int:
    """One agent's rules right after an event about them (the sweep would find it a little later)."""
    now = now or timezone.now()
    organization_id = AgentState.objects.filter(agent_id=agent_id).values_list("organization_id", flat=True).first()
    if organization_id is None:
        return 0
    done = 0
    for rule in enabled_rules(organization_id).exclude(trigger__in=StatusRule.QUEUE_TRIGGERS):
        done += rule_run(rule=rule, now=now, agent_ids=[agent_id])
    return done


def rule_run(*, rule: StatusRule, now: datetime, agent_ids=None) -> int:
    if rule.is_queue_rule:
        _clear_queues(rule, now)
    fired = 0
    for occurrence in sel.occurrences(rule, now, agent_ids=agent_ids):
        try:
            fired += rule_fire(rule=rule, occurrence=occurrence, now=now)
        except Exception:  # one agent's failure must not stop the others (the next sweep retries)
            logger.exception("status rule %s failed for %s", rule.pk, occurrence)
    return fired


def _clear_queues(rule: StatusRule, now: datetime) -> None:
    """A queue back under the rule's wait ends its occurrence: the next crossing fires again."""
    over = list(sel.queues_over(rule, now))
    (RuleFiring.objects.filter(rule=rule, queue__isnull=False, cleared_at__isnull=True)
     .exclude(queue_id__in=over).update(cleared_at=now))


def _record(rule: StatusRule, occurrence: sel.Occurrence, now: datetime) -> RuleFiring | None:
    try:
        with transaction.atomic():
            return RuleFiring.objects.create(
                organization_id=rule.organization_id, rule=rule, agent_id=occurrence.agent_id,
                queue_id=occurrence.queue_id, occurrence=occurrence.start, fired_at=now, outcome=OUTCOME.SKIPPED)
    except IntegrityError:  # fired already (a concurrent sweep)
        return None


def rule_fire(*, rule: StatusRule, occurrence: sel.Occurrence, now: datetime) -> bool:
    """Fire a rule for one occurrence: record it, run the action (or record why not), publish."""
    with transaction.atomic():
        state = None
        if occurrence.agent_id is not None:
            state = lock_state(occurrence.agent_id)
            again = sel.occurrences(rule, now, agent_ids=[occurrence.agent_id])
            if occurrence.start not in {o.start for o in again}:
                return False  # changed meanwhile (or fired by another sweep)
        firing = _record(rule, occurrence, now)
        if firing is None:
            return False
        try:
            with transaction.atomic():
                done = rule_actions.apply(rule, state=state, queue_id=occurrence.queue_id, now=now)
        except DomainError as exc:
            firing.detail = str(exc.message)[:200]
            logger.info("status rule %r skipped for %s: %s", rule.name, occurrence, firing.detail)
        else:
            firing.outcome = OUTCOME.APPLIED
            firing.restore = done.get("restore", {})
            firing.detail = done.get("detail", str(occurrence.count or ""))
            firing.expected_status_id = done.get("expected_status_id")
            firing.expected_since = done.get("expected_since")
            firing.return_at = done.get("return_at")
        firing.save()
        publish_firing(firing, state)
        if firing.outcome == OUTCOME.APPLIED and rule.action == StatusRule.Action.NOTIFY:
            jobs.enqueue_on_commit(jobs.RULE_NOTIFY, firing.pk)
    return True


def publish_firing(firing: RuleFiring, state: AgentState | None) -> None:
    """rule.fired, to the supervisors of the agent (their queues) or of the queue."""
    rule = firing.rule
    if firing.agent_id is not None:
        queue_ids = set(QueueLogin.objects.filter(agent_id=firing.agent_id, ended_at__isnull=True)
                        .values_list("queue_id", flat=True))
        queue_ids |= set(QueueMembership.objects.filter(user_id=firing.agent_id, role=QueueMembership.Role.AGENT)
                         .values_list("queue_id", flat=True))
    else:
        queue_ids = {firing.queue_id}
    events.publish(
        events.RULE_FIRED, organization_id=firing.organization_id,
        agent_ids=[firing.agent_id] if firing.agent_id else [], queue_ids=sorted(queue_ids),
        to_queue_groups=False, firing_id=firing.pk, rule_id=rule.pk, rule_name=rule.name, action=rule.action,
        outcome=firing.outcome, detail=firing.detail, is_pause=rule.action == StatusRule.Action.PAUSE,
        status_name=rule.pause_reason.name if rule.pause_reason_id else "",
        agent_name=state.agent.display_name if state is not None else "",
        queue_name=firing.queue.name if firing.queue_id else "",
    )


# --- Changes that last ---------------------------------------------------------------------------


def rule_returns_due(now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = RuleFiring.objects.filter(return_at__lte=now, returned_at__isnull=True).values_list("pk", flat=True)
    return sum(rule_return(firing_id=pk, now=now) for pk in list(due))


def rule_return(*, firing_id: int, now: datetime | None = None) -> bool:
    """The end of a lasting change (task or sweep, idempotent): the agent goes back to what they
    had chosen, only if the state is still the one the rule left (same status, same since)."""
    now = now or timezone.now()
    agent_id = (RuleFiring.objects.filter(pk=firing_id, returned_at__isnull=True, return_at__lte=now)
                .values_list("agent_id", flat=True).first())
    if agent_id is None:
        return False
    with transaction.atomic():
        state = lock_state(agent_id)  # agent first, then the firing: the order rule_fire locks in
        firing = (RuleFiring.objects.select_for_update(of=("self",)).select_related("rule")
                  .filter(pk=firing_id, returned_at__isnull=True).first())
        if firing is None:
            return False
        try:
            with transaction.atomic():
                changed = rule_actions.give_back(firing.rule, firing.restore, state, now=now,
                                                 expected_status_id=firing.expected_status_id,
                                                 expected_since=firing.expected_since)
        except DomainError as exc:
            logger.info("status rule %r did not return agent %s: %s", firing.rule.name, agent_id, exc.message)
            changed = False
        firing.returned_at = max(now, state.since) if changed else now
        firing.save(update_fields=["returned_at"])
    return changed
