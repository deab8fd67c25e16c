"""What a status rule does when it fires, and how a change that lasts returns.

Each action runs on the agent's locked state (queue actions on the queue's waiting chats) inside
a savepoint of the engine's transaction (rule_engine.py). A move the state machine refuses, or
one that would break the engine's invariants, raises `DomainError` before anything is written:
the engine records the firing as skipped with the reason, never half done. The rules never take
conversations away: an agent in service keeps theirs (a pause or Receive new off only stops new
work), an agent with open conversations is not signed out, and nothing here assigns work (the
router does, within capacity, after commit).

Every change is in the status ledger with source `system` and the rule's name as the reason; the
agent.status event carries the rule's name too.
"""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from contactcenter.models import AgentState, Conversation, StatusDefinition, StatusRule, StatusSource, SystemStatus
from contactcenter.services import agents, autoreplies, routing
from contactcenter.services.agent_states import (
    derived_status_code,
    logged_in_queue_ids,
    publish_status,
    status_definition,
)
from contactcenter.services.errors import DomainError

S = SystemStatus
SY = StatusSource.SYSTEM
A = StatusRule.Action
ASLEEP = (S.OFFLINE, S.BANNED)


def skip(message: str) -> DomainError:
    return DomainError(message, code="skipped")


def _require_awake(state: AgentState) -> None:
    if state.status.code in ASLEEP:
        raise skip(_("%(agent)s is %(status)s: a rule does not change that.")
                   % {"agent": state.agent.display_name, "status": state.status.label})


def _require_shift(state: AgentState) -> None:
    if not state.in_shift and not state.agent.organization.shift_allow_overtime:
        raise skip(_("%(agent)s is outside their shift.") % {"agent": state.agent.display_name})


def _choice(state: AgentState, action: str) -> dict:
    """What a change that lasts gives back: the agent's own choice, and the pause they were on."""
    return {"action": action, "receive_new": state.receive_new, "prefers_dnd": state.prefers_dnd,
            "pause_id": state.status_id if state.status.is_pause else None}


def _move(state: AgentState, to: StatusDefinition, rule: StatusRule, now: datetime) -> bool:
    """Change the status (or, when it stays, publish the changed switches): True if anything did."""
    if routing.agent_status_change(state, to, by=None, source=SY, reason=rule.name, now=now, rule=rule.name):
        return True
    state.save(update_fields=["receive_new", "prefers_dnd"])
    publish_status(state, state.status, source=SY, queue_ids=logged_in_queue_ids(state.agent_id), rule=rule.name)
    return False


def _settle(state: AgentState, rule: StatusRule, now: datetime) -> None:
    """After the switches changed: a pause ends (the rule chose a status), work in hand keeps the
    agent where they are (In service, After service, Dialing), otherwise the chosen status."""
    if state.status.code in (S.AFTER_SERVICE, S.DIALING):
        _move(state, state.status, rule, now)
        return
    _move(state, status_definition(state.organization_id, derived_status_code(state)), rule, now)


# --- The actions ------------------------------------------------------------------------------------


def _pause(rule: StatusRule, state: AgentState, now: datetime) -> dict:
    _require_awake(state)
    reason = rule.pause_reason
    if reason is None or not reason.is_active or not reason.is_pause:
        raise skip(_("The rule's pause reason is no longer active."))
    if state.status_id == reason.pk:
        raise skip(_("%(agent)s is already on %(status)s.") % {"agent": state.agent.display_name,
                                                               "status": reason.name})
    restore = _choice(state, rule.action)
    routing.agent_status_change(state, reason, by=None, source=SY, reason=rule.name, now=now, rule=rule.name)
    return {"restore": restore}


def _chosen(rule: StatusRule, state: AgentState, now: datetime) -> dict:
    """Ready (Receive new on) or Online (off, not DND); from a pause it ends the pause."""
    _require_awake(state)
    ready = rule.action == A.READY
    if ready:
        _require_shift(state)
    if state.receive_new == ready and (ready or not state.prefers_dnd) and not state.status.is_pause:
        raise skip(_("%(agent)s is already there.") % {"agent": state.agent.display_name})
    restore = _choice(state, rule.action)
    state.receive_new = ready
    state.prefers_dnd = state.prefers_dnd if ready else False
    _settle(state, rule, now)
    return {"restore": restore}


