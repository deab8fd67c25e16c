"""The two lists of the desk: "Asignado a mí" and "Sin asignar". What they hold, their order,
what each item shows, the unread dot, the colleagues of "Asignar a…", paging, and a query count
that does not grow with their length (nor with the length of an open conversation)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import Conversation, Queue
from contactcenter.services import conversations
from tests import factories as f
from tests.workspace.conftest import HTMX, html, item_ids, list_items

pytestmark = pytest.mark.django_db

INDEX = reverse("workspace:index")


def conversation_url(conversation):
    return reverse("workspace:conversation", args=[conversation.pk])


def read_url(conversation):
    """Where the open conversation's page sends its read receipt once shown."""
    return reverse("workspace:conversation-read", args=[conversation.pk])


def queries(client, path, params=None, headers=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {}, headers=headers or {})
    assert response.status_code == 200
    return len(ctx)


def raise_capacity(queue, capacity=100):
    # Above the form's 50: enough to hold long lists (the DB only asks for >= 1).
    Queue.objects.filter(pk=queue.pk).update(capacity=capacity)


# --- Paging -----------------------------------------------------------------------------------------


def test_asignado_a_mi_shows_25_per_page_newest_activity_first(personas, desk, ana, ana_ready):
    p = personas
    raise_capacity(p.queue)
    start = timezone.now() - timedelta(hours=1)
    chats = [desk.chat_for(p.agent, p.queue, f"consulta {n}", now=start + timedelta(minutes=n))
             for n in range(30)]
    newest_first = [c.pk for c in reversed(chats)]

    first = ana.get(INDEX, {"tab": "assigned"})
    assert item_ids(first, "assigned-list") == newest_first[:25]
    assert "1 / 2" in html(first) and "?tab=assigned&sort=newest&page=2" in html(first)
    assert 'data-testid="tab-assigned">\n          Assigned to me <span class="badge">30</span>' in html(first)

    second = ana.get(INDEX, {"tab": "assigned", "page": 2})
    assert item_ids(second, "assigned-list") == newest_first[25:]
    assert "2 / 2" in html(second)

    for page in ("99", "abc", "-1"):  # out of range: the last page; nonsense: the first
        expected = newest_first[25:] if page == "99" else newest_first[:25]
        assert item_ids(ana.get(INDEX, {"tab": "assigned", "page": page}), "assigned-list") == expected


def test_sin_asignar_shows_25_per_page(personas, desk, ana, ana_ready):
    p = personas
    desk.not_receiving(p.agent)
    start = timezone.now() - timedelta(hours=1)
    waiting = [desk.arrive(p.queue, f"espera {n}", route=False, now=start + timedelta(minutes=n))
               for n in range(27)]
    oldest_first = [c.pk for c in waiting]

    first = ana.get(INDEX, {"tab": "unassigned", "sort": "oldest"})
    assert item_ids(first, "unassigned-list") == oldest_first[:25]
    assert "?tab=unassigned&sort=oldest&page=2" in html(first)
    second = ana.get(INDEX, {"tab": "unassigned", "sort": "oldest", "page": 2})
    assert item_ids(second, "unassigned-list") == oldest_first[25:]


# --- Query counts -------------------------------------------------------------------------------


@pytest.fixture
def busy_org(personas, desk, ana_ready):
    """Two chat queues with channels; Ana is logged in to both and Luis to Ventas. `grow(n)` adds
    n conversations assigned to Ana and n waiting, spread over both queues and channels."""
    p = personas
    postventa = f.QueueFactory(organization=p.organization, name="Postventa")
    f.QueueMembershipFactory(queue=postventa, user=p.agent)
    for queue in (p.queue, postventa):
        raise_capacity(queue, 500)
    desk.ready(p.agent, p.queue, postventa)
    channels = [f.ChannelFactory(organization=p.organization, queue=p.queue, kind=kind)
                for kind in ("webchat", "whatsapp")]
    queues = [p.queue, postventa]
    counter = {"n": 0}

    def grow(n):
        for _ in range(n):
            i = counter["n"]
            counter["n"] += 1
            queue, channel = queues[i % 2], channels[i % 2] if i % 3 else None
            desk.chat_for(p.agent, queue, f"Asignada {i}", channel=channel)
        desk.not_receiving(p.agent)
        for _ in range(n):
            i = counter["n"]
            counter["n"] += 1
            desk.arrive(queues[i % 2], f"Esperando {i}", route=False, channel=channels[i % 2] if i % 3 else None)
        desk.ready(p.agent, p.queue, postventa)

    return grow


