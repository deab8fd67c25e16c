"""The Reports section in real Chromium: a supervisor opens it from her panel, asks for three
fixed days of March 2026 (Madrid) with the custom from–to fields, then for one queue only; the
chart and the table follow (htmx swaps the body and pushes a bookmarkable URL that reloads to the
same report), and the CSV she downloads has the page's numbers.

The history is hand-made on fixed past days, so nothing depends on today. The rollups are filled
up to noon of the middle day: the report reads stored hours before that and computes the later
ones from the raw rows, as it does in production between two fills."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from contactcenter.services import rollups
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

FIRST, LAST = date(2026, 3, 9), date(2026, 3, 11)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of March 2026 in Madrid (CET, UTC+1, until the change on the 29th)."""
    return datetime(2026, 3, day, hour - 1, minute, second, tzinfo=UTC)


@pytest.fixture
def history(transactional_db):
    """Sofía supervises Ventas (chat, target 60 s) and Soporte (voice, target 20 s), not Bajas.
    9 March: two chats answered in 30 s and 2 min. 10 March: a chat answered in 20 s, a chat
    abandoned after 3 min, two calls answered in 10 s and 16 s. 11 March: a chat answered in 40 s.
    Bajas gets a chat on the 10th that she must not count."""
    org = f.OrganizationFactory(name="Acme", slug="acme")
    ventas = f.QueueFactory(organization=org, name="Ventas")
    soporte = f.QueueFactory(organization=org, name="Soporte", kind="voice")
    bajas = f.QueueFactory(organization=org, name="Bajas")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    luis = f.AgentFactory(organization=org, username="luis", first_name="Luis", last_name="Pérez")
    sofia = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía", last_name="Ruiz")
    for queue in (ventas, soporte):
        f.QueueMembershipFactory(queue=queue, user=sofia, role="supervisor")
        f.QueueMembershipFactory(queue=queue, user=luis)
    f.QueueMembershipFactory(queue=ventas, user=ana)
    web = f.ChannelFactory(organization=org, queue=ventas, kind="webchat")

    def answered(queue, agent, enqueued, assigned, closed, first_response=None, channel=None):
        f.ConversationFactory(queue=queue, channel=channel, assignee=agent, status="closed", enqueued_at=enqueued,
                              assigned_at=assigned, first_response_at=first_response, closed_at=closed)

    answered(ventas, ana, at(9, 10), at(9, 10, 0, 30), at(9, 10, 10, 30), at(9, 10, 1), web)
    answered(ventas, luis, at(9, 16), at(9, 16, 2), at(9, 16, 20), at(9, 16, 2, 30), web)
    answered(ventas, ana, at(10, 9), at(10, 9, 0, 20), at(10, 9, 10, 20), at(10, 9, 0, 50), web)
    f.ConversationFactory(queue=ventas, channel=web, status="abandoned", enqueued_at=at(10, 12, 30),
                          closed_at=at(10, 12, 33), abandoned_at=at(10, 12, 33))
    answered(soporte, luis, at(10, 11), at(10, 11, 0, 10), at(10, 11, 5, 10))
    answered(soporte, luis, at(10, 15), at(10, 15, 0, 16), at(10, 15, 6, 16))
    answered(ventas, ana, at(11, 10), at(11, 10, 0, 40), at(11, 10, 30, 40), at(11, 10, 1, 40), web)
    answered(bajas, luis, at(10, 10), at(10, 10, 0, 5), at(10, 10, 5))
    rollups.rollups_fill(now=at(10, 12))
    return {"soporte": soporte}


# Day | Offered | Handled | Abandoned | Service level | Average wait | Wait p90 | First response |
# Handle time | Talk | Hold | After service | Resolution time | Closed | Transfers in | Transfers out |
# CSAT | Rating response rate | Average rating (no ratings in this history) —
# the answers, worked out by hand from the history above. The p90 falls in a step of the wait
# distribution and is placed linearly within it: on the 9th 80 % into 90-120 s (1:54); on the 10th
# 85 % into 10-20 s (0:18.5, shown 0:18); on the 11th 90 % into 30-60 s (0:57).
EVERY_QUEUE = [
    ["09/03/2026", "2", "2", "0", "50,0 %", "1:15", "1:54", "0:30", "14:00", "—", "—", "—", "15:15", "2", "0", "0",
     "—", "—", "—"],
    ["10/03/2026", "4", "3", "1", "75,0 %", "0:15", "0:18", "0:30", "7:00", "5:30", "0:00", "—", "7:15", "3", "0",
     "0", "—", "—", "—"],
    ["11/03/2026", "1", "1", "0", "100,0 %", "0:40", "0:57", "1:00", "30:00", "—", "—", "—", "30:40", "1", "0", "0",
     "—", "—", "—"],
]
SOPORTE_ONLY = [
    ["09/03/2026", "0", "0", "0", "—", "—", "—", "—", "—", "—", "—", "—", "—", "0", "0", "0", "—", "—",
     "—"],
    ["10/03/2026", "2", "2", "0", "100,0 %", "0:13", "0:18", "—", "5:30", "5:30", "0:00", "—", "5:43", "2", "0",
     "0", "—", "—", "—"],
    ["11/03/2026", "0", "0", "0", "—", "—", "—", "—", "—", "—", "—", "—", "—", "0", "0", "0", "—", "—",
     "—"],
]


