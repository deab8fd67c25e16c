"""The satisfaction survey on each channel: the signed rating page (and the web chat's box that
posts to it), WhatsApp's list message and its replies (signed webhooks, plain-text fallback), and
the API's rating_requested event and rating endpoint. Bad input gets an error and changes nothing."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contactcenter.connectors import outbound
from contactcenter.connectors.csat import outbound as csat_outbound
from contactcenter.connectors.webchat import tokens
from contactcenter.models import Channel, Conversation, Message, SatisfactionRating
from contactcenter.services import conversations, csat
from tests import factories as f
from tests.connectors.api_helpers import (  # noqa: F401 (fixtures)
    APP_SECRET,
    SECRET,
    api_channel,
    json_reply,
    local_server_fixture,
    post_signed,
    ready_agent_fixture,
    whatsapp_channel,
)
from tests.connectors.test_whatsapp import WA_ID, notification, post, text_message

pytestmark = pytest.mark.django_db
HOOK = "/hooks/contactcenter"


def served_and_closed(channel, agent, external_id="cust-1") -> Conversation:
    contact = f.ContactFactory(organization=channel.organization, channel=channel, external_id=external_id)
    conversation = conversations.conversation_open(queue=channel.queue, contact=contact, channel=channel, text="Hola")
    conversation.refresh_from_db()
    if conversation.status == Conversation.Status.QUEUED:
        conversations.conversation_assign(conversation=conversation, agent=agent, by=agent)
    conversations.conversation_close(conversation=conversation, by=agent)
    conversation.refresh_from_db()
    return conversation


def snapshot(conversation):
    rating = SatisfactionRating.objects.get(conversation=conversation)
    return rating.score, rating.comment, rating.answered_at, rating.changed_at


@pytest.fixture
def web(personas):
    return f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT,
                            public_key="acme-web")


# --- The rating page and the web chat ----------------------------------------------------------------


def test_the_web_chat_shows_the_survey_once_the_agent_closed_and_the_customer_rates_there(
        client, web, ready_agent, still_clock):
    conversation = served_and_closed(web, ready_agent)
    token = tokens.make(web, conversation)
    page = client.get(reverse("webchat:chat", args=[web.public_key]), HTTP_COOKIE=f"chat_acme-web={token}")
    html = page.content.decode()
    rating = SatisfactionRating.objects.get()
    rate_url = reverse("csat:rate", args=[csat.csat_token(rating)])
    assert 'data-testid="csat-form"' in html and f'hx-post="{rate_url}"' in html
    response = client.post(rate_url, {"score": "5", "comment": "Rapidísimo"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="csat-thanks"' in response.content.decode()
    assert snapshot(conversation)[:2] == (5, "Rapidísimo")


def test_the_rating_page_works_without_javascript(client, web, ready_agent):
    conversation = served_and_closed(web, ready_agent)
    url = reverse("csat:rate", args=[csat.csat_token(SatisfactionRating.objects.get())])
    assert 'data-testid="csat-form"' in client.get(url).content.decode()
    response = client.post(url, {"score": "2"})
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert snapshot(conversation)[0] == 2


@pytest.mark.parametrize(("language", "question", "expired"), [
    ("en-GB,en;q=0.9", "How would you rate the service you received?", "The time to rate this conversation is over."),
    ("es-MX,es;q=0.9", "¿Cómo valorarías la atención que has recibido?",
     "El plazo para valorar esta conversación ha terminado."),
])
def test_the_rating_page_speaks_the_customers_browser_language(web, ready_agent, language, question, expired):
    served_and_closed(web, ready_agent)
    url = reverse("csat:rate", args=[csat.csat_token(SatisfactionRating.objects.get())])
    customer = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = customer.get(url)
    assert question in response.content.decode()
    assert f'lang="{language[:2]}"' in response.content.decode() and "Accept-Language" in response["Vary"]
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        refused = customer.post(url, {"score": "5"})
    assert refused.status_code == 422 and expired in refused.content.decode()


@pytest.mark.parametrize("data", [{}, {"score": "6"}, {"score": "cinco"}, {"score": "4", "comment": "x" * 1001},
                                  {"score": "4", "comment": "<script>alert(1)</script>"}])
def test_bad_input_on_the_rating_page_is_422_with_a_message_and_keeps_what_was_typed(client, web, ready_agent, data):
    conversation = served_and_closed(web, ready_agent)
    url = reverse("csat:rate", args=[csat.csat_token(SatisfactionRating.objects.get())])
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="csat-error"' in html
    if data.get("comment") and "<" not in data["comment"]:
        assert data["comment"] in html
    assert snapshot(conversation) == (None, "", None, None)


def test_a_late_or_third_rating_on_the_page_is_refused_with_a_message(client, web, ready_agent):
    conversation = served_and_closed(web, ready_agent)
    url = reverse("csat:rate", args=[csat.csat_token(SatisfactionRating.objects.get())])
    client.post(url, {"score": "3"})
    client.post(url, {"score": "4"})  # the one change
    assert 'data-testid="csat-form"' not in client.get(url).content.decode()  # nothing left to change
    response = client.post(url, {"score": "5"})
    assert response.status_code == 422
    assert "ya se cambió una vez" in response.content.decode()
    assert snapshot(conversation)[0] == 4
    other = served_and_closed(web, ready_agent, external_id="cust-2")
    late = reverse("csat:rate", args=[csat.csat_token(SatisfactionRating.objects.get(conversation=other))])
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = client.post(late, {"score": "5"})
    assert response.status_code == 422
    assert "El plazo para valorar esta conversación ha terminado." in response.content.decode()
    assert snapshot(other)[0] is None


@pytest.mark.parametrize("token", ["forged", "eyJyIjoxLCJjIjoxLCJvIjoxfQ:1vVxyz:abcdefghijklmnop"])
def test_a_forged_token_is_404_on_the_rating_page(client, web, ready_agent, token):
    conversation = served_and_closed(web, ready_agent)
    assert client.get(reverse("csat:rate", args=[token])).status_code == 404
    assert client.post(reverse("csat:rate", args=[token]), {"score": "5"}).status_code == 404
    assert snapshot(conversation)[0] is None


# --- WhatsApp -------------------------------------------------------------------------------------


@pytest.fixture
def wa(personas, local_server):
    return whatsapp_channel(personas, graph_url=local_server.url + "/v21.0")


def list_reply(reply_id, wamid="wamid.reply-1", kind="list_reply"):
    return {"from": WA_ID, "id": wamid, "timestamp": "1763712000", "type": "interactive",
            "interactive": {"type": kind, kind: {"id": reply_id, "title": "5 ★★★★★"}}}


def test_a_whatsapp_customer_gets_a_list_message_to_rate(wa, ready_agent, local_server):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    path = "/v21.0/106540352242922/messages"
    local_server.answer(path, json_reply({"messages": [{"id": "wamid.out"}]}))
    rating = SatisfactionRating.objects.get(conversation=conversation)
    assert csat_outbound.request(rating.pk) is True
    [sent] = local_server.requests_to(path)
    payload = sent.json()
    assert payload["to"] == WA_ID and payload["type"] == "interactive"
    rows = payload["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"].split(":")[1] for row in rows] == ["5", "4", "3", "2", "1"]
    assert all(len(row["title"]) <= 24 for row in rows)
    assert "responde con un número" in payload["interactive"]["body"]["text"]
    assert sent.headers["Authorization"] == "Bearer EAAG-test-token"


@pytest.mark.parametrize("kind", ["list_reply", "button_reply"])
def test_the_signed_webhook_with_the_customers_reply_stores_the_rating(client, wa, ready_agent, kind):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    token = csat.csat_token(SatisfactionRating.objects.get(conversation=conversation))
    response = post(client, notification(messages=[list_reply(f"csat:5:{token}", kind=kind)]))
    assert response.status_code == 200 and response.json()["messages"] == 1
    assert snapshot(conversation)[0] == 5
    assert Conversation.objects.count() == 1  # the answer opened no new conversation
    again = post(client, notification(messages=[list_reply(f"csat:5:{token}", kind=kind)]))  # Meta retries
    assert again.status_code == 200
    assert snapshot(conversation)[3] is None  # not counted as the one change


def test_a_reply_with_a_bad_signature_is_refused_and_changes_nothing(client, wa, ready_agent):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    token = csat.csat_token(SatisfactionRating.objects.get(conversation=conversation))
    response = post(client, notification(messages=[list_reply(f"csat:5:{token}")]), secret="wrong")
    assert response.status_code == 401
    assert snapshot(conversation)[0] is None


def test_a_plain_number_answers_the_waiting_survey_and_later_is_an_ordinary_message(client, wa, ready_agent):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    assert post(client, notification(messages=[text_message("4", wamid="wamid.t1")])).status_code == 200
    assert snapshot(conversation)[0] == 4
    assert Conversation.objects.count() == 1
    post(client, notification(messages=[text_message("5", wamid="wamid.t2")]))  # answered: a new message
    assert snapshot(conversation)[0] == 4
    assert Conversation.objects.count() == 2


def test_a_late_or_forged_whatsapp_reply_changes_nothing(client, wa, ready_agent, personas):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    rating = SatisfactionRating.objects.get(conversation=conversation)
    post(client, notification(messages=[list_reply("csat:5:forged-token", wamid="wamid.f")]))
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        post(client, notification(messages=[list_reply(f"csat:5:{csat.csat_token(rating)}", wamid="wamid.l")]))
        post(client, notification(messages=[text_message("5", wamid="wamid.l2")]))
    assert snapshot(conversation)[0] is None


def refusal_of(conversation) -> Message | None:
    return Message.objects.filter(conversation=conversation, direction=Message.Direction.SYSTEM).last()


@pytest.mark.parametrize(("case", "spanish"), [
    ("late", "El plazo para valorar esta conversación ha terminado."),
    ("third answer", "Esta valoración ya se cambió una vez; no se puede volver a cambiar."),
    ("bad score", "Elige una puntuación del 1 al 5."),
])
def test_a_refused_whatsapp_rating_gets_a_reply_saying_why(client, wa, ready_agent, local_server, case, spanish):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    token = csat.csat_token(SatisfactionRating.objects.get(conversation=conversation))
    if case == "late":
        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            post(client, notification(messages=[list_reply(f"csat:5:{token}")]))
    elif case == "third answer":
        for n, score in enumerate((5, 4, 3)):
            post(client, notification(messages=[list_reply(f"csat:{score}:{token}", wamid=f"wamid.r{n}")]))
    else:
        post(client, notification(messages=[list_reply(f"csat:9:{token}")]))
    assert snapshot(conversation)[0] in (None, 4)  # the refused answer changed nothing
    reply = refusal_of(conversation)
    assert reply.body == f"No se ha registrado tu valoración: {spanish}"
    assert reply.delivery == Message.Delivery.PENDING
    # It leaves as any auto-reply does: the channel's delivery task sends it to the customer.
    path = "/v21.0/106540352242922/messages"
    local_server.answer(path, json_reply({"messages": [{"id": "wamid.out"}]}))
    outbound.deliver(reply.pk)
    [sent] = local_server.requests_to(path)
    assert sent.json()["to"] == WA_ID and spanish in sent.json()["text"]["body"]


def test_a_forged_or_accepted_whatsapp_rating_gets_no_refusal(client, wa, ready_agent):
    conversation = served_and_closed(wa, ready_agent, external_id=WA_ID)
    token = csat.csat_token(SatisfactionRating.objects.get(conversation=conversation))
    post(client, notification(messages=[list_reply("csat:5:forged-token", wamid="wamid.f")]))
    post(client, notification(messages=[list_reply(f"csat:5:{token}", wamid="wamid.ok")]))
    assert refusal_of(conversation) is None and snapshot(conversation)[0] == 5


# --- API channels ---------------------------------------------------------------------------------


@pytest.fixture
def api(personas, local_server):
    return api_channel(personas, webhook_url=local_server.url + HOOK)


def ratings_url(key="acme-api"):
    return reverse("api:ratings", args=[key])


def test_an_api_channel_gets_a_signed_rating_requested_event_with_the_signed_link(api, ready_agent, local_server,
                                                                                 client):
    from contactcenter.connectors import signing

    conversation = served_and_closed(api, ready_agent)
    local_server.answer(HOOK, json_reply({"ok": True}))
    assert csat_outbound.request(SatisfactionRating.objects.get().pk) is True
    [sent] = local_server.requests_to(HOOK)
    assert sent.headers["X-Signature"] == signing.sign(SECRET, sent.body)
    payload = sent.json()
    assert payload["event"] == "conversation.rating_requested"
    assert payload["conversation_id"] == conversation.pk
    assert payload["rating_url"].endswith(reverse("csat:rate", args=[payload["token"]]))
    assert payload["scale"]["min"] == 1 and payload["scale"]["max"] == 5
    rate_path = payload["rating_url"].split("localhost:8000", 1)[-1]
    assert client.get(rate_path).status_code == 200


def test_an_answered_survey_is_not_requested_again(api, ready_agent, local_server):
    conversation = served_and_closed(api, ready_agent)
    csat.csat_answer_conversation(channel=api, conversation_id=conversation.pk, score=3)
    assert csat_outbound.request(SatisfactionRating.objects.get().pk) is False
    assert local_server.requests_to(HOOK) == []


def test_the_api_stores_a_rating_and_its_one_change(client, api, ready_agent):
    conversation = served_and_closed(api, ready_agent)
    first = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 2, "comment": "Lento"})
    assert first.status_code == 200
    assert first.json() == {"status": "accepted", "duplicate": False, "conversation_id": conversation.pk,
                            "score": 2, "changed": False}
    same = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 2, "comment": "Lento"})
    assert same.json()["duplicate"] is True
    change = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 4})
    assert change.json()["changed"] is True
    third = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 5})
    assert third.status_code == 409 and third.json()["error"] == "changed"
    assert snapshot(conversation)[0] == 4


@pytest.mark.parametrize("payload, field", [
    ({"score": 5}, "conversation_id"),
    ({"conversation_id": "1", "score": 5}, "conversation_id"),
    ({"conversation_id": 1, "score": 9}, "score"),
    ({"conversation_id": 1, "score": "5"}, "score"),
    ({"conversation_id": 1, "score": 5, "comment": "x" * 1001}, "comment"),
    ({"conversation_id": 1, "score": 5, "stars": 5}, "stars"),
])
def test_bad_api_fields_are_400_field_by_field_and_change_nothing(client, api, ready_agent, payload, field):
    conversation = served_and_closed(api, ready_agent)
    if payload.get("conversation_id") == 1:
        payload["conversation_id"] = conversation.pk
    response = post_signed(client, ratings_url(), payload)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert snapshot(conversation) == (None, "", None, None)


def test_a_bad_signature_is_401(client, api, ready_agent):
    conversation = served_and_closed(api, ready_agent)
    response = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 5}, secret="nope")
    assert response.status_code == 401
    assert snapshot(conversation)[0] is None


def test_another_organizations_conversation_is_404(client, api, ready_agent, personas):
    served_and_closed(api, ready_agent)
    foreign = f.SatisfactionRatingFactory(conversation=f.ConversationFactory(queue=personas.outsider_queue))
    response = post_signed(client, ratings_url(), {"conversation_id": foreign.conversation_id, "score": 5})
    assert response.status_code == 404
    assert SatisfactionRating.objects.get(pk=foreign.pk).score is None


def test_a_late_api_rating_is_409_and_changes_nothing(client, api, ready_agent):
    conversation = served_and_closed(api, ready_agent)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = post_signed(client, ratings_url(), {"conversation_id": conversation.pk, "score": 5})
    assert response.status_code == 409 and response.json()["error"] == "expired"
    assert snapshot(conversation)[0] is None


def test_the_ratings_endpoint_is_in_the_openapi_document(client):
    document = client.get(reverse("api:openapi")).json()
    assert "/channels/{key}/ratings" in document["paths"]
    assert "conversation.rating_requested" in document["webhooks"]
    assert json.dumps(document["components"]["schemas"]["InboundRating"])