PAGES = [
    pytest.param({"tab": "assigned"}, {}, "assigned-list", id="asignado-a-mi"),
    pytest.param({"tab": "unassigned"}, {}, "unassigned-list", id="sin-asignar"),
    pytest.param({"tab": "unassigned", "sort": "oldest"}, {}, "unassigned-list", id="sin-asignar-oldest"),
    pytest.param({"tab": "assigned"}, HTMX, "assigned-list", id="desk-htmx"),
    pytest.param({"tab": "unassigned", "region": "lists"}, HTMX, "unassigned-list", id="lists-region"),
]


@pytest.mark.parametrize("params,headers,list_id", PAGES)
def test_the_lists_query_count_does_not_grow_with_their_length(
        ana, busy_org, django_assert_max_num_queries, params, headers, list_id):
    busy_org(5)
    ana.get(INDEX, params, headers=headers)  # warm: sessions, caches
    small = queries(ana, INDEX, params, headers)
    assert len(list_items(ana.get(INDEX, params, headers=headers), list_id)) == 5

    busy_org(55)
    with django_assert_max_num_queries(small):
        response = ana.get(INDEX, params, headers=headers)
    assert response.status_code == 200
    assert len(list_items(response, list_id)) == 25


@pytest.fixture
def conversation_of_length(personas, desk, ana_ready):
    """A chat of Ana's with customer messages, replies, notes, a whisper, system lines and attachments."""
    p = personas

    def build(chat, n):
        existing = chat.messages.count()
        for i in range(existing, n):
            kind = i % 5
            if kind == 0:
                desk.receive(chat, f"cliente {i}")
            elif kind == 1:
                desk.send(chat, p.agent, f"respuesta {i}")
            elif kind == 2:
                desk.send(chat, p.supervisor, f"nota {i}", internal=True)
            elif kind == 3:
                message = f.MessageFactory(conversation=chat, direction="inbound", kind="attachment", body="")
                f.AttachmentFactory(message=message, original_name=f"foto{i}.txt")
            else:
                f.MessageFactory(conversation=chat, direction="system", body=f"sistema {i}")
        return chat

    return build


def test_an_open_conversation_query_count_does_not_grow_with_its_messages(
        personas, desk, ana, conversation_of_length, django_assert_max_num_queries):
    p = personas
    chat = conversation_of_length(desk.chat_for(p.agent, p.queue, "Hola"), 5)
    url = conversation_url(chat)
    ana.get(url)  # warm
    ana.post(read_url(chat))  # the page's read receipt
    small = queries(ana, url)
    assert html(ana.get(url)).count('data-testid="message"') == 5

    conversation_of_length(chat, 60)
    ana.get(url)
    ana.post(read_url(chat))  # the new ones read, as in the small case before measuring
    with django_assert_max_num_queries(small):
        response = ana.get(url)
    assert html(response).count('data-testid="message"') == 20
    small_htmx = queries(ana, url, headers=HTMX)
    with django_assert_max_num_queries(small_htmx):
        ana.get(url, headers=HTMX)


