"""Schedules in the configuration portal: the weekly patterns (shifts and breaks), assigning one
to many agents from a date, one-off exceptions, copying a week. Admins edit every schedule;
supervisors with the portal only their agents' (a pattern shared with agents they do not
supervise stays read-only to them). Every change marks the agents it touches as due, so the next
minute's shift task brings them in line."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contactcenter.models import (
    AgentSchedule,
    AgentState,
    BusinessHours,
    Organization,
    QueueMembership,
    Role,
    Schedule,
    ScheduleBreak,
    ScheduleException,
    ScheduleShift,
    StatusDefinition,
    User,
)
from contactcenter.selectors import shifts as sel
from contactcenter.services import writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_access_config, supervised_queues
from contactcenter.services.shifts import shifts_mark_due

K = ScheduleException.Kind
# The organization's shift policies (Organization fields) the Schedules page edits, in its order.
SHIFT_POLICIES = ("shift_routing", "shift_allow_overtime", "shift_auto_ready", "shift_end_grace_minutes",
                  "shift_breaks_pause", "shift_holidays")
SWITCHES = ("shift_routing", "shift_allow_overtime", "shift_auto_ready", "shift_breaks_pause")
MAX_GRACE_MINUTES = 240


def schedulable_agents(user: User) -> QuerySet:
    """The users whose schedules `user` may change."""
    if not can_access_config(user):
        return User.objects.none()
    users = User.objects.filter(organization_id=user.organization_id, is_active=True)
    if user.role == Role.SUPERVISOR and user.organization.supervisors_limited_to_assigned_queues:
        members = QueueMembership.objects.filter(queue__in=supervised_queues(user), role=QueueMembership.Role.AGENT)
        users = users.filter(pk__in=members.values("user_id"))
    return users


def may_edit_schedule(user: User, schedule: Schedule) -> bool:
    if not can_access_config(user) or schedule.organization_id != user.organization_id:
        return False
    if user.is_org_admin:
        return True
    assigned = set(schedule.assignments.values_list("agent_id", flat=True))
    return assigned <= set(schedulable_agents(user).values_list("pk", flat=True))


def _agents_of(schedule: Schedule) -> list[int]:
    return list(schedule.assignments.values_list("agent_id", flat=True).distinct())


@transaction.atomic
def schedule_save(*, by: User, schedule: Schedule | None, name: str, shifts: list[dict]) -> Schedule:
    """Create or edit a schedule and its shifts: each dict has weekday, starts, ends and, for an
    existing shift, its `id` and `delete`."""
    writes.require(can_access_config(by) and (schedule is None or may_edit_schedule(by, schedule)))
    schedule = schedule or Schedule(organization_id=by.organization_id)
    writes.check_unique(schedule, _("There is already a schedule named “%(name)s”.") % {"name": name},
                        name__iexact=name)
    writes.save(by, schedule, "schedule", {"name": name})
    for row in shifts:
        shift = ScheduleShift(organization_id=by.organization_id, schedule=schedule)
        if row.get("id"):
            shift = ScheduleShift.objects.filter(pk=row["id"], schedule=schedule).first()
            if shift is None:
                raise DomainError(_("That shift does not exist."), code="not_found")
            if row.get("delete"):
                shift.delete()
                continue
        shift.weekday, shift.starts, shift.ends = row["weekday"], row["starts"], row["ends"]
        shift.save()
    shifts_mark_due(_agents_of(schedule))
    return schedule


@transaction.atomic
def schedule_delete(*, by: User, schedule: Schedule) -> None:
    writes.require(may_edit_schedule(by, schedule))
    agents = _agents_of(schedule)
    schedule.delete()
    shifts_mark_due(agents)


@transaction.atomic
def schedule_break_add(*, by: User, shift: ScheduleShift, starts: datetime.time, minutes: int,
                       pause: StatusDefinition) -> ScheduleBreak:
    writes.require(may_edit_schedule(by, shift.schedule))
    writes.same_organization(by, pause)
    if not pause.is_pause:
        raise DomainError(_("Choose one of the organization's pause reasons."), code="bad_reason")
    day = datetime.date(2001, 1, 1)
    start = datetime.datetime.combine(day, shift.starts)
    end = datetime.datetime.combine(day + datetime.timedelta(days=shift.crosses_midnight), shift.ends)
    at = datetime.datetime.combine(day + datetime.timedelta(days=starts < shift.starts), starts)
    if not (start <= at and at + datetime.timedelta(minutes=minutes) <= end):
        raise DomainError(_("The break must fit inside its shift (%(shift)s).") % {"shift": shift}, code="outside")
    brk = ScheduleBreak.objects.create(organization_id=by.organization_id, shift=shift, starts=starts,
                                       minutes=minutes, pause=pause)
    shifts_mark_due(_agents_of(shift.schedule))
    return brk


@transaction.atomic
def schedule_break_remove(*, by: User, brk: ScheduleBreak) -> None:
    writes.require(may_edit_schedule(by, brk.shift.schedule))
    schedule = brk.shift.schedule
    brk.delete()
    shifts_mark_due(_agents_of(schedule))


def _require_agents(by: User, agents) -> None:
    allowed = set(schedulable_agents(by).values_list("pk", flat=True))
    writes.require(bool(agents) and all(agent.pk in allowed for agent in agents))


@transaction.atomic
def agent_schedule_assign(*, by: User, schedule: Schedule, agents: list[User], valid_from: datetime.date) -> int:
    """One schedule for many agents from a date (replacing what they had from that same date)."""
    writes.same_organization(by, schedule)
    _require_agents(by, agents)
    for agent in agents:
        AgentSchedule.objects.update_or_create(
            agent=agent, valid_from=valid_from,
            defaults={"schedule": schedule, "organization_id": by.organization_id})
    shifts_mark_due([a.pk for a in agents])
    return len(agents)


@transaction.atomic
def schedule_exception_add(*, by: User, agent: User, date: datetime.date, kind: str,
                           starts: datetime.time | None = None, ends: datetime.time | None = None,
                           note: str = "") -> ScheduleException:
    _require_agents(by, [agent])
    if kind in ScheduleException.TIMED and (starts is None or ends is None):
        raise DomainError(_("An extra shift or changed hours needs a start and an end."), code="times")
    if kind not in ScheduleException.TIMED:
        starts = ends = None
    exception = ScheduleException.objects.create(organization_id=by.organization_id, agent=agent, date=date,
                                                 kind=kind, starts=starts, ends=ends, note=note)
    shifts_mark_due([agent.pk])
    return exception


@transaction.atomic
def schedule_exception_remove(*, by: User, exception: ScheduleException) -> None:
    _require_agents(by, [exception.agent])
    exception.delete()
    shifts_mark_due([exception.agent_id])


@transaction.atomic
def schedule_week_copy(*, by: User, agent: User, source: datetime.date, target: datetime.date) -> int:
    """Make the agent's week starting `target` (a Monday) the same as the week starting `source`:
    each target day's exceptions are replaced by the source day's shifts (changed hours, then extra
    shifts) or a day off. Breaks of the pattern are not copied to changed days."""
    _require_agents(by, [agent])
    if source.weekday() != 0 or target.weekday() != 0 or source == target:
        raise DomainError(_("Choose two different weeks (each from its Monday)."), code="weeks")
    zone = agent.organization.zone
    start = sel.moment(source, datetime.time(0), zone)
    found = sel.agent_shifts(agent, start, sel.moment(source + datetime.timedelta(days=7), datetime.time(0), zone))
    ScheduleException.objects.filter(agent=agent, date__gte=target, date__lt=target + datetime.timedelta(days=7)
                                     ).delete()
    created = 0
    for offset in range(7):
        day_shifts = [s for s in found if s.day == source + datetime.timedelta(days=offset)]
        day = target + datetime.timedelta(days=offset)
        if not day_shifts:
            ScheduleException.objects.create(organization_id=by.organization_id, agent=agent, date=day,
                                             kind=K.DAY_OFF, note=_("copied week"))
        for index, shift in enumerate(day_shifts):
            ScheduleException.objects.create(
                organization_id=by.organization_id, agent=agent, date=day,
                kind=K.CHANGED_HOURS if index == 0 else K.EXTRA_SHIFT, note=_("copied week"),
                starts=shift.start.astimezone(zone).time(), ends=shift.end.astimezone(zone).time())
        created += 1
    shifts_mark_due([agent.pk])
    return created


@transaction.atomic
def organization_set_shift_policies(*, by: User, values: dict) -> dict:
    """Set the organization's shift policies (SHIFT_POLICIES; administrators and owners only).
    Every policy that changes is one AuditEntry; the scheduled agents are recomputed on the next
    minute's tick (holidays, breaks and the grace change their shifts). Returns what changed."""
    writes.require(by.is_org_admin)
    unknown = set(values) - set(SHIFT_POLICIES)
    if unknown:
        raise DomainError(_("Unknown setting: %(name)s") % {"name": ", ".join(sorted(unknown))}, code="unknown")
    values = {name: bool(value) if name in SWITCHES else value for name, value in values.items()}
    grace = values.get("shift_end_grace_minutes")
    if grace is not None and not (isinstance(grace, int) and 0 <= grace <= MAX_GRACE_MINUTES):
        raise DomainError(_("The minutes to finish after a shift must be between 0 and %(max)s.")
                          % {"max": MAX_GRACE_MINUTES}, code="grace")
    holidays = values.get("shift_holidays")
    if holidays is not None and not isinstance(holidays, BusinessHours):
        raise DomainError(_("That item does not exist."), code="not_found")
    writes.same_organization(by, holidays)
    organization = Organization.objects.select_for_update().get(pk=by.organization_id)
    changed = {name: value for name, value in values.items() if getattr(organization, name) != value}
    if not changed:
        return {}
    for name, value in changed.items():
        setattr(organization, name, value)
        setattr(by.organization, name, value)
    organization.save(update_fields=list(changed))
    for name, value in changed.items():
        shown = {"id": value.pk, "name": value.name} if isinstance(value, BusinessHours) else value
        audit(by, "organization.shift_policy", setting=name, value=shown)
    scheduled = set(AgentSchedule.objects.filter(organization_id=by.organization_id).values_list("agent_id", flat=True))
    scheduled |= set(AgentState.objects.filter(organization_id=by.organization_id).exclude(shift_phase="none")
                     .values_list("agent_id", flat=True))
    shifts_mark_due(scheduled)
    return changed
