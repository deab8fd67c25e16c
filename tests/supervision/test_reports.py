"""The Reports section: each tab is a bookmarkable URL whose numbers come from the hourly
rollups (filled hours stored, later hours computed live the same way), in the organization's
days; scoped to what the reader supervises; the CSV has the page's numbers. Times are fixed."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactcenter.models import Conversation, RollupFillState, SatisfactionRating, StatusDefinition, StatusInterval
from contactcenter.selectors import reports
from contactcenter.selectors import rollups as rollup_rows
from contactcenter.selectors.report_ranges import ReportRange
from contactcenter.services import rollups
from tests import factories as f
from tests.supervision.conftest import HTMX, client_for

# Wednesday 10 March 2027 in Madrid (CET, UTC+1): the day runs 09-03 23:00 → 10-03 23:00 UTC.
DAY = "from=2027-03-10&to=2027-03-10"
NOW = datetime(2027, 3, 11, 12, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of 10 March 2027, Madrid time (UTC+1)."""
    return datetime(2027, 3, 10, hour - 1, minute, second, tzinfo=UTC)


@pytest.fixture
def day(personas):
    return make_day(personas)


def make_day(personas):
    """Ventas (chat, service level 60 s) on 10 March: four customers arrive; two are answered
    within a minute, one after two minutes, one leaves after three. Soporte (voice) gets one call
    answered in 10 s. Ana works 09:00-13:00 with a lunch pause 11:00-11:30."""
    p = personas
    web = f.ChannelFactory(organization=p.organization, queue=p.queue, kind="webchat")
    wa = f.ChannelFactory(organization=p.organization, queue=p.queue, kind="whatsapp")
    first = f.ConversationFactory(queue=p.queue, channel=web, enqueued_at=at(9, 0), assigned_at=at(9, 0, 20),
                                  first_response_at=at(9, 1), closed_at=at(9, 10), status="closed", assignee=p.agent)
    second = f.ConversationFactory(queue=p.queue, channel=web, enqueued_at=at(10, 0), assigned_at=at(10, 0, 40),
                                   first_response_at=at(10, 1), closed_at=at(10, 20), status="closed",
                                   assignee=p.agent)
    third = f.ConversationFactory(queue=p.queue, channel=wa, enqueued_at=at(12, 0), assigned_at=at(12, 2),
                                  first_response_at=at(12, 3), closed_at=at(12, 32), status="closed",
                                  assignee=p.colleague)
    # Each served chat was asked for a rating: the first answered 5 (with a comment), the second
    # never answered, the third 2.
    for conversation, score, comment in ((first, 5, "¡Muy amable!"), (second, None, ""), (third, 2, "")):
        SatisfactionRating.objects.create(
            organization=p.organization, conversation=conversation, queue=p.queue, agent=conversation.assignee,
            channel_kind=conversation.channel.kind, asked_at=conversation.closed_at,
            expires_at=conversation.closed_at + timedelta(hours=24), score=score, comment=comment,
            answered_at=conversation.closed_at + timedelta(minutes=20) if score else None)
    f.ConversationFactory(queue=p.queue, channel=wa, enqueued_at=at(12, 30), closed_at=at(12, 33),
                          abandoned_at=at(12, 33), status="abandoned")
    f.ConversationFactory(queue=p.other_queue, enqueued_at=at(15, 0), assigned_at=at(15, 0, 10),
                          closed_at=at(15, 5), status="closed", assignee=p.colleague, medium="voice")
    StatusInterval.objects.filter(agent=p.agent).delete()
    pause = f.PauseReasonFactory(organization=p.organization, name="Comida", code="comida")
    steps = [("offline", datetime(2027, 3, 1, tzinfo=UTC)), ("ready", at(9)), (pause.code, at(11)),
             ("ready", at(11, 30)), ("offline", at(13))]
    for (code, start), following in zip(steps, [*steps[1:], None], strict=True):
        StatusInterval.objects.create(organization=p.organization, agent=p.agent, source="system",
                                      status=StatusDefinition.objects.get(organization=p.organization, code=code),
                                      started_at=start, ended_at=following[1] if following else None)
    return p


