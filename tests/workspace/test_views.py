"""The agent desk, URL by URL: what each action changes, plain (302) and with htmx (the desk
partial); who may not touch what (login, 405, 404 for what is not theirs, 403 for what they
see but may not do); and bad input that is refused with a clear message, changing nothing."""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import (
    AgentState,
    Conversation,
    Message,
    Offer,
    QueueLogin,
    StatusDefinition,
    Tag,
    Transfer,
)
from contactcenter.services import conversations
from tests import factories as f
from tests.workspace.conftest import (
    HTMX,
    client_for,
    flashes,
    html,
    is_desk_partial,
    is_full_page,
    item_ids,
    snapshot,
)

pytestmark = pytest.mark.django_db

C = Conversation.Status
PLAIN_AND_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
EMPTY_REPLY = "Write a message, attach a file or share a location."


def act(client, url, data=None, *, htmx=False, expect=None):
    """POST a desk action: plain -> a redirect back; htmx -> 200 with the desk partial."""
    response = client.post(url, data or {}, headers=HTMX if htmx else {})
    if htmx:
        assert response.status_code == (expect or 200), html(response)[:2000]
        assert is_desk_partial(response), html(response)[:500]
    else:
        assert response.status_code == (expect or 302), html(response)[:2000]
    return response


def shown(client, response, *, htmx: bool):
    """What the agent sees after an action: the htmx answer, or the page the redirect leads to."""
    if htmx:
        return response
    page = client.get(response.url)
    assert page.status_code == 200
    return page


def url(name, *args):
    return reverse(f"workspace:{name}", args=args)


# --- Every URL: login, methods, other organizations, other agents ---------------------------------


@dataclass
class Ids:
    conversation: int = 1
    message: int = 1
    queue: int = 1
    transfer: int = 1
    tag: int = 1
    canned: int = 1
    agent: int = 1
    campaign_entry: int = 1
    prerecorded: int = 1
    attachment: int = 1


# name -> (method, what to send given the ids)
ENDPOINTS = {
    "index": ("get", lambda o: (url("index"), {})),
    "conversation": ("get", lambda o: (url("conversation", o.conversation), {})),
    "conversation-read": ("post", lambda o: (url("conversation-read", o.conversation), {"tab": "assigned"})),
    "messages": ("get", lambda o: (url("messages", o.conversation), {"before": o.message})),
    "receive-new": ("post", lambda o: (url("receive-new"), {"on": "0"})),
    "status": ("post", lambda o: (url("status"), {"status": "dnd"})),
    "attachment": ("get", lambda o: (url("attachment", o.attachment), {})),
    "queue-login-all": ("post", lambda o: (url("queue-login-all"), {})),
    "queue-login": ("post", lambda o: (url("queue-login", o.queue), {})),
    "queue-logout": ("post", lambda o: (url("queue-logout", o.queue), {})),
    "take": ("post", lambda o: (url("take", o.conversation), {})),
    "assign": ("post", lambda o: (url("assign", o.conversation), {"agent": o.agent})),
    "assign-options": ("get", lambda o: (url("assign-options", o.conversation), {})),
    "answer": ("post", lambda o: (url("answer", o.conversation), {"answer": "accept"})),
    "send": ("post", lambda o: (url("send", o.conversation), {"text": "¿Sigue ahí?"})),
    "close": ("post", lambda o: (url("close", o.conversation), {})),
    "wrapup": ("post", lambda o: (url("wrapup", o.conversation), {"wrapup-wrapup_notes": "notas", "ready": "1"})),
    "wrapup-ready": ("post", lambda o: (url("wrapup-ready"), {})),
    "transfer": ("post", lambda o: (url("transfer", o.conversation), {"target": f"queue:{o.queue}",
                                                                       "mode": "blind"})),
    "transfer-targets": ("get", lambda o: (url("transfer-targets", o.conversation), {"q": ""})),
    "transfer-answer": ("post", lambda o: (url("transfer-answer", o.transfer), {"answer": "accept"})),
    "dial": ("post", lambda o: (url("dial"), {"queue": o.queue, "number": "+34911222333"})),
    "call-play": ("post", lambda o: (url("call-play", o.conversation), {"message": o.prerecorded})),
    "call-simulate": ("post", lambda o: (url("call-simulate", o.conversation, "answer"), {})),
    "call-action": ("post", lambda o: (url("call-action", o.conversation, "mute"), {})),
    "campaign-next": ("post", lambda o: (url("campaign-next", o.queue), {})),
    "campaign-call": ("post", lambda o: (url("campaign-call", o.campaign_entry), {})),
    "campaign-skip": ("post", lambda o: (url("campaign-skip", o.campaign_entry), {})),
    "canned": ("get", lambda o: (url("canned"), {})),
    "canned-edit": ("post", lambda o: (url("canned-edit", o.canned), {"shortcut": "nuevo", "title": "Nuevo",
                                                                      "body": "Texto nuevo"})),
    "canned-delete": ("post", lambda o: (url("canned-delete", o.canned), {})),
    "prerecorded": ("get", lambda o: (url("prerecorded"), {})),
    "prerecorded-delete": ("post", lambda o: (url("prerecorded-delete", o.prerecorded), {})),
    "contact": ("post", lambda o: (url("contact", o.conversation), {
        "contact-name": "Otro Nombre", "contact-phone": "+34911000000", "contact-email": "otro@example.com",
        "contact-notes": "cambiado"})),
    "contact-detail": ("post", lambda o: (url("contact-detail", o.conversation), {"detail-key": "DNI",
                                                                                  "detail-value": "1234"})),
    "tag-add": ("post", lambda o: (url("tag-add", o.conversation), {"tag": "VIP"})),
    "tag-remove": ("post", lambda o: (url("tag-remove", o.conversation, o.tag), {})),
}
POST_ONLY = sorted(name for name, (method, _spec) in ENDPOINTS.items() if method == "post")
GET_ONLY = ["index", "conversation", "messages", "transfer-targets", "assign-options", "attachment"]
NO_IDS = {"index", "receive-new", "status", "wrapup-ready", "canned", "prerecorded", "queue-login-all"}
WITH_CONVERSATION = sorted(
    name for name in ENDPOINTS if name not in NO_IDS | {"queue-login", "queue-logout", "transfer-answer",
                                                        "canned-edit", "canned-delete", "prerecorded-delete",
                                                        "dial", "campaign-next", "attachment",
                                                        "campaign-call", "campaign-skip"}
)


