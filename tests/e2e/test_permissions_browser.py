"""The permissions page in real Chromium: what an administrator switches there changes what an
agent's workspace offers."""

import pytest
from playwright.sync_api import expect

from contactcenter.models import QueueLogin
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme", agents_manage_public_canned=True)
    ventas = f.QueueFactory(organization=org, name="Ventas")
    soporte = f.QueueFactory(organization=org, name="Soporte", kind="voice")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=ventas, user=ana)
    f.AdminFactory(organization=org, username="adela", first_name="Adela")
    horario = f.CannedResponseFactory(organization=org, owner=None, shortcut="horario", title="Horario",
                                      body="De 9 a 18 h.")
    return {"org": org, "ventas": ventas, "soporte": soporte, "ana": ana, "horario": horario}


def switch(page, toggle: str, on: bool) -> None:
    """The administrator sets one toggle on /permissions/ and saves."""
    page.goto("/permissions/")
    box = page.get_by_test_id(f"toggle-{toggle}")
    box.check() if on else box.uncheck()
    page.get_by_test_id("permissions-save").click()
    expect(page.get_by_test_id("permission-changes")).to_be_visible()


def test_turning_off_public_canned_responses_removes_their_editing_from_the_workspace(new_page, team):
    agent = new_page()
    log_in(agent, "ana")
    agent.goto("/workspace/canned/")
    row = agent.get_by_test_id("canned-row").filter(has_text="/horario")
    expect(row.get_by_test_id("canned-edit")).to_be_visible()
    expect(agent.get_by_test_id("canned-public")).to_be_visible()

    admin = new_page()
    log_in(admin, "adela")
    admin.goto("/permissions/")
    expect(admin.get_by_test_id("toggle-view-queue-settings")).to_be_disabled()
    switch(admin, "agents_manage_public_canned", on=False)
    expect(admin.get_by_test_id("toggle-agents_manage_public_canned")).not_to_be_checked()
    admin.reload()
    expect(admin.get_by_test_id("toggle-agents_manage_public_canned")).not_to_be_checked()

    agent.reload()
    row = agent.get_by_test_id("canned-row").filter(has_text="/horario")
    expect(row).to_be_visible()  # still there to use, no longer to edit
    expect(row.get_by_test_id("canned-edit")).to_have_count(0)
    expect(row.get_by_test_id("canned-delete")).to_have_count(0)
    expect(agent.get_by_test_id("canned-public")).to_have_count(0)
    assert agent.problems == [] and admin.problems == []


def test_an_unassigned_queue_login_lasts_after_the_policy_is_turned_off(new_page, team):
    soporte = team["soporte"]
    agent = new_page()
    log_in(agent, "ana")
    agent.goto("/workspace/")
    agent.settle()
    agent.click(".queue-logins summary")
    expect(agent.get_by_test_id(f"queue-toggle-{soporte.pk}")).to_have_count(0)

    admin = new_page()
    log_in(admin, "adela")
    switch(admin, "allow_unassigned_queue_login", on=True)

    agent.reload()
    agent.click(".queue-logins summary")
    agent.get_by_test_id(f"queue-toggle-{soporte.pk}").click()
    expect(agent.locator(f'form[action="/workspace/queues/{soporte.pk}/logout/"]')).to_have_count(1)
    login = QueueLogin.objects.get(agent=team["ana"], queue=soporte, ended_at__isnull=True)
    assert login.is_unassigned

    switch(admin, "allow_unassigned_queue_login", on=False)

    agent.reload()
    agent.click(".queue-logins summary")
    expect(agent.locator(f'form[action="/workspace/queues/{soporte.pk}/logout/"]')).to_have_count(1)
    assert QueueLogin.objects.filter(pk=login.pk, ended_at__isnull=True).exists()

    agent.get_by_test_id(f"queue-toggle-{soporte.pk}").click()
    expect(agent.locator(f'form[action="/workspace/queues/{soporte.pk}/logout/"]')).to_have_count(0)
    expect(agent.get_by_test_id(f"queue-toggle-{soporte.pk}")).to_have_count(0)  # no longer offered
    assert not QueueLogin.objects.filter(agent=team["ana"], queue=soporte, ended_at__isnull=True).exists()
    assert agent.problems == [] and admin.problems == []


@pytest.mark.parametrize("toggle", ["supervisors_limited_to_assigned_queues", "view-queue-settings"])
def test_a_toggles_help_text_sits_under_its_row_without_covering_the_switch(new_page, team, toggle):
    admin = new_page()
    log_in(admin, "adela")
    admin.goto("/permissions/")
    box = admin.get_by_test_id(f"toggle-{toggle}")
    help_text = admin.locator("label", has=box).locator("small")
    switch_box, help_box = box.bounding_box(), help_text.bounding_box()
    assert help_box["y"] >= switch_box["y"] + switch_box["height"] - 1  # below the switch, not over it
    if toggle != "view-queue-settings":  # that one is always on (disabled)
        checked = box.is_checked()
        box.click()  # Playwright refuses the click if something covers the switch
        assert box.is_checked() != checked
    assert admin.problems == []
