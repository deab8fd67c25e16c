"""Login throttling (django-axes) and a rate-limited password reset: repeated wrong passwords lock
that username and that address for a cool-off (never for good), with one translated answer that
does not say whether the user exists; the lockout is audited; an administrator can lift it."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from contactcenter.models import AuditEntry
from tests.workspace.conftest import client_for

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(username, password, *, address="203.0.113.7", language="en"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def fail(username, times, **kwargs):
    """`times` wrong passwords; the one that reaches the limit is already answered with the lockout."""
    for index in range(1, times + 1):
        expected = 429 if index >= LIMIT else 200
        assert attempt(username, "wrong-password", **kwargs).status_code == expected


@pytest.fixture
def ana(personas):
    personas.agent.set_password("demo-password-1")
    personas.agent.save()
    return personas.agent


def test_the_limit_is_ten_failures_and_the_cool_off_fifteen_minutes():
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME) == (10, timedelta(minutes=15))


def test_below_the_limit_the_right_password_still_logs_in(ana):
    fail("ana", LIMIT - 1)
    assert logged_in(attempt("ana", "demo-password-1"))


def test_after_the_limit_even_the_right_password_is_refused_with_a_translated_message(ana):
    fail("ana", LIMIT)
    response = attempt("ana", "demo-password-1")
    assert response.status_code == 429 and not logged_in(response)
    assert "Too many attempts" in response.content.decode() and "15 minutes" in response.content.decode()
    spanish = attempt("ana", "demo-password-1", language="es")
    assert spanish.status_code == 429 and "Demasiados intentos" in spanish.content.decode()


def test_an_unknown_username_gets_the_same_answers_as_a_known_one(ana):
    fail("nadie", LIMIT)
    unknown = attempt("nadie", "x", address="203.0.113.9")
    fail("ana", LIMIT, address="203.0.113.8")
    known = attempt("ana", "x", address="203.0.113.10")
    assert unknown.status_code == known.status_code == 429
    assert message(unknown) == message(known) and "ana" not in message(known)


def message(response) -> str:
    body = response.content.decode()
    return body[body.index('data-testid="locked-out"'):body.index("</article>")]


def test_the_lockout_is_per_username_from_any_address(ana):
    fail("ana", LIMIT, address="203.0.113.7")
    assert attempt("ana", "demo-password-1", address="198.51.100.1").status_code == 429


def test_the_lockout_is_per_address_across_usernames(ana, personas):
    for index in range(LIMIT - 1):
        assert attempt(f"guess{index}", "wrong", address="203.0.113.50").status_code == 200
    attempt("guess-last", "wrong", address="203.0.113.50")
    assert attempt("ana", "demo-password-1", address="203.0.113.50").status_code == 429
    assert logged_in(attempt("ana", "demo-password-1", address="203.0.113.51"))


def test_the_lockout_ends_by_itself_after_the_cool_off(ana):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail("ana", LIMIT)
        assert attempt("ana", "demo-password-1").status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert logged_in(attempt("ana", "demo-password-1"))


def test_a_lockout_is_audited_in_the_users_organization(ana, personas):
    fail("ana", LIMIT)
    entry = AuditEntry.objects.get(action="login.locked_out")
    assert (entry.organization_id, entry.target_user_id) == (personas.organization.pk, ana.pk)
    assert entry.data == {"ip_address": "203.0.113.7"}


def test_an_administrator_unlocks_from_django_admin_and_the_agent_logs_in(ana, personas):
    from axes.models import AccessAttempt

    fail("ana", LIMIT)
    admin = client_for(personas.admin)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "ana" in listing.content.decode()
    ids = list(AccessAttempt.objects.filter(username="ana").values_list("pk", flat=True))
    response = admin.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": ids})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ana").exists()
    assert AuditEntry.objects.filter(action="login.unlocked", actor=personas.admin, target_user=ana).exists()
    assert logged_in(attempt("ana", "demo-password-1"))


def test_an_administrator_sees_no_failed_logins_of_another_organization(ana, personas):
    fail("oscar", LIMIT, address="203.0.113.60")  # the other organization's admin
    fail("ana", 1)
    body = client_for(personas.admin).get("/admin/axes/accessattempt/").content.decode()
    assert "oscar" not in body and "ana" in body


def test_an_agent_cannot_open_the_failed_logins(ana, personas):
    assert client_for(personas.agent).get("/admin/axes/accessattempt/").status_code == 302


# --- Password reset -------------------------------------------------------------------------------


def reset(email, *, address="203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post("/accounts/password_reset/", {"email": email})


@pytest.mark.parametrize("email", ["ana@example.com", "nobody@example.com"])
def test_password_reset_is_limited_per_address_the_same_for_known_and_unknown_emails(ana, mailoutbox, email):
    ana.email = "ana@example.com"
    ana.save()
    for index in range(settings.PASSWORD_RESET_LIMIT):
        assert reset(f"someone{index}@example.com" if index else email).status_code == 302
    sent = len(mailoutbox)
    response = reset(email)
    assert response.status_code == 429
    assert "Too many requests for a new password" in response.content.decode()
    assert len(mailoutbox) == sent


def test_password_reset_is_limited_per_email_from_any_address(ana, mailoutbox):
    ana.email = "ana@example.com"
    ana.save()
    for index in range(settings.PASSWORD_RESET_LIMIT):
        assert reset("ana@example.com", address=f"198.51.100.{index + 1}").status_code == 302
    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
    assert reset("ana@example.com", address="198.51.100.99").status_code == 429
    assert len(mailoutbox) == settings.PASSWORD_RESET_LIMIT
