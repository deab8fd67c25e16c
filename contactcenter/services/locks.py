"""Row locks, in the one order used everywhere: conversation rows first, then agent-state rows
(several agents: by id), so that no two transactions wait for each other.

Each locks without joins and reads after: PostgreSQL re-checks a FOR UPDATE query's joins
against the row version it waited for, and a joined row that just changed would make the locked
row vanish from the answer (see agent_states.lock_state).
"""

from django.utils.translation import gettext as _

from contactcenter.models import AgentState, Conversation
from contactcenter.services.errors import DomainError


def lock_states(agent_ids) -> dict[int, AgentState]:
    """Lock several agents in id order (no deadlock between two such lockers)."""
    locked = (
        AgentState.objects.select_for_update().filter(agent_id__in=set(agent_ids)).order_by("agent_id")
        .values_list("agent_id", flat=True)
    )
    # Lock without joins, then read (see agents.lock_state).
    states = AgentState.objects.select_related("status", "agent").filter(agent_id__in=list(locked))
    return {s.agent_id: s for s in states}


def lock_conversation(conversation_id: int, organization_id: int | None = None) -> Conversation:
    qs = Conversation.objects.filter(pk=conversation_id)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    # Lock without joins, then read: a transfer changing queue_id must not make the row vanish
    # from a locker waiting for it (see agents.lock_state).
    if not qs.select_for_update().values_list("pk"):
        raise DomainError(_("That conversation does not exist."), code="not_found")
    return qs.select_related("queue", "queue__organization").get()
