"""/permissions/: owners and administrators set the organization policy and the role toggles;
saving shows what changed and audits every change."""

import pytest

from contactcenter.models import AuditEntry, Organization
from contactcenter.services import organizations as org_services
from contactcenter.services.errors import NotAllowed
from contactcenter.services.policies import TOGGLES
from tests.permissions.conftest import client_for

URL = "/permissions/"
HTMX = {"HX-Request": "true"}


def current(organization) -> dict[str, bool]:
    organization.refresh_from_db()
    return {name: getattr(organization, name) for name in TOGGLES}


def form_data(organization, **changes) -> dict:
    """What the browser posts: only the ticked boxes."""
    values = {**current(organization), **changes}
    return {name: "on" for name, on in values.items() if on}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_open_the_permissions_page(people, role):
    response = client_for(people[role]).get(URL)
    assert response.status_code == 200
    assert 'data-testid="permissions-form"' in response.text


@pytest.mark.parametrize("role", ["manager", "supervisor", "agent"])
def test_other_roles_are_refused_the_permissions_page(people, role):
    assert client_for(people[role]).get(URL).status_code == 403


@pytest.mark.parametrize("role", ["manager", "supervisor", "agent"])
def test_other_roles_cannot_change_permissions_by_posting(people, personas, role):
    before = current(personas.organization)
    response = client_for(people[role]).post(URL, {"agents_create_tags": "on", "dispositions_enabled": "on"})
    assert response.status_code == 403
    assert current(personas.organization) == before
    assert not AuditEntry.objects.filter(action="organization.permission").exists()


def test_anonymous_visitors_are_sent_to_log_in(db):
    response = client_for(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_shows_the_three_groups(personas):
    body = client_for(personas.admin).get(URL).text
    for legend in ("Organization", "Supervisors", "Agents"):
        assert f"<strong>{legend}</strong>" in body
    assert "Allow agents to log in to unassigned queues" in body
    assert "Manage public pre-written messages (canned responses)" in body


def test_viewing_a_queues_settings_is_shown_checked_and_disabled(personas):
    body = client_for(personas.admin).get(URL).text
    start = body.index('data-testid="toggle-view-queue-settings"')
    tag = body[body.rindex("<input", 0, start):body.index(">", start)]
    assert "checked" in tag and "disabled" in tag and "name=" not in tag


def test_the_page_says_dispositions_apply_only_to_queues_with_after_service(personas):
    body = client_for(personas.admin).get(URL).text
    assert "Applies only to queues with after-service time." in body


def test_the_form_shows_the_current_values(personas):
    Organization.objects.filter(pk=personas.organization.pk).update(agents_manage_public_canned=True)
    body = client_for(personas.admin).get(URL).text
    start = body.index('data-testid="toggle-agents_manage_public_canned"')
    tag = body[body.rindex("<input", 0, start):body.index(">", start)]
    assert "checked" in tag


def test_saving_changes_the_toggles(personas):
    org = personas.organization
    assert not org.allow_unassigned_queue_login and org.agents_create_tags
    response = client_for(personas.admin).post(
        URL, form_data(org, allow_unassigned_queue_login=True, agents_create_tags=False))
    assert response.status_code == 302
    values = current(org)
    assert values["allow_unassigned_queue_login"] is True
    assert values["agents_create_tags"] is False


def test_saving_writes_one_audit_entry_per_changed_toggle(personas):
    org = personas.organization
    client_for(personas.admin).post(URL, form_data(org, allow_unassigned_queue_login=True, agents_create_tags=False))
    entries = AuditEntry.objects.filter(action="organization.permission", organization=org)
    assert sorted((e.data["permission"], e.data["value"]) for e in entries) == [
        ("agents_create_tags", False), ("allow_unassigned_queue_login", True)]
    assert {e.actor_id for e in entries} == {personas.admin.pk}


def test_saving_shows_what_changed(personas):
    client = client_for(personas.admin)
    response = client.post(URL, form_data(personas.organization, agents_create_tags=False), follow=True)
    assert "Create custom tags: off" in response.text
    assert "Allow agents to log in to unassigned queues:" not in response.text


def test_saving_without_changes_says_so_and_audits_nothing(personas):
    response = client_for(personas.admin).post(URL, form_data(personas.organization), follow=True)
    assert "Nothing changed." in response.text
    assert not AuditEntry.objects.filter(action="organization.permission").exists()


def test_with_htmx_saving_answers_the_form_partial_with_the_changes(personas):
    response = client_for(personas.admin).post(
        URL, form_data(personas.organization, supervisors_access_config=True), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="permissions"' in response.text
    assert "Access the configuration portal: on" in response.text
    assert current(personas.organization)["supervisors_access_config"] is True


def test_unknown_fields_and_odd_values_change_nothing_else(personas):
    org = personas.organization
    before = current(org)
    data = {**form_data(org), "name": "Hacked", "slug": "hacked", "organization": personas.outsider.organization_id,
            "agents_create_tags": "<script>"}
    client_for(personas.admin).post(URL, data)
    org.refresh_from_db()
    assert org.name == "Acme" and org.slug == "acme"
    assert current(org) == before


def test_an_admin_changes_only_their_own_organization(personas):
    other = personas.outsider.organization
    before = current(other)
    client_for(personas.admin).post(URL, form_data(personas.organization, allow_unassigned_queue_login=True))
    assert current(other) == before


def test_the_service_refuses_an_admin_of_another_organization(personas):
    with pytest.raises(NotAllowed):
        org_services.organization_set_permissions(
            organization=personas.organization, by=personas.outsider, values={"agents_create_tags": False})
    assert current(personas.organization)["agents_create_tags"] is True


def test_the_service_refuses_a_supervisor(personas):
    with pytest.raises(NotAllowed):
        org_services.organization_set_permissions(
            organization=personas.organization, by=personas.supervisor, values={"supervisors_access_config": True})


def test_the_service_returns_only_what_changed(personas):
    changed = org_services.organization_set_permissions(
        organization=personas.organization, by=personas.admin,
        values={"agents_create_tags": True, "dispositions_enabled": False})
    assert changed == {"dispositions_enabled": False}
