"""The agent's view of satisfaction: a closed conversation shows the customer's rating (stars,
score and comment), and so does the contact's history next to their later conversations."""

import pytest
from django.urls import reverse

from contactcenter.models import Channel, SatisfactionRating
from contactcenter.services import conversations, csat
from tests import factories as f
from tests.workspace.conftest import html

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(personas, desk, ana_ready):
    """Ana served a web chat, closed it, and the customer rated it 4 with a comment."""
    web = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT)
    conversation = desk.chat_for(personas.agent, personas.queue, channel=web)
    with desk.commit():
        conversations.conversation_close(conversation=conversation, by=personas.agent)
    rating = SatisfactionRating.objects.get(conversation=conversation)
    csat.csat_answer(token=csat.csat_token(rating), score=4, comment="Muy amable, gracias")
    return conversation


def test_the_closed_conversation_shows_the_customers_rating(ana, rated):
    page = html(ana.get(reverse("workspace:conversation", args=[rated.pk])))
    assert 'data-testid="conversation-rating"' in page
    assert "★★★★☆" in page and "4/5" in page and "Muy amable, gracias" in page


def test_the_contacts_history_shows_the_rating_of_an_earlier_conversation(personas, desk, ana, rated):
    again = desk.chat_for(personas.agent, personas.queue, contact=rated.contact, channel=rated.channel)
    page = html(ana.get(reverse("workspace:conversation", args=[again.pk])))
    assert 'data-testid="history-rating"' in page and "Muy amable, gracias" in page
    assert 'data-testid="conversation-rating"' not in page  # the open one has none yet


def test_an_unanswered_survey_shows_nothing(personas, desk, ana, ana_ready):
    web = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT)
    conversation = desk.chat_for(personas.agent, personas.queue, channel=web)
    with desk.commit():
        conversations.conversation_close(conversation=conversation, by=personas.agent)
    assert SatisfactionRating.objects.filter(conversation=conversation).exists()
    assert 'data-testid="conversation-rating"' not in html(ana.get(reverse("workspace:conversation",
                                                                           args=[conversation.pk])))
