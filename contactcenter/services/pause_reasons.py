"""Pause reasons: the organization's own statuses (Break, Training, PTO…) an agent pauses in.
They are StatusDefinition rows of kind "pause"; the system statuses are not changed here.
(The agent's state machine, contactcenter/services/agents.py, moves agents in and out of them.)
"""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcenter.models import NO_ANSWER_CODE, AgentState, StatusDefinition, StatusInterval, User
from contactcenter.services import writes
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_manage_pause_reasons


def _check_pause_reason(by: User, reason: StatusDefinition) -> None:
    writes.same_organization(by, reason)
    if not reason.is_pause:
        raise DomainError(_("System statuses cannot be changed."), code="system")


def _new_code(organization_id: int, name: str) -> str:
    """A code unique in the organization, from the name (the reports know a status by it)."""
    base = slugify(name)[:30] or "pause"
    code, n = base, 1
    while StatusDefinition.objects.filter(organization_id=organization_id, code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def pause_reason_save(*, by: User, reason: StatusDefinition | None, name: str, max_minutes: int | None,
                      is_active: bool = True) -> StatusDefinition:
    """Create (`reason` None, placed last) or change a pause reason."""
    writes.require(can_manage_pause_reasons(by))
    if reason is None:
        reason = StatusDefinition(organization_id=by.organization_id, kind=StatusDefinition.Kind.PAUSE)
        reason.code = _new_code(by.organization_id, name)
        reason.position = StatusDefinition.objects.filter(
            organization_id=by.organization_id, kind=StatusDefinition.Kind.PAUSE).count()
    _check_pause_reason(by, reason)
    writes.check_unique(reason, _("There is already a pause reason named “%(name)s”.") % {"name": name},
                        kind=StatusDefinition.Kind.PAUSE, name__iexact=name)
    return writes.save(by, reason, "pause_reason", {"name": name, "max_minutes": max_minutes,
                                                    "is_active": is_active})


@transaction.atomic
def pause_reason_delete(*, by: User, reason: StatusDefinition) -> str:
    """Refused while an agent is in it; deactivated once the status ledger refers to it."""
    writes.require(can_manage_pause_reasons(by))
    _check_pause_reason(by, reason)
    if reason.code == NO_ANSWER_CODE:
        raise DomainError(_("“%(name)s” is used by the system when an agent lets an offer ring out; it "
                            "cannot be deleted.") % {"name": reason.name}, code="system")
    in_use = [state.agent.display_name for state in
              AgentState.objects.filter(status=reason).select_related("agent").order_by("agent__username")]
    if in_use:
        message = ngettext(
            "“%(name)s” is in use now by %(agents)s. Try again when this agent leaves that pause.",
            "“%(name)s” is in use now by %(agents)s. Try again when these agents leave that pause.",
            len(in_use))
        raise DomainError(message % {"name": reason.name, "agents": ", ".join(in_use)}, code="in_use")
    if StatusInterval.objects.filter(status=reason).exists() or StatusInterval.objects.filter(
            previous_status=reason).exists():
        return writes.deactivate(by, reason, "pause_reason")
    return writes.delete(by, reason, "pause_reason")
