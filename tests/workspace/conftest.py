"""Helpers for the workspace tests: agents made ready and conversations opened through the
services (routing runs on commit), clients logged in as each persona, and small readers of
the desk HTML."""

import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from contactcenter.models import AgentState, Conversation, Queue, User
from contactcenter.services import agents, conversations, messages, queues
from tests import factories as f

HTMX = {"HX-Request": "true"}


def client_for(user: User | None) -> Client:
    """A browser of this person. English, so the assertions read the source strings whatever
    the Spanish catalogue says."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Desk:
    """Drives the engine the way the product does: every change through a service, with the
    on-commit work (routing, events) executed."""

    capture: object

    def commit(self):
        return self.capture(execute=True)

    def sign_in(self, agent: User, *logged_in_to: Queue) -> None:
        """Signed in and logged in to the queues; Receive new stays off (Online)."""
        with self.commit():
            agents.agent_sign_in(agent=agent)
            for queue in logged_in_to:
                queues.queue_login(queue=queue, agent=agent)

    def ready(self, agent: User, *logged_in_to: Queue) -> None:
        """Signed in (the workspace open), logged in to the queues, Receive new on: Ready."""
        with self.commit():
            f.open_workspace(agent)
            agents.agent_sign_in(agent=agent)
            for queue in logged_in_to:
                queues.queue_login(queue=queue, agent=agent)
            agents.agent_set_receive_new(agent=agent, on=True)

    def not_receiving(self, agent: User) -> None:
        with self.commit():
            agents.agent_set_receive_new(agent=agent, on=False)

    def arrive(self, queue: Queue, text: str = "Hola", *, contact=None, route: bool = True,
               now=None, name: str | None = None, channel=None) -> Conversation:
        """A customer writes into the queue. With route=False nothing runs on commit, so the
        conversation waits in "Sin asignar" whoever is ready."""
        if contact is None:
            contact = f.ContactFactory(organization=queue.organization, **({"name": name} if name else {}))
        if route:
            with self.commit():
                conversation = conversations.conversation_open(queue=queue, contact=contact, text=text, now=now,
                                                               channel=channel)
        else:
            conversation = conversations.conversation_open(queue=queue, contact=contact, text=text, now=now,
                                                           channel=channel)
        conversation.refresh_from_db()
        return conversation

    def chat_for(self, agent: User, queue: Queue, text: str = "Hola", **kwargs) -> Conversation:
        """A new chat that routing gives to `agent` (the only routable agent of the queue)."""
        conversation = self.arrive(queue, text, **kwargs)
        assert conversation.status == Conversation.Status.ASSIGNED, "routing did not assign the chat"
        assert conversation.assignee_id == agent.pk, f"routed to {conversation.assignee}, not {agent}"
        return conversation

    def receive(self, conversation: Conversation, text: str) -> None:
        with self.commit():
            messages.message_receive(conversation=conversation, text=text)

    def send(self, conversation: Conversation, sender: User, text: str, internal: bool = False) -> None:
        with self.commit():
            messages.message_send(conversation=conversation, sender=sender, text=text, internal=internal)

    @staticmethod
    def state(agent: User) -> AgentState:
        return AgentState.objects.select_related("status").get(agent=agent)

    @staticmethod
    def fresh(conversation: Conversation) -> Conversation:
        return Conversation.objects.get(pk=conversation.pk)


@pytest.fixture
def desk(django_capture_on_commit_callbacks) -> Desk:
    return Desk(django_capture_on_commit_callbacks)


@pytest.fixture
def ana(personas) -> Client:
    return client_for(personas.agent)


@pytest.fixture
def luis(personas) -> Client:
    return client_for(personas.colleague)


@pytest.fixture
def sofia(personas) -> Client:
    return client_for(personas.supervisor)


@pytest.fixture
def anonymous(db) -> Client:
    return client_for(None)


@pytest.fixture
def ana_ready(personas, desk):
    """Ana is Ready in "Ventas"; Luis is signed in and logged in there but not receiving."""
    desk.ready(personas.agent, personas.queue)
    desk.sign_in(personas.colleague, personas.queue)
    return personas.agent


@pytest.fixture
def chat(personas, desk, ana_ready) -> Conversation:
    """A chat routed to Ana, with the customer's first message."""
    return desk.chat_for(personas.agent, personas.queue, "Hola, quiero información", name="Carmen Vidal")


# --- Reading the desk -----------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def is_full_page(response) -> bool:
    return html(response).lstrip().lower().startswith("<!doctype html>")


def is_desk_partial(response) -> bool:
    body = html(response)
    return 'id="desk"' in body and not is_full_page(response) and "<html" not in body


def flashes(response) -> list[str]:
    found = re.findall(r'<p class="flash-[^"]*">(.*?)</p>', html(response), re.S)
    return [unescape(re.sub(r"\s+", " ", m).strip()) for m in found]


def list_items(response, list_id: str) -> list[str]:
    """The items of one list (assigned-list / unassigned-list), in order, as HTML."""
    body = html(response)
    start = body.find(f'id="{list_id}"')
    assert start != -1, f"no {list_id} in the page"
    end = body.find("</aside>", start)
    section = body[start:end]
    starts = [m.start() for m in re.finditer(r'<li class="conv-item', section)]
    return [section[a:b] for a, b in zip(starts, [*starts[1:], len(section)], strict=False)]


def item_ids(response, list_id: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="conv-item-(\d+)"', "".join(list_items(response, list_id)))]


def snapshot() -> dict:
    """Everything a workspace action could change, in both organizations."""
    from contactcenter.models import (
        CampaignContact,
        CannedResponse,
        Contact,
        Message,
        Offer,
        QueueLogin,
        Tag,
        Transfer,
    )

    return {
        "conversations": list(Conversation.objects.order_by("pk").values_list(
            "pk", "status", "assignee_id", "queue_id", "disposition_id", "wrapup_notes", "closed_at",
            "last_message_excerpt", "unread_count")),
        "messages": list(Message.objects.order_by("pk").values_list("pk", "direction", "body")),
        "conversation_tags": list(Conversation.tags.through.objects.order_by("pk").values_list(
            "conversation_id", "tag_id")),
        "tags": list(Tag.objects.order_by("pk").values_list("pk", "name")),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "name", "phone", "email", "notes",
                                                                    "details")),
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "status", "to_agent_id")),
        "offers": list(Offer.objects.order_by("pk").values_list("pk", "status")),
        "canned": list(CannedResponse.objects.order_by("pk").values_list("pk", "owner_id", "shortcut", "title",
                                                                         "body")),
        "states": list(AgentState.objects.order_by("pk").values_list(
            "agent_id", "status_id", "receive_new", "prefers_dnd", "chat_load", "voice_load",
            "wrapup_conversation_id")),
        "logins": list(QueueLogin.objects.order_by("pk").values_list("pk", "queue_id", "agent_id", "ended_at")),
        "campaign_contacts": list(CampaignContact.objects.order_by("pk").values_list(
            "pk", "status", "assigned_to_id", "attempts", "conversation_id")),
    }
