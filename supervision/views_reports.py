"""Reports: the historical figures of queues, channels and agents' time, one tab per URL
(`/supervision/reports/` and `/supervision/reports/<tab>/`), filtered by GET parameters so that
every report is a bookmarkable link; `?format=csv` downloads the tab's table."""

import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import repeat

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from contactcenter.models import Channel, Conversation, Disposition, Queue, Tag, User
from contactcenter.selectors import csat as csat_sel
from contactcenter.selectors import report_drill, report_splits, rollups
from contactcenter.selectors import reports as sel
from contactcenter.selectors.report_ranges import GRANULARITIES, PRESETS, local_today
from permissions import access
from supervision import charts, exports
from supervision.forms import ReportFilterForm

TABS = {
    "overview": gettext_lazy("Overview"),
    "queues": gettext_lazy("Queues"),
    "channels": gettext_lazy("Channels"),
    "agents": gettext_lazy("Agents"),
    "status": gettext_lazy("Agent status"),
    "dispositions": gettext_lazy("Dispositions and tags"),
}


@dataclass
class Table:
    """A report's table: the page shows `shown`, the CSV writes `raw` (numbers, seconds)."""

    header: list[str]
    help: list[str] = field(default_factory=list)
    shown: list[list[str]] = field(default_factory=list)
    raw: list[list] = field(default_factory=list)
    links: list[list[str | None]] = field(default_factory=list)  # parallel to `shown`; None: no link

    @property
    def rows(self) -> list[list[tuple[str, str | None]]]:
        """Each shown row as (text, link) cells."""
        return [list(zip(row, links, strict=True)) if links else [(cell, None) for cell in row]
                for row, links in zip(self.shown, self.links or [None] * len(self.shown), strict=True)]

    @property
    def columns(self) -> list[tuple[str, str]]:
        """(name, definition) of each column."""
        return list(zip(self.header, self.help or [""] * len(self.header), strict=True))

    @property
    def definitions(self) -> list[tuple[str, str]]:
        return [(name, help) for name, help in self.columns if help]


