"""403, 404, 500 and a failed CSRF check answer with the base layout, translated, and offer the
ways back to what the person may use."""

import pytest
from django.test import Client
from django.urls import path

from contactcenter import urls as project_urls
from tests.workspace.conftest import client_for

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [*project_urls.urlpatterns, path("boom/", boom)]
handler403, handler404, handler500 = project_urls.handler403, project_urls.handler404, project_urls.handler500


def test_an_agent_opening_supervision_gets_a_403_page_with_the_layout_and_the_way_to_the_workspace(personas):
    response = client_for(personas.agent).get("/supervision/")
    body = response.content.decode()
    assert response.status_code == 403
    assert '<header class="topbar">' in body and 'data-testid="error-page"' in body
    assert "You cannot open this page" in body
    assert 'href="/workspace/"' in body and 'href="/supervision/"' not in body.split('data-testid="ways-back"')[1]


def test_a_supervisor_refused_a_page_is_offered_supervision_too(personas):
    body = client_for(personas.supervisor).get("/permissions/").content.decode()
    ways = body.split('data-testid="ways-back"')[1]
    assert 'href="/workspace/"' in ways and 'href="/supervision/"' in ways


def test_the_403_page_is_in_spanish_for_a_spanish_speaker(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(personas.agent)
    response = client.get("/config/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "No puedes abrir esta página" in body and "Abrir el espacio de trabajo" in body


def test_an_unknown_page_is_a_404_with_the_layout(personas):
    response = client_for(personas.agent).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in body and "Page not found" in body and 'href="/workspace/"' in body


def test_another_organizations_conversation_is_the_same_404_page(personas):
    from tests import factories as f

    foreign = f.ConversationFactory(organization=personas.outsider.organization, queue=personas.outsider_queue)
    response = client_for(personas.agent).get(f"/workspace/conversations/{foreign.pk}/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_a_visitor_who_is_not_logged_in_is_offered_the_login(db):
    response = client_for(None).get("/no-such-page/")
    assert response.status_code == 404 and 'href="/accounts/login/"' in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_server_error_is_a_500_page_with_the_layout(personas):
    client = client_for(personas.agent)
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert '<header class="topbar">' in body and "Something went wrong" in body and 'href="/workspace/"' in body


def test_a_failed_csrf_check_is_a_403_page_that_says_to_reload(personas):
    client = client_for(personas.agent)
    client.handler.enforce_csrf_checks = True
    response = client.post("/workspace/status/receive-new/", {"on": "1"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "The form has expired" in body and '<header class="topbar">' in body and 'href="/workspace/"' in body