def spanish_client(user):
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def fill_until(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        rollups.rollups_fill()


def table(response) -> list[list[str]]:
    html = response.content.decode()
    start = html.index('data-testid="report-table"')
    body = html[start:html.index("</table>", start)]
    rows = []
    for row in body.split("<tr>")[2:]:
        # A cell's text without its markup (figures and agents' names are links to the drill-down).
        cells = [re.sub(r"<[^>]+>", "", part.split(">", 1)[1].split("</t", 1)[0]).strip()
                 for part in row.split("<t")[1:] if part.startswith(("d", "h"))]
        rows.append(cells)
    return rows


@time_machine.travel(NOW, tick=False)
def test_the_queues_tab_shows_each_figure_of_the_day_from_the_filled_rollups(day):
    fill_until(NOW)
    response = client_for(day.supervisor).get(reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY)
    assert response.status_code == 200
    # Queue | Offered | Handled | Abandoned | Service level | Avg wait | Wait p90 | First response | Handle |
    # Talk | Hold | After service | Resolution | Closed | Transfers in | out. Sofía supervises Ventas only.
    # Waits 20, 40 and 120 s: 2 of 4 offered within 60 s; the p90 falls in the 90-120 s step, 70 % into
    # it (1:51); first responses 40, 20 and 60 s; handle 9:40, 19:20 and 30:00; resolution 10, 20 and
    # 32 min; no calls (no talk or hold time) and no after service. CSAT | Rating response rate |
    # Average rating: 3 surveys, 2 answered (5 and 2): one satisfied of two, 2 of 3 answered, 3.5.
    assert table(response) == [["Ventas", "4", "3", "1", "50.0 %", "1:00", "1:51", "0:40", "19:40", "—", "—", "—",
                                "20:40", "3", "0", "0", "50.0 %", "66.7 %", "3.5"]]


def test_hours_not_filled_yet_give_the_same_numbers_computed_live(day):
    with time_machine.travel(NOW, tick=False):
        live = table(client_for(day.supervisor).get(
            reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY))
    fill_until(NOW)
    with time_machine.travel(NOW, tick=False):
        stored = table(client_for(day.supervisor).get(
            reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY))
    assert live == stored and live[0][1] == "4"


@time_machine.travel(NOW, tick=False)
def test_the_channels_tab_splits_the_queue_by_channel_kind(day):
    fill_until(NOW)
    rows = table(client_for(day.admin).get(reverse("supervision:reports-tab", args=["channels"]) + "?" + DAY))
    offered = {row[0]: row[1] for row in rows}
    assert offered == {"Call · No channel": "1", "Chat · Web chat": "2", "Chat · WhatsApp": "2"}


@time_machine.travel(NOW, tick=False)
def test_the_status_tab_sums_the_ledger_per_agent_for_the_local_day(day):
    fill_until(NOW)
    response = client_for(day.admin).get(reverse("supervision:reports-tab", args=["status"]) + "?" + DAY +
                                         f"&agent={day.agent.pk}")
    rows = table(response)
    header = response.content.decode()
    assert len(rows) == 1 and rows[0][0] == "Ana López"
    # Offline 00:00-09:00 and 13:00-24:00 (20 h), Ready 3 h 30, Comida 30 min: 24 h in all.
    assert "20:00:00" in rows[0] and "3:30:00" in rows[0] and "30:00" in rows[0] and "24:00:00" in rows[0]
    assert "Comida" in header
    assert 'data-testid="report-chart"' in header


@time_machine.travel(NOW, tick=False)
def test_the_overview_shows_the_totals_and_a_chart_per_hour_for_one_day(day):
    fill_until(NOW)
    response = client_for(day.admin).get(reverse("supervision:reports") + "?" + DAY)
    html = response.content.decode()
    assert html.count('data-testid="report-chart"') == 3  # offered, service level, wait distribution
    assert len(table(response)) == 24  # one row per local hour of the day
    assert "Conversations that entered a queue." in html  # each figure's definition is on the page


@time_machine.travel(datetime(2027, 3, 29, 12, tzinfo=UTC), tick=False)
def test_the_spring_change_day_has_23_hourly_rows(personas):
    response = client_for(personas.admin).get(reverse("supervision:reports") + "?from=2027-03-28&to=2027-03-28")
    assert len(table(response)) == 23


@time_machine.travel(NOW, tick=False)
def test_the_csv_has_a_bom_one_header_row_and_the_pages_numbers(day):
    fill_until(NOW)
    url = reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY
    response = client_for(day.supervisor).get(url + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Queue", "Offered", "Handled", "Abandoned"]
    assert rows[1][:5] == ["Ventas", "4", "3", "1", "50.0"]
    assert len(rows) == 2


@time_machine.travel(NOW, tick=False)
def test_the_filter_form_swaps_only_the_body_with_htmx(day):
    response = client_for(day.admin).get(reverse("supervision:reports") + "?range=yesterday", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="report-body"') and "<html" not in html


@time_machine.travel(NOW, tick=False)
def test_a_limited_supervisor_sees_only_their_queues_and_their_agents(day):
    fill_until(NOW)
    rows = table(client_for(day.supervisor).get(reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY))
    assert [row[0] for row in rows] == ["Ventas"]
    response = client_for(day.supervisor).get(
        reverse("supervision:reports-tab", args=["queues"]) + f"?{DAY}&queue={day.other_queue.pk}")
    assert response.status_code == 404  # Soporte is not hers


@time_machine.travel(NOW, tick=False)
def test_an_admin_sees_every_queue(day):
    fill_until(NOW)
    rows = table(client_for(day.admin).get(reverse("supervision:reports-tab", args=["queues"]) + "?" + DAY))
    assert sorted(row[0] for row in rows) == ["Soporte", "Ventas"]


@pytest.mark.parametrize("tab", ["", "queues", "channels", "agents", "status", "dispositions"])
def test_agents_never_see_reports(personas, tab):
    url = reverse("supervision:reports-tab", args=[tab]) if tab else reverse("supervision:reports")
    assert client_for(personas.agent).get(url).status_code == 403


def test_a_supervisor_without_view_reports_gets_403_and_no_link(personas):
    personas.organization.supervisors_view_reports = False
    personas.organization.save()
    sofia = client_for(personas.supervisor)
    assert sofia.get(reverse("supervision:reports")).status_code == 403
    assert 'data-testid="reports-link"' not in sofia.get(reverse("supervision:overview")).content.decode()


def test_the_supervision_panel_links_to_the_reports(personas):
    html = client_for(personas.supervisor).get(reverse("supervision:overview")).content.decode()
    assert 'data-testid="reports-link"' in html


@time_machine.travel(NOW, tick=False)
def test_the_agents_tab_shows_each_agents_work_and_time(day):
    fill_until(NOW)
    rows = table(client_for(day.admin).get(reverse("supervision:reports-tab", args=["agents"]) + "?" + DAY))
    by_name = {row[0]: row[1:] for row in rows}
    # Handled | Closed | First response | Handle | Talk | Hold | After service | Transfers in | out | CSAT |
    # Rating response rate | Average rating | No answer | Occupancy | Concurrency. Ana: two chats (first
    # responses 40 and 20 s, handle 9:40 and 19:20; one rated 5, one not rated), Ready 3 h 30 and never in
    # service. Luis: a WhatsApp chat (1 min, 30 min, rated 2) and a call of 4:50.
    assert by_name["Ana López"] == ["2", "2", "0:30", "14:30", "—", "—", "—", "0", "0", "100.0 %", "50.0 %", "5.0",
                                    "0", "0.0 %", "—", "—", "—"]
    assert by_name["Luis Pérez"][:13] == ["2", "2", "1:00", "17:25", "4:50", "0:00", "—", "0", "0", "0.0 %",
                                          "100.0 %", "2.0", "0"]


@time_machine.travel(NOW, tick=False)
def test_the_dispositions_tab_counts_each_disposition_and_tag_and_its_share(day):
    sold, billing = f.DispositionFactory(organization=day.organization, name="Venta"), \
        f.TagFactory(organization=day.organization, name="factura")
    first, second, third = Conversation.objects.filter(queue=day.queue, status="closed").order_by("enqueued_at")
    Conversation.objects.filter(pk=first.pk).update(disposition=sold)
    first.tags.add(billing)
    third.tags.add(billing)
    fill_until(NOW)
    rows = table(client_for(day.supervisor).get(reverse("supervision:reports-tab", args=["dispositions"]) + "?" +
                                                DAY))
    # Kind | Name | Queue | Agent | Closed | Share (of the closed conversations of the same queue or agent).
    assert rows == [
        ["Disposition", "Venta", "All", "All", "1", "33.3 %"],
        ["Tag", "factura", "All", "All", "2", "66.7 %"],
        ["Disposition", "Venta", "Ventas", "All", "1", "33.3 %"],
        ["Tag", "factura", "Ventas", "All", "2", "66.7 %"],
        ["Disposition", "Venta", "All", "Ana López", "1", "50.0 %"],
        ["Tag", "factura", "All", "Ana López", "1", "50.0 %"],
        ["Tag", "factura", "All", "Luis Pérez", "1", "100.0 %"],
    ]


@pytest.mark.parametrize("tab", ["", "queues", "channels", "agents", "status", "dispositions"])
@pytest.mark.parametrize("parameter", ["queue", "agent"])
def test_another_organizations_ids_in_a_report_url_are_404(personas, tab, parameter):
    outsider_agent = f.AgentFactory(organization=personas.outsider.organization)
    foreign = personas.outsider_queue.pk if parameter == "queue" else outsider_agent.pk
    url = reverse("supervision:reports-tab", args=[tab]) if tab else reverse("supervision:reports")
    admin = client_for(personas.admin)
    assert admin.get(f"{url}?{parameter}={foreign}").status_code == 404
    assert admin.get(f"{url}?{parameter}={foreign}&format=csv").status_code == 404
    assert admin.get(f"{url}?{parameter}=abc").status_code == 404


def test_an_unknown_tab_is_404(personas):
    assert client_for(personas.admin).get("/supervision/reports/secrets/").status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("query", ["range=forever", "from=2027-03-10&to=<script>", "from=x", "granularity=minute",
                                   "from=2020-01-01&to=2027-03-10", "from=2027-03-12&to=2027-03-13"])
def test_wrong_filters_show_a_translated_error_and_no_numbers(personas, query):
    response = spanish_client(personas.admin).get(reverse("supervision:reports") + "?" + query)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="field-error"' in html and "report-table" not in html
    assert "<script>" not in html


def test_every_report_string_is_spanish_for_a_spanish_reader(personas):
    with time_machine.travel(NOW, tick=False):
        html = spanish_client(personas.admin).get(reverse("supervision:reports")).content.decode()
    for spanish in ("Informes", "Resumen", "Colas", "Canales", "Estado de los agentes", "Descargar CSV"):
        assert spanish in html


def test_a_week_of_days_is_seven_rows(personas):
    with time_machine.travel(NOW, tick=False):
        rows = table(client_for(personas.admin).get(reverse("supervision:reports") + "?range=last_7_days"))
    assert len(rows) == 7 and all(row[1] == "0" for row in rows)


def test_the_permissions_page_has_the_view_reports_toggle_on_by_default(personas):
    page = client_for(personas.admin).get(reverse("permissions:index")).content.decode()
    toggle = re.search(r'<input[^>]*data-testid="toggle-supervisors_view_reports"[^>]*>', page).group(0)
    assert "checked" in toggle


@time_machine.travel(NOW, tick=False)
def test_more_than_a_month_by_hour_is_refused_on_the_page_but_exported_as_csv(personas):
    url = reverse("supervision:reports") + "?from=2027-01-01&to=2027-02-09&granularity=hour"
    client = client_for(personas.admin)
    assert 'data-testid="field-error"' in client.get(url).content.decode()
    response = client.get(url + "&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 1 + 40 * 24


@time_machine.travel(NOW, tick=False)
def test_a_periods_totals_are_one_row_of_sums_from_the_database_not_one_row_per_stored_hour(day):
    """A year of stored hours must not travel to Python to be added up: the totals (Overview, the
    dispositions' denominators) are summed by the database in a single row."""
    fill_until(NOW)
    zone = ZoneInfo("Europe/Madrid")
    scope = reports.Scope(organization_id=day.organization.pk, zone_name=zone.key, queue_ids=None, agent_ids=None)
    period = ReportRange(first_day=date(2027, 3, 10), last_day=date(2027, 3, 10), zone=zone)
    with CaptureQueriesContext(connection) as queries:
        result = reports.totals(scope, period)
    stored = [q["sql"] for q in queries.captured_queries if '"contactcenter_queuehour"' in q["sql"]]
    assert result.counters["offered"] == 5
    assert len(stored) == 1 and "SUM(" in stored[0] and "GROUP BY" not in stored[0]


@time_machine.travel(NOW, tick=False)
def test_whole_utc_days_are_read_from_the_day_tables_with_the_numbers_the_hours_give(day):
    """9-11 March in Madrid run 08-03 23:00 → 11-03 23:00 UTC: the 9th and the 10th are whole UTC
    days, filled (the 11th is not over); they are summed from the day tables, the edges from the
    hours, and every tab shows what the hours alone give."""
    fill_until(NOW)
    client = client_for(day.admin)
    query = "?from=2027-03-09&to=2027-03-11&granularity=day"
    tabs = ("overview", "queues", "channels", "agents", "status", "dispositions")

    def pages():
        return {tab: table(client.get(reverse("supervision:reports-tab", args=[tab]) + query)) for tab in tabs}

    with CaptureQueriesContext(connection) as queries:
        from_days = pages()
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for name in ("queueday", "agentday", "agentstatusday", "outcomeday"):
        assert f'"contactcenter_{name}"' in read
    assert ["Ventas", "4", "3", "1"] in [row[:4] for row in from_days["queues"]]
    RollupFillState.objects.filter(table__in=rollup_rows.DAY_TABLES.values()).delete()
    with CaptureQueriesContext(connection) as queries:
        from_hours = pages()
    assert '"contactcenter_queueday"' not in " ".join(q["sql"] for q in queries.captured_queries)
    assert from_days == from_hours