def request(client, name, ids, *, method=None):
    default_method, spec = ENDPOINTS[name]
    path, data = spec(ids)
    return getattr(client, method or default_method)(path, data)


def test_every_workspace_url_is_exercised_here():
    from workspace.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_anonymous_visitors_are_sent_to_log_in(anonymous, name):
    response = request(anonymous, name, Ids())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", POST_ONLY)
def test_reading_an_action_url_is_405_and_changes_nothing(ana, chat, name):
    before = snapshot()
    ids = Ids(conversation=chat.pk, queue=chat.queue_id)
    assert request(ana, name, ids, method="get").status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_posting_to_a_page_url_is_405(ana, chat, name):
    ids = Ids(conversation=chat.pk, message=chat.messages.first().pk)
    assert request(ana, name, ids, method="post").status_code == 405


def test_a_user_without_organization_cannot_use_the_workspace(db):
    root = f.UserFactory(organization=None, is_superuser=True, is_staff=True, username="root")
    assert client_for(root).get(url("index")).status_code == 403


@pytest.fixture
def rival(personas, desk):
    """The outsider's organization, with a chat in progress, a transfer, a tag and a canned response."""
    p = personas
    f.QueueMembershipFactory(queue=p.outsider_queue, user=p.outsider)
    desk.ready(p.outsider, p.outsider_queue)
    conversation = desk.chat_for(p.outsider, p.outsider_queue, "Hola rival")
    tag = f.TagFactory(organization=p.outsider.organization, name="VIP")
    conversation.tags.add(tag)
    transfer = f.TransferFactory(conversation=conversation, from_agent=p.outsider, status="pending")
    canned = f.CannedResponseFactory(organization=p.outsider.organization, owner=p.outsider, shortcut="hola")
    entry = f.CampaignContactFactory(queue=f.CampaignFactory(organization=p.outsider.organization),
                                     assigned_to=p.outsider, status="in_progress")
    recording = f.PrerecordedMessageFactory(organization=p.outsider.organization)
    attachment = f.AttachmentFactory(message=conversation.messages.first())
    return Ids(conversation=conversation.pk, message=conversation.messages.first().pk,
               queue=p.outsider_queue.pk, transfer=transfer.pk, tag=tag.pk, canned=canned.pk,
               agent=p.outsider.pk, campaign_entry=entry.pk, prerecorded=recording.pk, attachment=attachment.pk)


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS) - NO_IDS))
def test_another_organizations_ids_are_404_and_change_nothing(ana, chat, rival, name):
    before = snapshot()
    assert request(ana, name, rival).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("data", [
    {"target": "agent:{outsider}", "mode": "blind"},
    {"target": "agent:{outsider}", "mode": "consult"},
    {"target": "queue:{outsider_queue}", "mode": "blind"},
], ids=["agent-blind", "agent-consult", "queue"])
def test_transferring_to_another_organization_is_404(personas, ana, chat, rival, data):
    data = {k: v.format(outsider=personas.outsider.pk, outsider_queue=personas.outsider_queue.pk)
            for k, v in data.items()}
    before = snapshot()
    assert ana.post(url("transfer", chat.pk), data).status_code == 404
    assert snapshot() == before


def test_assigning_to_an_agent_of_another_organization_is_404(personas, desk, ana, ana_ready, rival):
    waiting = desk.arrive(personas.queue, route=False)
    before = snapshot()
    assert ana.post(url("assign", waiting.pk), {"agent": personas.outsider.pk}).status_code == 404
    assert snapshot() == before


def test_removing_another_organizations_tag_is_404(ana, chat, rival):
    before = snapshot()
    assert ana.post(url("tag-remove", chat.pk, rival.tag)).status_code == 404
    assert snapshot() == before


@pytest.fixture
def luis_chat(personas, desk, ana_ready):
    """A chat routed to Luis (Ana stops receiving for a moment, then is Ready again)."""
    p = personas
    desk.not_receiving(p.agent)
    desk.ready(p.colleague, p.queue)
    conversation = desk.chat_for(p.colleague, p.queue, "Hola Luis")
    desk.not_receiving(p.colleague)
    desk.ready(p.agent, p.queue)
    tag = f.TagFactory(organization=p.organization, name="Reclamo")
    conversation.tags.add(tag)
    transfer = Transfer.objects.create(
        organization=p.organization, conversation=conversation, from_agent=p.colleague, to_agent=p.supervisor,
        mode=Transfer.Mode.CONSULT, created_at=timezone.now())
    entry = f.CampaignContactFactory(queue=f.CampaignFactory(organization=p.organization),
                                     assigned_to=p.colleague, status="in_progress")
    recording = f.PrerecordedMessageFactory(organization=p.organization)
    attachment = f.AttachmentFactory(message=conversation.messages.first())
    return Ids(conversation=conversation.pk, message=conversation.messages.first().pk, queue=p.queue.pk,
               transfer=transfer.pk, tag=tag.pk, agent=p.agent.pk, campaign_entry=entry.pk,
               prerecorded=recording.pk, attachment=attachment.pk)


NOT_TAKING = sorted(set(WITH_CONVERSATION) - {"take", "assign"})


@pytest.mark.parametrize("name", [*NOT_TAKING, "transfer-answer", "campaign-call", "campaign-skip", "attachment"])
def test_another_agents_conversation_is_not_visible_404_and_nothing_changes(ana, luis_chat, name):
    before = snapshot()
    assert request(ana, name, luis_chat).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["take", "assign"])
def test_taking_or_reassigning_another_agents_conversation_changes_nothing(ana, luis_chat, name):
    """Not visible (404), or, from a queue Ana is logged in to, refused as already taken."""
    before = snapshot()
    response = request(ana, name, luis_chat)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "This conversation is no longer waiting: someone already took it." in flashes(ana.get(response.url))
    assert snapshot() == before


@pytest.mark.parametrize("name,data", [
    ("close", {}),
    ("transfer", {"target": "queue:{queue}", "mode": "blind"}),
    ("wrapup", {"wrapup-wrapup_notes": "mías"}),
])
def test_a_waiting_conversation_is_visible_but_only_its_agent_may_close_or_transfer_it(
        personas, desk, ana, ana_ready, name, data):
    waiting = desk.arrive(personas.queue, route=False)
    assert ana.get(url("conversation", waiting.pk)).status_code == 200
    before = snapshot()
    data = {k: v.format(queue=personas.queue.pk) for k, v in data.items()}
    assert ana.post(url(name, waiting.pk), data).status_code == 403
    assert snapshot() == before


