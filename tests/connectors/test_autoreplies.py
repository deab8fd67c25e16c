"""Auto-replies: outside business hours, no agent logged in, queued with the position; each at
most once per conversation, as a system message the customer sees; the conversation waits."""

import pytest

from contactcenter import events
from contactcenter.models import Conversation, Message
from contactcenter.services import agents, autoreplies, conversations, queues, transfers
from tests import factories as f

pytestmark = pytest.mark.django_db

OUTSIDE = "Nuestro horario es de 9 a 18 h; te responderemos en cuanto volvamos."
NO_AGENTS = "Ahora no hay agentes conectados; te atenderemos en breve."
QUEUED = "Estás en la posición {position} de la cola."


@pytest.fixture
def queue():
    return f.QueueFactory(auto_reply_outside_hours=OUTSIDE, auto_reply_no_agents=NO_AGENTS,
                          auto_reply_queued=QUEUED)


@pytest.fixture
def arrive(django_capture_on_commit_callbacks):
    def arrive(queue, text="Hola"):
        contact = f.ContactFactory(organization=queue.organization)
        with django_capture_on_commit_callbacks(execute=True):
            conversation = conversations.conversation_open(queue=queue, contact=contact, text=text)
        conversation.refresh_from_db()
        return conversation

    return arrive


def system_texts(conversation):
    return list(conversation.messages.filter(direction=Message.Direction.SYSTEM).values_list("body", flat=True))


@pytest.fixture
def logged_in_busy_agent(queue, django_capture_on_commit_callbacks):
    """Logged in to the queue but not taking new work (Receive new off)."""
    agent = f.QueueMembershipFactory(queue=queue).user
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=queue, agent=agent)
    return agent


def test_outside_business_hours_the_customer_gets_the_outside_hours_reply(queue, arrive):
    queue.business_hours = f.BusinessHoursFactory(organization=queue.organization)  # no intervals: closed
    queue.save()
    conversation = arrive(queue)
    assert system_texts(conversation) == [OUTSIDE]
    assert conversation.status == Conversation.Status.QUEUED


def test_with_no_agent_logged_in_the_customer_gets_the_no_agents_reply(queue, arrive):
    conversation = arrive(queue)
    assert system_texts(conversation) == [NO_AGENTS]
    assert conversation.status == Conversation.Status.QUEUED


def test_queued_reply_tells_the_position(queue, arrive, logged_in_busy_agent):
    first = arrive(queue)
    second = arrive(queue)
    assert system_texts(first) == ["Estás en la posición 1 de la cola."]
    assert system_texts(second) == ["Estás en la posición 2 de la cola."]


def test_each_reply_is_sent_once_per_conversation(queue, arrive, django_capture_on_commit_callbacks):
    conversation = arrive(queue)
    with django_capture_on_commit_callbacks(execute=True):
        again = autoreplies.autoreply_send(conversation_id=conversation.pk)
    assert again is None
    assert system_texts(conversation) == [NO_AGENTS]
    conversation.refresh_from_db()
    assert conversation.auto_replies_sent == [autoreplies.NO_AGENTS]


def test_another_kind_may_follow_once_the_situation_changes(queue, arrive, logged_in_busy_agent):
    conversation = arrive(queue)  # an agent is logged in: queued reply
    queue.business_hours = f.BusinessHoursFactory(organization=queue.organization)
    queue.save()
    autoreplies.autoreply_send(conversation_id=conversation.pk)
    autoreplies.autoreply_send(conversation_id=conversation.pk)
    assert system_texts(conversation) == ["Estás en la posición 1 de la cola.", OUTSIDE]


def test_a_conversation_routed_to_an_agent_gets_no_auto_reply(queue, arrive, django_capture_on_commit_callbacks):
    agent = f.QueueMembershipFactory(queue=queue).user
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=queue, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
    conversation = arrive(queue)
    assert conversation.status == Conversation.Status.ASSIGNED
    assert system_texts(conversation) == []


def test_an_empty_text_sends_nothing(arrive):
    queue = f.QueueFactory()
    conversation = arrive(queue)
    assert system_texts(conversation) == []
    conversation.refresh_from_db()
    assert conversation.auto_replies_sent == []


def test_calls_get_no_written_auto_reply(arrive):
    queue = f.QueueFactory(kind="voice", auto_reply_no_agents=NO_AGENTS)
    conversation = arrive(queue, text="")
    assert system_texts(conversation) == []


def test_the_reply_is_customer_visible_and_published_like_any_message(queue, arrive, captured_events):
    conversation = arrive(queue)
    message = conversation.messages.get(direction=Message.Direction.SYSTEM)
    assert message.is_customer_visible
    created = [e for e in captured_events if e.type == events.MESSAGE_CREATED and e.data["message_id"] == message.pk]
    assert created and created[0].data["direction"] == Message.Direction.SYSTEM
    assert created[0].data["conversation_ids"] == [conversation.pk]


def test_braces_in_a_reply_text_are_left_alone(arrive, logged_in_busy_agent, queue):
    queue.auto_reply_queued = "Posición {position} {otra} {0}"
    queue.save()
    conversation = arrive(queue)
    assert system_texts(conversation) == ["Posición 1 {otra} {0}"]


def test_position_counts_priority_first(queue, arrive, logged_in_busy_agent):
    normal = arrive(queue)
    urgent_contact = f.ContactFactory(organization=queue.organization)
    urgent = conversations.conversation_open(queue=queue, contact=urgent_contact, priority=5)
    normal.refresh_from_db()
    assert autoreplies.waiting_position(urgent) == 1
    assert autoreplies.waiting_position(normal) == 2


def test_a_conversation_transferred_into_a_closed_queue_gets_its_outside_hours_reply(
        queue, django_capture_on_commit_callbacks):
    agent = f.QueueMembershipFactory(queue=queue).user
    with django_capture_on_commit_callbacks(execute=True):
        agents.agent_sign_in(agent=agent)
        queues.queue_login(queue=queue, agent=agent)
        agents.agent_set_receive_new(agent=agent, on=True)
    contact = f.ContactFactory(organization=queue.organization)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations.conversation_open(queue=queue, contact=contact, text="Hola")
    closed = f.QueueFactory(organization=queue.organization, auto_reply_outside_hours="Cerrado por hoy.",
                            business_hours=f.BusinessHoursFactory(organization=queue.organization))
    with django_capture_on_commit_callbacks(execute=True):
        transfers.conversation_transfer(conversation=conversation, by=agent, to_queue=closed)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.QUEUED
    assert system_texts(conversation)[-1] == "Cerrado por hoy."
