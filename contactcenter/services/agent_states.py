"""The agent state machine and the status ledger.

Every change goes through `change`, under the agent's row lock: it validates the move against
one table, closes the open ledger interval and opens the next in the same transaction, and
publishes `agent.status` on commit. This module never routes: an agent who can take work after
a change is routed by the caller (`routing.agent_status_change` does both).
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    AgentState,
    QueueLogin,
    StatusDefinition,
    StatusInterval,
    StatusSource,
    SystemStatus,
    User,
)
from contactcenter.services.bulk import update_rows
from contactcenter.services.errors import DomainError

S = SystemStatus
PAUSE = "pause"  # any pause reason, in the table below
A, SV, SY, SC = StatusSource.AGENT, StatusSource.SUPERVISOR, StatusSource.SYSTEM, StatusSource.SCHEDULE

# to-status -> {from-status: sources allowed to make that move}
_WORKING = {S.READY, S.IN_SERVICE, S.DIALING, S.AFTER_SERVICE}
_AWAKE = _WORKING | {S.ONLINE, S.DND, PAUSE}
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.ONLINE: {
        S.OFFLINE: frozenset({A, SY, SC}),
        **{s: frozenset({A, SV, SY, SC}) for s in _AWAKE - {S.ONLINE}},
    },
    S.DND: {
        **{s: frozenset({A, SY, SC}) for s in _AWAKE - {S.DND}},
        # A supervisor ending after service early puts the agent back in their chosen DND.
        S.AFTER_SERVICE: frozenset({A, SV, SY, SC}),
    },
    S.READY: {s: frozenset({A, SV, SY, SC}) for s in _AWAKE - {S.READY}},
    S.IN_SERVICE: {
        **{s: frozenset({A, SV, SY}) for s in _AWAKE - {S.IN_SERVICE}},
        PAUSE: frozenset({A, SV, SY, SC}),  # a scheduled break ends with conversations still open
    },
    S.AFTER_SERVICE: {
        **{s: frozenset({SY}) for s in _AWAKE},
        PAUSE: frozenset({A, SV, SY, SC}),  # resuming a pause taken during after service
    },
    S.DIALING: {s: frozenset({A, SY}) for s in {S.READY, S.ONLINE, S.DND, S.IN_SERVICE, PAUSE}},
    PAUSE: {s: frozenset({A, SV, SY, SC}) for s in _AWAKE},
    S.OFFLINE: {
        **{s: frozenset({A, SV, SY, SC}) for s in _AWAKE},
        S.BANNED: frozenset({SV}),  # lifting a ban: admins only (checked below)
    },
    S.BANNED: {s: frozenset({SV}) for s in _AWAKE | {S.OFFLINE}},
}


def _category(status: StatusDefinition) -> str:
    return PAUSE if status.is_pause else status.code


def move_allowed(from_status: StatusDefinition, to_status: StatusDefinition, source: str) -> bool:
    return source in TRANSITIONS.get(_category(to_status), {}).get(_category(from_status), frozenset())


def status_definition(organization_id: int, code: str) -> StatusDefinition:
    return StatusDefinition.objects.get(organization_id=organization_id, code=code)


def lock_state(agent: User | int) -> AgentState:
    agent_id = agent if isinstance(agent, int) else agent.pk
    # Lock first, read after. PostgreSQL re-checks a FOR UPDATE query's joins against the row
    # version it waited for: joined to its status, the row vanishes if the status just changed.
    if not AgentState.objects.select_for_update().filter(agent_id=agent_id).values_list("pk"):
        raise DomainError(_("This user has no agent state."), code="no_state")
    return AgentState.objects.select_related("status", "agent").get(agent_id=agent_id)


def derived_status_code(state: AgentState) -> str:
    """Where an awake agent stands when nothing holds them: the engine's resting status."""
    if state.wrapup_deadline is not None or state.wrapup_conversation_id is not None:
        return S.AFTER_SERVICE
    if state.chat_load + state.voice_load > 0:
        return S.IN_SERVICE
    if state.receive_new:
        return S.READY
    return S.DND if state.prefers_dnd else S.ONLINE


def is_routable(state: AgentState) -> bool:
    return state.receive_new and state.status.code in (S.READY, S.IN_SERVICE)


