"""The reports' drill-down: the conversations behind a number
(`/supervision/reports/conversations/?figure=…` with the reports' filters, paginated, or as CSV)
and one agent's status timeline for one local day (`/supervision/reports/agents/<id>/day/`)."""

import zoneinfo
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from contactcenter.selectors import adherence, report_drill, reports
from contactcenter.selectors.report_ranges import ReportRange, local_today
from permissions import access
from supervision import exports
from supervision.forms import AgentDayForm, ReportDrillForm
from supervision.views_reports import duration, percent

PAGE_SIZE = 50


def _query(request, *drop: str) -> str:
    query = request.GET.copy()
    for name in ("page", "format", *drop):
        query.pop(name, None)
    return query.urlencode()


def _csv_rows(rows, zone):
    for conversation in rows.iterator(chunk_size=2000):
        wait = report_drill.waited(conversation)
        yield [conversation.pk, str(conversation.contact), conversation.queue.name,
               conversation.channel.get_kind_display() if conversation.channel else "",
               conversation.enqueued_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
               round(wait.total_seconds(), 1) if wait is not None else "",
               conversation.assignee.display_name if conversation.assignee else "",
               str(conversation.get_status_display()),
               conversation.disposition.name if conversation.disposition else ""]


@login_required
@require_GET
def conversations(request):
    """The conversations one figure counted, for the reports' filters (`figure=offered` by default)."""
    scope = access.report_scope(request.user)
    zone = zoneinfo.ZoneInfo(scope.zone_name)
    queues, agents = report_drill.filter_choices(scope)
    form = ReportDrillForm(request.GET, queues=queues, agents=agents, zone=zone,
                           today=local_today(zone, timezone.now()))
    ctx = {"form": form, "query": _query(request), "reports_query": _query(request, "figure")}
    if form.names_what_is_not_theirs():
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        rows = report_drill.figure_conversations(
            scope, data["period"], data["figure"], queue_ids=[q.pk for q in data["queue"]],
            channel_kind=data["channel"], agent_id=data["agent"].pk if data["agent"] else None)
        period = data["period"]
        if request.GET.get("format") == "csv":
            header = ["#", _("Contact"), _("Queue"), _("Channel"), _("Entered"), _("Wait (s)"), _("Agent"),
                      _("Status"), _("Disposition")]
            name = f"{data['figure']}-{period.first_day:%Y%m%d}-{period.last_day:%Y%m%d}.csv"
            return exports.csv_response(name, header, _csv_rows(rows, zone))
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        ctx.update(period=period, figure=report_drill.DRILL_FIGURES[data["figure"]], page=page,
                   rows=[(c, duration(report_drill.waited(c))) for c in page])
    template = ("supervision/reports/conversations.html#drill-body" if request.htmx
                else "supervision/reports/conversations.html")
    with timezone.override(zone):
        return render(request, template, ctx)


def _schedule(day: adherence.DaySchedule) -> dict | None:
    """The day's adherence and conformance as the page prints them (None: no shift that day)."""
    if day.figures is None:
        return None
    figures = day.figures
    return {"planned": day.planned, "adherence_help": reports.FIGURES["adherence"].help,
            "conformance_help": reports.FIGURES["conformance"].help,
            "scheduled": duration(timedelta(seconds=figures.scheduled)),
            "adherent": duration(timedelta(seconds=figures.adherent)), "adherence": percent(figures.adherence),
            "worked": duration(timedelta(seconds=figures.worked)), "conformance": percent(figures.conformance)}


@login_required
@require_GET
def agent_day(request, agent_id: int):
    """One agent's status ledger for one local day (`?date=YYYY-MM-DD`, today by default), as a bar
    and as a table, with their schedule that day and its adherence and conformance."""
    scope, agent = access.agent_for_reports(request.user, agent_id)
    zone = zoneinfo.ZoneInfo(scope.zone_name)
    today = local_today(zone, timezone.now())
    form = AgentDayForm(request.GET, today=today)
    ctx = {"agent": agent, "form": form}
    if form.is_valid():
        day = form.cleaned_data["date"]
        period = ReportRange(day, day, zone)
        timeline = report_drill.agent_day(scope.organization_id, agent.pk, period)
        hours = timeline.length / timedelta(hours=1)
        ctx.update(day=day, timeline=timeline, hours=hours, covered=duration(timeline.covered),
                   schedule=_schedule(adherence.agent_day(scope.organization_id, agent.pk, period)),
                   rows=[(s, duration(s.duration)) for s in timeline.segments],
                   # On a 23- or 25-hour day a repeated local hour needs its offset to be told apart.
                   time_format="H:i:s" if hours == 24 else "H:i:s T",
                   previous=day - timedelta(days=1), following=day + timedelta(days=1) if day < today else None)
    with timezone.override(zone):
        return render(request, "supervision/reports/agent_day.html", ctx)