def type_date(field, day: date) -> None:
    """Type a day into a date field as a person does, part by part. Chromium orders the parts by
    its own interface language, not the page's (mm/dd/yyyy or dd/mm/yyyy): try one, then the other."""
    for pattern in ("%m%d%Y", "%d%m%Y"):
        field.fill("")
        field.focus()
        field.press_sequentially(day.strftime(pattern))
        if field.input_value() == day.isoformat():
            return
    raise AssertionError(f"could not type {day} into the date field")


def table_rows(page) -> list[list[str]]:
    rows = page.get_by_test_id("report-table").locator("tbody tr")
    return [[cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()] for i in range(rows.count())]


def table_header(page) -> list[str]:
    return [cell.strip() for cell in page.get_by_test_id("report-table").locator("thead th").all_inner_texts()]


def volume_bars(page) -> list[str]:
    """The volume chart's bars as their tooltips say them ("label: number")."""
    chart = page.get_by_test_id("report-chart").first
    expect(chart.locator("title").first).to_have_text("Conversaciones ofrecidas")
    return chart.locator("rect.chart-bar > title").all_text_contents()


def seconds(shown: str) -> int | None:
    """A shown duration ("1:15", "1:02:03") in seconds; "—" (nothing to average) is None."""
    if shown == "—":
        return None
    total = 0
    for part in shown.split(":"):
        total = total * 60 + int(part)
    return total


def as_page_shows(header: str, raw: str):
    """A CSV cell (plain numbers: seconds, percents) in the page's unit, to compare with a cell."""
    if raw == "":
        return None
    return float(raw) if header == "Nivel de servicio" else int(round(float(raw)))


def from_page(header: str, shown: str):
    if shown == "—":
        return None
    if header == "Nivel de servicio":
        return float(shown.removesuffix(" %").replace(",", "."))
    return seconds(shown) if ":" in shown else int(shown.replace(".", ""))


def test_a_supervisor_filters_the_report_and_downloads_the_same_numbers(new_page, history):
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.get_by_test_id("reports-link").click()
    expect(page).to_have_url(re.compile(r"/supervision/reports/$"))
    expect(page.locator("#id_range")).to_have_value("last_7_days")  # what the page shows, not the first option
    assert page.locator("#id_queue option").all_inner_texts() == ["Soporte", "Ventas"]  # not Bajas
    page.evaluate("window.__sameDocument = true")  # gone if the page were loaded again

    filters = page.get_by_test_id("report-filters")
    filters.locator("#id_range").select_option(label="Personalizado")
    type_date(filters.locator("#id_from"), FIRST)
    type_date(filters.locator("#id_to"), LAST)
    filters.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_test_id("report-period")).to_contain_text("9 de marzo de 2026")
    expect(page.get_by_test_id("report-period")).to_contain_text("11 de marzo de 2026")
    assert "from=2026-03-09" in page.url and "to=2026-03-11" in page.url
    assert table_rows(page) == EVERY_QUEUE
    assert page.get_by_test_id("report-card-value").first.inner_text() == "7"
    assert volume_bars(page) == ["09/03/2026: 2", "10/03/2026: 4", "11/03/2026: 1"]

    filters = page.get_by_test_id("report-filters")
    filters.locator("#id_queue").select_option(label=["Soporte"])
    filters.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_test_id("report-card-value").first).to_have_text("2")
    assert table_rows(page) == SOPORTE_ONLY
    assert volume_bars(page) == ["09/03/2026: 0", "10/03/2026: 2", "11/03/2026: 0"]
    assert f"queue={history['soporte'].pk}" in page.url
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the body, no reload

    with page.expect_download() as download_info:
        page.get_by_test_id("report-csv").click()
    download = download_info.value
    assert download.suggested_filename == "overview-20260309-20260311.csv"
    with open(download.path(), encoding="utf-8") as file:
        content = file.read()
    assert content.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    shown_header, shown_rows = table_header(page), table_rows(page)
    assert header == shown_header
    assert [row[0] for row in rows] == [row[0] for row in shown_rows]
    for row, shown in zip(rows, shown_rows, strict=True):
        assert [as_page_shows(name, raw) for name, raw in zip(header[1:], row[1:], strict=True)] == [
            from_page(name, cell) for name, cell in zip(header[1:], shown[1:], strict=True)]
    assert sum(int(row[1]) for row in rows) == 2  # the file's total offered is the page's card

    bookmarked = page.url
    page.reload()
    assert page.url == bookmarked
    assert page.evaluate("window.__sameDocument === undefined")
    expect(page.locator("#id_range")).to_have_value("custom")
    expect(page.locator("#id_from")).to_have_value("2026-03-09")
    assert table_rows(page) == SOPORTE_ONLY
    assert volume_bars(page) == ["09/03/2026: 0", "10/03/2026: 2", "11/03/2026: 0"]
    assert page.problems == []
