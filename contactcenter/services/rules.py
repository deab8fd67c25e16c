"""Status rules in the configuration portal (/config/rules/) and Django admin: create, edit,
enable or disable, delete. Administrators (and managers, and supervisors who see every queue)
change every rule of their organization; a supervisor limited to their assigned queues sees and
changes only the rules whose queues are all theirs, and names at least one. Every change is
audited. The engine that runs them is rule_engine.py."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contactcenter.models import Queue, Role, StatusDefinition, StatusRule, User
from contactcenter.services import writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_access_config, supervised_queues

A = StatusRule.Action


def limited_to_queues(user: User) -> bool:
    return user.role == Role.SUPERVISOR and user.organization.supervisors_limited_to_assigned_queues


def rule_queue_choices(user: User) -> QuerySet:
    """The queues a rule of `user` may name."""
    if not can_access_config(user):
        return Queue.objects.none()
    queues = supervised_queues(user) if limited_to_queues(user) else Queue.objects.filter(
        organization_id=user.organization_id)
    return queues.filter(is_active=True).order_by("name")


def rule_pause_choices(user: User) -> QuerySet:
    """The pause reasons a rule may put an agent on (the automatic "No answer" is the engine's)."""
    return (StatusDefinition.objects.filter(organization_id=user.organization_id, kind=StatusDefinition.Kind.PAUSE,
                                            is_active=True).exclude(code="no_answer").order_by("position", "name"))


def editable_rules(user: User) -> QuerySet:
    """The rules `user` may see and change (404 for any other id)."""
    if not can_access_config(user):
        return StatusRule.objects.none()
    rules = StatusRule.objects.filter(organization_id=user.organization_id)
    if limited_to_queues(user):
        others = Queue.objects.filter(organization_id=user.organization_id).exclude(
            pk__in=supervised_queues(user).values("pk"))
        rules = rules.filter(queues__isnull=False).exclude(queues__in=others).distinct()
    return rules.select_related("pause_reason").prefetch_related("queues").order_by("name")


def _check_queues(by: User, queues: list[Queue]) -> None:
    writes.same_organization(by, *queues)
    if not limited_to_queues(by):
        return
    if not queues:
        raise DomainError(_("Choose at least one of your queues."), code="queues")
    allowed = set(rule_queue_choices(by).values_list("pk", flat=True))
    if any(queue.pk not in allowed for queue in queues):
        raise DomainError(_("That item does not exist."), code="not_found")


@transaction.atomic
def rule_save(*, by: User, rule: StatusRule | None, name: str, trigger: str, threshold: int, action: str,
              queues=(), pause_reason: StatusDefinition | None = None, duration_minutes: int | None = None,
              message: str = "", is_enabled: bool = True) -> StatusRule:
    """Create (`rule` None) or change a rule; what does not apply to the action is cleared."""
    writes.require(can_access_config(by) and (rule is None or editable_rules(by).filter(pk=rule.pk).exists()))
    queues = list(queues)
    _check_queues(by, queues)
    writes.same_organization(by, pause_reason)
    if action == A.PAUSE and pause_reason is not None and not rule_pause_choices(by).filter(
            pk=pause_reason.pk).exists():
        raise DomainError(_("Choose one of the organization's pause reasons."), code="bad_reason")
    rule = rule or StatusRule(organization_id=by.organization_id)
    name = name.strip()
    writes.check_unique(rule, _("There is already a rule named “%(name)s”.") % {"name": name}, name__iexact=name)
    may_last = action in StatusRule.AGENT_ACTIONS
    writes.save(by, rule, "status_rule", {
        "name": name, "trigger": trigger, "threshold": threshold, "action": action,
        "pause_reason": pause_reason if action == A.PAUSE else None,
        "duration_minutes": duration_minutes if may_last else None,
        "message": message.strip() if action == A.AUTO_REPLY else "",
        "is_enabled": is_enabled,
    })
    rule.queues.set(queues)
    return rule


@transaction.atomic
def rule_set_enabled(*, by: User, rule: StatusRule, enabled: bool) -> StatusRule:
    writes.require(editable_rules(by).filter(pk=rule.pk).exists())
    if rule.is_enabled != enabled:
        rule.is_enabled = enabled
        rule.save(update_fields=["is_enabled"])
        audit(by, "status_rule.enable" if enabled else "status_rule.disable", id=rule.pk, name=rule.name)
    return rule


@transaction.atomic
def rule_delete(*, by: User, rule: StatusRule) -> str:
    """Its firings go with it (the status ledger keeps the rule's name as the reason)."""
    writes.require(editable_rules(by).filter(pk=rule.pk).exists())
    return writes.delete(by, rule, "status_rule")
