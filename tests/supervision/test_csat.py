"""Satisfaction in the supervisor's screens: the reports' comments list (scoped, newest first, a
page at a time) and today's CSAT per queue on the live panel, from the rollups."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from contactcenter.models import SatisfactionRating
from contactcenter.selectors import csat as csat_sel
from tests import factories as f
from tests.supervision.conftest import card, client_for, text
from tests.supervision.test_reports import DAY, NOW, at, fill_until, make_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(personas):
    """The Reports tests' day of 10 March 2027 (three served chats, two rated, one with a comment)."""
    return make_day(personas)


def comments_html(response) -> str:
    page = response.content.decode()
    start = page.index('data-testid="csat-comments"')
    return page[start:page.index("</section>", start)]


@time_machine.travel(NOW, tick=False)
def test_the_agents_tab_lists_the_customers_comments(day):
    fill_until(NOW)
    section = comments_html(client_for(day.admin).get(reverse("supervision:reports-tab", args=["agents"]) + "?" + DAY))
    assert "¡Muy amable!" in text(section) and "Ana López" in section and "5/5" in section


@time_machine.travel(NOW, tick=False)
def test_a_supervisor_sees_only_the_comments_of_their_queues(day):
    other = f.ConversationFactory(queue=day.other_queue, status="closed", assignee=day.colleague,
                                  closed_at=at(15, 5), medium="voice")
    SatisfactionRating.objects.create(organization=day.organization, conversation=other, queue=day.other_queue,
                                      agent=day.colleague, asked_at=at(15, 5), expires_at=at(15, 5) + timedelta(1),
                                      score=1, answered_at=at(15, 10), comment="Soporte no contesta")
    for reader, seen in ((day.supervisor, False), (day.admin, True)):
        section = comments_html(client_for(reader).get(reverse("supervision:reports-tab", args=["agents"]) + "?"
                                                       + DAY))
        assert ("Soporte no contesta" in section) is seen
        assert "¡Muy amable!" in text(section)


@time_machine.travel(NOW, tick=False)
def test_the_comments_come_a_page_at_a_time_newest_first(day):
    first = SatisfactionRating.objects.get(score=5)
    for minute in range(csat_sel.COMMENTS_PAGE + 3):
        conversation = f.ConversationFactory(queue=day.queue, status="closed", assignee=day.agent,
                                             closed_at=at(16, minute))
        SatisfactionRating.objects.create(
            organization=day.organization, conversation=conversation, queue=day.queue, agent=day.agent,
            asked_at=at(16, minute), expires_at=at(16, minute) + timedelta(1), score=4,
            answered_at=at(17, minute), comment=f"Comentario {minute}")
    url = reverse("supervision:reports-tab", args=["agents"]) + "?" + DAY
    page_one = comments_html(client_for(day.admin).get(url))
    assert f"Comentario {csat_sel.COMMENTS_PAGE + 2}" in page_one and first.comment not in text(page_one)
    assert 'data-testid="csat-comments-next"' in page_one
    page_two = comments_html(client_for(day.admin).get(url + "&page=2"))
    assert "Comentario 0" in page_two and "¡Muy amable!" in text(page_two)


def test_the_live_panel_shows_todays_csat_per_queue(personas):
    today = NOW.replace(hour=10)
    with time_machine.travel(today, tick=False):
        for score in (5, 4, 2, None):
            conversation = f.ConversationFactory(queue=personas.queue, status="closed", assignee=personas.agent,
                                                 enqueued_at=today - timedelta(hours=3),
                                                 closed_at=today - timedelta(hours=2))
            f.SatisfactionRatingFactory(conversation=conversation, asked_at=today - timedelta(hours=2), score=score,
                                        # 5 answered in a filled hour, 4 and 2 in the open one
                                        answered_at=today - timedelta(minutes=90 if score == 5 else 30)
                                        if score else None)
        yesterday = f.ConversationFactory(queue=personas.queue, status="closed", assignee=personas.agent,
                                          enqueued_at=today - timedelta(days=1, hours=1))
        f.SatisfactionRatingFactory(conversation=yesterday, asked_at=today - timedelta(days=1), score=1,
                                    answered_at=today - timedelta(days=1))
        fill_until(today.replace(hour=9))  # part of today filled, the rest computed live
        response = client_for(personas.supervisor).get(reverse("supervision:overview"))
    assert "67 %" in text(card(response, "queue", personas.queue.pk))  # 2 of 3 answered today were 4–5