def test_a_supervisor_sees_an_agents_conversation_but_may_not_transfer_it(personas, sofia, luis_chat):
    assert sofia.get(url("conversation", luis_chat.conversation)).status_code == 200
    before = snapshot()
    response = sofia.post(url("transfer", luis_chat.conversation), {"target": f"queue:{personas.queue.pk}",
                                                                    "mode": "blind"})
    assert response.status_code == 403
    assert snapshot() == before


def test_the_sender_of_a_transfer_cannot_accept_it_themself(personas, ana, luis, chat):
    act(ana, url("transfer", chat.pk), {"target": f"agent:{personas.colleague.pk}", "mode": "consult"})
    transfer = Transfer.objects.get(conversation=chat)
    before = snapshot()
    assert ana.post(url("transfer-answer", transfer.pk), {"answer": "accept"}).status_code == 403
    assert snapshot() == before


# --- The desk --------------------------------------------------------------------------------------


def test_the_workspace_is_a_full_page_and_the_desk_partial_with_htmx(ana, chat):
    page = ana.get(url("index"))
    assert page.status_code == 200 and is_full_page(page)
    assert 'id="desk"' in html(page) and "Carmen Vidal" in html(page)
    partial = ana.get(url("index"), headers=HTMX)
    assert partial.status_code == 200 and is_desk_partial(partial)
    assert "Carmen Vidal" in html(partial)


def test_the_lists_region_alone_for_htmx(ana, chat):
    response = ana.get(url("index"), {"region": "lists", "tab": "assigned"}, headers=HTMX)
    assert response.status_code == 200
    body = html(response)
    assert 'id="lists"' in body and 'id="desk"' not in body and "<html" not in body
    assert item_ids(response, "assigned-list") == [chat.pk]


def test_opening_a_conversation_shows_its_messages_composer_and_contact(ana, chat):
    response = ana.get(url("conversation", chat.pk))
    assert response.status_code == 200 and is_full_page(response)
    body = html(response)
    assert "Hola, quiero información" in body
    assert 'data-testid="composer-text"' in body
    assert 'value="Carmen Vidal"' in body  # the contact form
    partial = ana.get(url("conversation", chat.pk), headers=HTMX)
    assert is_desk_partial(partial) and 'data-testid="composer-text"' in html(partial)


# --- Read receipt: opening changes nothing, the page then says it was read -------------------------


def unread(conversation) -> int:
    return Conversation.objects.get(pk=conversation.pk).unread_count


@PLAIN_AND_HTMX
def test_opening_a_conversation_changes_nothing_and_the_page_sends_a_read_receipt(ana, chat, htmx):
    assert unread(chat) == 1
    before = snapshot()
    response = ana.get(url("conversation", chat.pk), headers=HTMX if htmx else {})
    assert response.status_code == 200
    assert unread(chat) == 1
    assert snapshot() == before
    body = html(response)
    assert 'data-testid="read-receipt"' in body
    assert f'hx-post="{url("conversation-read", chat.pk)}" hx-trigger="load"' in body
    assert 'data-testid="unread-dot"' in body  # until the receipt is answered


@PLAIN_AND_HTMX
def test_the_read_receipt_marks_the_customers_messages_read(ana, chat, htmx):
    response = ana.post(url("conversation-read", chat.pk), {"tab": "assigned"}, headers=HTMX if htmx else {})
    assert unread(chat) == 0
    if htmx:  # the lists, without the dot, the open conversation still marked
        assert response.status_code == 200
        body = html(response)
        assert 'id="lists"' in body and 'id="desk"' not in body and "<html" not in body
        assert item_ids(response, "assigned-list") == [chat.pk]
        assert 'data-testid="unread-dot"' not in body and 'data-unread="0"' in body
        assert 'class="conv-item current"' in body
    else:
        assert response.status_code == 302
        assert response.url == url("conversation", chat.pk) + "?tab=assigned"
    assert 'data-testid="read-receipt"' not in html(ana.get(url("conversation", chat.pk)))  # nothing left to read


def test_a_read_receipt_for_another_organizations_conversation_is_404_and_changes_nothing(ana, chat, rival):
    theirs = Conversation.objects.get(pk=rival.conversation)
    assert theirs.unread_count == 1
    before = snapshot()
    assert ana.post(url("conversation-read", theirs.pk), {"tab": "assigned"}, headers=HTMX).status_code == 404
    assert unread(theirs) == 1 and unread(chat) == 1
    assert snapshot() == before


def test_reading_the_read_receipt_url_is_405_and_changes_nothing(ana, chat):
    assert ana.get(url("conversation-read", chat.pk)).status_code == 405
    assert ana.get(url("conversation-read", chat.pk), headers=HTMX).status_code == 405
    assert unread(chat) == 1


def test_a_flash_message_is_shown_once_on_the_full_page(personas, desk, ana, ana_ready):
    waiting = desk.arrive(personas.queue, route=False)
    desk.not_receiving(personas.agent)
    response = act(ana, url("take", waiting.pk))
    page = ana.get(response.url)
    assert html(page).count("The conversation is yours.") == 1


# --- Status, Receive new, queues -------------------------------------------------------------------


@PLAIN_AND_HTMX
def test_receive_new_switch_turns_work_off_and_on(personas, desk, ana, ana_ready, htmx):
    response = act(ana, url("receive-new"), {"on": "0"}, htmx=htmx)
    state = desk.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("online", False)
    assert 'aria-checked="false"' in html(shown(ana, response, htmx=htmx))

    response = act(ana, url("receive-new"), {"on": "1"}, htmx=htmx)
    state = desk.state(personas.agent)
    assert (state.status.code, state.receive_new) == ("ready", True)
    assert 'aria-checked="true"' in html(shown(ana, response, htmx=htmx))


def test_receive_new_while_signed_out_is_refused_with_a_message(personas, desk, ana):
    before = snapshot()
    response = act(ana, url("receive-new"), {"on": "1"}, htmx=True)
    assert "Log in before receiving work." in flashes(response)
    assert desk.state(personas.agent).status.code == "offline"
    assert snapshot() == before


@pytest.fixture
def pause(personas):
    return f.PauseReasonFactory(organization=personas.organization, name="Descanso", code="descanso")


@PLAIN_AND_HTMX
@pytest.mark.parametrize("choice,expected", [("online", "online"), ("dnd", "dnd")])
def test_the_status_menu_sets_online_or_dnd(personas, desk, ana, ana_ready, htmx, choice, expected):
    act(ana, url("status"), {"status": choice}, htmx=htmx)
    state = desk.state(personas.agent)
    assert (state.status.code, state.receive_new) == (expected, False)