def test_an_open_conversation_with_a_long_contact_history_costs_the_same(
        personas, desk, ana, django_assert_max_num_queries):
    p = personas
    raise_capacity(p.queue)
    desk.ready(p.agent, p.queue)
    contact = f.ContactFactory(organization=p.organization, name="Cliente Fiel")
    chat = desk.chat_for(p.agent, p.queue, "Hola otra vez", contact=contact)
    for _ in range(2):
        desk.chat_for(p.agent, p.queue, "antes", contact=contact)
    url = conversation_url(chat)
    ana.get(url)
    small = queries(ana, url)
    for _ in range(15):
        desk.chat_for(p.agent, p.queue, "antes", contact=contact)
    ana.get(url)
    with django_assert_max_num_queries(small):
        ana.get(url)


# --- Sin asignar: which queues, which order ---------------------------------------------------------


@pytest.fixture
def several_queues(personas, desk, ana_ready):
    """Waiting chats in Ventas (Ana is logged in), in Postventa (Ana is a member but not logged
    in), in Soporte (voice, not Ana's) and in the other organization; plus Luis's chat in Ventas."""
    p = personas
    postventa = f.QueueFactory(organization=p.organization, name="Postventa")
    f.QueueMembershipFactory(queue=postventa, user=p.agent)
    desk.not_receiving(p.agent)
    desk.ready(p.colleague, p.queue)
    luis_chat = desk.chat_for(p.colleague, p.queue, "de Luis")
    desk.not_receiving(p.colleague)
    closed = desk.arrive(p.queue, "cerrada", route=False)
    with desk.commit():
        conversations.conversation_close(conversation=closed, by=p.supervisor)
    return {
        "ventas": desk.arrive(p.queue, "en Ventas", route=False),
        "postventa": desk.arrive(postventa, "en Postventa", route=False),
        "soporte": desk.arrive(p.other_queue, "en Soporte", route=False),
        "rival": desk.arrive(p.outsider_queue, "en Rival", route=False),
        "luis": luis_chat,
        "closed": closed,
        "postventa_queue": postventa,
    }


def test_sin_asignar_lists_only_waiting_chats_of_the_queues_the_agent_is_logged_in_to(ana, several_queues):
    response = ana.get(INDEX, {"tab": "unassigned"})
    assert item_ids(response, "unassigned-list") == [several_queues["ventas"].pk]
    assert 'data-testid="tab-unassigned">\n          Unassigned <span class="badge">1</span>' in html(response)


