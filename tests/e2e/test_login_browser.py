"""What a person does on the log-in page, in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from contactcenter.models import AgentState, QueueLogin
from contactcenter.services import queues as queue_services
from tests import factories as f

pytestmark = pytest.mark.browser

LOGIN_BUTTON = 'form[action="/accounts/login/"] button[type="submit"]'


@pytest.fixture
def agent(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas")
    agent = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=queue, user=agent)
    return agent


def _status(user) -> str:
    return AgentState.objects.select_related("status").get(agent=user).status.code


def _log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(LOGIN_BUTTON)


def test_an_agent_logs_in_and_lands_on_the_workspace_in_spanish(page, agent):
    page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")
    assert page.problems == []  # the login page: no script error, no CSP violation
    _log_in(page, "ana", "demo")
    page.wait_for_url(re.compile(r"/workspace/$"))
    expect(page.get_by_test_id("workspace")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Ana López")
    # The browser asks for English (locale en-US); staff pages speak Spanish first.
    assert page.locator("html").get_attribute("lang") == "es"
    assert _status(agent) == "online"
    # (The workspace's live-update socket is not checked here: live_server speaks WSGI only.)


def test_a_wrong_password_keeps_the_person_on_the_login_page_with_an_error(page, agent):
    _log_in(page, "ana", "not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.url.endswith("/accounts/login/")
    expect(page.locator("#id_username")).to_have_value("ana")
    assert _status(agent) == "offline"


def test_the_language_switch_turns_the_login_page_english(page, agent):
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.select_option('select[name="language"]', "en")
    page.click('form[action="/i18n/setlang/"] button[type="submit"]')
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/accounts/login/")


def test_the_log_out_button_sets_the_agent_offline_and_out_of_their_queues(page, agent):
    _log_in(page, "ana", "demo")
    page.wait_for_url(re.compile(r"/workspace/$"))
    queue_services.queue_login(queue=agent.queue_memberships.get().queue, agent=agent)
    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("#id_username")).to_be_visible()
    assert _status(agent) == "offline"
    assert not QueueLogin.objects.filter(agent=agent, ended_at__isnull=True).exists()
    page.goto("/workspace/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