@PLAIN_AND_HTMX
def test_the_status_menu_pauses_with_a_reason_and_resumes(personas, desk, ana, ana_ready, pause, htmx):
    response = act(ana, url("status"), {"status": f"pause:{pause.pk}"}, htmx=htmx)
    assert desk.state(personas.agent).status_id == pause.pk
    assert 'value="resume"' in html(shown(ana, response, htmx=htmx))
    act(ana, url("status"), {"status": "resume"}, htmx=htmx)
    assert desk.state(personas.agent).status.code == "ready"


@pytest.mark.parametrize("choice,message", [
    ("", "Choose a status."),
    ("busy", "Choose a status."),
    ("pause:abc", "Choose one of the organization's pause reasons."),
    ("pause:", "Choose one of the organization's pause reasons."),
    ("pause:{rival}", "Choose one of the organization's pause reasons."),
    ("pause:{no_answer}", "Choose one of the organization's pause reasons."),
    ("resume", "Ana López is not paused."),
], ids=["missing", "unknown", "non-numeric", "empty-id", "other-org", "automatic", "not-paused"])
def test_the_status_menu_refuses_a_bad_choice_and_changes_nothing(personas, ana, ana_ready, choice, message):
    rival_pause = f.PauseReasonFactory(organization=personas.outsider.organization, name="Fuera")
    no_answer = StatusDefinition.objects.get(organization=personas.organization, code="no_answer")
    data = {"status": choice.format(rival=rival_pause.pk, no_answer=no_answer.pk)} if choice else {}
    before = snapshot()
    response = act(ana, url("status"), data, htmx=True)
    assert message in flashes(response)
    assert snapshot() == before


@PLAIN_AND_HTMX
def test_an_agent_logs_out_of_and_back_in_to_a_queue(personas, ana, ana_ready, htmx):
    p = personas
    response = act(ana, url("queue-logout", p.queue.pk), htmx=htmx)
    assert not QueueLogin.objects.filter(agent=p.agent, queue=p.queue, ended_at__isnull=True).exists()
    assert "Log in to the queue" in html(shown(ana, response, htmx=htmx))
    response = act(ana, url("queue-login", p.queue.pk), htmx=htmx)
    assert QueueLogin.objects.filter(agent=p.agent, queue=p.queue, ended_at__isnull=True).count() == 1
    assert "Log out of the queue" in html(shown(ana, response, htmx=htmx))


def test_logging_in_to_a_queue_one_is_not_a_member_of_is_refused(personas, ana, ana_ready):
    before = snapshot()
    response = act(ana, url("queue-login", personas.other_queue.pk), htmx=True)
    assert any("is not a member of Soporte" in m for m in flashes(response))
    assert snapshot() == before


# --- Asignarme, Asignar a…, answering a call --------------------------------------------------------


@pytest.fixture
def waiting(personas, desk, ana_ready):
    """A chat waiting in Ventas while Ana is logged in there but not receiving."""
    desk.not_receiving(personas.agent)
    return desk.arrive(personas.queue, "Busco precios", route=False, name="Pedro Ruiz")


@PLAIN_AND_HTMX
def test_asignarme_takes_a_waiting_chat_from_sin_asignar(personas, desk, ana, waiting, htmx):
    listing = ana.get(url("index"), {"tab": "unassigned"})
    assert waiting.pk in item_ids(listing, "unassigned-list")
    assert url("take", waiting.pk) in html(listing)

    response = act(ana, url("take", waiting.pk), {"tab": "unassigned"}, htmx=htmx)
    if not htmx:
        assert response.url == url("conversation", waiting.pk) + "?tab=assigned"
    page = shown(ana, response, htmx=htmx)
    assert "The conversation is yours." in flashes(page)
    assert 'data-testid="composer-text"' in html(page)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assignee_id) == (C.ASSIGNED, personas.agent.pk)
    assert desk.state(personas.agent).chat_load == 1


def test_asignarme_after_a_colleague_took_it_says_it_was_taken(personas, desk, ana, luis, waiting):
    act(luis, url("take", waiting.pk))
    before = snapshot()
    response = ana.post(url("take", waiting.pk), {"tab": "unassigned"}, headers=HTMX)
    assert response.status_code == 200
    assert "This conversation is no longer waiting: someone already took it." in flashes(response)
    assert snapshot() == before


def test_asignarme_on_a_chat_that_is_no_longer_waiting_says_it_was_taken(personas, desk, ana, waiting,
                                                                        monkeypatch):
    """The race as the view sees it when the row lock decides: Luis's click lands between
    Ana's page lookup and her assignment."""
    real = conversations.conversation_assign

    def luis_first(*, conversation, agent, by):
        if by.pk == personas.agent.pk:
            real(conversation=conversation, agent=personas.colleague, by=personas.colleague)
        return real(conversation=conversation, agent=agent, by=by)

    monkeypatch.setattr(conversations, "conversation_assign", luis_first)
    response = act(ana, url("take", waiting.pk), {"tab": "unassigned"}, htmx=True)
    assert "This conversation is no longer waiting: someone already took it." in flashes(response)
    waiting.refresh_from_db()
    assert waiting.assignee_id == personas.colleague.pk


@PLAIN_AND_HTMX
def test_asignar_a_gives_a_waiting_chat_to_a_colleague(personas, desk, ana, waiting, htmx):
    response = act(ana, url("assign", waiting.pk), {"agent": personas.colleague.pk, "tab": "unassigned"},
                   htmx=htmx)
    assert "Assigned to Luis Pérez." in flashes(shown(ana, response, htmx=htmx))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.assignee_id) == (C.ASSIGNED, personas.colleague.pk)
    assert waiting.messages.filter(direction="event", body="Assigned to Luis Pérez by Ana López.").exists()


def test_asignar_a_a_colleague_at_capacity_names_them_and_changes_nothing(personas, desk, ana, waiting):
    p = personas
    type(p.queue).objects.filter(pk=p.queue.pk).update(capacity=1)
    other = desk.arrive(p.queue, route=False)
    with desk.commit():
        conversations.conversation_assign(conversation=other, agent=p.colleague, by=p.colleague)
    before = snapshot()
    response = act(ana, url("assign", waiting.pk), {"agent": p.colleague.pk}, htmx=True)
    assert "Luis Pérez already handles 1 conversations." in flashes(response)
    assert snapshot() == before


