"""The audit trail: who did what to whom (supervisors' actions on agents, administrators'
configuration changes, bans). Read by contactcenter/selectors/audit.py."""

from contactcenter.models import AuditEntry, User


def audit(actor: User | None, action: str, *, target_user=None, queue=None, conversation=None,
          reason: str = "", **data) -> None:
    """Record one action; the organization is the actor's (or, for the system, the target's)."""
    organization_id = (actor or target_user).organization_id
    AuditEntry.objects.create(
        organization_id=organization_id,
        actor=actor,
        action=action,
        target_user=target_user,
        queue=queue,
        conversation=conversation,
        reason=reason[:200],
        data=data,
    )
