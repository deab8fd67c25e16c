"""The role matrix: each page × each role. Owners and administrators: everything. Managers and
supervisors: workspace and supervision (configuration per toggle). Agents: the workspace only.
The navigation shows a link only where the page would open."""

import pytest

from contactcenter.models import Role
from tests.permissions.conftest import ROLES, client_for, set_toggles

PAGES = {
    "workspace": "/workspace/",
    "supervision": "/supervision/",
    "permissions": "/permissions/",
    "config": "/config/",
    "admin": "/admin/",
}
# Who may open each page with the default toggles (configuration portal closed to supervisors).
ALLOWED = {
    "workspace": {"owner", "admin", "manager", "supervisor", "agent"},
    "supervision": {"owner", "admin", "manager", "supervisor"},
    "permissions": {"owner", "admin"},
    "config": {"owner", "admin"},
    "admin": {"owner", "admin"},
}
NAV = {"supervision": "nav-supervision", "permissions": "nav-permissions", "config": "nav-config"}


def opens(response) -> bool:
    """The page itself, or a redirect inside it (never to a login page)."""
    if response.status_code == 200:
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and "login" not in location


def refused(response) -> bool:
    if response.status_code in (403, 404):
        return True
    # Django admin sends people without access to its own login page.
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


MATRIX = [(page, role) for page in PAGES for role in ROLES]


@pytest.mark.parametrize(("page", "role"), MATRIX, ids=[f"{p}-{r}" for p, r in MATRIX])
def test_each_role_opens_exactly_its_pages(people, page, role):
    response = client_for(people[role]).get(PAGES[page])
    if role in ALLOWED[page]:
        assert opens(response), (page, role, response.status_code)
    else:
        assert refused(response), (page, role, response.status_code)


NAV_MATRIX = [(page, role) for page in NAV for role in ROLES]


@pytest.mark.parametrize(("page", "role"), NAV_MATRIX, ids=[f"{p}-{r}" for p, r in NAV_MATRIX])
def test_the_navigation_links_only_the_pages_a_role_may_open(people, page, role):
    body = client_for(people[role]).get("/workspace/").text
    assert (f'data-testid="{NAV[page]}"' in body) == (role in ALLOWED[page])


@pytest.mark.parametrize("role", ["manager", "supervisor"])
def test_the_configuration_toggle_opens_the_portal_to_managers_and_supervisors(people, personas, role):
    set_toggles(personas.organization, supervisors_access_config=True)
    client = client_for(people[role])
    assert opens(client.get("/config/"))
    assert 'data-testid="nav-config"' in client.get("/workspace/").text


def test_the_configuration_toggle_never_opens_the_portal_to_agents(people, personas):
    set_toggles(personas.organization, supervisors_access_config=True)
    client = client_for(people["agent"])
    assert client.get("/config/").status_code == 403
    assert 'data-testid="nav-config"' not in client.get("/workspace/").text


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_log_in(db, page):
    response = client_for(None).get(PAGES[page])
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("page", ["workspace", "supervision", "permissions", "config"])
def test_a_deactivated_user_opens_nothing(people, page):
    user = people["admin"]
    client = client_for(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(PAGES[page])
    assert response.status_code in (302, 403)
    assert "login" in response.get("Location", "/accounts/login/")


def test_a_platform_superuser_without_organization_gets_the_admin_not_the_desk(db):
    from contactcenter.models import User

    root = User.objects.create_superuser(username="root", password="demo", email="root@example.com")
    client = client_for(root)
    assert client.get("/admin/").status_code == 200
    assert client.get("/permissions/").status_code == 403
    assert client.get("/workspace/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_work_as_an_agent(people, personas, role):
    """Everyone may log in to a queue they are a member of, from the workspace."""
    from contactcenter.models import QueueLogin
    from tests import factories as f

    user = people[role]
    if not user.queue_memberships.filter(queue=personas.other_queue, role="agent").exists():
        f.QueueMembershipFactory(queue=personas.other_queue, user=user)
    response = client_for(user).post(f"/workspace/queues/{personas.other_queue.pk}/login/")
    assert response.status_code == 302
    assert QueueLogin.objects.filter(agent=user, queue=personas.other_queue, ended_at__isnull=True).exists()


def test_role_names_match_the_issue():
    assert [r.value for r in Role] == ROLES