def change(
    state: AgentState,
    to: StatusDefinition,
    *,
    by: User | None,
    source: str,
    reason: str = "",
    now: datetime | None = None,
    force_interval: bool = False,
    rule: str = "",
) -> bool:
    """Move a locked agent state to `to`. Returns False when nothing changed. `rule`: the name of
    the status rule that made the change (the event carries it: the panel names the rule)."""
    if to.pk == state.status_id and not force_interval:
        return False
    if to.pk != state.status_id and not move_allowed(state.status, to, source):
        raise DomainError(
            _("%(agent)s cannot go from %(from)s to %(to)s.")
            % {"agent": state.agent.display_name, "from": state.status.label, "to": to.label},
            code="illegal_move",
        )
    now = max(now or timezone.now(), state.since)
    previous = state.status
    StatusInterval.objects.filter(agent_id=state.agent_id, ended_at__isnull=True).update(ended_at=now)
    StatusInterval.objects.create(
        organization_id=state.organization_id,
        agent_id=state.agent_id,
        status=to,
        previous_status=previous,
        started_at=now,
        changed_by=by,
        source=source,
        reason=reason[:200],
    )
    state.status = to
    state.since = now
    state.save(update_fields=["status", "since", "receive_new", "prefers_dnd", "wrapup_episode",
                              "wrapup_conversation", "wrapup_deadline", "chat_load", "voice_load",
                              "last_assigned_at"])
    publish_status(state, previous, source=source, queue_ids=logged_in_queue_ids(state.agent_id), rule=rule)
    return True


def change_many(states: list[AgentState], to: StatusDefinition, *, source: str,
                reasons: dict[int, str] | None = None, now: datetime | None = None) -> None:
    """`change` for several locked agents at once (the router starting a batch of them): the same
    checks, ledger rows, saved fields and events, in a few statements. Nothing routes after it:
    its caller is the router."""
    now = now or timezone.now()
    states = [s for s in states if s.status_id != to.pk]
    for state in states:
        if not move_allowed(state.status, to, source):
            raise DomainError(
                _("%(agent)s cannot go from %(from)s to %(to)s.")
                % {"agent": state.agent.display_name, "from": state.status.label, "to": to.label},
                code="illegal_move",
            )
    at = {state.agent_id: max(now, state.since) for state in states}
    closing: dict[datetime, list[int]] = {}
    for agent_id, moment in at.items():
        closing.setdefault(moment, []).append(agent_id)
    for moment, agent_ids in closing.items():
        StatusInterval.objects.filter(agent_id__in=agent_ids, ended_at__isnull=True).update(ended_at=moment)
    StatusInterval.objects.bulk_create(
        StatusInterval(organization_id=s.organization_id, agent_id=s.agent_id, status=to, previous_status=s.status,
                       started_at=at[s.agent_id], changed_by=None, source=source,
                       reason=(reasons or {}).get(s.agent_id, "")[:200])
        for s in states
    )
    queues: dict[int, list[int]] = {}
    for agent_id, queue_id in QueueLogin.objects.filter(agent_id__in=list(at), ended_at__isnull=True).values_list(
        "agent_id", "queue_id"
    ):
        queues.setdefault(agent_id, []).append(queue_id)
    previous = {}
    for state in states:
        previous[state.agent_id] = state.status
        state.status, state.since = to, at[state.agent_id]
    update_rows(AgentState, "agent_id", ["status_id", "since"], [(s.agent_id, to.pk, s.since) for s in states])
    for state in states:
        publish_status(state, previous[state.agent_id], source=source, queue_ids=queues.get(state.agent_id, []))


def publish_status(state: AgentState, previous: StatusDefinition, *, source: str, queue_ids: list[int],
                   rule: str = "") -> None:
    """agent.status for a state just moved from `previous` to its current status (or whose Recibir
    nuevo changed). It carries the agent's name and the new state a status cell shows
    (supervision's StatusCells and status toast), so that every supervisor's overview draws the
    change without a query."""
    status = state.status
    events.publish(
        events.AGENT_STATUS,
        organization_id=state.organization_id,
        agent_ids=[state.agent_id],
        agent_name=state.agent.display_name,
        queue_ids=queue_ids,
        # Colleagues' workspaces show only how many agents are online.
        to_queue_groups=S.OFFLINE in (status.code, previous.code),
        status=status.code,
        previous_status=previous.code,
        source=source,
        since=state.since.isoformat(),
        is_pause=status.is_pause,
        status_name=status.name,
        max_minutes=status.max_minutes,
        receive_new=state.receive_new,
        prefers_dnd=state.prefers_dnd,
        scheduled=state.shift_phase != "none",  # the panel's row shows adherence: redrawn whole
        rule=rule,
    )


def logged_in_queue_ids(agent_id: int) -> list[int]:
    """The queues the agent is logged in to now (an agent.status event names them)."""
    return list(QueueLogin.objects.filter(agent_id=agent_id, ended_at__isnull=True).values_list("queue_id", flat=True))


def is_banned(agent: User) -> bool:
    return AgentState.objects.filter(agent=agent, status__code=S.BANNED).exists()
