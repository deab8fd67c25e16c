"""Canned responses in the workspace (/workspace/canned/): an agent's own, and the public ones
where the organization lets agents manage them."""

import re

import pytest
from django.urls import reverse

from contactcenter.models import AuditEntry, CannedResponse, Organization
from tests import factories as f
from tests.workspace.conftest import client_for, flashes, html, snapshot

pytestmark = pytest.mark.django_db

PAGE = reverse("workspace:canned")


def edit_url(item):
    return reverse("workspace:canned-edit", args=[item.pk])


def delete_url(item):
    return reverse("workspace:canned-delete", args=[item.pk])


def allow_public(personas, on=True):
    Organization.objects.filter(pk=personas.organization.pk).update(agents_manage_public_canned=on)


def form_values(response) -> dict:
    body = html(response)
    values = dict(re.findall(r'<input name="(shortcut|title)"[^>]*value="([^"]*)"', body))
    values["body"] = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    return values


@pytest.fixture
def mine(personas):
    return f.CannedResponseFactory(organization=personas.organization, owner=personas.agent, shortcut="saludo",
                                   title="Saludo", body="¡Hola! Soy Ana.")


@pytest.fixture
def luis_own(personas):
    return f.CannedResponseFactory(organization=personas.organization, owner=personas.colleague,
                                   shortcut="luis", title="De Luis", body="Hola, soy Luis.")


@pytest.fixture
def public(personas):
    return f.CannedResponseFactory(organization=personas.organization, owner=None, shortcut="despedida",
                                   title="Despedida", body="¡Hasta pronto!")


# --- Personal responses -----------------------------------------------------------------------------


