"""The reports' drill-down: every linked number opens the list of the conversations it counted
(as many rows as the number says), and every agent's name opens that agent's status timeline for
a local day, which on a daylight-saving change is 23 or 25 hours long. Times are fixed."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import StatusDefinition, StatusInterval, Transfer
from contactcenter.selectors import report_drill
from contactcenter.selectors import reports as sel
from contactcenter.selectors.report_ranges import ReportRange
from permissions import access
from tests import factories as f
from tests.supervision import test_reports
from tests.supervision.conftest import HTMX, client_for
from tests.supervision.test_reports import DAY, NOW, at, fill_until

day = test_reports.day  # the Reports tests' hand-made day, used as a fixture here too

CONVERSATIONS = reverse("supervision:reports-conversations")
FIGURES = ("offered", "handled", "abandoned", "closed", "answered_in_target", "transfers_in")


@pytest.fixture
def history(day):
    """`day` (Ventas: 4 offered, 3 handled, 1 abandoned, 3 closed; Soporte: 1 call) plus what makes
    the moments differ: a chat that arrived the evening before and was taken after midnight, one
    that left without a channel, transfers (one to Soporte, one to Luis, one still pending, one the
    next day), and another organization's conversation at the same hour."""
    p = day
    first, second = p.queue.conversations.order_by("enqueued_at")[:2]
    f.ConversationFactory(queue=p.queue, enqueued_at=datetime(2027, 3, 9, 22, 30, tzinfo=UTC),
                          assigned_at=datetime(2027, 3, 9, 23, 10, tzinfo=UTC),
                          assignee=p.colleague, status="assigned")
    f.ConversationFactory(queue=p.queue, enqueued_at=at(16, 0), abandoned_at=at(16, 1), closed_at=at(16, 1),
                          status="abandoned")
    for conversation, target, resolved, status in (
        (first, {"to_queue": p.other_queue}, at(9, 5), Transfer.Status.COMPLETED),
        (second, {"to_queue": None, "to_agent": p.colleague}, at(10, 5), Transfer.Status.COMPLETED),
        (second, {"to_queue": p.other_queue}, at(10, 6), Transfer.Status.PENDING),
        (first, {"to_queue": p.queue}, at(9, 5) + timedelta(days=1), Transfer.Status.COMPLETED),
    ):
        f.TransferFactory(conversation=conversation, from_agent=p.agent, status=status, created_at=resolved,
                          resolved_at=resolved, **target)
    f.ConversationFactory(queue=p.outsider_queue, enqueued_at=at(9, 0), assigned_at=at(9, 0, 5), status="assigned",
                          assignee=f.AgentFactory(organization=p.outsider_queue.organization))
    return p


def count(response) -> int:
    return int(re.search(r'data-testid="drill-count">(\d+)<', response.content.decode()).group(1))


def rows(response) -> list[str]:
    return re.findall(r'<tr data-testid="drill-row">(.*?)</tr>', response.content.decode(), re.S)


def links(response) -> list[tuple[str, str]]:
    """(href, number) of every number linked to the drill-down in a report's table."""
    html = response.content.decode()
    return [(unescape(href), text) for href, text in
            re.findall(r'<a href="([^"]+)" data-testid="report-drill">([^<]*)</a>', html)]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("who", ["admin", "supervisor"])
@pytest.mark.parametrize("figure", FIGURES)
def test_each_list_has_as_many_conversations_as_the_figure_counts(history, who, figure):
    fill_until(NOW)
    user = getattr(history, who)
    scope = access.report_scope(user)
    period = ReportRange(date(2027, 3, 10), date(2027, 3, 10), ZoneInfo(scope.zone_name))
    expected = sel.totals(scope, period).counters[figure]
    response = client_for(user).get(f"{CONVERSATIONS}?{DAY}&figure={figure}")
    assert response.status_code == 200
    assert count(response) == len(rows(response)) == expected


@time_machine.travel(NOW, tick=False)
def test_the_day_s_numbers_are_the_ones_written_down(history):
    fill_until(NOW)
    admin = client_for(history.admin)
    got = {figure: count(admin.get(f"{CONVERSATIONS}?{DAY}&figure={figure}")) for figure in FIGURES}
    # Ventas 4 + Soporte 1 + the channel-less leaver (the evening-before chat was offered on the 9th);
    # handled: 3 + 1 + the after-midnight one; closed: Ventas 3 + Soporte 1 (the abandoned are not);
    # in target: 20 s and 40 s chats, the 10 s call, and the 40-minute wait is not; transfers: 2 completed.
    assert got == {"offered": 6, "handled": 5, "abandoned": 2, "closed": 4, "answered_in_target": 3,
                   "transfers_in": 2}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("tab", ["queues", "channels"])
