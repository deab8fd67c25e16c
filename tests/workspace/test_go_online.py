"""Back from Offline in the top bar: after a supervisor's Forzar desconexión the agent's desk
turns Offline live and offers Go online, which signs them in again (as logging in does) without
a reload."""

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from contactcenter.services import agents
from contactcenter.services import supervision as supervision_services
from tests.workspace.conftest import HTMX, flashes, html, is_desk_partial, snapshot
from tests.workspace.test_consumers import communicator, receive_all, receive_until, session_cookie

STATUS_URL = "/workspace/status/"


@pytest.mark.django_db
def test_an_offline_agent_is_offered_go_online_and_no_status_menu(personas, ana):
    body = html(ana.get(reverse("workspace:index")))
    assert 'data-testid="sign-in"' in body
    assert 'data-testid="status-menu"' not in body and 'data-testid="receive-new"' not in body


@pytest.mark.django_db
def test_an_online_agent_is_not_offered_go_online(personas, ana, ana_ready):
    body = html(ana.get(reverse("workspace:index")))
    assert 'data-testid="sign-in"' not in body and 'data-testid="status-menu"' in body


@pytest.mark.django_db
def test_go_online_signs_the_agent_in_and_shows_the_status_menu(personas, desk, ana):
    response = ana.post(STATUS_URL, {"status": "sign_in"}, headers=HTMX)
    assert response.status_code == 200 and is_desk_partial(response)
    state = desk.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("online", False)
    body = html(response)
    assert 'data-testid="status-menu"' in body and 'data-testid="receive-new"' in body
    assert 'data-testid="sign-in"' not in body


@pytest.mark.django_db
def test_go_online_without_javascript_redirects_back_to_the_desk(personas, desk, ana):
    response = ana.post(STATUS_URL, {"status": "sign_in"})
    assert response.status_code == 302
    assert desk.state(personas.agent).status.code == "online"


@pytest.mark.django_db
def test_go_online_after_a_forced_disconnect_signs_in_again(personas, desk, ana, ana_ready):
    supervision_services.supervisor_force_offline(by=personas.supervisor, agent=personas.agent)
    assert desk.state(personas.agent).status.code == "offline"
    ana.post(STATUS_URL, {"status": "sign_in"}, headers=HTMX)
    assert desk.state(personas.agent).status.code == "online"


@pytest.mark.django_db
def test_go_online_when_already_online_changes_nothing(personas, desk, ana, ana_ready):
    before = snapshot()
    ana.post(STATUS_URL, {"status": "sign_in"}, headers=HTMX)
    assert desk.state(personas.agent).status.code == "ready"
    assert snapshot() == before


@pytest.mark.django_db
def test_a_banned_agent_is_not_offered_go_online_and_stays_banned(personas, desk, ana):
    agents.agent_ban(agent=personas.agent, by=personas.admin)
    assert 'data-testid="sign-in"' not in html(ana.get(reverse("workspace:index")))
    response = ana.post(STATUS_URL, {"status": "sign_in"}, headers=HTMX)
    assert desk.state(personas.agent).status.code == "banned"
    assert not flashes(response) or "banned" in " ".join(flashes(response)).lower()


@pytest.mark.django_db(transaction=True)
async def test_a_forced_disconnect_shows_go_online_live(personas):
    await sync_to_async(agents.agent_sign_in)(agent=personas.agent)
    cookie = await sync_to_async(session_cookie)(personas.agent)
    comm = communicator(cookie=cookie)
    connected, _ = await comm.connect()
    assert connected
    await receive_all(comm)
    await sync_to_async(supervision_services.supervisor_force_offline)(by=personas.supervisor, agent=personas.agent)
    live = await receive_until(comm, 'data-testid="sign-in"')
    assert 'data-testid="sign-in"' in live and 'data-testid="status-menu"' not in live
    await comm.disconnect()


@pytest.mark.django_db
def test_in_spanish_the_button_says_conectarse(personas, ana):
    ana.cookies["django_language"] = "es"
    assert 'data-testid="sign-in">Conectarse</button>' in html(ana.get(reverse("workspace:index")))
