"""The desk's markup for keyboards and screen readers: skip links to the list and the reply, the
transfer as a real dialog that shows offline colleagues disabled with the reason, live regions
outside the desk, and the shortcuts' list."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from contactcenter.services import agents
from tests.workspace.conftest import HTMX, client_for, html

pytestmark = pytest.mark.django_db


def conversation_page(client, chat) -> str:
    return html(client.get(reverse("workspace:conversation", args=[chat.pk])))


def test_the_desk_starts_with_skip_links_to_the_list_and_to_the_reply(ana, chat):
    ana.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    body = conversation_page(ana, chat)
    skip_links = body.split('class="skip-links"')[1].split("</nav>")[0]
    assert body.index('class="skip-links"') < body.index('class="topbar"')
    assert '<a href="#lists" class="skip-link" data-skip="lists">Ir a la lista de conversaciones</a>' in skip_links
    assert '<a href="#reply" class="skip-link" data-skip="reply">Ir a la respuesta</a>' in skip_links
    assert 'id="lists"' in body and '<textarea name="text" id="reply"' in body


def test_other_pages_skip_to_their_content(personas):
    body = html(client_for(personas.admin).get(reverse("config:index")))
    assert '<a href="#main" class="skip-link">Skip to content</a>' in body and '<main id="main"' in body


def test_the_transfer_is_a_modal_dialog_opened_by_its_button(ana, chat):
    body = conversation_page(ana, chat)
    assert f'command="show-modal" commandfor="transfer-{chat.pk}"' in body
    dialog = f'<dialog class="transfer" id="transfer-{chat.pk}" aria-labelledby="transfer-title-{chat.pk}"'
    assert dialog in body
    assert f'command="close" commandfor="transfer-{chat.pk}"' in body


def test_an_offline_colleague_is_shown_disabled_with_the_reason(personas, desk, ana, chat):
    with desk.commit():
        agents.agent_sign_out(agent=personas.colleague)
    body = html(ana.get(reverse("workspace:transfer-targets", args=[chat.pk]), {"q": "luis"}, headers=HTMX))
    label = body.split('data-testid="target-unreachable"')[1].split("</label>")[0]
    assert f'value="agent:{personas.colleague.pk}" required disabled' in label
    assert "Not connected: cannot take a transfer now." in label


def test_an_online_colleague_can_be_chosen(personas, desk, ana, chat):
    desk.sign_in(personas.colleague)
    body = html(ana.get(reverse("workspace:transfer-targets", args=[chat.pk]), {"q": "luis"}, headers=HTMX))
    assert re.search(rf'value="agent:{personas.colleague.pk}" required>', body)
    assert 'data-testid="target-unreachable"' not in body


def test_live_regions_sit_outside_the_desk_so_swaps_keep_them(ana, chat):
    body = conversation_page(ana, chat)
    desk_at = body.index('id="desk"')
    polite = body.index('id="cc-announce"')
    assertive = body.index('id="cc-alert"')
    assert polite < desk_at and assertive < desk_at
    assert re.search(r'id="cc-announce" class="visually-hidden" aria-live="polite"', body)
    assert re.search(r'id="cc-alert" class="visually-hidden" aria-live="assertive"', body)
    desk_only = html(ana.get(reverse("workspace:conversation", args=[chat.pk]), headers=HTMX))
    assert "cc-announce" not in desk_only


def test_the_shortcuts_are_listed_and_each_control_names_its_key(ana, chat):
    body = conversation_page(ana, chat)
    listing = body.split('data-testid="shortcuts-help"')[1].split("</dialog>")[0]
    for words in ("Next / previous conversation", "Go to the reply", "Close the conversation", "Transfer",
                  "Receive new: on / off", "Status menu", "This list"):
        assert words in listing
    for testid, keys in (("send", "Control+Enter"), ("close", "Alt+C"), ("transfer-open", "Alt+T"),
                         ("receive-new", "Alt+N"), ("status-menu", "Alt+S")):
        assert re.search(rf'data-testid="{testid}"[^>]*aria-keyshortcuts="{re.escape(keys)}"', body), testid