def test_logging_in_to_another_queue_adds_its_waiting_chats(personas, desk, ana, several_queues):
    desk.sign_in(personas.agent, several_queues["postventa_queue"])
    ids = item_ids(ana.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
    assert sorted(ids) == sorted([several_queues["ventas"].pk, several_queues["postventa"].pk])


def test_a_supervisor_also_sees_the_queues_they_supervise(personas, desk, sofia, several_queues):
    ids = item_ids(sofia.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
    assert ids == [several_queues["ventas"].pk]  # supervises Ventas only, logged in nowhere

    f.QueueMembershipFactory(queue=several_queues["postventa_queue"], user=personas.supervisor)
    desk.sign_in(personas.supervisor, several_queues["postventa_queue"])
    ids = item_ids(sofia.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
    assert sorted(ids) == sorted([several_queues["ventas"].pk, several_queues["postventa"].pk])


def test_a_supervisor_not_limited_to_assigned_queues_sees_every_queue(personas, sofia, several_queues):
    type(personas.organization).objects.filter(pk=personas.organization.pk).update(
        supervisors_limited_to_assigned_queues=False)
    ids = item_ids(sofia.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
    expected = [several_queues[k].pk for k in ("ventas", "postventa", "soporte")]
    assert sorted(ids) == sorted(expected)


def test_sin_asignar_sorts_newest_or_oldest_first(personas, desk, ana, ana_ready):
    desk.not_receiving(personas.agent)
    now = timezone.now()
    old, middle, new = (desk.arrive(personas.queue, route=False, now=now - timedelta(minutes=m)) for m in (30, 20, 10))
    for params in ({"tab": "unassigned"}, {"tab": "unassigned", "sort": "newest"},
                   {"tab": "unassigned", "sort": "bogus"}):
        assert item_ids(ana.get(INDEX, params), "unassigned-list") == [new.pk, middle.pk, old.pk]
    oldest = ana.get(INDEX, {"tab": "unassigned", "sort": "oldest"})
    assert item_ids(oldest, "unassigned-list") == [old.pk, middle.pk, new.pk]
    assert 'href="?tab=unassigned&sort=oldest" aria-current="true"' in html(oldest)


def test_asignado_a_mi_holds_my_chats_ringing_calls_and_transfers_asked_of_me(personas, desk, ana, luis,
                                                                                 ana_ready):
    p = personas
    mine = desk.chat_for(p.agent, p.queue, "mía")
    desk.not_receiving(p.agent)
    desk.ready(p.colleague, p.queue)
    asked = desk.chat_for(p.colleague, p.queue, "te la paso")
    luis.post(reverse("workspace:transfer", args=[asked.pk]), {"target": f"agent:{p.agent.pk}", "mode": "consult"})
    not_mine = desk.chat_for(p.colleague, p.queue, "de Luis")
    ids = item_ids(ana.get(INDEX), "assigned-list")
    assert sorted(ids) == sorted([mine.pk, asked.pk])
    assert not_mine.pk not in ids


# --- What an item shows -----------------------------------------------------------------------------


def test_an_item_shows_the_contact_the_excerpt_and_the_queue(personas, desk, ana, chat):
    desk.receive(chat, "¿Tienen   envío\n a Canarias?")
    item = list_items(ana.get(INDEX), "assigned-list")[0]
    assert '<strong class="who">Carmen Vidal</strong>' in item
    assert '<span class="excerpt">¿Tienen envío a Canarias?</span>' in item
    assert '<small class="queue">Ventas' in item
    assert f'href="{conversation_url(chat)}?tab=assigned"' in item


def test_a_long_message_is_cut_in_the_excerpt(personas, desk, ana, chat):
    desk.receive(chat, "palabra " * 100)
    item = list_items(ana.get(INDEX), "assigned-list")[0]
    excerpt = item.split('<span class="excerpt">')[1].split("</span>")[0]
    assert len(excerpt) == 140 and excerpt.endswith("…")


def test_the_last_message_moves_a_conversation_to_the_top(personas, desk, ana, ana_ready):
    p = personas
    first = desk.chat_for(p.agent, p.queue, "primera")
    second = desk.chat_for(p.agent, p.queue, "segunda")
    assert item_ids(ana.get(INDEX), "assigned-list") == [second.pk, first.pk]
    desk.receive(first, "sigo aquí")
    assert item_ids(ana.get(INDEX), "assigned-list") == [first.pk, second.pk]


def test_an_internal_note_is_not_the_excerpt_but_a_reply_is(personas, desk, ana, chat):
    desk.send(chat, personas.agent, "nota para mí", internal=True)
    assert "nota para mí" not in list_items(ana.get(INDEX), "assigned-list")[0]
    desk.send(chat, personas.agent, "Te respondo ahora")
    assert ('<span class="excerpt"><span class="excerpt-who">Agent:</span> Te respondo ahora</span>'
            in list_items(ana.get(INDEX), "assigned-list")[0])


# --- The unread dot ---------------------------------------------------------------------------------


def test_the_dot_marks_unread_customer_messages_and_goes_when_the_agent_opens_it(personas, desk, ana, chat):
    def dot_on_item(response):
        return 'data-testid="unread-dot"' in list_items(response, "assigned-list")[0]

    listing = ana.get(INDEX)
    assert dot_on_item(listing)
    assert "<title>(1) " in html(listing)

    opened = ana.get(conversation_url(chat))
    assert 'data-testid="read-receipt"' in html(opened)  # opening it is a GET: the page then sends its receipt
    read = ana.post(read_url(chat), {"tab": "assigned"}, headers=HTMX)
    assert not dot_on_item(read)
    chat.refresh_from_db()
    assert chat.unread_count == 0
    assert not dot_on_item(ana.get(INDEX))

    desk.send(chat, personas.agent, "respuesta")  # the agent's own messages are never unread
    assert not dot_on_item(ana.get(INDEX))
    desk.receive(chat, "otra pregunta")
    assert dot_on_item(ana.get(INDEX))


def test_no_dot_on_waiting_chats_nor_for_a_supervisor_looking_at_an_agents_chat(personas, desk, ana, sofia,
                                                                                 ana_ready):
    p = personas
    mine = desk.chat_for(p.agent, p.queue, "para Ana")
    desk.not_receiving(p.agent)
    waiting = desk.arrive(p.queue, "esperando", route=False)
    assert Conversation.objects.get(pk=waiting.pk).unread_count == 1
    unassigned = list_items(ana.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
    assert unassigned and all('data-testid="unread-dot"' not in item for item in unassigned)
    # A supervisor opening it does not mark it read for Ana: their page sends no receipt, and one
    # sent anyway changes nothing.
    assert 'data-testid="read-receipt"' not in html(sofia.get(conversation_url(mine)))
    assert sofia.post(read_url(mine)).status_code == 302
    assert Conversation.objects.get(pk=mine.pk).unread_count == 1


# --- Asignar a… -------------------------------------------------------------------------------------


def assign_options(client, conversation) -> str:
    """The colleague list "Asignar a…" loads when it opens (htmx), a page of its own without JS."""
    url = f"/workspace/conversations/{conversation.pk}/assign/options/"
    full = client.get(url)
    assert full.status_code == 200 and "<html" in full.content.decode()
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_asignar_a_lists_colleagues_with_status_and_load(personas, desk, ana, ana_ready):
    p = personas
    desk.not_receiving(p.agent)
    desk.ready(p.colleague, p.queue)
    desk.chat_for(p.colleague, p.queue, "de Luis")
    waiting = desk.arrive(p.queue, "esperando", route=False)
    item = [i for i in list_items(ana.get(INDEX, {"tab": "unassigned"}), "unassigned-list")
            if f'id="conv-item-{waiting.pk}"' in i][0]
    assert f"/workspace/conversations/{waiting.pk}/assign/options/" in item  # loaded when opened
    item = assign_options(ana, waiting)
    assert "Luis Pérez · In service · 1/6" in item
    assert f'name="agent" value="{p.colleague.pk}"' in item


def test_asignar_a_shows_a_paused_colleague_with_the_pause_reason(personas, desk, ana, ana_ready):
    from contactcenter.services import agents

    p = personas
    pause = f.PauseReasonFactory(organization=p.organization, name="Descanso")
    with desk.commit():
        agents.agent_pause(agent=p.colleague, reason=pause)
    desk.not_receiving(p.agent)
    waiting = desk.arrive(p.queue, route=False)
    item = assign_options(ana, waiting)
    assert "Luis Pérez · Descanso · 0/6" in item
    assert "status-pause" in item


def test_asignar_a_lists_only_other_agents(personas, desk, ana, ana_ready):
    p = personas
    desk.not_receiving(p.agent)
    from contactcenter.services import queues

    with desk.commit():
        queues.queue_logout(queue=p.queue, agent=p.colleague)
    waiting = desk.arrive(p.queue, route=False)
    item = assign_options(ana, waiting)
    assert f'name="agent" value="{p.agent.pk}"' not in item
    assert "Nobody else is logged in to this queue." in item


def test_a_call_is_labelled_llamada_the_noun_not_the_verb(personas):
    from django.utils import translation

    with translation.override("es"):
        assert str(Conversation.Medium.VOICE.label) == "Llamada"
        assert str(Conversation.Medium.CHAT.label) == "Chat"
