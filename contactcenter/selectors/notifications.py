"""What a supervisor's notification preference lets through, asked alike by the panel's live
toasts (supervision/consumers.py) and the e-mail digest (services/notifications.py), and the
digest's content: the status changes, long pauses and missed shifts of their agents in a window.

Screens and services pass the agents the supervisor may see; this module never decides access.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from contactcenter.models import (
    NotificationPreference,
    StatusDefinition,
    StatusInterval,
    StatusRule,
    StatusSource,
    SupervisionAlert,
    User,
)

P = NotificationPreference.StatusChanges
DIGEST_LINES = 200  # a digest lists at most this many lines, then says how many more


def preference_of(user: User) -> NotificationPreference:
    """The user's preference, or the quiet defaults (unsaved) when they never chose."""
    found = NotificationPreference.objects.filter(user=user).prefetch_related("agents").first()
    return found or NotificationPreference(user=user, organization_id=user.organization_id)


def chosen_agent_ids(preference: NotificationPreference) -> frozenset[int]:
    """The agents the supervisor narrowed their notifications to (empty: every one)."""
    if preference.pk is None:
        return frozenset()
    return frozenset(agent.pk for agent in preference.agents.all())


def about_agent(chosen: frozenset[int], agent_id: int | None) -> bool:
    return not chosen or agent_id in chosen


def wants_status_change(choice: str, *, is_pause: bool, source: str, rule: str = "") -> bool:
    """Whether a status change (a ledger interval, an agent.status event or a rule's firing)
    notifies under the preference `choice`."""
    if choice == P.ALL:
        return True
    if choice == P.PAUSES:
        return is_pause
    if choice == P.AUTOMATIC:
        return source == StatusSource.SCHEDULE or bool(rule)
    return False  # long pauses only (their own alert), or none


def wants_long_pauses(choice: str) -> bool:
    return choice in (P.ALL, P.PAUSES, P.LONG_PAUSES)


# --- The e-mail digest ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    at: datetime
    agent: str
    text: str


def _label(status: StatusDefinition | None) -> str:
    return "—" if status is None else str(status.label)


def _status_changes(preference, agent_ids, since, until) -> list[DigestLine]:
    choice = preference.status_changes
    if choice in (P.LONG_PAUSES, P.NONE):
        return []
    intervals = (StatusInterval.objects.filter(agent_id__in=agent_ids, started_at__gt=since, started_at__lte=until)
                 .select_related("agent", "status", "previous_status").order_by("started_at", "id"))
    if choice == P.PAUSES:
        intervals = intervals.filter(status__kind=StatusDefinition.Kind.PAUSE)
    elif choice == P.AUTOMATIC:
        rules = StatusRule.objects.filter(organization_id=preference.organization_id).values("name")
        intervals = intervals.filter(Q(source=StatusSource.SCHEDULE) | Q(source=StatusSource.SYSTEM, reason__in=rules))
    lines = []
    for row in intervals[:DIGEST_LINES + 1]:
        text = _("%(from)s → %(to)s") % {"from": _label(row.previous_status), "to": _label(row.status)}
        if row.source in (StatusSource.SYSTEM, StatusSource.SCHEDULE, StatusSource.SUPERVISOR) and row.reason:
            text += f" ({row.get_source_display()}: {row.reason})"
        lines.append(DigestLine(row.started_at, row.agent.display_name, text))
    return lines


def _alerts(preference, agent_ids, since, until) -> list[DigestLine]:
    kinds = []
    if wants_long_pauses(preference.status_changes):
        kinds.append(SupervisionAlert.Kind.PAUSE_OVER)
    if preference.missed_shifts:
        kinds.append(SupervisionAlert.Kind.MISSED_SHIFT)
    if not kinds:
        return []
    alerts = {subject: (kind, at) for subject, kind, at in SupervisionAlert.objects.filter(
        organization_id=preference.organization_id, kind__in=kinds, created_at__gt=since, created_at__lte=until,
    ).values_list("subject_id", "kind", "created_at")}
    intervals = (StatusInterval.objects.filter(pk__in=list(alerts), agent_id__in=agent_ids)
                 .select_related("agent", "status"))
    lines = []
    for row in intervals:
        kind, at = alerts[row.pk]
        if kind == SupervisionAlert.Kind.PAUSE_OVER:
            text = _("Pause over its maximum: %(status)s (%(minutes)s min)") % {
                "status": row.status.label, "minutes": row.status.max_minutes}
        else:
            text = _("Not logged in for their shift")
        lines.append(DigestLine(at, row.agent.display_name, text))
    return lines


def digest_lines(preference: NotificationPreference, agent_ids, since: datetime, until: datetime
                 ) -> tuple[list[DigestLine], int]:
    """The lines of a supervisor's digest for (since, until], in time order, and how many more
    there were past the limit."""
    chosen = chosen_agent_ids(preference)
    agent_ids = [pk for pk in agent_ids if about_agent(chosen, pk)]
    if not agent_ids:
        return [], 0
    lines = sorted(_status_changes(preference, agent_ids, since, until) + _alerts(preference, agent_ids, since, until),
                   key=lambda line: line.at)
    return lines[:DIGEST_LINES], max(0, len(lines) - DIGEST_LINES)
