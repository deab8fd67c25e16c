"""The workspace by keyboard and screen reader, in real Chromium: focus goes where the agent
goes on after each action (visibly), dialogs and menus close on Escape, what changes by itself is
announced in a live region, and the shortcuts are listed behind "?" and never fire while typing."""

import pytest
from playwright.sync_api import expect

from contactcenter.models import StatusSource
from contactcenter.services import agents, conversations, messages, queues
from tests import factories as f
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

SLOW = 20_000  # generous: the machine may be busy; every wait below is for a condition


@pytest.fixture
def team(transactional_db):
    org = f.OrganizationFactory(name="Acme", slug="acme")
    queue = f.QueueFactory(organization=org, name="Ventas", after_service_seconds=0)
    ana = f.AgentFactory(organization=org, username="ana", first_name="Ana", last_name="López")
    luis = f.AgentFactory(organization=org, username="luis", first_name="Luis", last_name="Pérez")
    for user in (ana, luis):
        f.QueueMembershipFactory(queue=queue, user=user)
    return {"org": org, "queue": queue, "ana": ana, "luis": luis}


def arrive(team, name="Carmen Ortega", text="Hola, ¿me ayudáis?"):
    contact = f.ContactFactory(organization=team["org"], name=name)
    return conversations.conversation_open(queue=team["queue"], contact=contact, text=text)


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        return {testid: el.dataset.testid || "", id: el.id, tag: el.tagName,
                visible: el.matches(":focus-visible"), inDialog: !!el.closest("dialog[open]")};
    }""")


def wait_for_focus(page, testid: str) -> dict:
    page.wait_for_function("t => document.activeElement && document.activeElement.dataset.testid === t",
                           arg=testid, timeout=SLOW)
    return focused(page)


def on_the_desk(page, url="/workspace/"):
    log_in(page, "ana")
    queues.queue_login(queue=page.team["queue"], agent=page.team["ana"])
    page.goto(url)
    page.settle()


def test_keyboard_walk_of_six_actions_keeps_a_visible_focus_where_the_agent_goes_on(new_page, team):
    page = new_page()
    page.team = team
    on_the_desk(page)
    passed = []

    # 1. Status change: Alt+S to the menu, choose, Tab to Aplicar, Enter; focus stays on Aplicar.
    page.keyboard.press("Alt+s")
    expect(page.get_by_test_id("status-menu")).to_be_focused()
    page.get_by_test_id("status-menu").select_option("dnd")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("agent-status")).to_have_text("No molestar", timeout=SLOW)
    now = wait_for_focus(page, "status-apply")
    assert now["visible"], now
    passed.append("status")

    # 2. Recibir nuevo: two Shift+Tab back to the switch, Space; focus stays on the switch.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_test_id("receive-new")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_test_id("receive-new")).to_have_attribute("aria-checked", "true", timeout=SLOW)
    now = wait_for_focus(page, "receive-new")
    assert now["visible"], now
    passed.append("receive new")

    # Two chats come in (she is ready): each is announced.
    page.settle()
    arrive(team, name="Carmen Ortega")
    expect(page.get_by_test_id("announce")).to_contain_text("Nueva conversación asignada", timeout=SLOW)
    arrive(team, name="Rosa Delgado", text="Buenas")
    expect(page.get_by_test_id("assigned-list").get_by_test_id("conv-item")).to_have_count(2, timeout=SLOW)
    page.settle()

    # 3. Open the conversation: "j" goes to the first one, Enter opens it; focus lands in its reply box.
    page.keyboard.press("j")
    expect(page.locator("#lists .conv-item > a").first).to_be_focused()
    assert focused(page)["visible"]
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("conv-contact")).to_be_visible(timeout=SLOW)
    opened = page.get_by_test_id("conv-contact").text_content()
    other = ({"Carmen Ortega", "Rosa Delgado"} - {opened}).pop()
    page.settle()
    expect(page.get_by_test_id("composer-text")).to_be_focused(timeout=SLOW)
    assert focused(page)["visible"]
    passed.append("open")

    # 4. Type and send with Ctrl+Enter; the reply box is focused again, empty.
    page.keyboard.type("Te ayudo ahora mismo")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("messages")).to_contain_text("Te ayudo ahora mismo", timeout=SLOW)
    expect(page.get_by_test_id("composer-text")).to_have_value("", timeout=SLOW)
    expect(page.get_by_test_id("composer-text")).to_be_focused(timeout=SLOW)
    assert focused(page)["visible"]
    passed.append("send")
    page.settle()  # the live echo of the sent message redraws the thread: act on a still screen

    # 5. Transfer and Escape: Shift+Tab up to Transferir, Enter opens the dialog with the focus
    # inside it, Escape closes it and focus returns to Transferir.
    for _ in range(6):
        if focused(page)["testid"] == "transfer-open":
            break
        page.keyboard.press("Shift+Tab")
    expect(page.get_by_test_id("transfer-open")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.transfer")
    expect(dialog).to_have_attribute("open", "", timeout=SLOW)
    assert focused(page)["inDialog"]
    page.keyboard.press("Tab")
    assert focused(page)["inDialog"]  # the modal keeps focus inside
    page.keyboard.press("Escape")
    expect(dialog).not_to_have_attribute("open", "")
    now = wait_for_focus(page, "transfer-open")
    assert now["visible"], now
    passed.append("transfer and Escape")
    page.settle()
    expect(page.get_by_test_id("transfer-open")).to_be_focused()

    # 6. Close: Tab to Cerrar, Enter; focus goes to the next conversation in the list.
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("close")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "name => document.activeElement.closest('.conv-item') && document.activeElement.textContent.includes(name)",
        arg=other, timeout=SLOW)
    assert focused(page)["visible"]
    passed.append("close")

    assert passed == ["status", "receive new", "open", "send", "transfer and Escape", "close"]
    assert page.problems == []


def test_a_new_message_in_the_open_conversation_is_announced_politely(new_page, team):
    page = new_page()
    page.team = team
    log_in(page, "ana")
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    chat = arrive(team)
    chat.refresh_from_db()
    page.goto(f"/workspace/conversations/{chat.pk}/")
    page.settle()
    region = page.get_by_test_id("announce")
    expect(region).to_have_attribute("aria-live", "polite")
    before = region.text_content()
    messages.message_receive(conversation=chat, text="¿Tenéis la talla 42?")
    expect(region).to_contain_text("Nuevo mensaje de Carmen Ortega: ¿Tenéis la talla 42?", timeout=SLOW)
    assert region.text_content() != before
    assert page.problems == []


def test_an_incoming_call_is_announced_assertively(new_page, team):
    voice = f.QueueFactory(organization=team["org"], name="Soporte", kind="voice")
    f.QueueMembershipFactory(queue=voice, user=team["ana"])
    page = new_page()
    log_in(page, "ana")
    queues.queue_login(queue=voice, agent=team["ana"])
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    page.goto("/workspace/")
    page.settle()
    urgent = page.get_by_test_id("announce-urgent")
    expect(urgent).to_have_attribute("aria-live", "assertive")
    expect(urgent).to_have_text("")
    contact = f.ContactFactory(organization=team["org"], name="Rosa Delgado", phone="+34600111222")
    conversations.conversation_open(queue=voice, contact=contact)
    expect(urgent).to_contain_text("Llamada entrante", timeout=SLOW)
    expect(urgent).to_contain_text("+34600111222")
    assert page.problems == []


def test_question_mark_lists_the_shortcuts_and_escape_closes_the_list(new_page, team):
    page = new_page()
    page.team = team
    on_the_desk(page)
    help_ = page.get_by_test_id("shortcuts-help")
    expect(help_).to_be_hidden()
    page.keyboard.press("?")
    expect(help_).to_be_visible(timeout=SLOW)
    for words in ("Conversación siguiente / anterior", "Ir a la respuesta", "Cerrar la conversación",
                  "Transferir", "Recibir nuevo: activar / desactivar", "Menú de estado"):
        expect(help_).to_contain_text(words)
    page.keyboard.press("Escape")
    expect(help_).to_be_hidden()
    assert page.problems == []


def test_typing_a_question_mark_in_the_reply_types_it_and_opens_nothing(new_page, team):
    page = new_page()
    page.team = team
    log_in(page, "ana")
    queues.queue_login(queue=team["queue"], agent=team["ana"])
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    chat = arrive(team)
    page.goto(f"/workspace/conversations/{chat.pk}/")
    page.settle()
    page.get_by_test_id("composer-text").click()
    page.keyboard.type("¿Algo más? jk r")
    expect(page.get_by_test_id("composer-text")).to_have_value("¿Algo más? jk r")
    expect(page.get_by_test_id("shortcuts-help")).to_be_hidden()
    assert page.url.endswith(f"/workspace/conversations/{chat.pk}/")
    assert page.problems == []


def test_shortcuts_turned_off_in_the_list_stay_off(new_page, team):
    page = new_page()
    page.team = team
    on_the_desk(page)
    page.get_by_test_id("shortcuts-open").click()
    switch = page.get_by_test_id("shortcuts-switch")
    expect(switch).to_be_checked()
    switch.uncheck()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcuts-help")).to_be_hidden()
    assert page.evaluate("() => localStorage.getItem('cc-shortcuts')") == "off"
    page.reload()
    page.settle()
    page.keyboard.press("Alt+s")
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts-help")).to_be_hidden()
    expect(page.get_by_test_id("status-menu")).not_to_be_focused()
    assert page.problems == []


def test_escape_closes_a_pop_up_menu_and_focus_returns_to_it(new_page, team):
    page = new_page()
    page.team = team
    on_the_desk(page)
    summary = page.locator("#queue-logins summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#queue-logins")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("#queue-logins")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_the_workspace_header_is_compact_at_1366_by_900(new_page, team):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.team = team
    on_the_desk(page)
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    page.reload()
    page.settle()
    header = page.evaluate("() => Math.round(document.querySelector('#desk .columns').getBoundingClientRect().top)")
    print(f"workspace header height at 1366x900: {header}px")
    assert header <= 160  # 204 px before the header was made compact


def test_a_pause_set_by_a_supervisor_is_announced(new_page, team):
    supervisor = f.SupervisorFactory(organization=team["org"], username="sofia", first_name="Sofía")
    f.QueueMembershipFactory(queue=team["queue"], user=supervisor, role="supervisor")
    training = f.PauseReasonFactory(organization=team["org"], name="Formación", code="formacion")
    page = new_page()
    page.team = team
    on_the_desk(page)
    agents.agent_pause(agent=team["ana"], reason=training, by=supervisor, source=StatusSource.SUPERVISOR)
    expect(page.get_by_test_id("agent-status")).to_have_text("Formación", timeout=SLOW)
    expect(page.get_by_test_id("announce")).to_have_text("Tu estado ahora es Formación", timeout=SLOW)
    assert page.problems == []


def test_the_last_ten_seconds_of_after_service_are_announced_once(new_page, team):
    queue = team["queue"]
    queue.after_service_seconds = 13
    queue.save(update_fields=["after_service_seconds"])
    page = new_page()
    page.team = team
    on_the_desk(page)
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    chat = arrive(team)
    page.goto(f"/workspace/conversations/{chat.pk}/")
    page.settle()
    page.evaluate("""() => {
        window.__said = [];
        const region = document.getElementById("cc-announce");
        new MutationObserver(() => { if (region.textContent) window.__said.push(region.textContent); })
            .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("wrapup-countdown")).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id("announce")).to_have_text("Quedan 10 segundos de después del servicio.",
                                                          timeout=SLOW)
    # Until the countdown is down to its last 5 seconds: nothing more is said, not every tick.
    page.wait_for_function("""() => {
        const c = document.querySelector("[data-testid=wrapup-countdown][data-deadline]");
        return !c || Date.parse(c.dataset.deadline) - Date.now() < 5000;
    }""", timeout=SLOW)
    said = page.evaluate("() => window.__said")
    assert said.count("Quedan 10 segundos de después del servicio.") == 1, said


def test_send_shows_it_is_busy_and_a_failure_keeps_the_typed_text(new_page, team):
    page = new_page()
    page.team = team
    on_the_desk(page)
    agents.agent_set_receive_new(agent=team["ana"], on=True)
    chat = arrive(team)
    page.goto(f"/workspace/conversations/{chat.pk}/")
    page.settle()
    held = []
    page.route(f"**/workspace/conversations/{chat.pk}/send/", lambda route: held.append(route))
    page.get_by_test_id("composer-text").fill("¿Me confirmas la dirección?")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("send")).to_be_disabled(timeout=SLOW)
    expect(page.get_by_test_id("send")).to_have_attribute("aria-busy", "true")
    for _ in range(400):  # the held request reaches the handler while the page is polled
        if held:
            break
        page.wait_for_timeout(50)
    held[0].fulfill(status=500, body="boom")
    error = page.get_by_test_id("request-error")
    expect(error).to_have_text("No se pudo enviar. Lo que escribiste se conserva: inténtalo de nuevo.", timeout=SLOW)
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_test_id("composer-text")).to_have_value("¿Me confirmas la dirección?")
    expect(page.get_by_test_id("send")).to_be_enabled()
