"""Bursts: many customers arriving at once are opened in one transaction and routed in batches,
with the same rules as one by one (line order, strategy, capacity, ledger, events)."""

import pytest

from contactcenter import events
from contactcenter.models import Conversation, Message, QueueMembership
from contactcenter.services import conversations, routing
from contactcenter.services.bulk import update_rows
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db


def burst(engine, queue, count, *, text="Hola"):
    contacts = [f.ContactFactory(organization=queue.organization, name=f"Cliente {i + 1}") for i in range(count)]
    with engine.commit():
        opened = conversations.conversation_open_many(queue=queue, arrivals=[(c, text) for c in contacts])
    return list(Conversation.objects.filter(pk__in=[c.pk for c in opened]).order_by("enqueued_at", "id"))


def team(personas, engine, *, size=3, capacity=2, strategy="least_busy"):
    p = personas
    p.queue.capacity, p.queue.strategy = capacity, strategy
    p.queue.save()
    third = f.AgentFactory(organization=p.organization, username="marta", first_name="Marta")
    f.QueueMembershipFactory(queue=p.queue, user=third)
    members = [p.agent, p.colleague, third][:size]
    for agent in members:
        engine.make_ready(agent, p.queue)
    return members


def test_a_burst_is_spread_least_busy_first_and_the_rest_waits_in_line(personas, engine):
    members = team(personas, engine, capacity=2)
    opened = burst(engine, personas.queue, 7)
    loads = {agent.pk: engine.state(agent).chat_load for agent in members}
    assert sorted(loads.values()) == [2, 2, 2]
    assert [c.status for c in opened] == ["assigned"] * 6 + ["queued"]  # the last in line waits
    assert {c.assignee_id for c in opened[:3]} == set(loads)  # the first three go to three agents


def test_a_burst_opens_each_conversation_with_its_first_message(personas, engine):
    opened = burst(engine, personas.queue, 3, text="¿Tenéis talla M?")
    for conversation in opened:
        assert conversation.last_message_excerpt == "¿Tenéis talla M?"
        assert conversation.unread_count == 1
        assert list(Message.objects.filter(conversation=conversation).values_list("direction", "body")) == [
            ("inbound", "¿Tenéis talla M?")]


def test_a_burst_to_a_round_robin_queue_goes_to_the_longest_idle_agents_first(personas, engine):
    members = team(personas, engine, capacity=5, strategy="round_robin")
    first = burst(engine, personas.queue, 3)
    second = burst(engine, personas.queue, 3)
    assert [c.assignee_id for c in second] == [c.assignee_id for c in first]
    assert len({c.assignee_id for c in first}) == len(members)


def test_a_burst_to_a_sequential_queue_fills_the_first_member_before_the_next(personas, engine):
    members = team(personas, engine, capacity=2, strategy="sequential")
    QueueMembership.objects.filter(queue=personas.queue, user=members[2]).update(position=0)
    QueueMembership.objects.filter(queue=personas.queue, user=members[0]).update(position=1)
    QueueMembership.objects.filter(queue=personas.queue, user=members[1]).update(position=2)
    opened = burst(engine, personas.queue, 3)
    assert [c.assignee_id for c in opened] == [members[2].pk, members[2].pk, members[0].pk]


def test_agents_who_start_serving_in_a_burst_get_one_ledger_interval_each(personas, engine):
    members = team(personas, engine, capacity=3)
    opened = burst(engine, personas.queue, 5)
    for agent in members:
        assert engine.status(agent) == "in_service"
        engine.assert_ledger_tiles(agent)
        last = engine.ledger(agent)[-1]
        first_of_theirs = min(c.pk for c in opened if c.assignee_id == agent.pk)
        assert (last.status.code, last.previous_status.code, last.source, last.reason) == (
            "in_service", "ready", "system", f"conversation {first_of_theirs}")
        assert last.started_at == min(c.assigned_at for c in opened if c.assignee_id == agent.pk)


