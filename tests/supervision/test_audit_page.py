"""The audit trail in the product: admins see the organization's, supervisors what concerns their
queues and agents; filters by who, whom, queue, action and dates (the organization's days);
pages; the same rows as CSV; translated; another organization's ids show nothing."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import AuditEntry
from contactcenter.services.audit import audit
from supervision.exports import cell
from tests.supervision.conftest import client_for

pytestmark = pytest.mark.django_db
URL = reverse("supervision:audit")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@pytest.fixture
def trail(personas):
    """Sofía paused Ana in Ventas; the admin changed Soporte (a queue Sofía does not supervise);
    the other organization's admin did something too."""
    p = personas
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=MADRID), tick=False):
        audit(p.supervisor, "agent.pause", target_user=p.agent, queue=p.queue, reason="Café")
    with time_machine.travel(dt.datetime(2026, 11, 21, 23, 30, tzinfo=MADRID), tick=False):
        audit(p.admin, "queue.update", queue=p.other_queue, id=p.other_queue.pk, name="Soporte")
    audit(p.outsider, "queue.update", queue=p.outsider_queue)
    return p


def rows(response) -> list[str]:
    body = response.content.decode()
    return [chunk.split("</tr>")[0] for chunk in body.split('data-testid="audit-row"')[1:]]


def english(user):
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def test_an_admin_sees_the_organizations_trail_newest_first_in_words(trail):
    found = rows(english(trail.admin).get(URL))
    assert len(found) == 2
    assert "Queue: changed" in found[0] and "Agent paused" in found[1] and "Café" in found[1]


def test_a_supervisor_sees_only_what_concerns_their_queues_and_agents(trail):
    found = rows(english(trail.supervisor).get(URL))
    assert len(found) == 1 and "Agent paused" in found[0]


def test_an_agent_cannot_open_the_audit_trail(trail):
    assert client_for(trail.agent).get(URL).status_code == 403


def test_filters_by_action_and_by_the_organizations_days(trail):
    admin = english(trail.admin)
    assert len(rows(admin.get(URL, {"action": "agent.pause"}))) == 1
    # 23:30 on the 21st in Madrid is the 21st there (22:30 UTC): a filter on the 21st finds it.
    found = rows(admin.get(URL, {"day_from": "2026-11-21", "day_to": "2026-11-21"}))
    assert len(found) == 1 and "Queue: changed" in found[0]
    assert len(rows(admin.get(URL, {"actor": trail.supervisor.pk, "target": trail.agent.pk,
                                    "queue": trail.queue.pk}))) == 1


def test_bad_filters_show_a_field_error_and_no_rows(trail):
    response = english(trail.admin).get(URL, {"day_from": "2026-11-22", "day_to": "2026-11-01"})
    assert "The end date is before the start date." in response.content.decode() and rows(response) == []
    response = english(trail.admin).get(URL, {"day_from": "yesterday"})
    assert 'data-testid="field-error"' in response.content.decode() and rows(response) == []


def test_another_organizations_ids_in_the_filters_show_nothing_of_theirs(trail):
    response = english(trail.admin).get(URL, {"actor": trail.outsider.pk, "queue": trail.outsider_queue.pk})
    assert response.status_code == 200
    assert rows(response) == [] and "Rival" not in response.content.decode()


def test_the_csv_has_a_bom_one_header_and_the_pages_rows_in_the_organizations_time(trail):
    response = english(trail.admin).get(URL, {"format": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and content.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert table[0][:3] == ["When", "Who", "Action"]
    assert [row[0] for row in table[1:]] == ["2026-11-21 23:30:00", "2026-11-20 10:00:00"]
    assert table[2][1:4] == ["Sofía Ruiz", "Agent paused", "Ana López"]


def test_the_page_speaks_spanish(trail):
    client = client_for(trail.admin)
    client.cookies["django_language"] = "es"
    body = client.get(URL).content.decode()
    assert "Registro de auditoría" in body and "Agente en pausa" in body


def test_the_trail_is_paginated(personas):
    for _ in range(55):
        audit(personas.supervisor, "agent.resume", target_user=personas.agent, queue=personas.queue)
    admin = english(personas.admin)
    assert len(rows(admin.get(URL))) == 50
    assert len(rows(admin.get(URL, {"page": 2}))) == 5
    assert AuditEntry.objects.count() == 55


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    assert cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell("+34 600 000 000") == "'+34 600 000 000"
    assert cell("Carmen") == "Carmen" and cell(42) == 42
