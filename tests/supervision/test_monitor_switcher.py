"""Supervising an agent with several chats shows one conversation at a time, with a compact
switcher: no page of repeated composers."""

import re

import pytest
from django.urls import reverse

from tests.supervision.conftest import HTMX, html
from tests.supervision.test_monitor import start_monitoring, whisper

pytestmark = pytest.mark.django_db


@pytest.fixture
def chats(personas, desk):
    desk.ready(personas.agent, personas.queue)
    return [desk.chat_for(personas.agent, personas.queue, f"Hola {n}", name=name)
            for n, name in enumerate(("Carmen Vidal", "Luis Gil", "Rosa Delgado"))]


def shown(body: str) -> list[int]:
    """The monitored conversations the page shows (those not hidden)."""
    return [int(pk) for pk, hidden in re.findall(r'<article class="monitored-conversation" id="monitored-(\d+)"'
                                                 r'[^>]*?( hidden)?>', body) if not hidden]


def test_one_conversation_is_shown_at_a_time_the_first_by_default(personas, sofia, chats):
    body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk])))
    assert shown(body) == [chats[0].pk]
    assert body.count('data-testid="monitor-switch"') == 3
    assert body.count('data-testid="whisper-text"') == 3  # in the page, two of them hidden


def test_the_switcher_links_show_another_conversation_without_javascript(personas, sofia, chats):
    body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk]), {"c": chats[2].pk}))
    assert shown(body) == [chats[2].pk]
    assert f'href="?c={chats[2].pk}" data-monitor-switch="{chats[2].pk}" aria-current="true"' in body


def test_an_unknown_conversation_in_the_switcher_shows_the_first(personas, sofia, chats):
    for value in ("999999", "abc"):
        body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk]), {"c": value}))
        assert shown(body) == [chats[0].pk]


def test_a_single_conversation_has_no_switcher(personas, sofia, desk):
    desk.ready(personas.agent, personas.queue)
    chat = desk.chat_for(personas.agent, personas.queue, "Hola", name="Carmen Vidal")
    body = html(sofia.get(reverse("supervision:monitor", args=[personas.agent.pk])))
    assert shown(body) == [chat.pk] and 'data-testid="monitor-switcher"' not in body


def test_after_a_whisper_the_page_stays_on_that_conversation(personas, sofia, chats):
    session = start_monitoring(sofia, personas.agent)
    response = whisper(sofia, session, chats[1])
    assert response.status_code == 302 and response.url.endswith(f"?c={chats[1].pk}")
    assert shown(html(whisper(sofia, session, chats[1], headers=HTMX))) == [chats[1].pk]