def test_a_burst_to_free_agents_is_announced_by_one_assigned_event(personas, engine, captured_events):
    members = team(personas, engine, capacity=2)
    captured_events.clear()
    opened = burst(engine, personas.queue, 4)
    assert [e.type for e in captured_events if e.type.startswith("conversation.")] == [events.CONVERSATION_ASSIGNED]
    assigned = next(e for e in captured_events if e.type == events.CONVERSATION_ASSIGNED)
    assert sorted(assigned.data["conversation_ids"]) == sorted(c.pk for c in opened)
    assert set(assigned.data["agent_ids"]) == {m.pk for m in members}
    assert assigned.data["assignees"] == {str(c.pk): c.assignee_id for c in opened}
    statuses = [e for e in captured_events if e.type == events.AGENT_STATUS]
    assert sorted(e.data["agent_ids"][0] for e in statuses) == sorted(m.pk for m in members)


def test_a_burst_nobody_can_take_is_announced_by_one_queued_event(personas, engine, captured_events):
    opened = burst(engine, personas.queue, 3)
    queued = [e for e in captured_events if e.type == events.CONVERSATION_QUEUED]
    assert len(queued) == 1 and queued[0].data["conversation_ids"] == [c.pk for c in opened]
    assert not [e for e in captured_events if e.type == events.CONVERSATION_ASSIGNED]


def test_a_burst_waits_behind_conversations_already_in_line(personas, engine):
    p = personas
    p.queue.capacity = 2
    p.queue.save()
    older = burst(engine, p.queue, 1)  # nobody ready: it waits
    newer = burst(engine, p.queue, 2)
    engine.make_ready(p.agent, p.queue)  # room for two: the oldest two in line
    statuses = {c.pk: c.status for c in Conversation.objects.filter(queue=p.queue)}
    assert [statuses[c.pk] for c in older + newer] == ["assigned", "assigned", "queued"]


def test_a_burst_with_a_contact_of_another_organization_opens_nothing(personas, engine):
    p = personas
    ours = f.ContactFactory(organization=p.organization)
    theirs = f.ContactFactory(organization=p.outsider_queue.organization)
    with pytest.raises(DomainError), engine.commit():
        conversations.conversation_open_many(queue=p.queue, arrivals=[(ours, "Hola"), (theirs, "Hola")])
    assert not Conversation.objects.exists()


def test_a_burst_with_a_message_too_long_opens_nothing(personas, engine):
    contact = f.ContactFactory(organization=personas.organization)
    with pytest.raises(DomainError, match="too long|demasiado largo"), engine.commit():
        conversations.conversation_open_many(queue=personas.queue, arrivals=[(contact, "x" * 4001)])
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_routing_a_queue_takes_waiting_chats_beyond_one_batch(personas, engine):
    p = personas
    p.queue.capacity = 50
    p.queue.save()
    opened = burst(engine, p.queue, routing.BATCH + 5)  # nobody ready: all wait
    assert {c.status for c in opened} == {"queued"}
    engine.make_ready(p.agent, p.queue)
    engine.make_ready(p.colleague, p.queue)  # routing on commit
    assert Conversation.objects.filter(pk__in=[c.pk for c in opened], status="assigned").count() == len(opened)


def test_update_rows_sets_each_row_its_own_values(personas):
    a = f.ContactFactory(organization=personas.organization, name="A")
    b = f.ContactFactory(organization=personas.organization, name="B")
    update_rows(type(a), "id", ["name", "email"], [(a.pk, "Ana", "ana@example.com"), (b.pk, "Bea", "")])
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.name, a.email, b.name, b.email) == ("Ana", "ana@example.com", "Bea", "")


def test_a_burst_into_a_queue_deactivated_meanwhile_waits(personas, engine):
    from contactcenter.models import Queue

    engine.make_ready(personas.agent, personas.queue)
    Queue.objects.filter(pk=personas.queue.pk).update(is_active=False)  # our copy still says active
    opened = burst(engine, personas.queue, 2)
    assert [c.status for c in opened] == ["queued", "queued"]