def test_every_linked_number_of_a_tab_opens_a_list_of_that_many(history, tab):
    fill_until(NOW)
    admin = client_for(history.admin)
    found = links(admin.get(reverse("supervision:reports-tab", args=[tab]) + "?" + DAY))
    assert len(found) >= 10
    for href, number in found:
        assert href.startswith(CONVERSATIONS)
        assert count(admin.get(href)) == int(number), href


@time_machine.travel(NOW, tick=False)
def test_the_overview_by_day_links_each_day_to_its_own_conversations(history):
    fill_until(NOW)
    admin = client_for(history.admin)
    response = admin.get(reverse("supervision:reports") + "?from=2027-03-09&to=2027-03-11&granularity=day")
    found = links(response)
    assert len(found) == 3 * 5
    assert "from=2027-03-09&to=2027-03-09" in found[0][0]
    for href, number in found:
        assert count(admin.get(href)) == int(number), href
    offered_per_day = [number for href, number in found if "figure=offered" in href]
    assert offered_per_day == ["1", "6", "0"]


@time_machine.travel(NOW, tick=False)
def test_hourly_rows_link_nowhere_but_the_status_tab_links_each_agent_to_their_day(history):
    admin = client_for(history.admin)
    assert links(admin.get(reverse("supervision:reports") + "?" + DAY)) == []
    html = admin.get(reverse("supervision:reports-tab", args=["status"]) + "?" + DAY).content.decode()
    day_url = reverse("supervision:reports-agent-day", args=[history.agent.pk]) + "?date=2027-03-10"
    assert f'<a href="{day_url}" data-testid="report-agent-day">Ana López</a>' in html


@time_machine.travel(NOW, tick=False)
def test_the_header_names_the_figure_and_its_definition(history):
    html = client_for(history.admin).get(f"{CONVERSATIONS}?{DAY}&figure=abandoned").content.decode()
    assert "Customers who left, or hung up, while still waiting." in html
    assert "Abandoned: " in html


@time_machine.travel(NOW, tick=False)
def test_filters_narrow_the_list(history):
    admin = client_for(history.admin)
    assert count(admin.get(f"{CONVERSATIONS}?{DAY}&channel=whatsapp")) == 2
    assert count(admin.get(f"{CONVERSATIONS}?{DAY}&figure=handled&agent={history.agent.pk}")) == 2
    assert count(admin.get(f"{CONVERSATIONS}?{DAY}&figure=handled&queue={history.other_queue.pk}")) == 1
    assert count(admin.get(f"{CONVERSATIONS}?range=yesterday&figure=offered")) == 6
    # A transfer to Soporte counts for Soporte; one to an agent for the conversation's queue.
    assert count(admin.get(f"{CONVERSATIONS}?{DAY}&figure=transfers_in&queue={history.other_queue.pk}")) == 1


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_the_local_time_wait_agent_and_status(history):
    found = rows(client_for(history.admin).get(f"{CONVERSATIONS}?{DAY}&figure=handled&queue={history.queue.pk}"))
    first = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0]))
    # The evening-before chat: entered 9 March 23:30 Madrid time, waited 40 minutes, Luis has it.
    assert "03/09/2027 11:30" in first and "40:00" in first and "Luis Pérez" in first and "Assigned" in first


