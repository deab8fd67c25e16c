"""Configuration portal: dispositions, tags and public canned responses."""

import pytest

from contactcenter.models import CannedResponse, Conversation, Disposition, Tag
from tests import factories as f
from tests.permissions.config_support import audited, delete_url, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db


# --- Dispositions -----------------------------------------------------------------------------------


def test_an_admin_creates_edits_and_deletes_a_disposition(personas):
    admin = client_for(personas.admin)
    assert admin.post(list_url("dispositions"), {"name": "No contesta", "reschedules": "on",
                                                 "is_active": "on"}).status_code == 302
    disposition = Disposition.objects.get(organization=personas.organization, name="No contesta")
    assert disposition.reschedules
    admin.post(edit_url("dispositions", disposition), {"name": "No contesta", "is_active": "on"})
    disposition.refresh_from_db()
    assert not disposition.reschedules
    admin.post(delete_url("dispositions", disposition))
    assert not Disposition.objects.filter(pk=disposition.pk).exists()
    assert audited(personas.admin, "disposition.delete")


def test_a_disposition_in_the_history_is_deactivated(personas):
    disposition = f.DispositionFactory(organization=personas.organization, name="Venta")
    conversation = f.ConversationFactory(queue=personas.queue)
    Conversation.objects.filter(pk=conversation.pk).update(disposition=disposition)
    client_for(personas.admin).post(delete_url("dispositions", disposition))
    disposition.refresh_from_db()
    assert disposition.is_active is False


def test_a_duplicate_disposition_is_refused(personas):
    f.DispositionFactory(organization=personas.organization, name="Venta")
    response = client_for(personas.admin).post(list_url("dispositions"), {"name": "VENTA"})
    assert response.status_code == 422 and 'value="VENTA"' in html(response)


def test_the_page_says_dispositions_need_after_service_time(personas):
    assert "only to queues with after-service time" in html(client_for(personas.admin).get(list_url("dispositions")))


def test_dispositions_follow_the_queue_settings_toggle_for_supervisors(personas):
    disposition = f.DispositionFactory(organization=personas.organization)
    set_toggles(personas.organization, supervisors_access_config=True)
    sofia = client_for(personas.supervisor)
    assert sofia.get(list_url("dispositions")).status_code == 200
    assert sofia.post(delete_url("dispositions", disposition)).status_code == 403
    set_toggles(personas.organization, supervisors_manage_queue_settings=True)
    assert sofia.post(delete_url("dispositions", disposition)).status_code == 302


def test_another_organizations_disposition_is_a_404(personas):
    foreign = f.DispositionFactory(organization=personas.outsider.organization)
    assert client_for(personas.admin).post(delete_url("dispositions", foreign)).status_code == 404
    assert client_for(personas.agent).get(list_url("dispositions")).status_code == 403


# --- Tags -------------------------------------------------------------------------------------------


def test_an_admin_creates_edits_and_deletes_a_tag(personas):
    admin = client_for(personas.admin)
    assert admin.post(list_url("tags"), {"name": "  vip   cliente ", "color": "#1E88E5"}).status_code == 302
    tag = Tag.objects.get(organization=personas.organization, name="vip cliente")
    assert tag.color == "#1e88e5"
    admin.post(edit_url("tags", tag), {"name": "vip", "color": "#000000"})
    tag.refresh_from_db()
    assert tag.name == "vip"
    admin.post(delete_url("tags", tag))
    assert not Tag.objects.filter(pk=tag.pk).exists()


@pytest.mark.parametrize("color", ["red", "#12345", "javascript:alert(1)"])
def test_a_bad_color_is_refused(personas, color):
    response = client_for(personas.admin).post(list_url("tags"), {"name": "vip", "color": color})
    assert response.status_code == 422
    assert not Tag.objects.filter(name="vip").exists()


def test_a_tag_on_conversations_is_not_deleted(personas):
    tag = f.TagFactory(organization=personas.organization, name="vip")
    f.ConversationFactory(queue=personas.queue).tags.add(tag)
    response = client_for(personas.admin).post(delete_url("tags", tag), follow=True)
    assert "“vip” tags 1 conversations" in html(response)
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_tags_follow_the_custom_tags_toggle(personas):
    set_toggles(personas.organization, supervisors_access_config=True, agents_create_tags=False)
    sofia = client_for(personas.supervisor)
    assert sofia.post(list_url("tags"), {"name": "vip", "color": "#000000"}).status_code == 403
    set_toggles(personas.organization, agents_create_tags=True)
    assert sofia.post(list_url("tags"), {"name": "vip", "color": "#000000"}).status_code == 302


def test_another_organizations_tag_is_a_404(personas):
    foreign = f.TagFactory(organization=personas.outsider.organization)
    assert client_for(personas.admin).get(edit_url("tags", foreign)).status_code == 404


# --- Public canned responses -------------------------------------------------------------------------