@pytest.mark.parametrize("data", [{}, {"agent": ""}, {"agent": "luis"}, {"agent": "0"}, {"agent": "-3"}],
                         ids=["missing", "empty", "non-numeric", "zero", "negative"])
def test_asignar_a_without_a_valid_colleague_is_refused(ana, waiting, data):
    before = snapshot()
    response = act(ana, url("assign", waiting.pk), data, htmx=True)
    assert "Choose a colleague." in flashes(response)
    assert snapshot() == before


@pytest.fixture
def call(personas, desk, ana_ready):
    """A call ringing for Ana in the voice queue "Soporte"."""
    p = personas
    f.QueueMembershipFactory(queue=p.other_queue, user=p.agent)
    desk.not_receiving(p.agent)
    desk.ready(p.agent, p.other_queue)
    conversation = desk.arrive(p.other_queue, "", name="Llamante")
    assert conversation.status == C.OFFERED
    return conversation


@PLAIN_AND_HTMX
def test_answering_a_ringing_call_makes_it_mine(personas, desk, ana, call, htmx):
    assert 'data-testid="offer"' in html(ana.get(url("conversation", call.pk)))
    act(ana, url("answer", call.pk), {"answer": "accept"}, htmx=htmx)
    call.refresh_from_db()
    assert (call.status, call.assignee_id, call.call_state) == (C.ASSIGNED, personas.agent.pk, "active")


@PLAIN_AND_HTMX
def test_declining_a_ringing_call_puts_it_back_in_the_queue(personas, desk, ana, call, htmx):
    act(ana, url("answer", call.pk), {"answer": "decline"}, htmx=htmx)
    call.refresh_from_db()
    assert (call.status, call.assignee_id) == (C.QUEUED, None)
    assert Offer.objects.get(conversation=call).status == "declined"
    assert desk.state(personas.agent).voice_load == 0


def test_answering_a_call_that_stopped_ringing_says_so(personas, desk, ana, call):
    act(ana, url("answer", call.pk), {"answer": "decline"})
    before = snapshot()
    response = act(ana, url("answer", call.pk), {"answer": "accept"}, htmx=True)
    assert "This call stopped ringing." in flashes(response)
    assert snapshot() == before


# --- Messages --------------------------------------------------------------------------------------


@PLAIN_AND_HTMX
def test_a_reply_is_sent_to_the_customer(personas, ana, chat, htmx):
    response = act(ana, url("send", chat.pk), {"text": "  Hola Carmen, te ayudo.  "}, htmx=htmx)
    if not htmx:
        assert response.url == url("conversation", chat.pk)
    page = shown(ana, response, htmx=htmx)
    message = chat.messages.get(direction="outbound")
    assert (message.body, message.sender_id, message.delivery) == ("Hola Carmen, te ayudo.", personas.agent.pk, "sent")
    assert f'id="msg-{message.pk}"' in html(page)
    chat.refresh_from_db()
    assert chat.first_response_at is not None
    assert chat.last_message_excerpt == "Hola Carmen, te ayudo."
    assert '<textarea name="text"' in html(page) and "te ayudo.</textarea>" not in html(page)


def test_an_internal_note_is_shown_as_internal_and_is_not_the_last_message_excerpt(personas, ana, chat):
    response = act(ana, url("send", chat.pk), {"text": "Cliente VIP, ojo", "internal": "on"}, htmx=True)
    note = chat.messages.get(direction="internal")
    body = html(response)
    article = body[body.index(f'id="msg-{note.pk}"') - 200: body.index(f'id="msg-{note.pk}"')]
    assert "msg-internal" in article
    assert "Internal note</span>" in body[body.index(f'id="msg-{note.pk}"'):]
    chat.refresh_from_db()
    assert chat.last_message_excerpt == "Hola, quiero información"
    listing = ana.get(url("index"))
    item = [i for i in html(listing).split('<li class="conv-item') if f'id="conv-item-{chat.pk}"' in i][0]
    assert "Hola, quiero información" in item and "Cliente VIP" not in item


