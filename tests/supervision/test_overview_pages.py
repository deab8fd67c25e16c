"""The overview's agents list comes a page at a time: a supervisor of a large center gets a
working screen (and a socket refresh a browser accepts), pages through the list or narrows it, and
hears live rows only for the agents the page shows."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from contactcenter.models import AgentState, QueueMembership, StatusInterval, StatusSource, SystemStatus, User
from contactcenter.services import agents
from contactcenter.services.organizations import system_status
from supervision import context
from tests.supervision.test_consumers import drain
from tests.supervision.test_overview_panel import OVERVIEW, agent_ids_listed, socket

# Daphne (autobahn) closes a socket whose message is larger than this.
WEBSOCKET_MESSAGE_LIMIT = 1024 * 1024


def add_agents(personas, count: int) -> list[User]:
    org, password = personas.organization, make_password(None)
    users = User.objects.bulk_create([
        User(organization=org, username=f"agente-{i:04d}", first_name="Agente", last_name=f"{i:04d}",
             password=password) for i in range(count)
    ])
    users = list(User.objects.filter(organization=org, username__startswith="agente-").order_by("username"))
    QueueMembership.objects.bulk_create([
        QueueMembership(organization=org, queue=personas.queue, user=u, role=QueueMembership.Role.AGENT, position=i)
        for i, u in enumerate(users)
    ])
    # What user_setup_defaults gives each user (Offline, an open ledger), in a few statements.
    offline, now = system_status(org.pk, SystemStatus.OFFLINE), timezone.now()
    AgentState.objects.bulk_create([AgentState(organization=org, agent=u, status=offline, since=now) for u in users])
    StatusInterval.objects.bulk_create([
        StatusInterval(organization=org, agent=u, status=offline, started_at=now, source=StatusSource.SYSTEM,
                       reason="created") for u in users
    ])
    return users



async def receive_frames(comm, timeout=3.0) -> list[str]:
    got = []
    while not await comm.receive_nothing(timeout=timeout):
        got.append(await comm.receive_from())
        timeout = 0.6
    return got


@pytest.mark.django_db(transaction=True)
async def test_a_supervisor_of_3000_agents_gets_every_refresh_frame_under_the_websocket_message_limit(personas):
    await sync_to_async(add_agents)(personas, 3000)
    comm, connected = await socket(personas.supervisor, "")
    assert connected
    refresh = await receive_frames(comm)
    await comm.disconnect()
    rows = next(frame for frame in refresh if 'id="agent-rows"' in frame)
    assert rows.count('data-testid="agent-row"') == context.AGENTS_PER_PAGE
    assert max(len(frame.encode()) for frame in refresh) < WEBSOCKET_MESSAGE_LIMIT / 10
    pager = next(frame for frame in refresh if 'id="agents-pager"' in frame)
    assert f"1–{context.AGENTS_PER_PAGE}" in pager and "3002" in pager  # Ana and Luis too


def test_the_overview_pages_its_agents_and_links_the_next_page(personas, sofia, monkeypatch):
    monkeypatch.setattr(context, "AGENTS_PER_PAGE", 2)
    add_agents(personas, 3)  # 5 agents with Ana and Luis
    first = sofia.get(OVERVIEW)
    assert len(agent_ids_listed(first)) == 2
    body = first.content.decode()
    assert 'data-testid="agents-next"' in body and "page=2" in body and 'data-testid="agents-previous"' not in body
    last = sofia.get(OVERVIEW, {"page": 3})
    assert len(agent_ids_listed(last)) == 1
    assert 'data-testid="agents-previous"' in last.content.decode()
    assert set(agent_ids_listed(first)).isdisjoint(agent_ids_listed(sofia.get(OVERVIEW, {"page": 2})))


@pytest.mark.parametrize("page", ["99", "0", "dos"])
def test_a_page_out_of_range_or_not_a_number_shows_a_page_of_agents(personas, sofia, monkeypatch, page):
    monkeypatch.setattr(context, "AGENTS_PER_PAGE", 2)
    add_agents(personas, 3)
    assert len(agent_ids_listed(sofia.get(OVERVIEW, {"page": page}))) in (1, 2)


def test_the_filters_keep_to_the_page_size_and_lead_back_to_their_first_page(personas, sofia, monkeypatch):
    monkeypatch.setattr(context, "AGENTS_PER_PAGE", 2)
    add_agents(personas, 3)
    body = sofia.get(OVERVIEW, {"state": "offline", "sort": "status"}).content.decode()
    assert "state=offline&amp;sort=status&amp;page=2" in body
    assert 'name="page"' not in body  # the filter form starts over at the first page


@pytest.mark.django_db(transaction=True)
async def test_a_status_change_of_an_agent_on_another_page_sends_no_row_but_the_figures(personas, monkeypatch):
    monkeypatch.setattr(context, "AGENTS_PER_PAGE", 1)
    comm, connected = await socket(personas.supervisor, "")  # page 1: Ana (López before Pérez)
    assert connected
    first = await drain(comm)
    assert f'<tr id="agent-{personas.agent.pk}"' in first and f'<tr id="agent-{personas.colleague.pk}"' not in first
    await sync_to_async(agents.agent_sign_in)(agent=personas.colleague)
    update = await drain(comm)
    assert f'id="agent-{personas.colleague.pk}-status"' not in update and 'id="overview-figures"' in update
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    assert f'id="agent-{personas.agent.pk}-status"' in await drain(comm)
    await comm.disconnect()
