"""The customers' web chat in real Chromium: a customer and an agent chat live (with files
both ways), a reload keeps the conversation, and outside business hours the auto-reply shows."""

import uuid

import pytest
from playwright.sync_api import expect

from contactcenter.models import Channel, Conversation
from contactcenter.services import agents, conversations, queues
from tests import factories as f
from tests.contactcenter import fixtures_files as files
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

OUTSIDE = "Nuestro horario es de 9 a 18 h; te responderemos en cuanto volvamos."


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Every test is a fresh visitor from 127.0.0.1: counts of this test only."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"webchat-e2e-{uuid.uuid4()}"}}


@pytest.fixture
def shop(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas", auto_reply_outside_hours=OUTSIDE)
    channel = f.ChannelFactory(organization=org, queue=queue, kind=Channel.Kind.WEBCHAT, public_key="acme-web",
                               name="Web")
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    f.QueueMembershipFactory(queue=queue, user=ana)
    return {"org": org, "queue": queue, "channel": channel, "ana": ana}


def make_ready(agent, queue):
    f.open_workspace(agent)  # calls ring only at an open workspace; the page opens later
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)


def start_chat(page, name="Carmen Ortega", text="Hola, ¿tenéis envío a Canarias?"):
    page.goto("/chat/acme-web/")
    page.fill("input[name=name]", name)
    page.fill("textarea[name=text]", text)
    page.click("[data-testid=chat-start-submit]")
    expect(page.get_by_test_id("chat-thread")).to_contain_text(text)
    page.settle()


def test_a_customer_and_an_agent_chat_live_with_files_both_ways(new_page, shop, tmp_path):
    make_ready(shop["ana"], shop["queue"])
    agent = new_page()
    log_in(agent, "ana")
    agent.goto("/workspace/")
    customer = new_page(locale="en-US")
    start_chat(customer)
    expect(customer.get_by_test_id("chat-status")).to_contain_text("You are chatting with Ana López.")

    item = agent.get_by_test_id("assigned-list").get_by_test_id("conv-item").first
    expect(item).to_contain_text("Carmen Ortega")
    item.locator("a").click()
    expect(agent.get_by_test_id("messages")).to_contain_text("¿tenéis envío a Canarias?")
    agent.fill("[data-testid=composer-text]", "¡Hola Carmen! Sí, enviamos a Canarias.")
    agent.click("[data-testid=send]")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("¡Hola Carmen! Sí, enviamos a Canarias.")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Ana López")

    customer.fill("[data-testid=chat-text]", "¡Genial, gracias!")
    customer.click("[data-testid=chat-send]")
    expect(agent.get_by_test_id("messages")).to_contain_text("¡Genial, gracias!")

    photo = tmp_path / "ticket.png"
    photo.write_bytes(files.png(8, 8))
    customer.click(".attach summary")
    customer.set_input_files("[data-testid=chat-file]", str(photo))
    customer.fill("[data-testid=chat-text]", "Este es mi ticket")
    customer.click("[data-testid=chat-send]")
    expect(customer.locator("#thread .attachment img")).to_be_visible()
    expect(agent.locator("#messages .attachment img")).to_be_visible()
    expect(agent.get_by_test_id("messages")).to_contain_text("Este es mi ticket")

    plan = tmp_path / "plano.png"
    plan.write_bytes(files.png(6, 6))
    agent.click(".attach summary")
    agent.set_input_files("[data-testid=composer-file]", str(plan))
    agent.click("[data-testid=send]")
    expect(customer.get_by_test_id("chat-attachment").filter(has_text="plano.png")).to_be_visible()
    image = customer.locator("#thread .msg-outbound .attachment img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 6
    assert customer.problems == []


def test_a_reload_keeps_the_customers_conversation(new_page, shop):
    customer = new_page(locale="en-US")
    start_chat(customer, text="Primera pregunta")
    customer.fill("[data-testid=chat-text]", "Segunda pregunta")
    customer.click("[data-testid=chat-send]")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Segunda pregunta")
    customer.reload()
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Primera pregunta")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Segunda pregunta")
    expect(customer.get_by_test_id("chat-position")).to_contain_text("You are number 1 in the queue")
    expect(customer.get_by_test_id("chat-start")).to_have_count(0)
    assert customer.problems == []


