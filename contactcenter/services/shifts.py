"""Shifts in the engine: each agent's shift phase (off, on, on a break, ending), the `in_shift`
flag the router reads, and the status changes a schedule makes (source `schedule` in the ledger).

Nothing here polls every agent: the state row stores when the agent's phase next changes
(`shift_next_change`); the beat task, once a minute, acts on the agents whose moment is due. Every
change is conditional on the state found under the agent's lock, so a duplicate or late run
changes nothing, and the sweep, which recomputes every scheduled agent from the schedule, catches
what a lost run missed.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contactcenter import events
from contactcenter.models import AgentState, Device, Organization, StatusDefinition, StatusSource, SystemStatus
from contactcenter.selectors import shifts as sel
from contactcenter.services import agents, queues, routing
from contactcenter.services.agent_states import derived_status_code, lock_state, logged_in_queue_ids, status_definition
from contactcenter.services.errors import DomainError

logger = logging.getLogger(__name__)
S = SystemStatus
SC = StatusSource.SCHEDULE
NONE, OFF, ON, BREAK, ENDING = "none", "off", "on", "break", "ending"
IN_SHIFT = (ON, BREAK)
# An agent finishing conversations after their shift is looked at again this often.
ENDING_RECHECK = timedelta(minutes=1)


def _window(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=1), now + sel.LOOKAHEAD


def _target(state: AgentState, found: list[sel.Shift], now: datetime, grace: timedelta):
    """(phase, shift, break, next change) the schedule says for `now`, given the stored phase."""
    shift = next((s for s in found if s.contains(now)), None)
    upcoming = sel.next_boundary(found, now)
    if shift is not None:
        brk = shift.break_at(now)
        return (BREAK if brk else ON), shift, brk, upcoming
    if state.shift_phase in (ON, BREAK, ENDING):
        ended = max((s.end for s in found if s.end <= now), default=None)
        deadline = (ended or now) + grace
        busy = state.chat_load + state.voice_load > 0 or state.wrapup_conversation_id is not None
        if busy and now < deadline:
            return ENDING, None, None, min(filter(None, (upcoming, deadline, now + ENDING_RECHECK)))
    return OFF, None, None, upcoming


def agent_shift_apply(*, agent_id: int, now: datetime | None = None, only_due: bool = True,
                      found: list[sel.Shift] | None = None) -> bool:
    """Bring one agent to what their schedule says at `now`. `only_due`: the beat task's run, which
    does nothing unless the stored next change is due. Returns whether the phase changed."""
    now = now or timezone.now()
    with transaction.atomic():
        state = lock_state(agent_id)
        if only_due and (state.shift_next_change is None or state.shift_next_change > now):
            return False
        organization = state.agent.organization
        if found is None:
            found = sel.shifts_for_agents(organization, [agent_id], *_window(now))[agent_id]
        if not found and not sel.has_schedule(agent_id):
            phase, shift, brk, upcoming = NONE, None, None, None
        else:
            phase, shift, brk, upcoming = _target(state, found, now, timedelta(
                minutes=organization.shift_end_grace_minutes))
        before = state.shift_phase
        if phase != before:
            _move(state, organization, before, phase, brk, found, now)
        state.shift_phase = phase
        state.in_shift = phase in IN_SHIFT or phase == NONE
        state.shift_next_change = upcoming
        state.save(update_fields=["shift_phase", "in_shift", "shift_next_change"])
        if phase != before:
            # The panel's adherence is drawn from the phase: every supervisor's row redraws.
            events.publish(events.AGENT_SHIFT, organization_id=state.organization_id, agent_ids=[agent_id],
                           queue_ids=logged_in_queue_ids(agent_id), to_queue_groups=False, phase=phase)
        if state.in_shift and phase != before:
            routing.route_for_agent_on_commit(agent_id)
        return phase != before


def _move(state: AgentState, organization: Organization, before: str, phase: str, brk, found, now) -> None:
    """The status changes between two phases, each only from the status the schedule expects."""
    if before in IN_SHIFT and phase not in IN_SHIFT:
        _shift_end(state, now)
    if before == BREAK and phase != BREAK:
        _break_end(state, found, now)
    if before not in IN_SHIFT and phase in IN_SHIFT:
        _shift_start(state, organization, now)
    if phase == BREAK and before != BREAK and organization.shift_breaks_pause:
        _break_start(state, brk, now)
    if phase == OFF and before in (ON, BREAK, ENDING) and not organization.shift_allow_overtime:
        if state.status.code not in (S.OFFLINE, S.BANNED):
            agents.agent_sign_out(agent=state.agent, by=None, source=SC, reason="shift end")
            state.refresh_from_db()


def _shift_start(state: AgentState, organization: Organization, now) -> None:
    if not organization.shift_auto_ready or state.status.code not in (S.OFFLINE, S.ONLINE, S.DND):
        return
    if not Device.objects.filter(user_id=state.agent_id, disconnected_at__isnull=True).exists():
        return  # no open session: nobody to put to work
    if state.status.code == S.OFFLINE:
        routing.agent_status_change(state, status_definition(state.organization_id, S.ONLINE), by=None,
                                    source=SC, reason="shift start", now=now)
    try:
        queues.queue_login_member_queues(agent=state.agent)
    except DomainError:
        logger.info("shift start: agent %s has no queue to log in to", state.agent_id)
    state.receive_new = True
    agents.settle(state, by=None, source=SC, reason="shift start", now=now)


def _shift_end(state: AgentState, now) -> None:
    state.receive_new = False
    if state.status.code in (S.READY, S.IN_SERVICE):
        if agents.settle(state, by=None, source=SC, reason="shift end", now=now):
            return
    state.save(update_fields=["receive_new"])


def _break_start(state: AgentState, brk: sel.Break, now) -> None:
    if state.status.code not in (S.READY, S.IN_SERVICE, S.ONLINE, S.DND):
        return  # offline, already paused, wrapping up: the schedule does not override it
    pause = StatusDefinition.objects.filter(pk=brk.pause_id, is_active=True).first()
    if pause is not None:
        routing.agent_status_change(state, pause, by=None, source=SC, reason="scheduled break", now=now)


def _break_end(state: AgentState, found, now) -> None:
    pauses = {b.pause_id for s in found for b in s.breaks if b.start < now}
    if state.status.is_pause and state.status_id in pauses:
        to = status_definition(state.organization_id, derived_status_code(state))
        routing.agent_status_change(state, to, by=None, source=SC, reason="break end", now=now)


# --- Periodic ---------------------------------------------------------------------------------------


def shifts_due(now: datetime | None = None) -> int:
    """The beat task (every minute): the agents whose shift phase changes by now."""
    now = now or timezone.now()
    changed = 0
    for agent_id in AgentState.objects.filter(shift_next_change__lte=now).values_list("agent_id", flat=True):
        changed += agent_shift_apply(agent_id=agent_id, now=now)
    return changed


def shifts_sweep(now: datetime | None = None) -> int:
    """The safety net: every agent with a schedule (or a phase left from one) is recomputed from
    the schedule, one batch of shifts per organization."""
    now = now or timezone.now()
    changed = 0
    for organization in Organization.objects.all():
        agent_ids = list(AgentState.objects.filter(organization=organization).filter(
            Q(agent__schedules__isnull=False) | ~Q(shift_phase=NONE)).values_list("agent_id", flat=True).distinct())
        if not agent_ids:
            continue
        found = sel.shifts_for_agents(organization, agent_ids, *_window(now))
        for agent_id in agent_ids:
            changed += agent_shift_apply(agent_id=agent_id, now=now, only_due=False, found=found[agent_id])
    return changed


def shifts_mark_due(agent_ids, now: datetime | None = None) -> None:
    """A schedule, assignment or exception changed: these agents are recomputed on the next tick."""
    AgentState.objects.filter(agent_id__in=list(agent_ids)).update(shift_next_change=now or timezone.now())
