"""The configuration portal in a real Chromium: an administrator creates a pause reason, then
edits a queue, types a wrong value and sees the error with what they typed kept. (The page
speaks Spanish: fields are found by id and test id, not by their labels.)"""

import re

import pytest
from playwright.sync_api import expect

from contactcenter.models import Queue, StatusDefinition
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    f.QueueFactory(organization=org, name="Ventas")
    return f.AdminFactory(organization=org, username="adela", first_name="Adela", last_name="Gómez")


def test_an_admin_creates_a_pause_reason_and_edits_a_queue_keeping_what_was_typed(page, admin):
    log_in(page, "adela")
    page.goto("/config/")
    page.locator('.config-nav a[href="/config/pause-reasons/"]').click()
    page.wait_for_url(re.compile(r"/config/pause-reasons/$"))
    form = page.get_by_test_id("config-form")
    form.locator("#id_name").fill("Formación")
    form.locator("#id_max_minutes").fill("45")
    form.get_by_test_id("config-save").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Formación")
    expect(page.get_by_test_id("config-list")).to_contain_text("Formación")
    assert StatusDefinition.objects.filter(organization=admin.organization, name="Formación", max_minutes=45).exists()

    page.goto("/config/queues/")
    page.get_by_test_id("config-row").filter(has_text="Ventas").locator("a").first.click()
    page.wait_for_url(re.compile(r"/config/queues/\d+/$"))
    form = page.get_by_test_id("config-form")
    form.locator("#id_name").fill("Ventas online")
    form.locator("#id_auto_reply_queued").fill("Está en la posición {position}")
    form.locator("#id_capacity").fill("0")
    form.get_by_test_id("config-save").click()
    expect(page.get_by_test_id("config-errors")).to_be_visible()
    expect(page.locator("#id_capacity_error")).to_be_visible()
    form = page.get_by_test_id("config-form")
    expect(form.locator("#id_name")).to_have_value("Ventas online")
    expect(form.locator("#id_auto_reply_queued")).to_have_value("Está en la posición {position}")
    assert Queue.objects.get(organization=admin.organization).name == "Ventas"

    form.locator("#id_capacity").fill("3")
    form.get_by_test_id("config-save").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Ventas online")
    queue = Queue.objects.get(organization=admin.organization)
    assert (queue.name, queue.capacity) == ("Ventas online", 3)
    assert page.problems == []


def test_the_web_chat_embed_code_fits_the_page_and_its_help_names_the_body_tag(page, admin):
    queue = Queue.objects.get(organization=admin.organization, name="Ventas")
    channel = f.ChannelFactory(organization=admin.organization, queue=queue, kind="webchat", name="Chat web")
    page.set_viewport_size({"width": 1024, "height": 768})
    log_in(page, "adela")
    page.goto(f"/config/channels/{channel.pk}/")
    expect(page.get_by_test_id("embed-help")).to_contain_text("</body>")
    snippet = page.get_by_test_id("embed-snippet")
    expect(snippet).to_contain_text("<iframe")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    box, article = snippet.bounding_box(), page.get_by_test_id("channel-details").bounding_box()
    assert box["x"] + box["width"] <= article["x"] + article["width"] + 1
    assert page.problems == []
