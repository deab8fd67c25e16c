"""Configuration portal: who opens which section (role × toggle), and the index."""

import pytest

from tests.permissions.config_support import HTMX, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

SECTIONS = ["queues", "skills", "pause-reasons", "dispositions", "tags", "canned", "prerecorded", "channels",
            "users", "business-hours"]
ADMIN_ONLY = {"channels", "users"}


@pytest.mark.parametrize("role", ["owner", "admin"])
@pytest.mark.parametrize("key", SECTIONS + ["campaigns"])
def test_owners_and_admins_open_every_section(people, role, key):
    assert client_for(people[role]).get(list_url(key) if key != "campaigns" else "/config/campaigns/").status_code \
        == 200


@pytest.mark.parametrize("role", ["manager", "supervisor"])
@pytest.mark.parametrize("key", SECTIONS)
def test_managers_and_supervisors_need_the_portal_toggle(personas, people, role, key):
    client = client_for(people[role])
    assert client.get(list_url(key)).status_code == 403
    set_toggles(personas.organization, supervisors_access_config=True)
    assert client.get(list_url(key)).status_code == (403 if key in ADMIN_ONLY else 200)


@pytest.mark.parametrize("key", SECTIONS)
def test_agents_never_open_the_portal(personas, people, key):
    set_toggles(personas.organization, supervisors_access_config=True, agents_manage_public_canned=True,
                agents_manage_prerecorded=True)
    assert client_for(people["agent"]).get(list_url(key)).status_code == 403


def test_an_unknown_section_is_a_404(personas):
    assert client_for(personas.admin).get("/config/nothing-here/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(db):
    response = client_for(None).get(list_url("queues"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_index_lists_only_the_sections_the_user_may_open(personas):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_view_skills=False)
    body = html(client_for(personas.supervisor).get("/config/"))
    assert "Queues" in body and "Pause reasons" in body
    assert "Skills" not in body and "Users" not in body and "Channels" not in body
    admin_body = html(client_for(personas.admin).get("/config/"))
    assert all(word in admin_body for word in ("Skills", "Users", "Channels", "Campaign contact lists"))


def test_htmx_navigation_gets_only_the_section(personas):
    response = client_for(personas.admin).get(list_url("tags"), headers=HTMX)
    body = html(response)
    assert body.lstrip().startswith('<div id="config-section"') and "<html" not in body


def test_a_get_never_changes_anything(personas):
    assert client_for(personas.admin).get("/config/queues/1/delete/").status_code == 405
