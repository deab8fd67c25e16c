"""Configuration portal: status rules (/config/rules/). Admins create, edit, enable and delete
them; bad input is a translated error and changes nothing; another organization's ids are an
error or a 404; a supervisor with the portal sees and changes only the rules of their queues."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from contactcenter.models import AuditEntry, StatusRule
from tests import factories as f
from tests.permissions.config_support import html
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = reverse("config:rules")


def spanish(user) -> Client:
    """The UI's own language (Spanish)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.force_login(user)
    return client


@pytest.fixture
def descanso(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Descanso", code="descanso")


def valid(personas, descanso, **changes) -> dict:
    data = {"name": "Descanso tras 20 chats", "is_enabled": "on", "trigger": "conversations", "threshold": "20",
            "queues": [str(personas.queue.pk)], "action": "pause", "pause_reason": str(descanso.pk),
            "duration_minutes": "10", "message": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_creates_a_rule_that_pauses_for_ten_minutes(personas, descanso):
    response = client_for(personas.admin).post(LIST, valid(personas, descanso))
    assert response.status_code == 302
    rule = StatusRule.objects.get(organization=personas.organization)
    assert (rule.name, rule.trigger, rule.threshold, rule.action, rule.pause_reason, rule.duration_minutes,
            rule.is_enabled) == ("Descanso tras 20 chats", "conversations", 20, "pause", descanso, 10, True)
    assert list(rule.queues.all()) == [personas.queue]
    assert AuditEntry.objects.filter(actor=personas.admin, action="status_rule.create").exists()
    assert "Descanso tras 20 chats" in html(client_for(personas.admin).get(LIST))


def test_the_rules_page_is_in_the_portals_navigation(personas):
    body = html(spanish(personas.admin).get(reverse("config:index")))
    assert f'href="{LIST}"' in body and "Reglas de estado" in body


def test_n_of_zero_is_a_translated_error_and_creates_nothing(personas, descanso):
    response = spanish(personas.admin).post(LIST, valid(personas, descanso, threshold="0"))
    assert response.status_code == 422
    assert "N debe ser al menos 1 para este disparador." in html(response)
    negative = spanish(personas.admin).post(LIST, valid(personas, descanso, threshold="-3"))
    assert negative.status_code == 422 and "mayor o igual a 0" in html(negative)
    assert not StatusRule.objects.exists()


def test_a_pause_action_without_its_reason_is_refused(personas, descanso):
    response = spanish(personas.admin).post(LIST, valid(personas, descanso, pause_reason=""))
    assert response.status_code == 422 and "Elige el motivo de pausa de una acción de pausa." in html(response)
    assert not StatusRule.objects.exists()


def test_nonsense_combinations_are_refused(personas, descanso):
    admin = spanish(personas.admin)
    queue_pause = admin.post(LIST, valid(personas, descanso, trigger="queue_wait", threshold="60"))
    assert queue_pause.status_code == 422 and "Un disparador de cola no tiene agente" in html(queue_pause)
    agent_reply = admin.post(LIST, valid(personas, descanso, action="auto_reply", message="Hola"))
    assert agent_reply.status_code == 422 and "Una respuesta automática va a los clientes" in html(agent_reply)
    empty_reply = admin.post(LIST, valid(personas, descanso, trigger="queue_wait", threshold="60",
                                         action="auto_reply", message="  "))
    assert empty_reply.status_code == 422 and "Escribe el texto de la respuesta automática." in html(empty_reply)
    assert not StatusRule.objects.exists()


def test_another_organizations_queue_or_pause_reason_is_an_invalid_choice(personas, descanso):
    theirs = f.PauseReasonFactory(organization=personas.outsider.organization)
    admin = spanish(personas.admin)
    for changes in ({"queues": [str(personas.outsider_queue.pk)]}, {"pause_reason": str(theirs.pk)}):
        response = admin.post(LIST, valid(personas, descanso, **changes))
        assert response.status_code == 422 and "Elige una opción válida" in html(response)
    assert not StatusRule.objects.exists()


def test_a_duplicate_name_is_refused(personas, descanso):
    f.StatusRuleFactory(organization=personas.organization, name="Descanso tras 20 chats")
    response = spanish(personas.admin).post(LIST, valid(personas, descanso, name="descanso tras 20 CHATS"))
    assert response.status_code == 422 and "Ya existe una regla llamada" in html(response)
    assert StatusRule.objects.count() == 1


def test_an_admin_edits_disables_and_deletes_a_rule(personas, descanso):
    rule = f.StatusRuleFactory(organization=personas.organization, name="Aviso")
    admin = client_for(personas.admin)
    url = reverse("config:rule", args=[rule.pk])
    assert admin.post(url, valid(personas, descanso, name="Aviso", action="notify", pause_reason="",
                                 duration_minutes="")).status_code == 302
    rule.refresh_from_db()
    assert (rule.trigger, rule.action, rule.pause_reason, rule.duration_minutes) == ("conversations", "notify",
                                                                                     None, None)
    admin.post(reverse("config:rule-enable", args=[rule.pk]), {"enabled": "0"})
    rule.refresh_from_db()
    assert rule.is_enabled is False
    assert AuditEntry.objects.filter(action="status_rule.disable").exists()
    admin.post(reverse("config:rule-delete", args=[rule.pk]))
    assert not StatusRule.objects.filter(pk=rule.pk).exists()


def test_a_refused_edit_changes_nothing(personas, descanso):
    rule = f.StatusRuleFactory(organization=personas.organization, name="Aviso", threshold=3)
    response = spanish(personas.admin).post(reverse("config:rule", args=[rule.pk]),
                                            valid(personas, descanso, name="Aviso", threshold="0"))
    assert response.status_code == 422
    rule.refresh_from_db()
    assert (rule.trigger, rule.threshold, rule.action) == ("missed_offers", 3, "notify")


def test_another_organizations_rule_is_a_404(personas):
    theirs = f.StatusRuleFactory(organization=personas.outsider.organization)
    admin = client_for(personas.admin)
    assert admin.get(reverse("config:rule", args=[theirs.pk])).status_code == 404
    assert admin.post(reverse("config:rule", args=[theirs.pk]), {"name": "x"}).status_code == 404
    assert admin.post(reverse("config:rule-enable", args=[theirs.pk]), {"enabled": "0"}).status_code == 404
    assert admin.post(reverse("config:rule-delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_enabled


def test_a_supervisor_without_the_portal_may_not_open_the_rules(personas):
    assert client_for(personas.supervisor).get(LIST).status_code == 403
    assert client_for(personas.agent).get(LIST).status_code == 403


def test_a_supervisor_with_the_portal_changes_only_the_rules_of_their_queues(personas, descanso):
    p = personas
    set_toggles(p.organization, supervisors_access_config=True)
    mine = f.StatusRuleFactory(organization=p.organization, name="Ventas larga", queues=[p.queue])
    others = f.StatusRuleFactory(organization=p.organization, name="Soporte larga", queues=[p.other_queue])
    everywhere = f.StatusRuleFactory(organization=p.organization, name="Todas")
    sofia = spanish(p.supervisor)
    body = html(sofia.get(LIST))
    assert "Ventas larga" in body and "Soporte larga" not in body and "Todas" not in body
    for rule in (others, everywhere):
        assert sofia.get(reverse("config:rule", args=[rule.pk])).status_code == 404
        assert sofia.post(reverse("config:rule-delete", args=[rule.pk])).status_code == 404
    assert sofia.post(reverse("config:rule", args=[mine.pk]), valid(p, descanso, name="Ventas larga")
                      ).status_code == 302
    mine.refresh_from_db()
    assert mine.action == "pause"
    assert StatusRule.objects.filter(pk__in=[others.pk, everywhere.pk]).count() == 2


def test_a_supervisor_names_only_their_own_queues(personas, descanso):
    p = personas
    set_toggles(p.organization, supervisors_access_config=True)
    sofia = spanish(p.supervisor)
    none = sofia.post(LIST, valid(p, descanso, queues=[]))
    assert none.status_code == 422 and "Elige al menos una de tus colas." in html(none)
    other = sofia.post(LIST, valid(p, descanso, queues=[str(p.other_queue.pk)]))
    assert other.status_code == 422 and "Elige una opción válida" in html(other)
    assert not StatusRule.objects.exists()
    assert sofia.post(LIST, valid(p, descanso)).status_code == 302


def test_django_admin_refuses_a_pause_rule_without_its_reason(personas, descanso):
    admin = spanish(personas.admin)
    response = admin.post(reverse("admin:contactcenter_statusrule_add"), {
        "name": "Sin motivo", "is_enabled": "on", "trigger": "conversations", "threshold": "5", "action": "pause",
        "pause_reason": "", "duration_minutes": "", "message": ""})
    assert response.status_code == 200 and "Elige el motivo de pausa de una acción de pausa." in html(response)
    assert not StatusRule.objects.exists()
    added = admin.post(reverse("admin:contactcenter_statusrule_add"), {
        "name": "Con motivo", "is_enabled": "on", "trigger": "conversations", "threshold": "5", "action": "pause",
        "pause_reason": str(descanso.pk), "duration_minutes": "10", "message": ""})
    assert added.status_code == 302
    assert StatusRule.objects.get().organization == personas.organization
