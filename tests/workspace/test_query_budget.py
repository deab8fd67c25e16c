"""The desk's query budget: the workspace page and an open conversation each render in at most
30 queries, and in the same number whatever the size of the organization around the agent
(bench_pages --concurrency measures what that buys under load)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactcenter.models import Queue
from tests import factories as f

pytestmark = pytest.mark.django_db

BUDGET = 30
INDEX = reverse("workspace:index")


def queries(client, path) -> int:
    client.get(path)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


@pytest.fixture
def grow(personas, desk, ana_ready):
    """`grow(n)`: n more chats assigned to Ana, n waiting, n colleagues logged in to the queue,
    n tags, n canned responses, and n messages in Ana's open chat."""
    p = personas
    Queue.objects.filter(pk=p.queue.pk).update(capacity=500)
    chat = desk.chat_for(p.agent, p.queue, "Hola")

    def grow_by(n):
        for i in range(n):
            desk.chat_for(p.agent, p.queue, f"Asignada {i}")
        desk.not_receiving(p.agent)
        for i in range(n):
            desk.arrive(p.queue, f"Esperando {i}", route=False)
            desk.receive(chat, f"cliente {i}")
            colleague = f.AgentFactory(organization=p.organization)
            f.QueueMembershipFactory(queue=p.queue, user=colleague)
            desk.sign_in(colleague, p.queue)
            f.TagFactory(organization=p.organization)
            f.CannedResponseFactory(organization=p.organization)
        desk.ready(p.agent, p.queue)
        return chat

    return grow_by


def test_the_workspace_page_stays_within_30_queries_whatever_the_data_size(ana, grow):
    grow(2)
    small = queries(ana, INDEX)
    grow(20)
    assert queries(ana, INDEX) == small
    assert small <= BUDGET


def test_an_open_conversation_stays_within_30_queries_whatever_the_data_size(ana, grow):
    url = reverse("workspace:conversation", args=[grow(2).pk])
    small = queries(ana, url)
    grow(20)
    assert queries(ana, url) == small
    assert small <= BUDGET