def test_an_admin_manages_public_canned_responses_only(personas):
    personal = f.CannedResponseFactory(organization=personas.organization, owner=personas.agent, shortcut="mio")
    admin = client_for(personas.admin)
    assert "/mio" not in html(admin.get(list_url("canned")))
    assert admin.get(edit_url("canned", personal)).status_code == 404
    assert admin.post(list_url("canned"), {"shortcut": "hola", "title": "Hola", "body": "¡Hola!"}).status_code == 302
    canned = CannedResponse.objects.get(organization=personas.organization, shortcut="hola")
    assert canned.is_public
    admin.post(edit_url("canned", canned), {"shortcut": "hola", "title": "Saludo", "body": "Buenas"})
    canned.refresh_from_db()
    assert (canned.title, canned.body) == ("Saludo", "Buenas")
    admin.post(delete_url("canned", canned))
    assert not CannedResponse.objects.filter(pk=canned.pk).exists()
    assert audited(personas.admin, "canned.create") and audited(personas.admin, "canned.delete")


def test_a_bad_or_duplicate_shortcut_is_refused_and_the_text_kept(personas):
    f.CannedResponseFactory(organization=personas.organization, shortcut="hola")
    admin = client_for(personas.admin)
    response = admin.post(list_url("canned"), {"shortcut": "hola", "title": "Otro", "body": "Texto largo"})
    assert response.status_code == 422
    assert "The shortcut /hola is already used." in html(response) and "Texto largo</textarea>" in html(response)
    assert admin.post(list_url("canned"), {"shortcut": "con espacios", "title": "x", "body": "y"}).status_code == 422


def test_public_canned_follow_their_toggle(personas):
    set_toggles(personas.organization, supervisors_access_config=True, agents_manage_public_canned=False)
    sofia = client_for(personas.supervisor)
    assert sofia.get(list_url("canned")).status_code == 200
    assert sofia.post(list_url("canned"), {"shortcut": "a", "title": "a", "body": "a"}).status_code == 403
    set_toggles(personas.organization, agents_manage_public_canned=True)
    assert sofia.post(list_url("canned"), {"shortcut": "a", "title": "a", "body": "a"}).status_code == 302


# --- configfix ---------------------------------------------------------------------------------------


def test_a_disposition_offered_by_queues_is_not_deleted_and_the_queues_are_named(personas):
    sale = f.DispositionFactory(organization=personas.organization, name="Venta")
    personas.queue.dispositions.add(sale)
    personas.other_queue.dispositions.add(sale)
    response = client_for(personas.admin).post(delete_url("dispositions", sale), follow=True)
    assert "The queues Soporte, Ventas offer “Venta”. Remove it from them first." in html(response)
    sale.refresh_from_db()
    assert sale.is_active
    assert set(sale.queues.all()) == {personas.queue, personas.other_queue}


def test_the_portal_says_tipificaciones_in_spanish(personas):
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    page = html(client.get(list_url("dispositions")))
    assert "<h1>Tipificaciones</h1>" in page and "Resultados de llamada" not in page
    assert "<th>Activa</th>" in page  # una tipificación


def test_supervisors_may_create_tags_but_never_rename_or_delete_them(personas):
    set_toggles(personas.organization, supervisors_access_config=True, agents_create_tags=True)
    tag = f.TagFactory(organization=personas.organization, name="vip")
    sofia = client_for(personas.supervisor)
    assert 'data-testid="config-delete"' not in html(sofia.get(list_url("tags")))
    assert sofia.post(delete_url("tags", tag)).status_code == 403
    assert sofia.post(edit_url("tags", tag), {"name": "otro", "color": "#000000"}).status_code == 403
    assert 'data-testid="config-save"' not in html(sofia.get(edit_url("tags", tag)))
    tag.refresh_from_db()
    assert tag.name == "vip"
    assert sofia.post(list_url("tags"), {"name": "nuevo", "color": "#000000"}).status_code == 302


def test_supervisors_without_the_canned_toggle_see_no_canned_controls(personas):
    set_toggles(personas.organization, supervisors_access_config=True, agents_manage_public_canned=False)
    canned = f.CannedResponseFactory(organization=personas.organization, shortcut="hola")
    sofia = client_for(personas.supervisor)
    page = html(sofia.get(list_url("canned")))
    assert 'data-testid="config-delete"' not in page and 'data-testid="config-form"' not in page
    assert sofia.post(delete_url("canned", canned)).status_code == 403
    assert CannedResponse.objects.filter(pk=canned.pk).exists()


def test_a_shortcut_typed_with_its_slash_is_accepted_without_it(personas):
    admin = client_for(personas.admin)
    response = admin.post(list_url("canned"), {"shortcut": " /saludo", "title": "Saludo", "body": "¡Hola!"})
    assert response.status_code == 302
    assert CannedResponse.objects.get(organization=personas.organization, owner__isnull=True).shortcut == "saludo"


def test_a_duplicate_shortcut_is_reported_with_the_other_errors(personas):
    f.CannedResponseFactory(organization=personas.organization, shortcut="hola")
    response = client_for(personas.admin).post(list_url("canned"), {"shortcut": "/hola", "title": "", "body": "x"})
    assert response.status_code == 422
    assert "The shortcut /hola is already used." in html(response)
    assert html(response).count('data-testid="field-error"') == 2


def test_a_duplicate_name_is_reported_with_the_other_errors(personas):
    f.TagFactory(organization=personas.organization, name="vip")
    response = client_for(personas.admin).post(list_url("tags"), {"name": "VIP", "color": "rojo"})
    assert response.status_code == 422
    assert "There is already a tag named “VIP”." in html(response)
    assert "Choose a color like #1e88e5." in html(response)