def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(round(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def percent(value: float | None) -> str:
    # Rounded here: number_format cuts the digits it does not show (66.67 would read 66.6).
    return "—" if value is None else f"{formats.number_format(round(value * 100, 1), 1)} %"


def _cell(name: str, value) -> tuple[str, object]:
    """A figure as the page shows it and as the CSV writes it (seconds, percent, counts)."""
    if isinstance(value, timedelta) or (value is None and name in sel.DURATION_FIGURES):
        return duration(value), (round(value.total_seconds(), 1) if value is not None else "")
    if name in ("service_level", "occupancy", "share", "csat", "csat_responses", "adherence", "conformance"):
        return percent(value), (round(value * 100, 1) if value is not None else "")
    if name == "csat_average":
        return ("—", "") if value is None else (formats.number_format(round(value, 1), 1), round(value, 2))
    if name == "concurrency":
        return ("—", "") if value is None else (formats.number_format(round(value, 2), 2), round(value, 2))
    return formats.number_format(value, force_grouping=True), value


def _figure_cells(totals, names=sel.QUEUE_FIGURES) -> tuple[list[str], list]:
    cells = [_cell(name, totals[name]) for name in names]
    return [shown for shown, _raw in cells], [raw for _shown, raw in cells]


# The figures whose number links to the conversations behind it (supervision/views_report_drill.py).
DRILL_FIGURES = ("offered", "handled", "abandoned", "closed", "transfers_in")


def _drill_query(data, filters, **override) -> dict:
    """The drill-down's filters for a row: the report's period, queues and channel (not its agent,
    which the queue figures do not take), with the row's own values over them."""
    query = {"from": data["period"].first_day.isoformat(), "to": data["period"].last_day.isoformat(),
             "queue": filters["queue_ids"], "channel": filters["channel_kind"]}
    query.update(override)
    return {name: value for name, value in query.items() if value}


def _figures_table(first: str, rows, names=sel.QUEUE_FIGURES, queries=None, drilled=DRILL_FIGURES) -> Table:
    """`queries`, parallel to `rows`: each row's drill-down filters (None: its numbers link nowhere)."""
    table = Table(header=[first, *[str(sel.FIGURES[n].label) for n in names]],
                  help=["", *[str(sel.FIGURES[n].help) for n in names]])
    drill = reverse("supervision:reports-conversations")
    for (label, totals), query in zip(rows, queries or repeat(None), strict=False):
        shown, raw = _figure_cells(totals, names)
        table.shown.append([label, *shown])
        table.raw.append([label, *raw])
        table.links.append([None, *[f"{drill}?{urlencode({**query, 'figure': n}, doseq=True)}"
                                    if query is not None and n in drilled else None
                                    for n in names]])
    return table


def _bucket_label(bucket, granularity: str) -> str:
    if granularity == "hour":
        return formats.date_format(bucket.local_start, "SHORT_DATETIME_FORMAT")
    return formats.date_format(bucket.local_start, "SHORT_DATE_FORMAT")


def overview(scope, data, filters) -> dict:
    rows = sel.by_bucket(scope, data["period"], data["granularity"], **filters)
    labels = [_bucket_label(bucket, data["granularity"]) for bucket, _totals in rows]
    total = sel.Totals()
    for _bucket, totals in rows:
        total.add(totals.counters)
    cards = [(sel.FIGURES[name], cell) for name, cell in zip(sel.QUEUE_FIGURES, _figure_cells(total)[0], strict=True)]
    volume = charts.bar_chart(_("Conversations offered"), [(label, t["offered"]) for label, (_b, t) in
                                                           zip(labels, rows, strict=True)],
                              x_label=str(GRANULARITIES[data["granularity"]]), y_label=_("Conversations"))
    level = charts.bar_chart(_("Service level"), [(label, (t["service_level"] or 0) * 100) for label, (_b, t) in
                                                 zip(labels, rows, strict=True)],
                             x_label=str(GRANULARITIES[data["granularity"]]), y_label="%",
                             fmt=lambda v: f"{v:.0f} %")
    zone = data["period"].zone
    queries = [_drill_query(data, filters, **{"from": b.local_start.date().isoformat(), "to": (
        b.end.astimezone(zone).date() - timedelta(days=1)).isoformat()}) if data["granularity"] != "hour" else None
        for b, _t in rows]
    table = _figures_table(str(GRANULARITIES[data["granularity"]]), zip(labels, (t for _b, t in rows), strict=True),
                           queries=queries)
    return {"cards": cards, "charts": [("volume", volume), ("level", level), ("wait", _wait_chart(total))],
            "table": table}


def by_queue(scope, data, filters) -> dict:
    totals = sel.by_key(scope, data["period"], "queue", **filters)
    names = dict(Queue.objects.filter(pk__in=list(totals)).values_list("pk", "name"))
    keyed = sorted(((names.get(pk, "?"), t, pk) for pk, t in totals.items()), key=lambda row: row[0].lower())
    rows = [(name, t) for name, t, _pk in keyed]
    chart = charts.bar_chart(_("Conversations offered per queue"), [(name, t["offered"]) for name, t in rows],
                             x_label=_("Queue"), y_label=_("Conversations"))
    queries = [_drill_query(data, filters, queue=[pk]) for _name, _t, pk in keyed]
    return {"charts": [("queues", chart)], "table": _figures_table(_("Queue"), rows, queries=queries)}


def by_channel(scope, data, filters) -> dict:
    totals = sel.by_key(scope, data["period"], "medium", **filters)
    kinds, media = dict(Channel.Kind.choices), dict(Conversation.Medium.choices)
    keyed = sorted(((f"{media.get(medium, medium)} · {kinds.get(kind, _('No channel'))}", t, kind)
                    for (medium, kind), t in totals.items()), key=lambda row: row[0])
    rows = [(name, t) for name, t, _kind in keyed]
    chart = charts.bar_chart(_("Conversations offered per channel"), [(name, t["offered"]) for name, t in rows],
                             x_label=_("Channel"), y_label=_("Conversations"))
    # Conversations without a channel cannot be asked for by channel: that row links nowhere.
    queries = [_drill_query(data, filters, channel=kind) if kind else None for _name, _t, kind in keyed]
    return {"charts": [("channels", chart)], "table": _figures_table(_("Channel"), rows, queries=queries)}


def _wait_chart(totals: sel.Totals):
    labels, lower = [], 0
    for bound in rollups.WAIT_BUCKETS:
        labels.append(f"{duration(timedelta(seconds=lower))}–{duration(timedelta(seconds=bound))}")
        lower = bound
    labels.append(f"> {duration(timedelta(seconds=lower))}")
    return charts.bar_chart(_("Wait before being taken"), [
        (label, totals[column]) for label, column in zip(labels, rollups.WAIT_COLUMNS, strict=True)],
        x_label=_("Wait"), y_label=_("Conversations"))


def agents(scope, data, filters) -> dict:
    agent = data.get("agent")
    comments = csat_sel.comments(scope, data["period"], agent_id=agent.pk if agent else None,
                                 page=data.get("page") or 1, **filters)
    if data.get("split"):
        return {**agents_split(scope, data, filters), "comments": comments}
    rows = sel.agents_work(scope, data["period"], agent_id=agent.pk if agent else None, **filters)
    names = (*sel.AGENT_FIGURES, "no_answer", "occupancy", "concurrency", "adherence", "conformance")
    queries = [_drill_query(data, filters, agent=row.agent.pk) for row in rows]
    table = _figures_table(_("Agent"), [(row.agent.display_name, row) for row in rows], names, queries=queries,
                           drilled=("handled", "closed"))  # the agent's own conversations
    for row, links in zip(rows, table.links, strict=True):
        links[0] = f"{reverse('supervision:reports-agent-day', args=[row.agent.pk])}?" \
                   f"date={data['period'].last_day.isoformat()}"
    chart = charts.bar_chart(_("Conversations handled per agent"),
                             [(row.agent.display_name, row["handled"]) for row in rows],
                             x_label=_("Agent"), y_label=_("Conversations"))
    return {"charts": [("agents", chart)], "table": table, "comments": comments}


def agents_split(scope, data, filters) -> dict:
    """The Agents tab split by schedule or by a system pause in the hour: all the agents' rows per
    split first, then each agent's (report_splits.py)."""
    agent = data.get("agent")
    split = data["split"]
    rows = report_splits.agents_split(scope, data["period"], split, agent_id=agent.pk if agent else None, **filters)
    names = sel.AGENT_FIGURES
    table = Table(header=[_("Agent"), str(report_splits.SPLITS[split]), *[str(sel.FIGURES[n].label) for n in names]],
                  help=["", str(report_splits.SPLIT_HELP), *[str(sel.FIGURES[n].help) for n in names]])
    day = data["period"].last_day.isoformat()
    for row in rows:
        shown, raw = _figure_cells(row, names)
        person = row.agent.display_name if row.agent else _("All agents")
        table.shown.append([person, row.split, *shown])
        table.raw.append([person, row.split, *raw])
        link = f"{reverse('supervision:reports-agent-day', args=[row.agent.pk])}?date={day}" if row.agent else None
        table.links.append([link, *[None] * (len(shown) + 1)])
    overall = [row for row in rows if row.agent is None]
    handle = charts.bar_chart(_("Handle time per split (minutes)"),
                              [(row.split, (row["average_handle"] or timedelta(0)).total_seconds() / 60)
                               for row in overall], x_label=str(report_splits.SPLITS[split]), y_label=_("Minutes"),
                              fmt=lambda v: f"{v:.1f}")
    csat = charts.bar_chart(_("CSAT per split"), [(row.split, (row["csat"] or 0) * 100) for row in overall],
                            x_label=str(report_splits.SPLITS[split]), y_label="%", fmt=lambda v: f"{v:.0f} %")
    return {"charts": [("split-handle", handle), ("split-csat", csat)], "table": table}


def status_times(scope, data, filters) -> dict:
    agent = data.get("agent")
    rows, statuses = sel.agent_status_times(scope, data["period"], agent_id=agent.pk if agent else None)
    css = {s.pk: ("pause" if s.is_pause else s.code) for s in statuses}
    chart = charts.stacked_chart(
        _("Time per status"),
        [(row.agent.display_name, [(s.label, css[s.pk], row.seconds.get(s.pk, 0) / 3600) for s in statuses])
         for row in rows],
        x_label=_("Hours"), y_label=_("Agent"), fmt=lambda v: f"{v:.1f} h")
    table = Table(header=[_("Agent"), *[s.label for s in statuses], _("Total"), str(sel.FIGURES["occupancy"].label)],
                  help=["", *["" for _s in statuses], "", str(sel.FIGURES["occupancy"].help)])
    for row in rows:
        occupied = sel.occupancy(row, statuses)
        table.shown.append([row.agent.display_name,
                            *[duration(timedelta(seconds=row.seconds.get(s.pk, 0))) for s in statuses],
                            duration(timedelta(seconds=row.total)), percent(occupied)])
        table.raw.append([row.agent.display_name, *[round(row.seconds.get(s.pk, 0)) for s in statuses],
                          round(row.total), round(occupied * 100, 1) if occupied is not None else ""])
        day = reverse("supervision:reports-agent-day", args=[row.agent.pk])
        table.links.append([f"{day}?date={data['period'].last_day.isoformat()}",
                            *[None] * (len(table.shown[-1]) - 1)])
    return {"charts": [("status", chart)], "table": table}


def dispositions(scope, data, filters) -> dict:
    """Each disposition and tag: how many closed conversations got it, and their share, in all
    and per queue and per agent."""
    agent = data.get("agent")
    filters = {**filters, "agent_id": agent.pk if agent else None}
    period = data["period"]
    labels = {(pk, None): name for pk, name in Disposition.objects.filter(
        organization_id=scope.organization_id).values_list("pk", "name")}
    labels |= {(None, pk): name for pk, name in Tag.objects.filter(
        organization_id=scope.organization_id).values_list("pk", "name")}
    queues = dict(Queue.objects.filter(organization_id=scope.organization_id).values_list("pk", "name"))
    people = {u.pk: u.display_name for u in User.objects.filter(organization_id=scope.organization_id)}
    header = [_("Kind"), _("Name"), _("Queue"), _("Agent"), str(sel.FIGURES["closed"].label),
              str(sel.FIGURES["share"].label)]
    table = Table(header=header, help=["", "", "", "", _("Closed conversations with this disposition or tag."),
                                       str(sel.FIGURES["share"].help)])
    overall = []
    for by, names in ((None, {}), ("queue_id", queues), ("agent_id", people)):
        closed = sel.closed_by(scope, period, by, **filters)
        counted = sel.outcomes(scope, period, by, **filters)
        def order(key, names=names, by=by):
            return key[0] is None, labels.get(key[:2], ""), str(names.get(key[2], "")) if by else ""

        for key in sorted(counted, key=order):
            count = counted[key]
            where = key[2] if by else None
            share = count / closed[where] if closed.get(where) else None
            kind = _("Disposition") if key[0] is not None else _("Tag")
            queue = names.get(where, "?") if by == "queue_id" else _("All")
            person = names.get(where, "?") if by == "agent_id" else _("All")
            table.shown.append([kind, labels.get(key[:2], "?"), queue, person,
                                formats.number_format(count, force_grouping=True), percent(share)])
            table.raw.append([kind, labels.get(key[:2], "?"), queue, person, count,
                              round(share * 100, 1) if share is not None else ""])
            if by is None:
                overall.append((f"{kind}: {labels.get(key[:2], '?')}", count))
    chart = charts.bar_chart(_("Closed conversations per disposition and tag"), overall,
                             x_label=_("Disposition or tag"), y_label=_("Conversations"))
    return {"charts": [("outcomes", chart)], "table": table}


BUILDERS = {"overview": overview, "queues": by_queue, "channels": by_channel, "agents": agents,
            "status": status_times, "dispositions": dispositions}


@login_required
@require_GET
def reports(request, tab: str = "overview"):
    if tab not in TABS:
        raise Http404
    scope = access.report_scope(request.user)
    zone = zoneinfo.ZoneInfo(scope.zone_name)
    queues, agents = report_drill.filter_choices(scope)
    form = ReportFilterForm(request.GET, queues=queues, agents=agents, zone=zone,
                            today=local_today(zone, timezone.now()), split=tab == "agents")
    paging = request.GET.copy()
    paging.pop("page", None)
    ctx = {"tab": tab, "tabs": TABS, "form": form, "presets": PRESETS, "query": request.GET.urlencode(),
           "query_without_page": paging.urlencode()}
    if form.names_what_is_not_theirs():
        raise Http404
    if form.is_valid():
        data = {**form.cleaned_data, "page": request.GET.get("page")}
        filters = {"queue_ids": [q.pk for q in data["queue"]], "channel_kind": data["channel"]}
        with timezone.override(zone):
            built = BUILDERS[tab](scope, data, filters)
        if request.GET.get("format") == "csv":
            period = data["period"]
            name = f"{tab}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
            return exports.csv_response(name, built["table"].header, built["table"].raw)
        ctx.update(built, period=data["period"], granularity=data["granularity"])
    template = "supervision/reports.html#report-body" if request.htmx else "supervision/reports.html"
    return render(request, template, ctx)
