"""What agents do with their status, and what supervisors and administrators do to it: log in
and out, Recibir nuevo, DND, pauses, bans, the away-from-desk check.

The status machine itself (the allowed moves, the ledger, the agent.status event) is
`agent_states`; every change here goes through `routing.agent_status_change`, which also routes
an agent who can take work after it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import AgentState, Device, StatusDefinition, StatusSource, SystemStatus, User
from contactcenter.services import offers, queues, routing, wrapup
from contactcenter.services.agent_states import (
    derived_status_code,
    lock_state,
    logged_in_queue_ids,
    publish_status,
    status_definition,
)
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import user_can_supervise_agent

S = SystemStatus
A, SV, SY = StatusSource.AGENT, StatusSource.SUPERVISOR, StatusSource.SYSTEM


def settle(state: AgentState, *, by: User | None, source: str, reason: str = "", now=None) -> bool:
    """Put an awake agent in their resting status (after work ends, a pause ends...)."""
    if state.status.code in (S.OFFLINE, S.BANNED, S.DIALING) or state.status.is_pause:
        return False
    to = status_definition(state.organization_id, derived_status_code(state))
    return routing.agent_status_change(state, to, by=by, source=source, reason=reason, now=now)


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
    wrapup.wrapup_record_end(finished)
    state.wrapup_conversation = None
    state.wrapup_deadline = None
    events.publish(events.WRAPUP_ENDED, organization_id=state.organization_id, agent_ids=[state.agent_id],
                   conversation_ids=[finished] if finished else [], episode=state.wrapup_episode,
                   source=source)


def _check_actor(agent: User, by: User | None, source: str) -> None:
    if source == A and by is not None and by.pk != agent.pk:
        raise NotAllowed(_("Only the agent can change their own status this way."))
    if source == SV:
        if by is None or not user_can_supervise_agent(by, agent):
            raise NotAllowed(_("You do not supervise this agent."))


# --- Public services ---------------------------------------------------------------------------


@transaction.atomic
def agent_sign_in(*, agent: User) -> AgentState:
    """Logging in to the contact center: Offline -> Online (no new work until Receive new)."""
    state = lock_state(agent)
    if state.status.code == S.OFFLINE:
        state.receive_new = False
        routing.agent_status_change(state, status_definition(agent.organization_id, S.ONLINE), by=agent, source=A,
                reason="login")
    return state


@transaction.atomic
def agent_sign_out(*, agent: User, by: User | None = None, source: str = A, reason: str = "",
                   rule: str = "") -> AgentState:
    """Offline, logged out of every queue. A supervisor forcing it is `source=supervisor`; a
    status rule is `source=system` with its name as `rule`."""
    _check_actor(agent, by, source)
    offers.offers_withdraw_for_agent(agent_id=agent.pk)
    state = lock_state(agent)
    if state.status.code == S.BANNED:
        queues.queue_logout_all(agent=agent, by=by)
        return state
    state.receive_new = False
    _drop_wrapup(state, source=source)
    queues.queue_logout_all(agent=agent, by=by)
    if not routing.agent_status_change(state, status_definition(agent.organization_id, S.OFFLINE), by=by or agent,
                   source=source, reason=reason or "logout", rule=rule):
        state.save(update_fields=["receive_new", "wrapup_conversation", "wrapup_deadline"])
    if source == SV:
        audit(by, "agent.sign_out", target_user=agent, reason=reason)
    return state


def _check_shift(state: AgentState, source: str) -> None:
    """Outside their shift an agent goes Ready only where the organization allows overtime."""
    if source == A and not state.in_shift and not state.agent.organization.shift_allow_overtime:
        raise DomainError(_("You are outside your shift, and your organization does not allow working outside "
                            "it. You can go Ready when your next shift starts."), code="off_shift")


@transaction.atomic
def agent_set_receive_new(*, agent: User, on: bool, by: User | None = None, source: str = A) -> AgentState:
    """Recibir nuevo: on -> Ready (or In service below capacity); off -> Online or DND."""
    _check_actor(agent, by, source)
    state = lock_state(agent)
    _check_not_banned(state, source)
    if state.status.code == S.OFFLINE:
        raise DomainError(_("Log in before receiving work."), code="offline")
    if on:
        _check_shift(state, source)
    state.receive_new = on
    if state.status.is_pause or state.status.code in (S.AFTER_SERVICE, S.DIALING):
        state.save(update_fields=["receive_new"])  # takes effect when the pause/wrap-up ends
        publish_status(state, state.status, source=source, queue_ids=logged_in_queue_ids(agent.pk))
        return state
    if not settle(state, by=by or agent, source=source, reason="receive_new on" if on else "receive_new off"):
        # The status stays (e.g. In service): the change of choice is news all the same.
        state.save(update_fields=["receive_new"])
        publish_status(state, state.status, source=source, queue_ids=logged_in_queue_ids(agent.pk))
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
        publish_status(state, state.status, source=A, queue_ids=logged_in_queue_ids(agent.pk))
        return state
    if state.status.is_pause:
        # Leaving a pause by choosing Online/DND (or back to after service / In service).
        to = status_definition(agent.organization_id, derived_status_code(state))
        routing.agent_status_change(state, to, by=agent, source=A)
        return state
    if not settle(state, by=agent, source=A):
        state.save(update_fields=["receive_new", "prefers_dnd"])
        publish_status(state, state.status, source=A, queue_ids=logged_in_queue_ids(agent.pk))
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
    routing.agent_status_change(state, reason, by=by or agent, source=source, reason=note or reason.name)
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
    routing.agent_status_change(state, to, by=by or agent, source=source, reason="resume")
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
    state = lock_state(agent)
    state.receive_new = False
    _drop_wrapup(state, source=SV)
    queues.queue_logout_all(agent=agent, by=by)
    banned = status_definition(agent.organization_id, S.BANNED)
    routing.agent_status_change(state, banned, by=by, source=SV, reason=reason)
    audit(by, "agent.ban", target_user=agent, reason=reason)
    return state


@transaction.atomic
def agent_unban(*, agent: User, by: User) -> AgentState:
    if not (by.is_org_admin and by.organization_id == agent.organization_id):
        raise NotAllowed(_("Only an administrator can lift a ban."))
    state = lock_state(agent)
    if state.status.code != S.BANNED:
        raise DomainError(_("%(agent)s is not banned.") % {"agent": agent.display_name}, code="not_banned")
    offline = status_definition(agent.organization_id, S.OFFLINE)
    routing.agent_status_change(state, offline, by=by, source=SV, reason="unban")
    audit(by, "agent.unban", target_user=agent)
    return state