def test_the_customer_sees_the_close_live_and_starts_a_new_conversation(new_page, shop):
    make_ready(shop["ana"], shop["queue"])
    customer = new_page(locale="en-US")
    start_chat(customer, text="Solo una pregunta")
    expect(customer.get_by_test_id("chat-status")).to_contain_text("You are chatting with Ana López.")
    conversation = Conversation.objects.get(contact__name="Carmen Ortega")
    conversations.conversation_close(conversation=conversation, by=shop["ana"])
    expect(customer.get_by_test_id("chat-closed")).to_be_visible()
    expect(customer.get_by_test_id("chat-text")).to_have_count(0)
    customer.get_by_test_id("chat-restart").click()
    expect(customer.get_by_test_id("chat-status")).not_to_contain_text("closed")
    expect(customer.get_by_test_id("chat-text")).to_be_visible()
    customer.fill("[data-testid=chat-text]", "Otra pregunta")
    customer.click("[data-testid=chat-send]")
    expect(customer.get_by_test_id("chat-thread")).to_contain_text("Otra pregunta")
    expect(customer.get_by_test_id("chat-thread")).not_to_contain_text("Solo una pregunta")
    assert Conversation.objects.filter(contact__name="Carmen Ortega").count() == 2
    assert customer.problems == []


def test_outside_business_hours_the_customer_gets_the_auto_reply(new_page, shop):
    shop["queue"].business_hours = f.BusinessHoursFactory(organization=shop["org"])  # no intervals: closed
    shop["queue"].save()
    customer = new_page()  # Spanish browser
    start_chat(customer)
    expect(customer.get_by_test_id("chat-thread")).to_contain_text(OUTSIDE)
    expect(customer.get_by_test_id("chat-position")).to_contain_text("Eres el número 1 de la cola")
    assert customer.problems == []


def test_the_chat_works_embedded_in_another_sites_iframe(new_page, shop, asgi_url):
    """A shop's page on another site (a real local server at localhost, not the chat's 127.0.0.1)
    pastes the embed snippet; the customer chats inside the iframe."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.test import RequestFactory

    from contactcenter.connectors.webchat.snippet import embed_snippet

    snippet = embed_snippet(shop["channel"], RequestFactory().get("/", HTTP_HOST=asgi_url.removeprefix("http://")))

    class ShopPage(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"<!doctype html><h1>Acme shop</h1>{snippet}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("localhost", 0), ShopPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = new_page(locale="en-US")
        site.goto(f"http://localhost:{server.server_address[1]}/")
        chat = site.frame_locator("iframe")
        chat.locator("input[name=name]").fill("Carmen Ortega")
        chat.locator("textarea[name=text]").fill("Hola desde la tienda")
        chat.get_by_test_id("chat-start-submit").click()
        expect(chat.get_by_test_id("chat-thread")).to_contain_text("Hola desde la tienda")
        expect(chat.get_by_test_id("chat-position")).to_contain_text("You are number 1 in the queue")
        chat.get_by_test_id("chat-text").fill("Sigo aquí")
        chat.get_by_test_id("chat-send").click()
        expect(chat.get_by_test_id("chat-thread")).to_contain_text("Sigo aquí")
    finally:
        server.shutdown()
        server.server_close()


def test_a_place_the_agent_shares_reaches_the_customer_with_its_map_link(new_page, shop):
    make_ready(shop["ana"], shop["queue"])
    agent = new_page()
    log_in(agent, "ana")
    agent.goto("/workspace/")
    customer = new_page(locale="es-ES")
    start_chat(customer)
    item = agent.get_by_test_id("assigned-list").get_by_test_id("conv-item").first
    item.locator("a").click()
    expect(agent.get_by_test_id("composer-text")).to_be_visible()
    agent.settle()
    agent.click(".share-location summary")
    agent.fill("input[name=latitude]", "40.4168")
    agent.fill("input[name=longitude]", "-3.7038")
    agent.fill("input[name=location_label]", "Oficina central")
    agent.click("[data-testid=send]")
    location = customer.get_by_test_id("location")
    expect(location).to_contain_text("Oficina central")
    expect(location).to_contain_text("40.416800, -3.703800")
    expect(location.locator("a")).to_have_attribute(
        "href", "https://www.openstreetmap.org/?mlat=40.416800&mlon=-3.703800#map=16/40.416800/-3.703800")
    assert customer.problems == []
