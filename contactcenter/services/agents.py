"""The agent state machine and the status ledger.

Every change goes through `_change`, under the agent's row lock: it validates the move against
one table, closes the open ledger interval and opens the next in the same transaction, and
publishes `agent.status` on commit.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    AgentState,
    Device,
    Role,
    StatusDefinition,
    StatusInterval,
    StatusSource,
    SystemStatus,
    User,
)
from contactcenter.services.bulk import update_rows
from contactcenter.services.errors import DomainError, NotAllowed

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
    S.IN_SERVICE: {s: frozenset({A, SV, SY}) for s in _AWAKE - {S.IN_SERVICE}},
    S.AFTER_SERVICE: {
        **{s: frozenset({SY}) for s in _AWAKE},
        PAUSE: frozenset({A, SV, SY}),  # resuming a pause taken during after service
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


def _change(
    state: AgentState,
    to: StatusDefinition,
    *,
    by: User | None,
    source: str,
    reason: str = "",
    now: datetime | None = None,
    force_interval: bool = False,
) -> bool:
    """Move a locked agent state to `to`. Returns False when nothing changed."""
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
    _publish_status(state, previous, source=source, queue_ids=_logged_in_queue_ids(state.agent_id))
    if is_routable(state):
        _route_after_commit(state.agent_id)
    return True


def change_many(states: list[AgentState], to: StatusDefinition, *, source: str,
                reasons: dict[int, str] | None = None, now: datetime | None = None) -> None:
    """`_change` for several locked agents at once (the router starting a batch of them): the same
    checks, ledger rows, saved fields and events, in a few statements. Nothing routes after it:
    its caller is the router."""
    from contactcenter.models import QueueLogin

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
        _publish_status(state, previous[state.agent_id], source=source, queue_ids=queues.get(state.agent_id, []))


def _publish_status(state: AgentState, previous: StatusDefinition, *, source: str, queue_ids: list[int]) -> None:
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
    )


def _logged_in_queue_ids(agent_id: int) -> list[int]:
    from contactcenter.models import QueueLogin

    return list(QueueLogin.objects.filter(agent_id=agent_id, ended_at__isnull=True).values_list("queue_id", flat=True))


def _route_after_commit(agent_id: int) -> None:
    from contactcenter.services import routing

    routing.route_for_agent_on_commit(agent_id)


def settle(state: AgentState, *, by: User | None, source: str, reason: str = "", now=None) -> bool:
    """Put an awake agent in their resting status (after work ends, a pause ends...)."""
    if state.status.code in (S.OFFLINE, S.BANNED, S.DIALING) or state.status.is_pause:
        return False
    to = status_definition(state.organization_id, derived_status_code(state))
    return _change(state, to, by=by, source=source, reason=reason, now=now)


def _check_not_banned(state: AgentState, source: str) -> None:
    """A ban is lifted only by an administrator (agent_unban); no one else changes a banned status."""
    if state.status.code != S.BANNED:
        return
    if source == A:
        raise NotAllowed(_("You are banned from receiving work. Only an administrator can lift it."))
    raise NotAllowed(_("%(agent)s is banned. Only an administrator can lift the ban.")
                     % {"agent": state.agent.display_name})


def _drop_wrapup(state: AgentState, *, source: str) -> None:
    """Signing out or a ban ends the after-service episode (a late task for it changes nothing:
    the episode number stays). The caller saves the state."""
    if state.wrapup_conversation_id is None and state.wrapup_deadline is None:
        return
    finished = state.wrapup_conversation_id
    state.wrapup_conversation = None
    state.wrapup_deadline = None
    events.publish(events.WRAPUP_ENDED, organization_id=state.organization_id, agent_ids=[state.agent_id],
                   conversation_ids=[finished] if finished else [], episode=state.wrapup_episode,
                   source=source)


def _check_actor(agent: User, by: User | None, source: str) -> None:
    if source == A and by is not None and by.pk != agent.pk:
        raise NotAllowed(_("Only the agent can change their own status this way."))
    if source == SV:
        from contactcenter.services.policies import user_can_supervise_agent

        if by is None or not user_can_supervise_agent(by, agent):
            raise NotAllowed(_("You do not supervise this agent."))


# --- Public services ---------------------------------------------------------------------------


@transaction.atomic
def agent_sign_in(*, agent: User) -> AgentState:
    """Logging in to the contact center: Offline -> Online (no new work until Receive new)."""
    state = lock_state(agent)
    if state.status.code == S.OFFLINE:
        state.receive_new = False
        _change(state, status_definition(agent.organization_id, S.ONLINE), by=agent, source=A,
                reason="login")
    return state


@transaction.atomic
def agent_sign_out(*, agent: User, by: User | None = None, source: str = A, reason: str = "") -> AgentState:
    """Offline, logged out of every queue. A supervisor forcing it is `source=supervisor`."""
    from contactcenter.services import queues, routing

    _check_actor(agent, by, source)
    routing.offers_withdraw_for_agent(agent_id=agent.pk)
    state = lock_state(agent)
    if state.status.code == S.BANNED:
        queues.queue_logout_all(agent=agent, by=by)
        return state
    state.receive_new = False
    _drop_wrapup(state, source=source)
    queues.queue_logout_all(agent=agent, by=by)
    if not _change(state, status_definition(agent.organization_id, S.OFFLINE), by=by or agent,
                   source=source, reason=reason or "logout"):
        state.save(update_fields=["receive_new", "wrapup_conversation", "wrapup_deadline"])
    if source == SV:
        audit(by, "agent.sign_out", target_user=agent, reason=reason)
    return state


@transaction.atomic
def agent_set_receive_new(*, agent: User, on: bool, by: User | None = None, source: str = A) -> AgentState:
    """Recibir nuevo: on -> Ready (or In service below capacity); off -> Online or DND."""
    _check_actor(agent, by, source)
    state = lock_state(agent)
    _check_not_banned(state, source)
    if state.status.code == S.OFFLINE:
        raise DomainError(_("Log in before receiving work."), code="offline")
    state.receive_new = on
    if state.status.is_pause or state.status.code in (S.AFTER_SERVICE, S.DIALING):
        state.save(update_fields=["receive_new"])  # takes effect when the pause/wrap-up ends
        _publish_status(state, state.status, source=source, queue_ids=_logged_in_queue_ids(agent.pk))
        return state
    if not settle(state, by=by or agent, source=source, reason="receive_new on" if on else "receive_new off"):
        # The status stays (e.g. In service): the change of choice is news all the same.
        state.save(update_fields=["receive_new"])
        _publish_status(state, state.status, source=source, queue_ids=_logged_in_queue_ids(agent.pk))
    return state


@transaction.atomic
def agent_set_unavailable(*, agent: User, dnd: bool, by: User | None = None) -> AgentState:
    """The agent stops taking new work and shows Online (reachable) or DND."""
    _check_actor(agent, by, A)
    state = lock_state(agent)
    _check_not_banned(state, A)
    if state.status.code == S.OFFLINE:
        raise DomainError(_("Log in before changing your status."), code="offline")
    state.receive_new = False
    state.prefers_dnd = dnd
    if state.status.code in (S.AFTER_SERVICE, S.DIALING):
        state.save(update_fields=["receive_new", "prefers_dnd"])
        _publish_status(state, state.status, source=A, queue_ids=_logged_in_queue_ids(agent.pk))
        return state
    if state.status.is_pause:
        # Leaving a pause by choosing Online/DND (or back to after service / In service).
        _change(state, status_definition(agent.organization_id, derived_status_code(state)), by=agent,
                source=A)
        return state
    if not settle(state, by=agent, source=A):
        state.save(update_fields=["receive_new", "prefers_dnd"])
        _publish_status(state, state.status, source=A, queue_ids=_logged_in_queue_ids(agent.pk))
    return state


@transaction.atomic
def agent_pause(
    *, agent: User, reason: StatusDefinition, by: User | None = None, source: str = A, note: str = "", queue=None
) -> AgentState:
    """`queue`: the queue a supervisor acted from (for the audit log)."""
    _check_actor(agent, by, source)
    if not reason.is_pause or reason.organization_id != agent.organization_id or not reason.is_active:
        raise DomainError(_("Choose one of the organization's pause reasons."), code="bad_reason")
    state = lock_state(agent)
    _check_not_banned(state, source)
    _change(state, reason, by=by or agent, source=source, reason=note or reason.name)
    if source == SV:
        audit(by, "agent.pause", target_user=agent, queue=queue, reason=reason.name)
    return state


@transaction.atomic
def agent_resume(*, agent: User, by: User | None = None, source: str = A, queue=None) -> AgentState:
    """End a pause: back to Ready / In service / Online as Receive new says. `queue`: the queue a
    supervisor acted from (for the audit log)."""
    _check_actor(agent, by, source)
    state = lock_state(agent)
    _check_not_banned(state, source)
    if not state.status.is_pause:
        raise DomainError(_("%(agent)s is not paused.") % {"agent": agent.display_name}, code="not_paused")
    if source == SV:
        state.receive_new = True
    to = status_definition(agent.organization_id, derived_status_code(state))
    _change(state, to, by=by or agent, source=source, reason="resume")
    if source == SV:
        audit(by, "agent.resume", target_user=agent, queue=queue)
    return state


def agents_away_from_desk(now: datetime | None = None, *, agent_id: int | None = None) -> list[int]:
    """Ready agents whose last open workspace closed more than DEVICE_GRACE_SECONDS ago (or who
    never had one open that long): no work should wait on an empty desk."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DEVICE_GRACE_SECONDS)
    states = AgentState.objects.filter(receive_new=True, status__code=S.READY, since__lte=cutoff)
    if agent_id is not None:
        states = states.filter(agent_id=agent_id)
    return list(
        states
        .exclude(Exists(Device.objects.filter(user_id=OuterRef("agent_id"), disconnected_at__isnull=True)))
        .exclude(Exists(Device.objects.filter(user_id=OuterRef("agent_id"), disconnected_at__gt=cutoff)))
        .values_list("agent_id", flat=True)
    )


