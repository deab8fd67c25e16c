"""Configuration portal: users (invite or create with a role, edit the role, ban from receiving
work and lift the ban, deactivate)."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail

from contactcenter.models import AgentState, Role, User
from contactcenter.services import agents
from contactcenter.services import organizations as org_services
from contactcenter.services.errors import DomainError, NotAllowed
from tests import factories as f
from tests.permissions.config_support import audited, edit_url, html, list_url
from tests.permissions.conftest import client_for, set_toggles

pytestmark = pytest.mark.django_db

LIST = list_url("users")


def user_data(**overrides):
    data = {"username": "nuevo", "first_name": "Nuevo", "last_name": "Agente", "email": "nuevo@example.com",
            "role": "agent", "extension": "201", "password": ""}
    data.update(overrides)
    return data


def status(user) -> str:
    return AgentState.objects.select_related("status").get(agent=user).status.code


def test_an_admin_invites_a_user_who_receives_an_email(personas):
    response = client_for(personas.admin).post(LIST, user_data())
    assert response.status_code == 302
    user = User.objects.get(username="nuevo")
    assert (user.organization, user.role, user.extension) == (personas.organization, "agent", "201")
    assert not user.has_usable_password()
    assert status(user) == "offline"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nuevo@example.com"]
    assert audited(personas.admin, "user.create")
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    choose = client_for(None).get(link, follow=True)
    assert 'name="new_password1"' in html(choose)


def test_an_admin_creates_a_user_with_a_password(personas):
    client_for(personas.admin).post(LIST, user_data(username="sup2", role="supervisor", email="",
                                                   password="una-clave-larga"))
    user = User.objects.get(username="sup2")
    assert user.role == "supervisor" and user.check_password("una-clave-larga")
    assert mail.outbox == []


@pytest.mark.parametrize("overrides,message", [
    ({"email": "", "password": ""}, "Give an email address to send the invitation to, or a password."),
    ({"username": "ana"}, "The username “ana” is taken."),
    ({"username": "con espacio"}, "Letters, digits and @ . + - _ only."),
    ({"email": "no-es-correo"}, "Enter a valid email address."),
    ({"role": "emperor"}, "Select a valid choice."),
])
def test_bad_user_data_is_refused_and_kept(personas, overrides, message):
    response = client_for(personas.admin).post(LIST, user_data(**overrides))
    assert response.status_code == 422
    body = html(response)
    assert message in body
    assert 'value="Nuevo"' in body
    assert not User.objects.filter(first_name="Nuevo").exists()


def test_only_an_owner_makes_owners(personas):
    response = client_for(personas.admin).post(LIST, user_data(role="owner"))
    assert response.status_code == 403
    owner = f.UserFactory(organization=personas.organization, role=Role.OWNER)
    assert client_for(owner).post(LIST, user_data(role="owner")).status_code == 302


def test_an_admin_changes_a_role(personas):
    response = client_for(personas.admin).post(edit_url("users", personas.agent), {
        "first_name": "Ana", "last_name": "López", "email": "ana@example.com", "role": "supervisor", "extension": ""})
    assert response.status_code == 302
    personas.agent.refresh_from_db()
    assert personas.agent.role == "supervisor"
    assert audited(personas.admin, "user.update")


def test_an_admin_cannot_change_their_own_role(personas):
    response = client_for(personas.admin).post(edit_url("users", personas.admin), {
        "first_name": "Adela", "last_name": "Gómez", "email": "", "role": "agent", "extension": ""})
    assert response.status_code == 422
    assert "You cannot change your own role." in html(response)
    personas.admin.refresh_from_db()
    assert personas.admin.role == "admin"


def test_a_ban_stops_work_until_it_is_lifted_here(personas):
    agents.agent_sign_in(agent=personas.agent)
    admin = client_for(personas.admin)
    response = admin.post(f"/config/users/{personas.agent.pk}/ban/", {"reason": "Revisión"}, follow=True)
    assert status(personas.agent) == "banned"
    assert 'data-testid="user-unban"' in html(response)
    assert audited(personas.admin, "agent.ban")
    admin.post(f"/config/users/{personas.agent.pk}/unban/")
    assert status(personas.agent) == "offline"
    assert audited(personas.admin, "agent.unban")


def test_lifting_a_ban_that_is_not_there_says_so(personas):
    response = client_for(personas.admin).post(f"/config/users/{personas.agent.pk}/unban/", follow=True)
    assert "is not banned." in html(response)


def test_deactivation_ends_the_users_sessions(personas, captured_events, django_capture_on_commit_callbacks):
    ana = client_for(personas.agent)
    ana.get("/workspace/")
    assert Session.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.admin).post(f"/config/users/{personas.agent.pk}/deactivate/")
    assert response.status_code == 302
    personas.agent.refresh_from_db()
    assert personas.agent.is_active is False
    assert not Session.objects.filter(session_key=ana.session.session_key).exists()
    assert any(e.type == "session.ended" and e.data.get("user_id") == personas.agent.pk for e in captured_events)
    assert ana.get("/workspace/").status_code == 302  # back to the login page


def test_an_admin_cannot_deactivate_themself(personas):
    response = client_for(personas.admin).post(f"/config/users/{personas.admin.pk}/deactivate/")
    assert response.status_code == 403
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_another_organizations_user_is_a_404(personas):
    admin = client_for(personas.admin)
    assert admin.get(edit_url("users", personas.outsider)).status_code == 404
    for action in ("ban", "unban", "deactivate"):
        assert admin.post(f"/config/users/{personas.outsider.pk}/{action}/").status_code == 404
    personas.outsider.refresh_from_db()
    assert personas.outsider.is_active


def test_users_are_for_administrators_only(personas):
    set_toggles(personas.organization, supervisors_access_config=True, supervisors_manage_queue_settings=True)
    sofia = client_for(personas.supervisor)
    assert sofia.get(LIST).status_code == 403
    assert sofia.post(f"/config/users/{personas.agent.pk}/ban/").status_code == 403
    assert client_for(personas.agent).get(LIST).status_code == 403
    assert status(personas.agent) == "offline"


# --- Owners, reactivation and the ban's reason (configfix) ---------------------------------------------


def deactivate(client, user):
    return client.post(f"/config/users/{user.pk}/deactivate/")


def test_an_admin_cannot_deactivate_an_owner_nor_sees_the_button(people):
    owner, admin = people["owner"], client_for(people["admin"])
    assert deactivate(admin, owner).status_code == 403
    owner.refresh_from_db()
    assert owner.is_active
    assert 'data-testid="user-deactivate"' not in html(admin.get(edit_url("users", owner)))


def test_an_admin_cannot_ban_an_owner_nor_sees_the_form(people):
    owner, admin = people["owner"], client_for(people["admin"])
    assert admin.post(f"/config/users/{owner.pk}/ban/", {"reason": "x"}).status_code == 403
    assert status(owner) != "banned"
    assert 'data-testid="user-ban"' not in html(admin.get(edit_url("users", owner)))


def test_an_owner_deactivates_another_owner(people):
    second = f.UserFactory(organization=people["owner"].organization, username="otra", role=Role.OWNER)
    assert deactivate(client_for(people["owner"]), second).status_code == 302
    second.refresh_from_db()
    assert not second.is_active


def test_the_last_active_owner_is_never_deactivated(people):
    """Two owners deactivating each other at once: the second to commit is refused."""
    olga = people["owner"]
    second = f.UserFactory(organization=olga.organization, username="otra", role=Role.OWNER)
    User.objects.filter(pk=second.pk).update(is_active=False)  # the other request won; `second` is stale
    with pytest.raises(DomainError, match="único propietario activo de la organización y no se puede desactivar"):
        org_services.user_deactivate(by=second, user=olga)
    olga.refresh_from_db()
    assert olga.is_active


def test_one_deactivation_for_the_portal_and_django_admin_keeps_the_owner_rules(people):
    """user_deactivate is the same function behind /config/ and Django admin: an administrator
    deactivates neither an owner nor themself, whichever screen asks."""
    owner, admin = people["owner"], people["admin"]
    with pytest.raises(NotAllowed):
        org_services.user_deactivate(by=admin, user=owner)
    with pytest.raises(NotAllowed):
        org_services.user_deactivate(by=admin, user=admin)
    org_services.user_deactivate(by=admin, user=people["agent"])
    for user in (owner, admin, people["agent"]):
        user.refresh_from_db()
    assert (owner.is_active, admin.is_active, people["agent"].is_active) == (True, True, False)
    assert audited(admin, "user.deactivate")


def test_the_last_active_owner_keeps_the_owner_role(people):
    olga = people["owner"]
    second = f.UserFactory(organization=olga.organization, username="otra", role=Role.OWNER)
    with pytest.raises(DomainError, match="único propietario activo"):
        _demote_last(second, olga)
    olga.refresh_from_db()
    assert olga.role == Role.OWNER


def _demote_last(by, owner):
    User.objects.filter(pk=by.pk).update(is_active=False)  # `by` acts from a stale session
    org_services.user_update(by=by, user=owner, first_name=owner.first_name, last_name=owner.last_name,
                       email=owner.email, role=Role.ADMIN)


def test_an_owner_hands_over_ownership_once_another_owner_exists(people):
    olga = people["owner"]
    second = f.UserFactory(organization=olga.organization, username="otra", role=Role.OWNER)
    org_services.user_update(by=second, user=olga, first_name=olga.first_name, last_name=olga.last_name,
                       email=olga.email, role=Role.ADMIN)
    olga.refresh_from_db()
    assert olga.role == Role.ADMIN


def test_an_admin_cannot_lift_an_owners_ban(people):
    owner = people["owner"]
    second = f.UserFactory(organization=owner.organization, username="otra", role=Role.OWNER)
    org_services.user_ban(by=second, user=owner, reason="prueba")
    assert client_for(people["admin"]).post(f"/config/users/{owner.pk}/unban/").status_code == 403
    assert status(owner) == "banned"


def test_an_admin_reactivates_a_deactivated_user(personas):
    admin = client_for(personas.admin)
    deactivate(admin, personas.agent)
    page = html(admin.get(edit_url("users", personas.agent)))
    assert 'data-testid="user-reactivate"' in page and 'data-testid="user-deactivate"' not in page
    response = admin.post(f"/config/users/{personas.agent.pk}/reactivate/", follow=True)
    assert "Ana López was reactivated and may sign in again." in html(response)
    personas.agent.refresh_from_db()
    assert personas.agent.is_active
    assert audited(personas.admin, "user.reactivate")
    assert client_for(personas.agent).get("/workspace/").status_code == 200


def test_reactivating_an_active_user_says_so(personas):
    response = client_for(personas.admin).post(f"/config/users/{personas.agent.pk}/reactivate/", follow=True)
    assert "Ana López is active." in html(response)


def test_reactivation_is_for_administrators_of_the_organization(personas):
    personas.agent.is_active = False
    personas.agent.save()
    set_toggles(personas.organization, supervisors_access_config=True)
    assert client_for(personas.supervisor).post(f"/config/users/{personas.agent.pk}/reactivate/").status_code == 403
    assert client_for(personas.admin).post(f"/config/users/{personas.outsider.pk}/reactivate/").status_code == 404
    personas.agent.refresh_from_db()
    assert not personas.agent.is_active


def test_the_ban_reason_who_and_when_are_shown_on_the_users_page_and_in_the_list(personas):
    admin = client_for(personas.admin)
    admin.post(f"/config/users/{personas.agent.pk}/ban/", {"reason": "Revisión de calidad"})
    page = html(admin.get(edit_url("users", personas.agent)))
    assert "Reason: Revisión de calidad." in page
    assert "Banned by Adela Gómez on" in page
    assert "Banned: Revisión de calidad" in html(admin.get(LIST))


def test_a_duplicate_username_is_reported_with_the_other_errors(personas):
    response = client_for(personas.admin).post(LIST, user_data(username="ana", email="no-es-correo"))
    assert response.status_code == 422
    assert "The username “ana” is taken." in html(response)
    assert "Enter a valid email address." in html(response)


def test_the_users_list_says_active_in_the_masculine_in_spanish(personas):
    client = client_for(personas.admin)
    client.cookies["django_language"] = "es"
    assert "<th>Activo</th>" in html(client.get(LIST))
