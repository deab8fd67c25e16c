"""Accounts: log in (Spanish first), land where the role allows, log out (POST only, Offline,
out of every queue), recover a password by email."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from contactcenter import models as m
from contactcenter.services import agents as agent_services
from contactcenter.services import queues as queue_services
from tests import factories as f

LOGIN = "/accounts/login/"


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "the page has an <html lang> attribute"
    return match.group(1)


def _status(user) -> str:
    return m.AgentState.objects.select_related("status").get(agent=user).status.code


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Language ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_speaks_spanish_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert _html_lang(response) == "es"


@pytest.mark.django_db
def test_staff_pages_ignore_the_browser_language(client):
    response = client.get(LOGIN, headers={"accept-language": "en-US,en;q=0.9"})
    assert _html_lang(response) == "es"


@pytest.mark.django_db
def test_the_language_switch_makes_pages_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _html_lang(client.get(LOGIN)) == "en"
    client.post("/i18n/setlang/", {"language": "es", "next": LOGIN})
    assert _html_lang(client.get(LOGIN)) == "es"


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert _html_lang(client.get(LOGIN)) == "es"


@pytest.mark.django_db
def test_the_login_page_offers_the_language_switch_and_password_recovery(client):
    html = client.get(LOGIN).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'value="en"' in html and 'value="es"' in html
    assert reverse("password_reset") in html


# --- Log in -----------------------------------------------------------------------------------


def test_an_agent_logs_in_to_the_workspace_and_is_online(client, personas):
    assert _status(personas.agent) == "offline"
    response = client.post(LOGIN, {"username": "ana", "password": "demo"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("workspace:index")
    assert response.status_code == 200
    assert 'data-testid="workspace"' in response.content.decode()
    assert _logged_in_user_id(client) == str(personas.agent.pk)
    assert _status(personas.agent) == "online"
    state = personas.agent.state
    state.refresh_from_db()
    assert state.receive_new is False  # online, not yet taking work


def test_login_opens_a_new_ledger_interval(client, personas):
    client.post(LOGIN, {"username": "ana", "password": "demo"})
    intervals = list(m.StatusInterval.objects.filter(agent=personas.agent).order_by("started_at", "id"))
    assert [i.status.code for i in intervals] == ["offline", "online"]
    assert intervals[0].ended_at == intervals[1].started_at
    assert intervals[1].ended_at is None


def test_a_supervisor_lands_on_start_with_workspace_and_supervision(client, personas):
    response = client.post(LOGIN, {"username": "sofia", "password": "demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("start")
    html = response.content.decode()
    for link in [reverse("workspace:index"), reverse("supervision:overview")]:
        assert f'href="{link}"' in html, link
        assert client.get(link).status_code == 200, link
    assert _status(personas.supervisor) == "online"


def test_the_start_page_offers_configuration_only_to_those_who_may_open_it(client, personas):
    client.force_login(personas.supervisor)
    assert f'href="{reverse("config:index")}"' not in client.get(reverse("start")).content.decode()
    type(personas.organization).objects.filter(pk=personas.organization.pk).update(supervisors_access_config=True)
    html = client.get(reverse("start")).content.decode()
    assert f'href="{reverse("config:index")}"' in html
    assert client.get(reverse("config:index")).status_code == 200



def test_an_agent_sent_to_start_goes_to_the_workspace(client, personas):
    client.force_login(personas.agent)
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:index")


def test_an_agent_does_not_get_supervision(client, personas):
    client.force_login(personas.agent)
    assert client.get(reverse("supervision:overview")).status_code == 403
    html = client.get(reverse("workspace:index")).content.decode()
    assert reverse("supervision:overview") not in html


def test_wrong_password_shows_an_error_and_does_not_log_in(client, personas):
    response = client.post(LOGIN, {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'role="alert"' in response.content.decode()
    assert 'value="ana"' in response.content.decode()  # what was typed is kept
    assert _logged_in_user_id(client) is None
    assert _status(personas.agent) == "offline"
    assert client.get("/").status_code == 302  # still anonymous: sent to log in


def test_an_empty_login_form_says_what_is_missing(client, personas):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"] and form.errors["password"]
    html = response.content.decode()
    for message in form.errors["username"] + form.errors["password"]:
        assert message in html


def test_a_deactivated_user_cannot_log_in(client, personas):
    personas.agent.is_active = False
    personas.agent.save()
    response = client.post(LOGIN, {"username": "ana", "password": "demo"})
    assert response.status_code == 200
    assert _logged_in_user_id(client) is None
    assert _status(personas.agent) == "offline"


def test_login_does_not_redirect_to_another_site(client, personas):
    response = client.post(
        LOGIN, {"username": "ana", "password": "demo", "next": "https://evil.example.com/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_honours_a_local_next(client, personas):
    response = client.post(LOGIN, {"username": "sofia", "password": "demo", "next": "/supervision/"})
    assert response["Location"] == "/supervision/"


def test_a_logged_in_user_visiting_the_login_page_is_sent_home(client, personas):
    client.force_login(personas.agent)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for url in ("/", "/start/", "/workspace/", "/supervision/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url


def test_a_platform_superuser_without_organization_goes_to_the_admin(client, db):
    root = m.User.objects.create_superuser(username="root", password="demo", email="r@example.com")
    response = client.post(LOGIN, {"username": "root", "password": "demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200
    assert _logged_in_user_id(client) == str(root.pk)


def test_a_user_made_without_the_services_gets_an_agent_state_at_login(client, personas):
    user = m.User.objects.create_user(
        username="manual", password="demo", organization=personas.organization, role="agent"
    )
    assert not m.AgentState.objects.filter(agent=user).exists()
    response = client.post(LOGIN, {"username": "manual", "password": "demo"})
    assert response.status_code == 302
    assert _status(user) == "online"


def test_a_banned_agent_logs_in_but_stays_banned(client, personas):
    agent_services.agent_ban(agent=personas.agent, by=personas.admin, reason="pruebas")
    response = client.post(LOGIN, {"username": "ana", "password": "demo"})
    assert response.status_code == 302
    assert _status(personas.agent) == "banned"


# --- Log out ----------------------------------------------------------------------------------


def test_logout_is_post_only(client, personas):
    client.force_login(personas.agent)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert _logged_in_user_id(client) == str(personas.agent.pk)


def test_logout_sets_the_agent_offline_and_out_of_every_queue(client, personas):
    p = personas
    f.QueueMembershipFactory(queue=p.other_queue, user=p.agent)
    client.post(LOGIN, {"username": "ana", "password": "demo"})
    queue_services.queue_login(queue=p.queue, agent=p.agent)
    queue_services.queue_login(queue=p.other_queue, agent=p.agent)
    agent_services.agent_set_receive_new(agent=p.agent, on=True)
    assert _status(p.agent) == "ready"

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert _logged_in_user_id(client) is None
    assert _status(p.agent) == "offline"
    logins = m.QueueLogin.objects.filter(agent=p.agent)
    assert logins.count() == 2
    assert all(login.ended_at is not None for login in logins)
    p.agent.state.refresh_from_db()
    assert p.agent.state.receive_new is False


def test_logout_of_one_agent_leaves_colleagues_alone(client, personas):
    p = personas
    agent_services.agent_sign_in(agent=p.colleague)
    queue_services.queue_login(queue=p.queue, agent=p.colleague)
    client.force_login(p.agent)
    client.post("/accounts/logout/")
    assert _status(p.colleague) == "online"
    assert m.QueueLogin.objects.filter(agent=p.colleague, ended_at__isnull=True).count() == 1


def test_logout_of_a_user_without_agent_state_works(client, personas):
    user = m.User.objects.create_user(username="manual", password="demo", organization=personas.organization)
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert _logged_in_user_id(client) is None


def test_logout_when_not_logged_in_just_goes_to_login(client, db):
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN


# --- Password reset ---------------------------------------------------------------------------


def _reset_link(message) -> str:
    match = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_sends_a_link_that_sets_a_new_password(client, personas, mailoutbox):
    agent = personas.agent
    response = client.post(reverse("password_reset"), {"email": agent.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [agent.email]
    assert agent.username in message.body
    link = _reset_link(message)

    response = client.get(link)
    assert response.status_code == 302  # Django hides the token behind a session redirect
    form_url = response["Location"]
    response = client.get(form_url)
    assert response.status_code == 200
    assert response.context["validlink"] is True

    new_password = "Nueva-clave-segura-2024"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert client.get(response["Location"]).status_code == 200

    assert client.post(LOGIN, {"username": "ana", "password": "demo"}).status_code == 200  # old: no
    response = client.post(LOGIN, {"username": "ana", "password": new_password})
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(agent.pk)


def test_a_reset_link_works_only_once(client, personas, mailoutbox):
    client.post(reverse("password_reset"), {"email": personas.agent.email})
    link = _reset_link(mailoutbox[0])
    form_url = client.get(link)["Location"]
    new_password = "Nueva-clave-segura-2024"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False
    assert reverse("password_reset") in response.content.decode()


def test_a_weak_new_password_is_refused_with_a_message(client, personas, mailoutbox):
    client.post(reverse("password_reset"), {"email": personas.agent.email})
    form_url = client.get(_reset_link(mailoutbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert errors
    assert errors[0] in response.content.decode()
    personas.agent.refresh_from_db()
    assert personas.agent.check_password("demo")


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    assert response.status_code == 200
    assert len(mail.outbox) == 0


def test_password_reset_page_keeps_a_badly_typed_email(client, db):
    response = client.post(reverse("password_reset"), {"email": "no-es-un-email"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="no-es-un-email"' in html
    assert 'aria-invalid="true"' in html
    assert len(mail.outbox) == 0


def test_password_reset_email_is_sent_to_the_user_of_another_organization_too(client, personas, mailoutbox):
    outsider = personas.outsider
    client.post(reverse("password_reset"), {"email": outsider.email})
    assert [message.to for message in mailoutbox] == [[outsider.email]]


def test_password_reset_pages_are_spanish_by_default(client, db):
    for url in (reverse("password_reset"), reverse("password_reset_done"), reverse("password_reset_complete")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _html_lang(response) == "es", url