@transaction.atomic
def agent_left_desk(*, agent_id: int, now: datetime | None = None) -> bool:
    """The sweep found no workspace open for a Ready agent past the grace period: Recibir nuevo
    goes off (Online), recorded in the ledger with the reason. Conditional on the same facts
    under the lock, so a late or repeated run changes nothing."""
    state = lock_state(agent_id)
    if not agents_away_from_desk(now, agent_id=agent_id):  # re-checked under the lock
        return False
    state.receive_new = False
    settle(state, by=None, source=SY, reason="no workspace open")
    return True


@transaction.atomic
def agent_ban(*, agent: User, by: User, reason: str = "") -> AgentState:
    if not (by.is_org_admin and by.organization_id == agent.organization_id):
        raise NotAllowed(_("Only an administrator can ban an agent."))
    from contactcenter.services import queues

    state = lock_state(agent)
    state.receive_new = False
    _drop_wrapup(state, source=SV)
    queues.queue_logout_all(agent=agent, by=by)
    _change(state, status_definition(agent.organization_id, S.BANNED), by=by, source=SV, reason=reason)
    audit(by, "agent.ban", target_user=agent, reason=reason)
    return state


@transaction.atomic
def agent_unban(*, agent: User, by: User) -> AgentState:
    if not (by.is_org_admin and by.organization_id == agent.organization_id):
        raise NotAllowed(_("Only an administrator can lift a ban."))
    state = lock_state(agent)
    if state.status.code != S.BANNED:
        raise DomainError(_("%(agent)s is not banned.") % {"agent": agent.display_name}, code="not_banned")
    _change(state, status_definition(agent.organization_id, S.OFFLINE), by=by, source=SV, reason="unban")
    audit(by, "agent.unban", target_user=agent)
    return state


def audit(actor: User | None, action: str, *, target_user=None, queue=None, conversation=None,
          reason: str = "", **data) -> None:
    from contactcenter.models import AuditEntry

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


def is_banned(agent: User) -> bool:
    return AgentState.objects.filter(agent=agent, status__code=S.BANNED).exists()


def supervisor_roles() -> set[str]:
    return {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SUPERVISOR}
