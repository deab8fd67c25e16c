"""Customer satisfaction: a chat an agent closes asks the customer once; the answer comes through
a signed token, within the window, changed at most once; bad input gets a translated error and
changes nothing; the reports' rollups count asked and answered surveys in their hours."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.db import IntegrityError, transaction

from contactcenter import celery as celery_app
from contactcenter import events
from contactcenter.models import Channel, SatisfactionRating
from contactcenter.selectors import rollups as rollup_rows
from contactcenter.services import csat, jobs, rollups
from contactcenter.services.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def served(personas, engine):
    """Ana served a web chat in Ventas and closes it at NOW."""
    web = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WEBCHAT)
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        engine.make_ready(personas.agent, personas.queue)
        conversation = engine.arrive(personas.queue, channel=web)
    assert conversation.assignee == personas.agent
    return conversation


def close(engine, conversation, by, at=NOW):
    with time_machine.travel(at, tick=False):
        return engine.close(conversation, by)


def answer(rating, score, comment="", at=NOW + timedelta(minutes=5)):
    with time_machine.travel(at, tick=False):
        return csat.csat_answer(token=csat.csat_token(rating), score=score, comment=comment)


def snapshot(rating):
    rating.refresh_from_db()
    return rating.score, rating.comment, rating.answered_at, rating.changed_at


# --- Asking ---------------------------------------------------------------------------------------


def test_closing_a_served_chat_asks_its_customer_once(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get(conversation=served)
    assert (rating.queue, rating.agent, rating.channel_kind, rating.score) == (personas.queue, personas.agent,
                                                                               "webchat", None)
    assert (rating.asked_at, rating.expires_at) == (NOW, NOW + timedelta(hours=24))
    served.refresh_from_db()
    assert csat.csat_ask(served) is None  # one survey per conversation
    assert SatisfactionRating.objects.filter(conversation=served).count() == 1


def test_a_queue_that_does_not_ask_and_a_customer_who_left_get_no_survey(personas, engine, served):
    personas.queue.csat_enabled = False
    personas.queue.save()
    close(engine, served, personas.agent)
    personas.queue.csat_enabled = True
    personas.queue.save()
    waiting = f.ConversationFactory(queue=personas.queue, channel=served.channel)  # never taken
    close(engine, waiting, personas.supervisor)
    assert waiting.status == "abandoned"
    assert not SatisfactionRating.objects.exists()


def test_the_window_is_the_queues(personas, engine, served):
    personas.queue.csat_window_hours = 2
    personas.queue.save()
    close(engine, served, personas.agent)
    assert SatisfactionRating.objects.get().expires_at == NOW + timedelta(hours=2)


def test_a_whatsapp_survey_is_sent_after_commit_a_web_chat_one_is_drawn_by_its_page(
        personas, engine, served, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(jobs, "enqueue_on_commit", lambda name, *args, **kw: sent.append((name, args)))
    close(engine, served, personas.agent)
    assert sent == []
    wa = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.WHATSAPP)
    other = f.ConversationFactory(queue=personas.queue, channel=wa, status="closed", assignee=personas.agent)
    rating = csat.csat_ask(other)
    assert sent == [(jobs.CSAT_REQUEST, (rating.pk,))]


# --- Answering ------------------------------------------------------------------------------------


def test_the_customer_answers_with_the_signed_token(personas, engine, served, captured_events):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    with engine.commit():
        answer(rating, 4, "  Muy amable  ")
    assert snapshot(rating) == (4, "Muy amable", NOW + timedelta(minutes=5), None)
    [event] = [e for e in captured_events if e.type == events.CONVERSATION_RATED]
    assert event.data["conversation_ids"] == [served.pk]
    assert event.data["agent_ids"] == [personas.agent.pk]
    assert event.data["queue_ids"] == [personas.queue.pk]
    assert event.data["score"] == 4
    assert events.conversation_group(served.pk) in event.groups
    assert events.agent_group(personas.agent.pk) in event.groups


def test_a_rating_changes_once_within_the_window_and_never_again(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    answer(rating, 2, "Lento")
    answer(rating, 4, "Bueno, al final lo resolvieron", at=NOW + timedelta(hours=1))
    assert snapshot(rating) == (4, "Bueno, al final lo resolvieron", NOW + timedelta(minutes=5),
                                NOW + timedelta(hours=1))
    with pytest.raises(DomainError) as error:
        answer(rating, 5, at=NOW + timedelta(hours=2))
    assert error.value.code == "changed"
    assert snapshot(rating)[0] == 4


def test_the_same_answer_again_is_not_a_change(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    answer(rating, 5, "Genial")
    answer(rating, 5, "Genial", at=NOW + timedelta(minutes=6))  # a retried delivery, a double click
    assert snapshot(rating)[3] is None
    answer(rating, 4, at=NOW + timedelta(minutes=7))  # the one change is still there
    assert snapshot(rating)[:2] == (4, "")


def test_a_late_rating_is_refused_with_a_translated_error(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    with pytest.raises(DomainError) as error:
        answer(rating, 5, at=NOW + timedelta(hours=24))
    assert error.value.code == "expired"
    assert str(error.value.message) == "El plazo para valorar esta conversación ha terminado."
    assert snapshot(rating) == (None, "", None, None)


@pytest.mark.parametrize("score, comment, code", [
    (0, "", "score"), (6, "", "score"), ("5", "", "score"), (True, "", "score"), (None, "", "score"),
    (3, "x" * 1001, "comment"), (3, "bad\x00byte", "comment"), (3, ["list"], "comment"),
])
def test_bad_input_gets_an_error_and_changes_nothing(personas, engine, served, score, comment, code):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    answer(rating, 4, "Bien")
    before = snapshot(rating)
    with pytest.raises(DomainError) as error:
        answer(rating, score, comment, at=NOW + timedelta(minutes=30))
    assert error.value.code == code
    assert snapshot(rating) == before  # and the one change is not used up


@pytest.mark.parametrize("token", [
    "", "x" * 400, "not-a-token", signing.dumps({"r": 1, "c": 1, "o": 1}, salt="webchat:whatever"),
], ids=["empty", "too-long", "garbage", "other-salt"])
def test_a_forged_or_foreign_token_names_nothing(personas, engine, served, token):
    close(engine, served, personas.agent)
    with pytest.raises(DomainError) as error:
        csat.csat_answer(token=token, score=5)
    assert error.value.code == "not_found"
    assert SatisfactionRating.objects.get().score is None


def test_a_token_is_bound_to_its_rating_and_organization(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    outsider = f.SatisfactionRatingFactory(conversation=f.ConversationFactory(queue=personas.outsider_queue))
    # The same ids signed with the right salt but naming another organization: no such rating.
    forged = signing.dumps({"r": outsider.pk, "c": outsider.conversation_id, "o": personas.organization.pk},
                           salt=csat.TOKEN_SALT)
    assert csat.rating_for_token(forged) is None
    assert csat.rating_for_token(csat.csat_token(rating)) == rating


def test_a_provider_answering_for_another_channels_conversation_finds_nothing(personas, engine, served):
    close(engine, served, personas.agent)
    api = f.ChannelFactory(organization=personas.organization, queue=personas.queue, kind=Channel.Kind.API)
    with pytest.raises(DomainError) as error:
        csat.csat_answer_conversation(channel=api, conversation_id=served.pk, score=5)
    assert error.value.code == "not_found"
    with pytest.raises(DomainError):
        csat.csat_answer(token=csat.csat_token(SatisfactionRating.objects.get()), score=5, channel=api)
    assert SatisfactionRating.objects.get().score is None


# --- Constraints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [{"score": 6, "answered_at": NOW}, {"score": 0, "answered_at": NOW}])
def test_the_database_refuses_a_score_out_of_range(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.SatisfactionRatingFactory(**fields)


@pytest.mark.parametrize("fields", [{"score": 3}, {"answered_at": NOW}])
def test_the_database_refuses_a_score_without_an_answer_time_and_the_reverse(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.SatisfactionRatingFactory(**fields)


# --- Rollups --------------------------------------------------------------------------------------


def test_the_rollups_count_asked_and_answered_surveys_in_their_hours(personas, engine, served):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    answer(rating, 5, at=NOW + timedelta(hours=1))
    hour = NOW.replace(minute=0)
    queue_rows = rollup_rows.queue_hours_compute(organization_id=personas.organization.pk, start=hour,
                                                 end=hour + timedelta(hours=3))
    key = (personas.queue.pk, "webchat", "chat")
    assert queue_rows[(hour, *key)]["csat_asked"] == 1
    assert {name: queue_rows[(hour + timedelta(hours=1), *key)][name]
            for name in ("csat_asked", "csat_answered", "csat_positive", "csat_score_sum")} == {
        "csat_asked": 0, "csat_answered": 1, "csat_positive": 1, "csat_score_sum": 5}
    agent_rows = rollup_rows.agent_hours_compute(organization_id=personas.organization.pk, start=hour,
                                                 end=hour + timedelta(hours=3))
    assert agent_rows[(hour + timedelta(hours=1), personas.agent.pk, *key)]["csat_score_sum"] == 5


@pytest.fixture
def tasks_run_at_once():
    """Celery runs a task in the caller as it is sent (the worker's job, without a worker)."""
    celery_app.app.conf.task_always_eager = True
    yield
    celery_app.app.conf.task_always_eager = False


def test_a_changed_rating_refills_the_hour_it_was_counted_in(personas, engine, served, tasks_run_at_once):
    close(engine, served, personas.agent)
    rating = SatisfactionRating.objects.get()
    answer(rating, 5)
    later = NOW + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        rollups.rollups_fill()
        with engine.commit():
            answer(rating, 1, at=later)
    hour = NOW.replace(minute=0)
    for table in (rollup_rows.QUEUE_HOURS, rollup_rows.AGENT_HOURS):
        with time_machine.travel(later, tick=False):
            computed = rollup_rows.COMPUTE[table](organization_id=personas.organization.pk, start=hour,
                                                  end=hour + timedelta(hours=1))
        assert rollup_rows.rows_stored(table, organization_id=personas.organization.pk, start=hour,
                                       end=hour + timedelta(hours=1)) == computed
    stored = rollup_rows.queue_hours_stored(organization_id=personas.organization.pk, start=hour,
                                            end=hour + timedelta(hours=1))
    assert stored[(hour, personas.queue.pk, "webchat", "chat")]["csat_score_sum"] == 1
