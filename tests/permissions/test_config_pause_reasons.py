"""Configuration portal: pause reasons (name, maximum minutes), with their two toggles."""

import pytest
from django.conf import settings

from contactcenter.models import NO_ANSWER_CODE, StatusDefinition
from contactcenter.services import agents
from tests import factories as f
from tests.permissions.config_support import HTMX, audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = list_url("pause-reasons")


@pytest.fixture
def lunch(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Comida", code="comida", max_minutes=30)


def test_the_list_shows_pause_reasons_not_system_statuses(personas, lunch):
    body = html(client_for(personas.admin).get(LIST))
    assert "Comida" in body
    assert "Ready" not in body.split('data-testid="config-list"')[1].split("</table>")[0]


def test_an_admin_creates_a_pause_reason(personas):
    response = client_for(personas.admin).post(LIST, {"name": "Formación", "max_minutes": "60", "is_active": "on"})
    assert response.status_code == 302
    reason = StatusDefinition.objects.get(organization=personas.organization, name="Formación")
    assert (reason.kind, reason.max_minutes, reason.code) == ("pause", 60, "formacion")
    assert audited(personas.admin, "pause_reason.create")


def test_an_admin_edits_a_pause_reason_with_htmx(personas, lunch):
    response = client_for(personas.admin).post(edit_url("pause-reasons", lunch),
                                               {"name": "Almuerzo", "max_minutes": "", "is_active": "on"},
                                               headers=HTMX)
    assert response.status_code == 200
    assert "The changes to “Almuerzo” were saved." in html(response)
    lunch.refresh_from_db()
    assert (lunch.name, lunch.max_minutes) == ("Almuerzo", None)


@pytest.mark.parametrize("minutes", ["0", "-5", "99999", "abc"])
def test_a_bad_maximum_is_refused_and_the_name_kept(personas, minutes):
    response = client_for(personas.admin).post(LIST, {"name": "Café", "max_minutes": minutes})
    assert response.status_code == 422
    assert 'value="Café"' in html(response)
    assert not StatusDefinition.objects.filter(name="Café").exists()


def test_a_missing_name_is_refused(personas):
    response = client_for(personas.admin).post(LIST, {"name": "   ", "max_minutes": "5"})
    assert response.status_code == 422
    assert 'data-testid="field-error"' in html(response)


def test_a_duplicate_name_is_refused(personas, lunch):
    response = client_for(personas.admin).post(LIST, {"name": "comida", "max_minutes": "5"})
    assert response.status_code == 422
    assert "There is already a pause reason named “comida”." in html(response)


def test_an_unused_pause_reason_is_deleted(personas, lunch):
    client_for(personas.admin).post(delete_url("pause-reasons", lunch))
    assert not StatusDefinition.objects.filter(pk=lunch.pk).exists()
    assert audited(personas.admin, "pause_reason.delete")


def test_a_pause_reason_in_use_now_is_not_deleted(personas, lunch):
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=lunch)
    response = client_for(personas.admin).post(delete_url("pause-reasons", lunch), follow=True)
    assert "“Comida” is in use now by Ana López. Try again when this agent leaves that pause." in html(response)
    lunch.refresh_from_db()
    assert lunch.is_active


def test_a_pause_reason_in_use_names_the_agents_in_the_singular_or_plural_in_spanish(personas, lunch):
    client = client_for(personas.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=lunch)
    one = html(client.post(delete_url("pause-reasons", lunch), follow=True))
    assert "Ana López está usando ahora «Comida». Inténtalo de nuevo cuando salga de esa pausa." in one
    agents.agent_sign_in(agent=personas.colleague)
    agents.agent_pause(agent=personas.colleague, reason=lunch)
    two = html(client.post(delete_url("pause-reasons", lunch), follow=True))
    assert "Ana López, Luis Pérez están usando ahora «Comida». Inténtalo de nuevo cuando salgan de esa pausa." in two


def test_a_pause_reason_in_the_ledger_is_deactivated(personas, lunch):
    agents.agent_sign_in(agent=personas.agent)
    agents.agent_pause(agent=personas.agent, reason=lunch)
    agents.agent_resume(agent=personas.agent)
    client_for(personas.admin).post(delete_url("pause-reasons", lunch))
    lunch.refresh_from_db()
    assert lunch.is_active is False


def test_the_no_answer_pause_cannot_be_deleted(personas):
    no_answer = StatusDefinition.objects.get(organization=personas.organization, code=NO_ANSWER_CODE)
    client_for(personas.admin).post(delete_url("pause-reasons", no_answer))
    assert StatusDefinition.objects.filter(pk=no_answer.pk).exists()


def test_a_system_status_is_not_a_pause_reason(personas):
    ready = StatusDefinition.objects.get(organization=personas.organization, code="ready")
    assert client_for(personas.admin).get(edit_url("pause-reasons", ready)).status_code == 404


def test_another_organizations_pause_reason_is_a_404(personas):
    foreign = f.PauseReasonFactory(organization=personas.outsider.organization)
    admin = client_for(personas.admin)
    assert admin.get(edit_url("pause-reasons", foreign)).status_code == 404
    assert admin.post(edit_url("pause-reasons", foreign), {"name": "x"}).status_code == 404
    assert admin.post(delete_url("pause-reasons", foreign)).status_code == 404
    assert StatusDefinition.objects.filter(pk=foreign.pk).exists()


def test_agents_get_a_403(personas, lunch):
    assert client_for(personas.agent).get(LIST).status_code == 403


def test_supervisors_view_per_toggle(personas, lunch):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_view_pause_reasons=False)
    sofia = client_for(personas.supervisor)
    assert sofia.get(LIST).status_code == 403
    set_toggles(personas.organization, supervisors_view_pause_reasons=True)
    response = sofia.get(LIST)
    assert response.status_code == 200
    assert 'data-testid="config-delete"' not in html(response)
    assert sofia.post(LIST, {"name": "Café", "max_minutes": "5"}).status_code == 403
    assert sofia.post(delete_url("pause-reasons", lunch)).status_code == 403


def test_supervisors_manage_per_toggle(personas, lunch):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_manage_pause_reasons=True)
    sofia = client_for(personas.supervisor)
    assert sofia.post(LIST, {"name": "Café", "max_minutes": "5"}).status_code == 302
    assert StatusDefinition.objects.filter(organization=personas.organization, name="Café").exists()


def test_pause_reasons_say_active_in_the_masculine_in_spanish(personas, lunch):
    client = client_for(personas.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "<th>Activo</th>" in html(client.get(LIST))
