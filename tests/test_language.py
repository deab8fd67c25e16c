"""One voice in each language: in English no page shows Spanish UI text (every string is
translated); in Spanish Django's own messages say "tú" like the app, the contact-center words are
the ones agents know (Tipificaciones), the admin is "Administración", and /config/ lists its
sections once."""

import html as html_lib
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from contactcenter.services import agents, conversations, queues
from permissions.config.views.sections import nav
from tests import factories as f

pytestmark = pytest.mark.django_db

# Words only the Spanish interface uses; none is a name in the fixtures (Ventas, Soporte, Acme…).
SPANISH = ["Conversaciones", "Guardar", "Cola", "Colas", "Agente", "Agentes", "Sin asignar", "Asignado a mí",
           "Espera", "Enviar", "Cerrar", "Transferir", "Recibir nuevo", "Listo", "Estado", "Buscar",
           "Tipificación", "Tipificaciones", "Configuración", "Informes", "Supervisión", "Contraseña",
           "Usuario", "Habilidades", "Etiquetas", "Motivos de pausa", "Atajos", "Aplicar", "Cancelar",
           "Nombre", "Añadir", "Hoy", "Ayer", "Clientes en espera", "Cerrar sesión", "Idioma"]


def browser(user=None, language="en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def ui_text(response) -> str:
    """What a person reads or hears: the text, and the placeholders, labels and titles."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    attributes = " ".join(re.findall(r'(?:placeholder|aria-label|title|data-[a-z]+)="([^"]*)"', body))
    text = re.sub(r"<[^>]+>", " ", body)
    return html_lib.unescape(text + " " + attributes)


def spanish_words(response) -> list[str]:
    text = ui_text(response)
    return [word for word in SPANISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


@pytest.fixture
def open_chat(personas):
    agents.agent_sign_in(agent=personas.agent)
    queues.queue_login(queue=personas.queue, agent=personas.agent)
    agents.agent_set_receive_new(agent=personas.agent, on=True)
    contact = f.ContactFactory(organization=personas.organization, name="Carmen Ortega")
    chat = conversations.conversation_open(queue=personas.queue, contact=contact, text="Hello")
    chat.refresh_from_db()
    return chat


def test_the_workspace_in_english_shows_no_spanish(personas, open_chat):
    client = browser(personas.agent)
    for url in (reverse("workspace:index"), reverse("workspace:index") + "?tab=unassigned",
                reverse("workspace:conversation", args=[open_chat.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert spanish_words(response) == [], url


def test_the_check_does_find_the_spanish_of_the_spanish_workspace(personas, open_chat):
    response = browser(personas.agent, language="es").get(reverse("workspace:conversation", args=[open_chat.pk]))
    assert {"Enviar", "Cerrar", "Transferir", "Recibir nuevo", "Atajos"} <= set(spanish_words(response))


def test_the_supervision_overview_and_reports_in_english_show_no_spanish(personas, open_chat):
    client = browser(personas.admin)
    for url in (reverse("supervision:overview"), reverse("supervision:reports")):
        response = client.get(url)
        assert response.status_code == 200
        assert spanish_words(response) == [], url


def test_the_configuration_index_and_every_section_in_english_show_no_spanish(personas):
    client = browser(personas.admin)
    urls = [reverse("config:index"), reverse("permissions:index")] + [url for _, url in nav(personas.admin)]
    assert len(urls) > 5
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert spanish_words(response) == [], url


def test_the_login_page_and_its_error_in_english_show_no_spanish(db):
    client = browser()
    assert spanish_words(client.get(reverse("login"))) == []
    response = client.post(reverse("login"), {"username": "nadie", "password": "mal"})
    assert "Please enter a correct username and password" in response.content.decode()
    assert spanish_words(response) == []


# --- Spanish: one voice, the words agents know ---------------------------------------------------------


def test_the_login_error_in_spanish_says_tu_not_usted(db):
    response = browser(language="es").post(reverse("login"), {"username": "nadie", "password": "mal"})
    body = html_lib.unescape(response.content.decode())
    assert "Escribe un nombre de usuario y una contraseña correctos." in body
    assert "Por favor, introduzca" not in body and "Observe" not in body


def test_the_admin_login_error_in_spanish_says_tu_and_the_admin_is_called_administracion(db):
    client = browser(language="es")
    response = client.post(reverse("admin:login"), {"username": "nadie", "password": "mal"})
    body = html_lib.unescape(response.content.decode())
    assert "Escribe el nombre de usuario y la contraseña correctos" in body
    assert "<title>" in body and "Administración" in body.split("<title>")[1].split("</title>")[0]
    assert "Configuración" not in body.split("<title>")[1].split("</title>")[0]


def test_spanish_says_tipificaciones_and_terminar_el_despues_del_servicio(personas):
    client = browser(personas.admin, language="es")
    config = html_lib.unescape(client.get(reverse("config:index")).content.decode())
    assert "Tipificaciones" in config and "Disposiciones" not in config
    permissions = html_lib.unescape(client.get(reverse("permissions:index")).content.decode())
    assert "Terminar el después del servicio de un agente" in permissions
    assert "Terminar antes" not in permissions


def test_the_configuration_index_lists_each_section_once_in_one_navigation_with_permissions(personas):
    body = browser(personas.admin).get(reverse("config:index")).content.decode()
    for _, url in nav(personas.admin):
        assert body.count(f'href="{url}"') == 1, url
    assert body.count('class="config-nav"') == 1
    config_nav = body.split('class="config-nav"')[1].split("</nav>")[0]
    assert f'href="{reverse("permissions:index")}"' in config_nav