@time_machine.travel(NOW, tick=False)
def test_fifty_rows_a_page_and_the_page_links_keep_the_filters(personas):
    for n in range(51):
        f.ConversationFactory(queue=personas.queue, enqueued_at=at(9) + timedelta(minutes=n),
                              assigned_at=at(9, 30) + timedelta(minutes=n), assignee=personas.agent, status="closed",
                              closed_at=at(11) + timedelta(minutes=n))
    admin = client_for(personas.admin)
    first = admin.get(f"{CONVERSATIONS}?{DAY}&figure=handled")
    assert count(first) == 51 and len(rows(first)) == 50
    following = unescape(re.search(r'<a href="([^"]+)" data-testid="drill-next"', first.content.decode()).group(1))
    assert "figure=handled" in following and "from=2027-03-10" in following and "page=2" in following
    second = admin.get(CONVERSATIONS + following)
    assert len(rows(second)) == 1
    partial = admin.get(CONVERSATIONS + following, headers=HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="drill-body"') and "<html" not in partial


@time_machine.travel(NOW, tick=False)
def test_the_csv_streams_one_row_per_conversation(history):
    response = client_for(history.admin).get(f"{CONVERSATIONS}?{DAY}&figure=handled&format=csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert lines[0] == ["#", "Contact", "Queue", "Channel", "Entered", "Wait (s)", "Agent", "Status", "Disposition"]
    assert len(lines) == 1 + 5
    assert lines[1][4] == "2027-03-09 23:30:00" and lines[1][5] == "2400.0" and lines[1][6] == "Luis Pérez"


@time_machine.travel(NOW, tick=False)
def test_a_limited_supervisor_lists_only_her_queues(history):
    sofia = client_for(history.supervisor)
    found = rows(sofia.get(f"{CONVERSATIONS}?{DAY}"))
    assert len(found) == 5 and all("Ventas" in row for row in found)
    for queue in (history.other_queue, history.outsider_queue):
        assert sofia.get(f"{CONVERSATIONS}?{DAY}&queue={queue.pk}").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_another_organizations_queue_or_agent_is_never_listed(history):
    admin = client_for(history.admin)
    outsider_agent = f.AgentFactory(organization=history.outsider_queue.organization)
    for query in (f"queue={history.outsider_queue.pk}", f"agent={outsider_agent.pk}"):
        assert admin.get(f"{CONVERSATIONS}?{DAY}&figure=handled&{query}").status_code == 404
        assert admin.get(f"{CONVERSATIONS}?{DAY}&figure=handled&{query}&format=csv").status_code == 404


@pytest.mark.parametrize("name", ["reports-conversations", "reports-agent-day"])
def test_agents_never_see_the_drill_down(personas, name):
    url = reverse(f"supervision:{name}", args=[personas.agent.pk] if name.endswith("day") else [])
    assert client_for(personas.agent).get(url).status_code == 403


def test_a_supervisor_without_view_reports_gets_403(personas):
    personas.organization.supervisors_view_reports = False
    personas.organization.save()
    sofia = client_for(personas.supervisor)
    assert sofia.get(CONVERSATIONS).status_code == 403
    assert sofia.get(reverse("supervision:reports-agent-day", args=[personas.agent.pk])).status_code == 403


def test_an_agent_out_of_scope_or_of_another_organization_is_404(personas, pablo):
    outsider_agent = f.AgentFactory(organization=personas.outsider_queue.organization)
    sofia, adela = client_for(personas.supervisor), client_for(personas.admin)
    assert sofia.get(reverse("supervision:reports-agent-day", args=[pablo.pk])).status_code == 404
    assert adela.get(reverse("supervision:reports-agent-day", args=[pablo.pk])).status_code == 200
    assert sofia.get(reverse("supervision:reports-agent-day", args=[personas.agent.pk])).status_code == 200
    for client in (sofia, adela):
        assert client.get(reverse("supervision:reports-agent-day", args=[outsider_agent.pk])).status_code == 404


def ledger(personas, steps, *, until=None):
    """Replace Ana's ledger with (status code, start, changed_by, reason) steps; the last one open."""
    StatusInterval.objects.filter(agent=personas.agent).delete()
    for (code, start, by, reason), following in zip(steps, [*steps[1:], None], strict=True):
        StatusInterval.objects.create(
            organization=personas.organization, agent=personas.agent, source="supervisor" if by else "agent",
            status=StatusDefinition.objects.get(organization=personas.organization, code=code), started_at=start,
            ended_at=following[1] if following else until, changed_by=by, reason=reason)


def day_page(client, agent, date: str):
    return client.get(reverse("supervision:reports-agent-day", args=[agent.pk]) + f"?date={date}").content.decode()


def segments(html: str) -> list[tuple[float, float, int]]:
    return [(float(x), float(w), int(s)) for x, w, s in re.findall(
        r'<rect class="status-[^"]+" x="([\d.]+)%" y="0" width="([\d.]+)%" height="32" data-testid="day-segment" '
        r'data-seconds="(\d+)"', html)]


@time_machine.travel(datetime(2027, 3, 29, 12, tzinfo=UTC), tick=False)
def test_the_spring_change_day_is_a_23_hour_bar_that_the_segments_fill(personas):
    pause = f.PauseReasonFactory(organization=personas.organization, name="Comida", code="comida")
    # Madrid, 28 March 2027: 00:00 CET is 27-03 23:00 UTC, 24:00 CEST is 28-03 22:00 UTC.
    ledger(personas, [("offline", datetime(2027, 3, 20, tzinfo=UTC), None, ""),
                      ("ready", datetime(2027, 3, 28, 7, tzinfo=UTC), None, ""),
                      (pause.code, datetime(2027, 3, 28, 11, tzinfo=UTC), personas.supervisor, "Comida larga"),
                      ("offline", datetime(2027, 3, 28, 11, 45, tzinfo=UTC), None, "")])
    html = day_page(client_for(personas.admin), personas.agent, "2027-03-28")
    found = segments(html)
    assert [s for _x, _w, s in found] == [8 * 3600, 4 * 3600, 45 * 60, 10 * 3600 + 15 * 60]
    assert sum(s for _x, _w, s in found) == 23 * 3600
    assert sum(w for _x, w, _s in found) == pytest.approx(100, abs=0.01)
    assert found[1][0] == pytest.approx(8 / 23 * 100, abs=0.001)
    assert "This day has 23 hours" in html and "23:00:00" in html
    assert html.count('class="chart-tick"') == 23  # the local 02:00 never happened
    # The table: from–to in local time, who changed it and why.
    row = re.findall(r'<tr data-testid="day-row">(.*?)</tr>', html, re.S)[2]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "Comida" in text and "13:00:00" in text and "13:45:00" in text and "45:00" in text
    assert "Sofía Ruiz" in text and "Comida larga" in text and "Supervisor" in text


@time_machine.travel(datetime(2027, 11, 1, 12, tzinfo=UTC), tick=False)
def test_the_autumn_change_day_is_25_hours(personas):
    ledger(personas, [("offline", datetime(2027, 10, 1, tzinfo=UTC), None, ""),
                      ("ready", datetime(2027, 10, 31, 8, tzinfo=UTC), None, "")])
    html = day_page(client_for(personas.admin), personas.agent, "2027-10-31")
    assert sum(s for _x, _w, s in segments(html)) == 25 * 3600
    assert "This day has 25 hours" in html


@time_machine.travel(datetime(2027, 3, 10, 11, 30, tzinfo=UTC), tick=False)
def test_today_is_the_default_and_ends_now_with_no_next_day(personas):
    ledger(personas, [("offline", datetime(2027, 3, 1, tzinfo=UTC), None, ""),
                      ("ready", datetime(2027, 3, 10, 8, tzinfo=UTC), None, "")])
    client = client_for(personas.admin)
    html = client.get(reverse("supervision:reports-agent-day", args=[personas.agent.pk])).content.decode()
    # Madrid's midnight is 09-03 23:00 UTC; it is 12:30 there now.
    assert [s for _x, _w, s in segments(html)] == [9 * 3600, 3 * 3600 + 30 * 60]
    assert 'data-testid="day-next"' not in html and "?date=2027-03-09" in html
    assert 'data-testid="field-error"' in day_page(client, personas.agent, "2027-03-11")
    assert 'data-testid="field-error"' in day_page(client, personas.agent, "nope")


def test_the_selector_cuts_an_interval_that_spans_midnight(personas):
    ledger(personas, [("ready", datetime(2027, 3, 9, 20, tzinfo=UTC), None, ""),
                      ("offline", datetime(2027, 3, 10, 2, tzinfo=UTC), None, "")],
           until=datetime(2027, 3, 11, tzinfo=UTC))
    scope = access.report_scope(personas.admin)
    timeline = report_drill.agent_day(personas.organization.pk, personas.agent.pk,
                                      ReportRange(date(2027, 3, 10), date(2027, 3, 10), ZoneInfo(scope.zone_name)),
                                      now=datetime(2027, 3, 12, tzinfo=UTC))
    assert [s.duration for s in timeline.segments] == [timedelta(hours=3), timedelta(hours=21)]
    assert timeline.covered == timeline.length == timedelta(hours=24)
