"""The Agents report split by what may change how agents work ("effect on efficiency and
satisfaction"): by the schedule each agent followed that day, or by whether the system paused the
agent in the hour (a pause in the status ledger with source `system`: a status rule, a missed
offer). A supervisor compares handle time and ratings before and after a change of shifts or rules.

Each hour's work of an agent (AgentHour: a conversation in the hour it closed, a rating in the
hour it arrived) goes to that hour's split; the rows are the same rollup sums as the unsplit tab,
so the splits of an agent add up to their unsplit row. A fixed number of queries whatever the
number of agents.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactcenter.models import AgentSchedule, StatusDefinition, StatusInterval, StatusSource, User
from contactcenter.selectors import rollups
from contactcenter.selectors.report_ranges import ReportRange
from contactcenter.selectors.reports import Scope, Totals, sums

SPLITS = {"schedule": gettext_lazy("Schedule"), "system_pause": gettext_lazy("System pause in the hour")}
SPLIT_HELP = gettext_lazy("Each hour's work goes to that hour's split: a conversation in the hour it closed, a "
                          "rating in the hour it arrived. Schedule: the one the agent followed that day. System "
                          "pause: whether the system paused the agent in that hour.")


@dataclass
class SplitRow:
    agent: User | None  # None: all the agents of the report
    split: str  # the split's label
    work: Totals

    def __getitem__(self, name: str):
        return self.work[name]


def _schedule_labels(scope: Scope, keys, zone) -> dict[tuple[int, datetime], str]:
    """(agent, hour) → the name of the schedule the agent followed on the hour's local day."""
    assignments = defaultdict(list)
    for agent_id, valid_from, name in AgentSchedule.objects.filter(
            organization_id=scope.organization_id, agent_id__in={agent for agent, _hour in keys}
    ).order_by("-valid_from").values_list("agent_id", "valid_from", "schedule__name"):
        assignments[agent_id].append((valid_from, name))
    none = _("No schedule")
    labels = {}
    for agent, hour in keys:
        day = hour.astimezone(zone).date()
        labels[(agent, hour)] = next((name for valid_from, name in assignments[agent] if valid_from <= day), none)
    return labels


def system_pause_hours(scope: Scope, period: ReportRange, *, now: datetime) -> set[tuple[int, datetime]]:
    """(agent, UTC hour) of every hour of the period a system pause overlaps."""
    start, end = period.start, min(period.end, now)
    hours = set()
    for agent_id, started, ended in StatusInterval.objects.filter(
            organization_id=scope.organization_id, source=StatusSource.SYSTEM,
            status__kind=StatusDefinition.Kind.PAUSE, started_at__lt=end,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start)).values_list("agent_id", "started_at", "ended_at"):
        hour, until = rollups.hour_floor(max(started, start)), min(ended or now, end)
        while hour < until:
            hours.add((agent_id, hour))
            hour += rollups.HOUR
    return hours


def agents_split(scope: Scope, period: ReportRange, split: str, *, queue_ids=(), channel_kind: str = "",
                 agent_id: int | None = None, now: datetime | None = None) -> list[SplitRow]:
    """The Agents tab's work figures per split: first all the agents together, one row per split,
    then each agent's rows, each in the split's order."""
    now = now or timezone.now()
    work = sums(scope, period, rollups.AGENT_HOURS, ("agent_id", "hour"), queue_ids=queue_ids,
                channel_kind=channel_kind, agent_id=agent_id, now=now)
    if split == "schedule":
        labels = _schedule_labels(scope, work.keys(), period.zone)
        order = sorted(set(labels.values()), key=lambda label: (label == _("No schedule"), label.lower()))
    elif split == "system_pause":
        paused = system_pause_hours(scope, period, now=now)
        with_, without = _("With a system pause"), _("Without a system pause")
        labels = {key: with_ if key in paused else without for key in work}
        order = [without, with_]
    else:
        raise ValueError(f"unknown split {split!r}")
    overall: dict[str, Totals] = defaultdict(Totals)
    per_agent: dict[tuple[int, str], Totals] = defaultdict(Totals)
    for key, counters in work.items():
        overall[labels[key]].add(counters)
        per_agent[(key[0], labels[key])].add(counters)
    people = {u.pk: u for u in User.objects.filter(organization_id=scope.organization_id,
                                                   pk__in={agent for agent, _label in per_agent})}
    rank = {label: index for index, label in enumerate(order)}
    rows = [SplitRow(None, label, overall[label]) for label in order if label in overall]
    rows += sorted((SplitRow(people[agent], label, totals) for (agent, label), totals in per_agent.items()
                    if agent in people),
                   key=lambda row: (row.agent.display_name.lower(), row.agent.pk, rank[row.split]))
    return rows