def test_an_agent_creates_edits_and_deletes_a_personal_response(personas, ana):
    response = ana.post(PAGE, {"shortcut": "Horario Tienda", "title": "Horario", "body": "Abrimos de 9 a 18 h."})
    assert response.status_code == 302 and response.url == PAGE
    item = CannedResponse.objects.get()
    assert (item.owner_id, item.organization_id, item.shortcut, item.title, item.body) == (
        personas.agent.pk, personas.organization.pk, "horario-tienda", "Horario", "Abrimos de 9 a 18 h.")
    page = ana.get(PAGE)
    assert "Canned response saved." in flashes(page)
    assert "/horario-tienda" in html(page) and "Mine" in html(page)

    editing = ana.get(PAGE, {"edit": item.pk})
    assert editing.status_code == 200
    assert form_values(editing) == {"shortcut": "horario-tienda", "title": "Horario", "body": "Abrimos de 9 a 18 h."}
    assert f'action="{edit_url(item)}"' in html(editing)

    response = ana.post(edit_url(item), {"shortcut": "horario", "title": "Horario de verano",
                                         "body": "En agosto, de 8 a 15 h."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.shortcut, item.title, item.body) == ("horario", "Horario de verano", "En agosto, de 8 a 15 h.")

    response = ana.post(delete_url(item))
    assert response.status_code == 302
    assert not CannedResponse.objects.exists()
    assert "Canned response deleted." in flashes(ana.get(PAGE))


def test_a_personal_response_is_offered_in_the_composer(personas, ana, chat, mine, luis_own, public):
    body = html(ana.get(reverse("workspace:conversation", args=[chat.pk])))
    assert 'data-shortcut="saludo"' in body and 'data-shortcut="despedida"' in body
    assert 'data-shortcut="luis"' not in body


def test_the_page_lists_my_own_and_the_public_ones_only(personas, ana, mine, luis_own, public):
    rival = f.CannedResponseFactory(organization=personas.outsider.organization, owner=None, shortcut="rival")
    body = html(ana.get(PAGE))
    assert "/saludo" in body and "/despedida" in body
    assert "/luis" not in body and f"/{rival.shortcut}" not in body


# --- Public responses -------------------------------------------------------------------------------


def test_without_the_toggle_the_public_checkbox_is_not_shown_and_a_forged_post_is_403(personas, ana):
    assert 'name="public"' not in html(ana.get(PAGE))
    before = snapshot()
    response = ana.post(PAGE, {"shortcut": "promo", "title": "Promo", "body": "2x1", "public": "1"})
    assert response.status_code == 403
    assert snapshot() == before


def test_with_the_toggle_an_agent_creates_a_public_response(personas, ana, luis):
    allow_public(personas)
    assert 'data-testid="canned-public"' in html(ana.get(PAGE))
    response = ana.post(PAGE, {"shortcut": "promo", "title": "Promo", "body": "2x1 en verano", "public": "1"})
    assert response.status_code == 302
    item = CannedResponse.objects.get(shortcut="promo")
    assert item.owner_id is None and item.is_public
    assert "/promo" in html(luis.get(PAGE))  # shared with the organization


def test_with_the_toggle_an_agent_edits_and_deletes_a_public_response(personas, ana, public):
    allow_public(personas)
    assert f'href="?edit={public.pk}"' in html(ana.get(PAGE))
    response = ana.post(edit_url(public), {"shortcut": "adios", "title": "Adiós", "body": "¡Gracias!"})
    assert response.status_code == 302
    public.refresh_from_db()
    assert (public.shortcut, public.title, public.body, public.owner_id) == ("adios", "Adiós", "¡Gracias!", None)
    assert ana.post(delete_url(public)).status_code == 302
    assert not CannedResponse.objects.filter(pk=public.pk).exists()


def test_public_responses_are_audited_from_the_workspace_as_from_the_portal(personas, ana, mine):
    """The workspace and /config/ write canned responses through the same service: a change to a
    public one leaves an audit entry; an agent's personal ones are their own and do not."""
    allow_public(personas)
    ana.post(PAGE, {"shortcut": "promo", "title": "Promo", "body": "2x1", "public": "1"})
    item = CannedResponse.objects.get(shortcut="promo")
    ana.post(edit_url(item), {"shortcut": "promo", "title": "Promo", "body": "3x2"})
    ana.post(delete_url(item))
    ana.post(edit_url(mine), {"shortcut": "saludo", "title": "Saludo", "body": "¡Buenas!"})
    ana.post(delete_url(mine))
    actions = list(AuditEntry.objects.filter(actor=personas.agent).order_by("pk").values_list("action", flat=True))
    assert actions == ["canned.create", "canned.update", "canned.delete"]


def test_an_admin_manages_public_responses_without_the_toggle(personas, public):
    admin = client_for(personas.admin)
    assert 'data-testid="canned-public"' in html(admin.get(PAGE))
    response = admin.post(PAGE, {"shortcut": "aviso", "title": "Aviso", "body": "Cerrado", "public": "1"})
    assert response.status_code == 302
    assert CannedResponse.objects.get(shortcut="aviso").owner_id is None
    assert admin.post(delete_url(public)).status_code == 302


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_without_the_toggle_a_public_response_cannot_be_edited_or_deleted(personas, ana, public, action):
    page = html(ana.get(PAGE))
    assert "/despedida" in page and f'href="?edit={public.pk}"' not in page and delete_url(public) not in page
    before = snapshot()
    if action == "edit":
        response = ana.post(edit_url(public), {"shortcut": "despedida", "title": "Cambiada", "body": "Cambiado"})
    else:
        response = ana.post(delete_url(public))
    assert response.status_code == 403
    assert snapshot() == before


def test_without_the_toggle_the_edit_form_of_a_public_response_is_not_offered(ana, public):
    assert ana.get(PAGE, {"edit": public.pk}).status_code == 403


# --- Someone else's, another organization's -----------------------------------------------------------


@pytest.mark.parametrize("how", ["open", "edit", "delete"])
def test_a_colleagues_personal_response_is_404(personas, ana, luis_own, how):
    before = snapshot()
    response = {
        "open": lambda: ana.get(PAGE, {"edit": luis_own.pk}),
        "edit": lambda: ana.post(edit_url(luis_own), {"shortcut": "mia", "title": "Mía", "body": "Mía"}),
        "delete": lambda: ana.post(delete_url(luis_own)),
    }[how]()
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("how", ["open", "edit", "delete"])
def test_another_organizations_response_is_404(personas, ana, how):
    allow_public(personas)
    rival = f.CannedResponseFactory(organization=personas.outsider.organization, owner=None, shortcut="rival")
    before = snapshot()
    response = {
        "open": lambda: ana.get(PAGE, {"edit": rival.pk}),
        "edit": lambda: ana.post(edit_url(rival), {"shortcut": "rival", "title": "Mía", "body": "Mía"}),
        "delete": lambda: ana.post(delete_url(rival)),
    }[how]()
    assert response.status_code == 404
    assert snapshot() == before


def test_a_nonsense_edit_id_is_404(ana):
    assert ana.get(PAGE, {"edit": "abc"}).status_code == 404


def test_reading_the_edit_and_delete_urls_is_405(ana, mine):
    assert ana.get(edit_url(mine)).status_code == 405
    assert ana.get(delete_url(mine)).status_code == 405


# --- Bad input ------------------------------------------------------------------------------------------


def test_a_duplicate_shortcut_is_refused_keeping_what_was_typed(personas, ana, mine):
    before = snapshot()
    response = ana.post(PAGE, {"shortcut": "Saludo", "title": "Otro saludo", "body": "Buenas tardes"})
    assert response.status_code == 422
    assert "The shortcut /saludo is already used." in html(response)
    assert 'data-testid="canned-error"' in html(response)
    assert form_values(response) == {"shortcut": "Saludo", "title": "Otro saludo", "body": "Buenas tardes"}
    assert snapshot() == before


def test_renaming_to_a_used_shortcut_is_refused_keeping_what_was_typed(personas, ana, mine):
    other = f.CannedResponseFactory(organization=personas.organization, owner=personas.agent, shortcut="espera",
                                    title="Espera", body="Un momento")
    before = snapshot()
    response = ana.post(edit_url(other), {"shortcut": "saludo", "title": "Espera, por favor", "body": "Ya voy"})
    assert response.status_code == 422
    assert "The shortcut /saludo is already used." in html(response)
    assert form_values(response) == {"shortcut": "saludo", "title": "Espera, por favor", "body": "Ya voy"}
    assert f'action="{edit_url(other)}"' in html(response)  # still editing the same one
    assert snapshot() == before


def test_a_duplicate_public_shortcut_keeps_the_public_box_ticked(personas, ana, public):
    allow_public(personas)
    before = snapshot()
    response = ana.post(PAGE, {"shortcut": "despedida", "title": "Otra", "body": "Chao", "public": "1"})
    assert response.status_code == 422
    assert "The shortcut /despedida is already used." in html(response)
    assert re.search(r'name="public" value="1"\s+checked', html(response))
    assert snapshot() == before


def test_the_same_shortcut_may_be_personal_for_two_agents(personas, ana, luis_own):
    assert ana.post(PAGE, {"shortcut": "luis", "title": "Mi Luis", "body": "Otro texto"}).status_code == 302
    assert CannedResponse.objects.filter(shortcut="luis").count() == 2


@pytest.mark.parametrize("data,error", [
    ({"shortcut": "¡¡!!", "title": "T", "body": "B"}, "The shortcut needs letters or digits, e.g. saludo."),
    ({"shortcut": "", "title": "T", "body": "B"}, "The shortcut needs letters or digits, e.g. saludo."),
    ({"shortcut": "ok", "title": "", "body": "B"}, "Write a title and a text."),
    ({"shortcut": "ok", "title": "T", "body": "   "}, "Write a title and a text."),
    ({"shortcut": "ok"}, "Write a title and a text."),
    ({"shortcut": "ok", "title": "T", "body": "x" * 4001}, "The text is too long (at most 4000 characters)."),
], ids=["symbols", "empty-shortcut", "no-title", "blank-body", "missing-fields", "too-long"])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(ana, data, error):
    before = snapshot()
    response = ana.post(PAGE, data)
    assert response.status_code == 422
    assert error in html(response)
    if data.get("title"):
        assert form_values(response)["title"] == data["title"]
    assert snapshot() == before


def test_html_in_a_canned_response_is_stored_as_text_and_shown_escaped(personas, ana, chat):
    ana.post(PAGE, {"shortcut": "x", "title": "<b>negrita</b>", "body": '<script>alert("x")</script>'})
    item = CannedResponse.objects.get()
    assert (item.title, item.body) == ("<b>negrita</b>", '<script>alert("x")</script>')
    for page in (ana.get(PAGE), ana.get(reverse("workspace:conversation", args=[chat.pk]))):
        assert "<script>alert" not in html(page) and "<b>negrita" not in html(page)