@pytest.mark.parametrize("text,error", [
    ("", EMPTY_REPLY),
    ("   \n  ", EMPTY_REPLY),
    ("x" * 5000, "Ensure this value has at most 4000 characters (it has 5000)."),
], ids=["empty", "blank", "too-long"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_bad_reply_is_refused_keeping_the_typed_text(ana, chat, text, error, htmx):
    before = snapshot()
    response = ana.post(url("send", chat.pk), {"text": text}, headers=HTMX if htmx else {})
    assert response.status_code == (422 if htmx else 200)
    body = html(response)
    assert error in body and 'data-testid="composer-error"' in body
    if text.strip():
        assert f">{text}</textarea>" in body
    assert snapshot() == before


def test_a_missing_text_field_is_refused(ana, chat):
    before = snapshot()
    response = ana.post(url("send", chat.pk), {}, headers=HTMX)
    assert response.status_code == 422 and EMPTY_REPLY in html(response)
    assert snapshot() == before


def test_html_in_a_message_is_stored_as_text_and_shown_escaped(personas, desk, ana, chat):
    desk.receive(chat, '<script>alert("hola")</script><b>negrita</b>')
    act(ana, url("send", chat.pk), {"text": "<img src=x onerror=alert(1)>"})
    assert chat.messages.filter(body='<script>alert("hola")</script><b>negrita</b>').exists()
    assert chat.messages.filter(body="<img src=x onerror=alert(1)>").exists()
    for page in (ana.get(url("conversation", chat.pk)), ana.get(url("index"))):
        body = html(page)
        assert "<script>alert" not in body and "<b>negrita" not in body and "<img src=x" not in body
    body = html(ana.get(url("conversation", chat.pk)))
    assert "&lt;script&gt;alert(&quot;hola&quot;)&lt;/script&gt;&lt;b&gt;negrita&lt;/b&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_a_reply_to_a_conversation_closed_meanwhile_shows_why_and_keeps_the_text(personas, desk, ana, chat):
    with desk.commit():
        conversations.conversation_close(conversation=chat, by=personas.supervisor)
    before = snapshot()
    response = ana.post(url("send", chat.pk), {"text": "Te mando el enlace"}, headers=HTMX)
    body = html(response)
    assert "This conversation is not open for replies." in body
    assert ">Te mando el enlace</textarea>" in body
    assert snapshot() == before


def test_ver_anteriores_pages_back_through_the_messages(personas, desk, ana, chat):
    for n in range(2, 26):
        desk.receive(chat, f"mensaje {n}")
    ids = list(chat.messages.order_by("created_at", "id").values_list("pk", flat=True))
    assert len(ids) == 25
    page = html(ana.get(url("conversation", chat.pk)))
    shown_ids = [i for i in ids if f'id="msg-{i}"' in page]
    assert shown_ids == ids[5:]
    assert "See earlier" in page and f"?before={ids[5]}" in page

    older = ana.get(url("messages", chat.pk), {"before": ids[5]}, headers=HTMX)
    assert older.status_code == 200
    body = html(older)
    assert [i for i in ids if f'id="msg-{i}"' in body] == ids[:5]
    assert "See earlier" not in body and 'id="desk"' not in body


def test_ver_anteriores_with_a_nonsense_pivot_shows_the_latest_window(ana, chat):
    for before in ("abc", "999999999"):
        response = ana.get(url("messages", chat.pk), {"before": before})
        assert response.status_code == 200
        assert "Hola, quiero información" in html(response)


def test_the_day_picker_jumps_to_a_day_and_a_bad_date_is_404(ana, chat):
    today = timezone.localdate().isoformat()
    response = ana.get(url("messages", chat.pk), {"day": today})
    assert response.status_code == 200 and "Hola, quiero información" in html(response)
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "No messages from that day on." in html(ana.get(url("messages", chat.pk), {"day": tomorrow}))
    for bad in ("2025-02-30", "ayer", "2025-13-01", "0000-00-00"):
        assert ana.get(url("messages", chat.pk), {"day": bad}).status_code == 404


# --- Close and after service -------------------------------------------------------------------------


@PLAIN_AND_HTMX
def test_closing_without_after_service_frees_the_agent(personas, desk, ana, chat, htmx):
    response = act(ana, url("close", chat.pk), htmx=htmx)
    chat.refresh_from_db()
    assert chat.status == C.CLOSED and chat.closed_at is not None
    state = desk.state(personas.agent)
    assert (state.status.code, state.chat_load, state.wrapup_conversation_id) == ("ready", 0, None)
    assert 'data-testid="wrapup"' not in html(shown(ana, response, htmx=htmx))


@pytest.fixture
def after_service(personas):
    """Ventas has 30 s of after service and two dispositions."""
    p = personas
    type(p.queue).objects.filter(pk=p.queue.pk).update(after_service_seconds=30)
    sold = f.DispositionFactory(organization=p.organization, name="Venta realizada")
    no = f.DispositionFactory(organization=p.organization, name="Sin interés")
    p.queue.dispositions.add(sold, no)
    return {"sold": sold, "no": no}


@PLAIN_AND_HTMX
def test_closing_with_after_service_shows_the_wrapup_form(personas, desk, ana, chat, after_service, htmx):
    response = act(ana, url("close", chat.pk), htmx=htmx)
    if not htmx:
        assert response.url == url("conversation", chat.pk)
    body = html(shown(ana, response, htmx=htmx))
    assert 'data-testid="wrapup"' in body and "Venta realizada" in body
    assert 'data-testid="composer-text"' not in body
    state = desk.state(personas.agent)
    assert (state.status.code, state.wrapup_conversation_id) == ("after_service", chat.pk)
    assert state.wrapup_deadline is not None


def test_closing_a_closed_conversation_says_so(personas, desk, ana, chat):
    act(ana, url("close", chat.pk))
    before = snapshot()
    response = act(ana, url("close", chat.pk), htmx=True)
    assert "This conversation is already closed." in flashes(response)
    assert snapshot() == before


@pytest.fixture
def wrapping_up(personas, desk, ana, chat, after_service):
    act(ana, url("close", chat.pk))
    return chat


def test_wrapup_autosave_stores_notes_and_disposition_and_answers_saved(ana, wrapping_up, after_service):
    response = ana.post(url("wrapup", wrapping_up.pk), {
        "wrapup-wrapup_notes": "Quiere el plan anual", "wrapup-disposition": after_service["sold"].pk,
        "autosave": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert html(response).strip() == '<small class="saved">Saved</small>'
    wrapping_up.refresh_from_db()
    assert (wrapping_up.wrapup_notes, wrapping_up.disposition_id) == ("Quiere el plan anual",
                                                                      after_service["sold"].pk)


@PLAIN_AND_HTMX
def test_listo_with_a_disposition_ends_after_service(personas, desk, ana, wrapping_up, after_service, htmx):
    act(ana, url("wrapup", wrapping_up.pk), {"wrapup-wrapup_notes": "ok",
                                             "wrapup-disposition": after_service["no"].pk, "ready": "1"}, htmx=htmx)
    state = desk.state(personas.agent)
    assert (state.status.code, state.wrapup_conversation_id) == ("ready", None)
    wrapping_up.refresh_from_db()
    assert wrapping_up.disposition_id == after_service["no"].pk


@PLAIN_AND_HTMX
def test_listo_without_the_required_disposition_is_refused_but_keeps_the_notes(
        personas, desk, ana, wrapping_up, htmx):
    response = act(ana, url("wrapup", wrapping_up.pk), {"wrapup-wrapup_notes": "No contestó", "ready": "1"},
                   htmx=htmx)
    page = shown(ana, response, htmx=htmx)
    assert "Choose a disposition before leaving after service." in flashes(page)
    assert 'data-testid="wrapup"' in html(page)
    state = desk.state(personas.agent)
    assert (state.status.code, state.wrapup_conversation_id) == ("after_service", wrapping_up.pk)
    wrapping_up.refresh_from_db()
    assert wrapping_up.wrapup_notes == "No contestó"


@PLAIN_AND_HTMX
def test_the_listo_button_outside_the_conversation_also_requires_the_disposition(
        personas, desk, ana, wrapping_up, htmx):
    before = snapshot()
    response = act(ana, url("wrapup-ready"), htmx=htmx)
    assert "Choose a disposition before leaving after service." in flashes(shown(ana, response, htmx=htmx))
    assert snapshot() == before


@PLAIN_AND_HTMX
def test_listo_ends_after_service_when_no_disposition_is_required(personas, desk, ana, chat, htmx):
    type(personas.queue).objects.filter(pk=personas.queue.pk).update(after_service_seconds=30)
    act(ana, url("close", chat.pk))
    assert desk.state(personas.agent).status.code == "after_service"
    act(ana, url("wrapup-ready"), htmx=htmx)
    assert desk.state(personas.agent).status.code == "ready"


def test_listo_when_not_in_after_service_says_so(personas, ana, chat):
    before = snapshot()
    response = act(ana, url("wrapup-ready"), htmx=True)
    assert "Ana López is not in after service." in flashes(response)
    assert snapshot() == before


@pytest.mark.parametrize("disposition", ["rival", "inactive", "not-in-queue", "abc"])
def test_a_disposition_that_is_not_this_queues_is_refused(personas, ana, wrapping_up, disposition):
    p = personas
    value = {
        "rival": lambda: f.DispositionFactory(organization=p.outsider.organization).pk,
        "inactive": lambda: _inactive_disposition(p),
        "not-in-queue": lambda: f.DispositionFactory(organization=p.organization).pk,
        "abc": lambda: "abc",
    }[disposition]()
    before = snapshot()
    response = act(ana, url("wrapup", wrapping_up.pk), {"wrapup-disposition": value, "ready": "1"}, htmx=True)
    assert "Check the wrap-up form." in flashes(response)
    assert snapshot() == before


def _inactive_disposition(p):
    disposition = f.DispositionFactory(organization=p.organization, is_active=False)
    p.queue.dispositions.add(disposition)
    return disposition.pk


# --- Transfers ----------------------------------------------------------------------------------------


@PLAIN_AND_HTMX
def test_a_blind_transfer_to_a_queue_puts_the_chat_there(personas, desk, ana, chat, htmx):
    postventa = f.QueueFactory(organization=personas.organization, name="Postventa")
    response = act(ana, url("transfer", chat.pk), {"target": f"queue:{postventa.pk}", "mode": "blind",
                                                   "note": "Es de postventa"}, htmx=htmx)
    if not htmx:
        assert response.url == url("index")
    assert "Transfer sent." in flashes(shown(ana, response, htmx=htmx))
    chat.refresh_from_db()
    assert (chat.status, chat.assignee_id, chat.queue_id) == (C.QUEUED, None, postventa.pk)
    transfer = Transfer.objects.get(conversation=chat)
    assert (transfer.status, transfer.mode, transfer.note) == ("completed", "blind", "Es de postventa")
    state = desk.state(personas.agent)
    assert (state.chat_load, state.status.code) == (0, "ready")


@PLAIN_AND_HTMX
def test_a_consult_transfer_accepted_by_the_colleague_moves_the_chat(personas, desk, ana, luis, chat, htmx):
    p = personas
    response = act(ana, url("transfer", chat.pk), {"target": f"agent:{p.colleague.pk}", "mode": "consult",
                                                   "note": "¿Lo llevas tú?"}, htmx=htmx)
    page = shown(ana, response, htmx=htmx)
    assert 'data-testid="outgoing-transfer"' in html(page)
    transfer = Transfer.objects.get(conversation=chat)
    assert (transfer.status, transfer.to_agent_id) == ("pending", p.colleague.pk)
    chat.refresh_from_db()
    assert chat.assignee_id == p.agent.pk

    assert chat.pk in item_ids(luis.get(url("index")), "assigned-list")
    offer = html(luis.get(url("conversation", chat.pk)))
    assert 'data-testid="incoming-transfer"' in offer and "¿Lo llevas tú?" in offer

    act(luis, url("transfer-answer", transfer.pk), {"answer": "accept"}, htmx=htmx)
    chat.refresh_from_db()
    assert (chat.status, chat.assignee_id) == (C.ASSIGNED, p.colleague.pk)
    assert Transfer.objects.get(pk=transfer.pk).status == "completed"
    assert desk.state(p.agent).chat_load == 0 and desk.state(p.colleague).chat_load == 1
    page = ana.get(url("conversation", chat.pk))
    assert page.status_code in (200, 404)  # read-only history for the sender, or not visible at all
    assert 'data-testid="composer-text"' not in html(page) and 'data-testid="close"' not in html(page)
    before = snapshot()
    assert ana.post(url("send", chat.pk), {"text": "Sigo yo"}).status_code in (403, 404)
    assert snapshot() == before


@PLAIN_AND_HTMX
def test_a_declined_consult_transfer_leaves_the_chat_with_its_agent(personas, desk, ana, luis, chat, htmx):
    p = personas
    act(ana, url("transfer", chat.pk), {"target": f"agent:{p.colleague.pk}", "mode": "consult"})
    transfer = Transfer.objects.get(conversation=chat)
    act(luis, url("transfer-answer", transfer.pk), {"answer": "decline"}, htmx=htmx)
    chat.refresh_from_db()
    assert (chat.status, chat.assignee_id) == (C.ASSIGNED, p.agent.pk)
    assert Transfer.objects.get(pk=transfer.pk).status == "declined"
    assert chat.messages.filter(direction="event", body="Luis Pérez declined the transfer.").exists()
    assert 'data-testid="outgoing-transfer"' not in html(ana.get(url("conversation", chat.pk)))


def test_answering_a_transfer_twice_says_it_is_no_longer_pending(personas, ana, luis, chat):
    act(ana, url("transfer", chat.pk), {"target": f"agent:{personas.colleague.pk}", "mode": "consult"})
    transfer = Transfer.objects.get(conversation=chat)
    act(luis, url("transfer-answer", transfer.pk), {"answer": "decline"})
    before = snapshot()
    response = act(luis, url("transfer-answer", transfer.pk), {"answer": "accept"}, htmx=True)
    assert "This transfer is no longer pending." in flashes(response)
    assert snapshot() == before


@pytest.mark.parametrize("data,error", [
    ({"target": "queue:{queue}", "mode": "consult"}, "Ask first works with an agent, not a queue."),
    ({"target": "agent:{ana}", "mode": "blind"}, "You already have this conversation."),
])
def test_a_transfer_the_rules_refuse_shows_why(personas, ana, chat, data, error):
    data = {k: v.format(queue=personas.queue.pk, ana=personas.agent.pk) for k, v in data.items()}
    before = snapshot()
    response = ana.post(url("transfer", chat.pk), data, headers=HTMX)
    assert response.status_code == 422 and is_desk_partial(response)
    assert error in html(response)
    assert snapshot() == before


BAD_TARGETS = pytest.mark.parametrize("data", [
    {"mode": "blind"},
    {"target": "agent:abc", "mode": "blind"},
    {"target": "luis", "mode": "blind"},
], ids=["missing-target", "non-numeric-id", "garbage"])


@BAD_TARGETS
def test_a_transfer_without_a_valid_target_is_refused_and_changes_nothing(ana, chat, data):
    before = snapshot()
    response = ana.post(url("transfer", chat.pk), data, headers=HTMX)
    assert response.status_code == 422 and is_desk_partial(response)
    assert snapshot() == before


@BAD_TARGETS
def test_a_transfer_without_a_valid_target_says_choose_one(ana, chat, data):
    body = html(ana.post(url("transfer", chat.pk), data, headers=HTMX))
    assert "Choose an agent or a queue." in body or "This field is required." in body


def test_a_transfer_with_an_unknown_mode_is_refused(personas, ana, chat):
    before = snapshot()
    response = ana.post(url("transfer", chat.pk), {"target": f"queue:{personas.queue.pk}", "mode": "now"},
                        headers=HTMX)
    assert response.status_code == 422
    assert snapshot() == before


def test_transfer_targets_search_people_and_queues(personas, ana, chat):
    response = ana.get(url("transfer-targets", chat.pk), {"q": "luis"}, headers=HTMX)
    assert response.status_code == 200
    body = html(response)
    assert f'value="agent:{personas.colleague.pk}"' in body and "Luis Pérez" in body
    assert f'value="agent:{personas.agent.pk}"' not in body  # not oneself
    assert "Oscar" not in body and "oscar" not in body
    body = html(ana.get(url("transfer-targets", chat.pk), {"q": "Ventas"}, headers=HTMX))
    assert f'value="queue:{personas.queue.pk}"' in body
    assert f'value="queue:{personas.outsider_queue.pk}"' not in body


# --- Contact and tags -------------------------------------------------------------------------------


@PLAIN_AND_HTMX
def test_the_agent_edits_the_contact(personas, ana, chat, htmx):
    response = act(ana, url("contact", chat.pk), {
        "contact-name": "Carmen Vidal Ruiz", "contact-phone": "+34600111222", "contact-email": "carmen@example.com",
        "contact-notes": "Prefiere WhatsApp"}, htmx=htmx)
    assert "Contact saved." in flashes(shown(ana, response, htmx=htmx))
    contact = chat.contact
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.email, contact.notes) == (
        "Carmen Vidal Ruiz", "+34600111222", "carmen@example.com", "Prefiere WhatsApp")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_invalid_email_keeps_the_typed_values_and_changes_nothing(ana, chat, htmx):
    before = snapshot()
    response = ana.post(url("contact", chat.pk), {
        "contact-name": "Carmen Nueva", "contact-phone": "+34600999888", "contact-email": "carmen-at-example",
        "contact-notes": "nota escrita"}, headers=HTMX if htmx else {})
    assert response.status_code == (422 if htmx else 200)
    body = html(response)
    assert "Enter a valid email address." in body
    assert 'value="Carmen Nueva"' in body and 'value="carmen-at-example"' in body and "nota escrita" in body
    assert snapshot() == before


@PLAIN_AND_HTMX
def test_the_agent_adds_a_contact_detail(ana, chat, htmx):
    act(ana, url("contact-detail", chat.pk), {"detail-key": "DNI", "detail-value": "12345678Z"}, htmx=htmx)
    chat.contact.refresh_from_db()
    assert chat.contact.details == {"DNI": "12345678Z"}
    assert "12345678Z" in html(ana.get(url("conversation", chat.pk)))


@pytest.mark.parametrize("data", [{}, {"detail-key": "", "detail-value": "x"}, {"detail-key": "k" * 41}],
                         ids=["missing", "empty-key", "long-key"])
def test_a_contact_detail_without_a_proper_name_is_refused(ana, chat, data):
    before = snapshot()
    response = act(ana, url("contact-detail", chat.pk), data, htmx=True)
    assert "Write the field's name (up to 40 characters) and its value." in flashes(response)
    assert snapshot() == before


@PLAIN_AND_HTMX
def test_an_existing_tag_is_added_and_removed(personas, ana, chat, htmx):
    vip = f.TagFactory(organization=personas.organization, name="VIP")
    type(personas.organization).objects.filter(pk=personas.organization.pk).update(agents_create_tags=False)
    response = act(ana, url("tag-add", chat.pk), {"tag": "  vip "}, htmx=htmx)
    assert list(chat.tags.all()) == [vip]
    assert url("tag-remove", chat.pk, vip.pk) in html(shown(ana, response, htmx=htmx))
    act(ana, url("tag-remove", chat.pk, vip.pk), htmx=htmx)
    assert list(chat.tags.all()) == []


def test_creating_a_new_tag_is_refused_when_the_organization_does_not_allow_it(personas, ana, chat):
    type(personas.organization).objects.filter(pk=personas.organization.pk).update(agents_create_tags=False)
    before = snapshot()
    response = act(ana, url("tag-add", chat.pk), {"tag": "Inventada"}, htmx=True)
    assert "Your organization does not allow creating new tags. Pick an existing one." in flashes(response)
    assert snapshot() == before
    assert not Tag.objects.filter(name="Inventada").exists()


def test_a_new_tag_is_created_when_the_organization_allows_it(personas, ana, chat):
    act(ana, url("tag-add", chat.pk), {"tag": "Nuevo   cliente"})
    assert [t.name for t in chat.tags.all()] == ["Nuevo cliente"]
    assert Tag.objects.get(name="Nuevo cliente").organization_id == personas.organization.pk


@pytest.mark.parametrize("data", [{}, {"tag": "   "}, {"tag": "t" * 61}], ids=["missing", "blank", "too-long"])
def test_a_tag_without_a_proper_name_is_refused(ana, chat, data):
    before = snapshot()
    response = act(ana, url("tag-add", chat.pk), data, htmx=True)
    assert "Write a tag name (up to 60 characters)." in flashes(response)
    assert snapshot() == before


def test_removing_an_unknown_tag_is_404(ana, chat):
    assert ana.post(url("tag-remove", chat.pk, 987654)).status_code == 404


# --- Consistency of what the desk shows ------------------------------------------------------------


def test_after_an_action_the_lists_and_the_status_bar_are_current(personas, desk, ana, chat):
    """The desk partial htmx swaps in reflects the change everywhere, not only in the pane."""
    response = act(ana, url("close", chat.pk), htmx=True)
    body = html(response)
    assert chat.pk not in item_ids(response, "assigned-list")
    assert 'data-testid="agent-status">Ready<' in body


def test_message_models_are_not_touched_by_reading(personas, ana, chat):
    before = Message.objects.count(), AgentState.objects.count()
    for _ in range(2):
        ana.get(url("conversation", chat.pk))
        ana.get(url("index"), {"tab": "unassigned"})
    assert (Message.objects.count(), AgentState.objects.count()) == before
