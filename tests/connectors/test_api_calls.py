"""POST /api/v1/channels/<key>/calls: ringing calls wait in the voice queue and are offered;
answered, ended and abandoned update them; signed, idempotent, every error code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcenter.connectors.api import views
from contactcenter.models import Channel, Contact, Conversation, Offer
from contactcenter.services import agents, calls, queues
from tests import factories as f
from tests.connectors.api_helpers import (
    api_channel,
    calls_url,
    post_signed,
    voice_channel,
)

pytestmark = pytest.mark.django_db
CS = Conversation.CallState


@pytest.fixture
def channel(personas):
    return voice_channel(personas)


@pytest.fixture
def voice_agent(personas):
    """Ana, Ready in the voice queue Soporte."""
    agent = personas.agent
    f.QueueMembershipFactory(queue=personas.other_queue, user=agent)
    f.open_workspace(agent)
    agents.agent_sign_in(agent=agent)
    queues.queue_login(queue=personas.other_queue, agent=agent)
    agents.agent_set_receive_new(agent=agent, on=True)
    return agent


def event(kind="ringing", **fields):
    return {"call_id": "call-1", "from": "+34 600 11 22 33", "event": kind,
            "at": timezone.now().isoformat(), **fields}


def post(client, data, key="acme-tel", **kwargs):
    return post_signed(client, calls_url(key), data, **kwargs)


def ring(client, **fields):
    response = post(client, event("ringing", **fields))
    assert response.status_code == 202, response.content
    return Conversation.objects.get(pk=response.json()["conversation_id"])


# --- Ringing -------------------------------------------------------------------------------------


def test_a_ringing_call_waits_in_the_voice_queue(client, channel):
    response = post(client, event(name="Rosa"))

    assert response.status_code == 202
    conversation = Conversation.objects.get()
    assert response.json() == {"status": "accepted", "duplicate": False, "contact_id": conversation.contact_id,
                               "conversation_id": conversation.pk, "conversation_status": "queued",
                               "call_state": "ringing"}
    assert (conversation.medium, conversation.queue, conversation.channel) == ("voice", channel.queue, channel)
    assert conversation.external_id == "call-1"


def test_the_caller_becomes_a_contact_with_the_number(client, channel):
    ring(client, name="Rosa Delgado")

    contact = Contact.objects.get()
    assert (contact.channel, contact.external_id, contact.phone, contact.name) == (
        channel, "+34 600 11 22 33", "+34600112233", "Rosa Delgado")


def test_an_anonymous_caller_is_a_contact_without_number(client, channel):
    ring(client, **{"from": "anonymous"})

    assert (Contact.objects.get().external_id, Contact.objects.get().phone) == ("anonymous", "")


def test_a_ringing_call_is_offered_to_a_ready_agent(client, channel, voice_agent,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = ring(client)

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OFFERED
    assert conversation.offers.get().agent == voice_agent


def test_the_same_ringing_report_twice_creates_one_call(client, channel):
    first = post(client, event()).json()
    again = post(client, event())

    assert again.status_code == 202
    assert again.json() == {**first, "duplicate": True}
    assert Conversation.objects.count() == 1


def test_ringing_at_is_when_the_call_started_waiting(client, channel):
    at = timezone.now() - timedelta(seconds=40)
    conversation = ring(client, at=at.isoformat())

    assert abs((conversation.enqueued_at - at).total_seconds()) < 1


def test_an_api_channel_with_a_voice_queue_takes_calls(client, personas):
    api_channel(personas, queue=personas.other_queue, public_key="acme-api-tel")

    assert post(client, event(), key="acme-api-tel").status_code == 202


# --- Answered, ended, abandoned ------------------------------------------------------------------


def test_answered_after_the_agent_answered_changes_nothing(client, channel, voice_agent,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = ring(client)
    offer = Offer.objects.get(conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        calls.call_answer(offer_id=offer.pk, agent=voice_agent)

    response = post(client, event("answered"))

    assert response.status_code == 202
    assert response.json()["duplicate"] is True
    assert response.json()["call_state"] == CS.ACTIVE


def test_abandoned_while_waiting_abandons_the_call(client, channel):
    ring(client)
    response = post(client, event("abandoned"))

    assert response.status_code == 202
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.call_state) == ("abandoned", CS.ENDED)
    assert response.json()["conversation_status"] == "abandoned"


def test_ended_while_ringing_at_an_agent_withdraws_the_offer(client, channel, voice_agent,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ring(client)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event("ended"))

    conversation = Conversation.objects.get()
    assert conversation.status == "abandoned"
    assert conversation.offers.get().status == Offer.Status.WITHDRAWN


def test_ended_on_a_connected_call_closes_it(client, channel, voice_agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = ring(client)
    with django_capture_on_commit_callbacks(execute=True):
        calls.call_answer(offer_id=Offer.objects.get(conversation=conversation).pk, agent=voice_agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event("ended"))

    conversation.refresh_from_db()
    assert response.status_code == 202
    assert (conversation.status, conversation.call_state) == ("closed", CS.ENDED)
    assert conversation.messages.filter(direction="event").exists()  # "the customer hung up"


def test_ended_twice_changes_nothing_the_second_time(client, channel):
    ring(client)
    post(client, event("ended"))
    again = post(client, event("ended"))

    assert again.status_code == 202
    assert again.json()["duplicate"] is True


def test_an_event_for_an_unknown_call_is_400_on_call_id(client, channel):
    response = post(client, event("ended", call_id="nunca-sono"))

    assert response.status_code == 400
    assert "call_id" in response.json()["errors"]


def test_ringing_again_after_the_call_ended_does_not_reopen_it(client, channel):
    ring(client)
    post(client, event("abandoned"))
    post(client, event("ringing"))

    assert Conversation.objects.get().status == "abandoned"


# --- Errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("call_id", None), ("call_id", ""), ("call_id", 7), ("call_id", "c" * 129),
    ("from", None), ("from", ""), ("from", "1" * 65), ("from", ["+34"]),
    ("event", None), ("event", "hold"), ("event", 1),
    ("at", None), ("at", "ahora"), ("at", "2026-01-31T10:00:00"), ("at", 1700000000),
    ("name", 3),
])
def test_each_bad_field_is_reported_by_name(client, channel, field, value):
    data = event()
    if value is None:
        del data[field]
    else:
        data[field] = value

    response = post(client, data)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Conversation.objects.exists()


def test_unknown_fields_are_refused(client, channel):
    response = post(client, event(duration=30))

    assert response.status_code == 400
    assert "duration" in response.json()["errors"]


def test_a_bad_signature_is_401(client, channel):
    assert post(client, event(), secret="wrong").status_code == 401
    assert not Conversation.objects.exists()


def test_an_unknown_channel_is_404(client, channel):
    assert post(client, event(), key="nope").status_code == 404


def test_a_chat_channel_takes_no_calls(client, personas):
    api_channel(personas)  # its queue is the chat queue Ventas

    assert post(client, event(), key="acme-api").status_code == 404


def test_a_webchat_channel_takes_no_calls(client, personas):
    voice_channel(personas, kind=Channel.Kind.WEBCHAT, public_key="acme-web")

    assert post(client, event(), key="acme-web").status_code == 404


def test_a_body_over_the_limit_is_413(client, channel, monkeypatch):
    monkeypatch.setattr(views, "MAX_BODY", 50)

    assert post(client, event(name="x" * 100)).status_code == 413


def test_too_many_calls_reports_is_429(client, channel, monkeypatch, still_clock):
    monkeypatch.setattr(views, "CHANNEL_LIMIT", 1)
    post(client, event())

    assert post(client, event(call_id="call-2")).status_code == 429
    assert Conversation.objects.count() == 1


def test_a_ringing_time_hours_ago_does_not_jump_the_queue_by_hours(client, channel):
    conversation = ring(client, at="2020-01-01T00:00:00Z")

    assert timezone.now() - conversation.enqueued_at <= timedelta(hours=1, seconds=5)


def test_a_ringing_call_takes_the_priority_the_provider_gives(client, channel):
    assert ring(client, priority=10).priority == 10


@pytest.mark.parametrize("value", [1000, "alta", None.__class__.__name__, 1.5])
def test_a_bad_call_priority_is_refused_and_no_call_waits(client, channel, value):
    response = post(client, event(priority=value))
    assert response.status_code == 400 and "priority" in response.json()["errors"]
    assert not Conversation.objects.exists()
