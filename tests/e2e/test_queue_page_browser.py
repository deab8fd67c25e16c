"""A supervisor's queue page in real Chromium: "+ Registrar agentes" shows a refusal where the
person clicked and drops a registered agent from the results; a waiting customer's priority is
raised in place and they move to the head of the line."""

import pytest
from playwright.sync_api import expect

from contactcenter.services import conversations
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme", allow_unassigned_queue_login=False)
    queue = f.QueueFactory(organization=org, name="Soporte")
    sofia = f.SupervisorFactory(organization=org, username="sofia", first_name="Sofía", last_name="Ruiz")
    f.QueueMembershipFactory(queue=queue, user=sofia, role="supervisor")
    member = f.AgentFactory(organization=org, username="carla", first_name="Carla", last_name="Vidal")
    f.QueueMembershipFactory(queue=queue, user=member)
    outsider = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    return {"org": org, "queue": queue, "member": member, "outsider": outsider}


def search(page, name):
    page.get_by_test_id("register-open").click()
    page.get_by_test_id("register-search").fill(name)
    expect(page.get_by_test_id("register-candidate")).to_have_count(1)


def test_a_refused_registration_is_shown_where_the_supervisor_clicked(new_page, team):
    page = new_page()
    log_in(page, "sofia")
    page.goto(f"/supervision/queues/{team['queue'].pk}/")
    page.settle()
    search(page, "Ana")
    candidate = page.get_by_test_id("register-candidate")
    candidate.locator("summary").click()
    candidate.get_by_test_id("register-login").click()
    error = page.get_by_test_id("register-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Ana López no es miembro de Soporte")
    expect(page.locator("#register")).to_have_attribute("open", "")


def test_a_registered_agent_leaves_the_results_and_joins_the_queue(new_page, team):
    page = new_page()
    log_in(page, "sofia")
    page.goto(f"/supervision/queues/{team['queue'].pk}/")
    page.settle()
    search(page, "Carla")
    candidate = page.get_by_test_id("register-candidate")
    candidate.locator("summary").click()
    candidate.get_by_test_id("register-login").click()
    expect(page.get_by_test_id("register-candidate")).to_have_count(0)
    expect(page.locator(f"#qagent-{team['member'].pk}")).to_be_visible()


def test_raising_a_waiting_customers_priority_moves_them_to_the_head_of_the_line(new_page, team):
    older = conversations.conversation_open(queue=team["queue"],
                                            contact=f.ContactFactory(organization=team["org"], name="Rosa"))
    newer = conversations.conversation_open(queue=team["queue"],
                                            contact=f.ContactFactory(organization=team["org"], name="Tomás"))
    page = new_page()
    log_in(page, "sofia")
    page.goto(f"/supervision/queues/{team['queue'].pk}/")
    page.settle()
    rows = page.get_by_test_id("waiting-row")
    expect(rows.first).to_contain_text("Rosa")
    row = page.locator(f"#waiting-{newer.pk}")
    row.get_by_test_id("priority-input").fill("5")
    row.get_by_test_id("priority-save").click()
    expect(page.get_by_test_id("waiting-flash")).to_contain_text("Tomás tiene ahora prioridad 5.")
    expect(rows.first).to_contain_text("Tomás")
    older.refresh_from_db()
    assert older.priority == 0


def test_a_supervisor_filters_the_audit_trail_and_downloads_it(new_page, team):
    from contactcenter.services.audit import audit

    sofia = team["queue"].memberships.get(role="supervisor").user
    audit(sofia, "agent.pause", target_user=team["member"], queue=team["queue"], reason="Café")
    audit(sofia, "queue.login_agent", target_user=team["member"], queue=team["queue"])
    page = new_page()
    log_in(page, "sofia")
    page.goto("/supervision/")
    page.get_by_test_id("audit-link").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(2)
    page.locator("select[name=action]").select_option("agent.pause")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    expect(page.get_by_test_id("audit-action")).to_have_text("Agente en pausa")
    with page.expect_download() as download:
        page.get_by_test_id("audit-csv").click()
    content = download.value.path().read_bytes().decode("utf-8")
    assert content.startswith("\ufeff") and content.count("Agente en pausa") == 1 and "Café" in content