def _offline(rule: StatusRule, state: AgentState, now: datetime) -> dict:
    _require_awake(state)
    if state.chat_load + state.voice_load > 0 or state.wrapup_conversation_id is not None:
        raise skip(_("%(agent)s has conversations open: signing them out would leave the customers without "
                     "an agent.") % {"agent": state.agent.display_name})
    restore = _choice(state, rule.action)
    agents.agent_sign_out(agent=state.agent, by=None, source=SY, reason=rule.name, rule=rule.name)
    state.refresh_from_db()
    return {"restore": restore}


def _receive_new(rule: StatusRule, state: AgentState, now: datetime) -> dict:
    _require_awake(state)
    on = rule.action == A.RECEIVE_NEW_ON
    if state.receive_new == on:
        raise skip(_("%(agent)s already has Receive new %(switch)s.")
                   % {"agent": state.agent.display_name, "switch": _("on") if on else _("off")})
    if on:
        _require_shift(state)
    restore = _choice(state, rule.action)
    state.receive_new = on
    if state.status.is_pause:  # it takes effect when the pause ends
        _move(state, state.status, rule, now)
    else:
        _settle(state, rule, now)
    return {"restore": restore}


def _notify(rule: StatusRule, state: AgentState | None, now: datetime) -> dict:
    return {}  # the engine tells the supervisors (panel event, e-mail task) for every applied notify


def _auto_reply(rule: StatusRule, queue_id: int, now: datetime) -> dict:
    waiting = (Conversation.objects.filter(queue_id=queue_id, status=Conversation.Status.QUEUED,
                                           medium=Conversation.Medium.CHAT)
               .order_by("enqueued_at").values_list("pk", flat=True))
    sent = sum(autoreplies.autoreply_send_once(conversation_id=pk, kind=f"rule:{rule.pk}", text=rule.message)
               is not None for pk in waiting)
    if not sent:
        raise skip(_("No customer waiting by chat to write to."))
    return {"detail": str(sent)}


AGENT_ACTIONS = {A.PAUSE: _pause, A.READY: _chosen, A.ONLINE: _chosen, A.OFFLINE: _offline,
                 A.RECEIVE_NEW_OFF: _receive_new, A.RECEIVE_NEW_ON: _receive_new, A.NOTIFY: _notify}


def apply(rule: StatusRule, *, state: AgentState | None, queue_id: int | None, now: datetime) -> dict:
    """Run the rule's action; returns the firing's fields (what a lasting change returns from)."""
    if rule.action == A.AUTO_REPLY:
        return _auto_reply(rule, queue_id, now)
    if state is None:
        return _notify(rule, None, now)
    done = AGENT_ACTIONS[rule.action](rule, state, now)
    if rule.may_last:
        done["expected_status_id"], done["expected_since"] = state.status_id, state.since
        if rule.duration_minutes:
            done["return_at"] = now + timedelta(minutes=rule.duration_minutes)
    return done


def give_back(rule: StatusRule, restore: dict, state: AgentState, *, expected_status_id: int | None,
              expected_since, now: datetime) -> bool:
    """The end of a change that lasted: back to what the agent had chosen, if nothing changed them
    since (their own choice, a supervisor, work): False when it is left as it is."""
    action = restore.get("action")
    if action in (A.RECEIVE_NEW_OFF, A.RECEIVE_NEW_ON):
        if state.receive_new != (action == A.RECEIVE_NEW_ON) or state.status.code in ASLEEP:
            return False
        state.receive_new = restore["receive_new"]
        if state.status.is_pause:
            _move(state, state.status, rule, now)
        else:
            _settle(state, rule, now)
        return True
    if state.status_id != expected_status_id or state.since != expected_since:
        return False
    if action == A.OFFLINE:
        return routing.agent_status_change(state, status_definition(state.organization_id, S.ONLINE), by=None,
                                           source=SY, reason=rule.name, now=now, rule=rule.name)
    state.receive_new, state.prefers_dnd = restore["receive_new"], restore["prefers_dnd"]
    pause = None
    if restore.get("pause_id"):
        pause = StatusDefinition.objects.filter(pk=restore["pause_id"], is_active=True,
                                                organization_id=state.organization_id).first()
    if pause is not None:
        _move(state, pause, rule, now)
    else:
        _settle(state, rule, now)
    return True
