""""Ir al día": in the thread's header (not between the thread and the reply box), with the date
written as the person writes it (dd/mm/aaaa in Spanish), and the reply box after the thread."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.workspace.conftest import html

pytestmark = pytest.mark.django_db
DAY_ONE = dt.datetime(2026, 2, 3, 10, 0, tzinfo=dt.UTC)
DAY_TWO = dt.datetime(2026, 2, 9, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def thread(personas, desk, ana_ready):
    with time_machine.travel(DAY_ONE, tick=False):
        chat = desk.chat_for(personas.agent, personas.queue, "Primer día")
    with time_machine.travel(DAY_TWO, tick=False):
        desk.receive(chat, "Segundo día")
    return chat


def in_spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_go_to_day_sits_in_the_thread_header_and_the_reply_box_comes_after_the_thread(ana, thread):
    body = html(ana.get(reverse("workspace:conversation", args=[thread.pk])))
    header = body.split('<header class="conv-header">')[1].split("</header>")[0]
    assert 'data-testid="jump-day"' in header
    assert body.index('id="messages"') < body.index('id="composer"')
    assert 'data-testid="jump-day"' not in body.split('id="messages"')[1]


def test_go_to_day_asks_for_the_date_in_the_persons_format(ana, thread):
    spanish = html(in_spanish(ana).get(reverse("workspace:conversation", args=[thread.pk])))
    assert 'placeholder="dd/mm/aaaa"' in spanish
    assert 'type="date"' not in spanish  # the browser's own format (mm/dd/yyyy in an English browser)


def test_a_day_typed_as_dd_mm_yyyy_in_spanish_opens_the_thread_on_that_day(ana, thread):
    url = reverse("workspace:messages", args=[thread.pk])
    body = html(in_spanish(ana).get(url, {"day": "09/02/2026"}))
    assert "Segundo día" in body and "Primer día" not in body
    body = html(ana.get(url, {"day": "03/02/2026"}))
    assert "Primer día" in body and "Segundo día" in body


def test_a_day_in_english_is_month_first_and_iso_is_understood_in_both(ana, thread):
    url = reverse("workspace:messages", args=[thread.pk])
    assert "Primer día" not in html(ana.get(url, {"day": "02/09/2026"}))  # 9 February
    assert "Primer día" not in html(in_spanish(ana).get(url, {"day": "2026-02-09"}))
