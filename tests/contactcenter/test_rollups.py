"""The reports' rollups (services/rollups.py): a hand-made history whose right answers are written
here, idempotent fills, hour splitting of the status ledger as a property over random ledgers,
and the reports_check reconciliation. All times are fixed in the past (no test depends on today,
and the suite also runs under a moved clock)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter import celery as celery_app
from contactcenter import tasks
from contactcenter.models import (
    AgentDay,
    AgentHour,
    AgentStatusDay,
    AgentStatusHour,
    Conversation,
    OutcomeDay,
    OutcomeHour,
    QueueDay,
    QueueHour,
    RollupFillState,
    StatusDefinition,
    StatusInterval,
)
from contactcenter.selectors import rollups as rollup_rows
from contactcenter.services import conversations, jobs, rollups
from tests import factories as f

T = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
S = 1_000_000  # microseconds in a second


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return T + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def status(org, code: str) -> StatusDefinition:
    return StatusDefinition.objects.get(organization=org, code=code)


def ledger(agent, *steps: tuple[str, datetime], open_end: bool = True, end: datetime | None = None) -> None:
    """Replace the agent's ledger with intervals (code, from) each ending where the next starts."""
    StatusInterval.objects.filter(agent=agent).delete()
    for (code, start), following in zip(steps, [*steps[1:], None], strict=True):
        ended = following[1] if following else (None if open_end else end)
        StatusInterval.objects.create(organization=agent.organization, agent=agent,
                                      status=status(agent.organization, code), started_at=start, ended_at=ended,
                                      source="system")


@pytest.fixture
def history(personas):
    """One morning: two chat conversations served (one late), one abandoned, one transfer, a call
    still on; ana's ledger from 09:00 with an In service interval across 10:00 and Ready still open."""
    p = personas
    chat, voice = p.queue, p.other_queue  # chat (target unset: 60 s), voice (unset: 20 s)
    web = f.ChannelFactory(organization=p.organization, queue=chat, kind="webchat")
    served = f.ConversationFactory(queue=chat, channel=web, enqueued_at=at(minutes=10),
                                   assigned_at=at(minutes=10, seconds=30), first_response_at=at(minutes=11),
                                   closed_at=at(minutes=20), wrapup_ended_at=at(minutes=21), status="closed",
                                   assignee=p.agent)
    late = f.ConversationFactory(queue=chat, channel=web, enqueued_at=at(minutes=50), assigned_at=at(1, 1, 40),
                                 first_response_at=at(1, 2), closed_at=at(1, 30), status="closed", assignee=p.agent)
    f.ConversationFactory(queue=chat, channel=web, enqueued_at=at(1, 5), closed_at=at(1, 6), abandoned_at=at(1, 6),
                          status="abandoned")
    f.ConversationFactory(queue=voice, enqueued_at=at(minutes=30), assigned_at=at(minutes=30, seconds=15),
                          status="assigned", assignee=p.colleague)
    f.TransferFactory(conversation=late, from_agent=p.colleague, from_queue=voice, to_queue=chat, status="completed",
                      created_at=at(1, 15), resolved_at=at(1, 15))
    f.TransferFactory(conversation=served, from_agent=p.agent, to_queue=chat, status="failed",
                      created_at=at(1, 16), resolved_at=at(1, 16))
    ledger(p.agent, ("ready", at()), ("in_service", at(minutes=10, seconds=30)), ("after_service", at(1, 30)),
           ("ready", at(1, 31)))
    StatusInterval.objects.filter(agent__in=[p.colleague, p.supervisor, p.admin]).delete()
    return p, chat, voice


def counters(**given) -> dict:
    return dict.fromkeys(rollup_rows.QUEUE_COUNTERS, 0) | given


def expected_queue_rows(chat, voice) -> dict:
    return {
        (at(), chat.pk, "webchat", "chat"): counters(
            offered=2, handled=1, answered_in_target=1, wait_us=30 * S, wait_count=1, first_response_us=30 * S,
            first_response_count=1, closed=1, handle_us=570 * S, handle_count=1, resolution_us=600 * S,
            after_service_us=60 * S, after_service_count=1, wait_le_30=1),
        (at(1), chat.pk, "webchat", "chat"): counters(
            offered=1, handled=1, answered_in_target=0, wait_us=700 * S, wait_count=1, first_response_us=20 * S,
            first_response_count=1, closed=1, handle_us=1700 * S, handle_count=1, resolution_us=2400 * S,
            abandoned=1, transfers_in=1, wait_le_1800=1),
        (at(1), voice.pk, "webchat", "chat"): counters(transfers_out=1),
        (at(), voice.pk, "", "voice"): counters(offered=1, handled=1, answered_in_target=1, wait_us=15 * S,
                                                wait_count=1, wait_le_20=1),
    }


def expected_agent_rows(org, agent) -> dict:
    ready, busy, wrap = (status(org, code).pk for code in ("ready", "in_service", "after_service"))
    return {
        (at(), agent.pk, ready): {"microseconds": 630 * S, "entries": 1},
        (at(), agent.pk, busy): {"microseconds": 2970 * S, "entries": 1},
        (at(1), agent.pk, busy): {"microseconds": 1800 * S, "entries": 0},
        (at(1), agent.pk, wrap): {"microseconds": 60 * S, "entries": 1},
        (at(1), agent.pk, ready): {"microseconds": 1740 * S, "entries": 1},
        (at(2), agent.pk, ready): {"microseconds": 3600 * S, "entries": 0},
    }


def stored(org) -> tuple[dict, dict]:
    return (rollup_rows.queue_hours_stored(organization_id=org.pk, start=at(-24), end=at(24)),
            rollup_rows.agent_status_hours_stored(organization_id=org.pk, start=at(-24), end=at(24)))


def test_the_fill_stores_the_hand_computed_figures_and_moves_the_marks(history):
    p, chat, voice = history
    assert rollups.rollups_fill(now=at(3, 10)) > 0
    queue_rows, agent_rows = stored(p.organization)
    assert queue_rows == expected_queue_rows(chat, voice)
    assert agent_rows == expected_agent_rows(p.organization, p.agent)
    # The hours up to 12:00; no whole day yet (the day tables start at the first hour's day).
    assert {s.table: s.filled_until for s in RollupFillState.objects.all()} == {
        table: at(3) for table in rollup_rows.TABLES} | {
        table: at(-9) for table in rollup_rows.DAY_TABLES.values()}


def test_each_agents_hour_adds_up_to_the_whole_hour(history):
    p, _, _ = history
    rollups.rollups_fill(now=at(3))
    for hour in (at(), at(1), at(2)):
        assert sum(r.microseconds for r in AgentStatusHour.objects.filter(agent=p.agent, hour=hour)) == 3600 * S


def test_filling_again_and_refilling_leave_the_same_rows(history):
    p, _, _ = history
    rollups.rollups_fill(now=at(3))
    before = stored(p.organization)
    counts = (QueueHour.objects.count(), AgentStatusHour.objects.count())
    assert rollups.rollups_fill(now=at(3)) == 0
    for hour in (at(), at(1), at(2)):
        rollups.rollup_fill_hour(organization=p.organization, hour=hour)
        rollups.rollup_fill_hour(organization=p.organization, hour=hour)
    assert rollups.rollups_refill(organization=p.organization, start=at(), end=at(5)) == 12  # 3 filled hours × 4 tables
    assert stored(p.organization) == before
    assert (QueueHour.objects.count(), AgentStatusHour.objects.count()) == counts


def test_a_late_correction_is_picked_up_by_a_refill(history):
    p, chat, _ = history
    rollups.rollups_fill(now=at(3))
    f.ConversationFactory(queue=chat, enqueued_at=at(minutes=1), closed_at=at(minutes=2), abandoned_at=at(minutes=2),
                          status="abandoned")
    assert rollups.rollups_compare(organization=p.organization, start=at(), end=at(3))
    rollups.rollups_refill(organization=p.organization, start=at(), end=at(1))
    assert rollups.rollups_compare(organization=p.organization, start=at(), end=at(3)) == []
    assert QueueHour.objects.get(hour=at(), queue=chat, channel_kind="").abandoned == 1


def test_hours_are_utc_aligned_and_only_closed_ones_are_filled(history):
    p, _, _ = history
    with pytest.raises(ValueError):
        rollups.rollup_fill_hour(organization=p.organization, hour=at(minutes=30))
    with pytest.raises(ValueError):
        rollups.rollup_fill_hour(organization=p.organization, hour=datetime(2099, 1, 1, tzinfo=UTC))
    assert rollup_rows.hour_floor(datetime(2025, 3, 10, 15, 45, tzinfo=UTC) + timedelta(hours=5, minutes=30)) == at(12)
    rollups.rollups_fill(now=at(2, 59))
    assert rollup_rows.fill_mark(rollup_rows.QUEUE_HOURS) == at(2)  # 11:00-12:00 is not over at 11:59


def test_reports_check_finds_nothing_after_a_fill_and_every_tampered_row(history, capsys):
    p, chat, _ = history
    rollups.rollups_fill(now=at(3))
    call_command("reports_check", "--from", "2025-03-10", "--to", "2025-03-10", "--organization", p.organization.slug)
    assert "No differences" in capsys.readouterr().out
    QueueHour.objects.filter(hour=at(), queue=chat).update(offered=5)
    AgentStatusHour.objects.filter(hour=at(2)).delete()
    with pytest.raises(SystemExit) as exit_info:
        call_command("reports_check", "--from", "2025-03-10", "--to", "2025-03-10")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "offered stored 5 ≠ raw 2" in out
    assert "agent_status_hours 2025-03-10 11:00Z" in out and "missing" in out
    assert "2 difference(s)" in out


# --- Properties -------------------------------------------------------------------------------------

CODES = ["ready", "in_service", "after_service", "online", "dnd", "offline", "no_answer"]

ledgers = st.tuples(
    st.integers(0, 3 * 3600 * S),  # where the first interval starts after T, in microseconds
    st.lists(st.tuples(st.sampled_from(CODES), st.integers(0, 3 * 3600 * S)), min_size=1, max_size=12),
    st.booleans(),  # the last interval is still open
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger_spec=ledgers)
def test_random_ledgers_split_into_hours_that_add_up_to_the_agents_existence(personas, ledger_spec):
    offset, steps, still_open = ledger_spec
    agent, org = personas.agent, personas.organization
    start = T + timedelta(microseconds=offset)
    moments = [start]
    for _, length in steps:
        moments.append(moments[-1] + timedelta(microseconds=length))
    ledger(agent, *[(code, moments[i]) for i, (code, _) in enumerate(steps)], open_end=still_open, end=moments[-1])
    existence_end = T + timedelta(days=3) if still_open else moments[-1]  # the range end clips an open one
    range_start, range_end = T - timedelta(hours=1), T + timedelta(days=3)

    rows = rollup_rows.agent_status_hours_compute(organization_id=org.pk, start=range_start, end=range_end,
                                              now=T + timedelta(days=30))
    for hour in rollup_rows.hours_between(range_start, range_end):
        lived = max(timedelta(0), min(hour + rollup_rows.HOUR, existence_end) - max(hour, start))
        got = sum(v["microseconds"] for (h, a, _), v in rows.items() if h == hour and a == agent.pk)
        assert got == lived // timedelta(microseconds=1), hour
    assert sum(v["entries"] for v in rows.values()) == len(steps)

    AgentStatusHour.objects.all().delete()
    for hour in rollup_rows.hours_between(start, min(existence_end, range_end) + timedelta(microseconds=1)):
        rollups.rollup_fill_hour(organization=org, hour=hour, tables=[rollup_rows.AGENT_STATUS_HOURS])
    assert rollup_rows.agent_status_hours_stored(organization_id=org.pk, start=range_start, end=range_end) == {
        key: value for key, value in rollup_rows.agent_status_hours_compute(
            organization_id=org.pk, start=range_start, end=range_end).items()
    }


conversation_specs = st.lists(
    st.tuples(
        st.integers(0, 5 * 3600), st.one_of(st.none(), st.integers(0, 4000)),
        st.one_of(st.none(), st.integers(0, 4000)), st.one_of(st.none(), st.integers(0, 7200)), st.booleans(),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=conversation_specs)
def test_hour_by_hour_fills_equal_the_raw_recomputation_of_random_conversations(personas, specs):
    org, chat = personas.organization, personas.queue
    Conversation.objects.filter(organization=org).delete()
    for enqueue, assign, respond, close, abandons in specs:
        enqueued = T + timedelta(seconds=enqueue, microseconds=enqueue % 7)
        if assign is None:
            closed = enqueued + timedelta(seconds=close) if close is not None else None
            f.ConversationFactory(queue=chat, enqueued_at=enqueued, closed_at=closed,
                                  abandoned_at=closed if abandons else None,
                                  status=("abandoned" if abandons else "closed") if closed else "queued")
            continue
        assigned = enqueued + timedelta(seconds=assign)
        first = assigned + timedelta(seconds=respond) if respond is not None else None
        closed = assigned + timedelta(seconds=close) if close is not None else None
        f.ConversationFactory(queue=chat, enqueued_at=enqueued, assigned_at=assigned, first_response_at=first,
                              closed_at=closed, status="closed" if closed else "assigned", assignee=personas.agent)
    QueueHour.objects.all().delete()
    start, end = T, T + timedelta(hours=10)
    for hour in rollup_rows.hours_between(start, end):
        rollups.rollup_fill_hour(organization=org, hour=hour, tables=[rollup_rows.QUEUE_HOURS])
    raw = rollup_rows.queue_hours_compute(organization_id=org.pk, start=start, end=end)
    assert rollup_rows.queue_hours_stored(organization_id=org.pk, start=start, end=end) == raw
    assert sum(row["offered"] for row in raw.values()) == len(specs)


def test_the_service_level_target_defaults_by_kind(personas):
    chat, voice = personas.queue, personas.other_queue
    assert (chat.service_level_seconds, chat.effective_service_level_seconds) == (None, 60)
    assert voice.effective_service_level_seconds == 20
    voice.service_level_seconds = 45
    assert voice.effective_service_level_seconds == 45


def test_one_row_per_queue_hour_and_per_agent_status_hour(history):
    p, chat, _ = history
    rollups.rollups_fill(now=at(3))
    row = QueueHour.objects.filter(hour=at(), queue=chat).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueHour.objects.create(organization=p.organization, hour=row.hour, queue=chat,
                                 channel_kind=row.channel_kind, medium=row.medium)
    QueueHour.objects.create(organization=p.organization, hour=row.hour, queue=chat, channel_kind="api",
                             medium=row.medium)  # another channel kind: its own row
    spent = AgentStatusHour.objects.filter(agent=p.agent).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AgentStatusHour.objects.create(organization=p.organization, hour=spent.hour, agent=p.agent,
                                       status=spent.status)


def test_a_madrid_day_across_the_dst_change_sums_its_23_utc_hours(personas):
    """Day boundaries are the presentation's: a local day is a range of UTC hours, so the spring
    change day in Madrid has 23 of them and an agent there all day spent exactly 23 hours."""
    madrid = ZoneInfo("Europe/Madrid")
    day_start = datetime(2025, 3, 30, tzinfo=madrid).astimezone(UTC)
    day_end = datetime(2025, 3, 31, tzinfo=madrid).astimezone(UTC)
    ledger(personas.agent, ("ready", day_start - timedelta(hours=5)),
           ("dnd", day_start + timedelta(hours=7, seconds=1)), open_end=False, end=day_end + timedelta(hours=2))
    StatusInterval.objects.exclude(agent=personas.agent).delete()
    assert rollups.rollups_fill(now=day_end + timedelta(hours=3)) > 0
    hours = rollup_rows.hours_between(day_start, day_end)
    assert len(hours) == 23
    spent = AgentStatusHour.objects.filter(agent=personas.agent, hour__gte=day_start, hour__lt=day_end)
    assert sum(row.microseconds for row in spent) == 23 * 3600 * S
    assert sum(row.microseconds for row in spent if row.status.code == "ready") == (7 * 3600 + 1) * S


def test_the_periodic_task_fills_up_to_the_current_hour(personas):
    StatusInterval.objects.all().delete()
    Conversation.objects.all().delete()
    tasks.rollups_fill.apply()
    current = rollup_rows.hour_floor(timezone.now())
    # An hour may turn meanwhile.
    assert rollup_rows.fill_mark(rollup_rows.QUEUE_HOURS) in (current, current - rollup_rows.HOUR)
    assert rollup_rows.fill_mark(rollup_rows.AGENT_STATUS_HOURS) is not None


@pytest.mark.django_db
def test_the_fill_is_on_the_beat_schedule():
    app = celery_app.app
    app.loader.import_default_modules()
    app.finalize()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule[jobs.ROLLUPS_FILL] == 300.0


# --- Agents' work and outcomes ----------------------------------------------------------------------


def work(**given) -> dict:
    return dict.fromkeys(rollup_rows.AGENT_WORK_COUNTERS, 0) | given


def test_agent_hours_count_what_each_agent_took_answered_closed_wrapped_up_and_transferred(history):
    p, chat, voice = history
    rollups.rollups_fill(now=at(3))
    assert rollup_rows.rows_stored(rollup_rows.AGENT_HOURS, organization_id=p.organization.pk, start=at(-1),
                                   end=at(3)) == {
        (at(), p.agent.pk, chat.pk, "webchat", "chat"): work(
            handled=1, first_response_us=30 * S, first_response_count=1, closed=1, handle_us=570 * S,
            after_service_us=60 * S, after_service_count=1),
        (at(1), p.agent.pk, chat.pk, "webchat", "chat"): work(
            handled=1, first_response_us=20 * S, first_response_count=1, closed=1, handle_us=1700 * S),
        (at(), p.colleague.pk, voice.pk, "", "voice"): work(handled=1),
        (at(1), p.colleague.pk, voice.pk, "webchat", "chat"): work(transfers_out=1),
    }


def test_outcome_hours_count_dispositions_and_tags_of_the_conversations_closed_in_the_hour(history):
    p, chat, _ = history
    sold, billing = f.DispositionFactory(organization=p.organization), f.TagFactory(organization=p.organization)
    served, late = Conversation.objects.filter(queue=chat, status="closed").order_by("enqueued_at")
    Conversation.objects.filter(pk=served.pk).update(disposition=sold)
    served.tags.add(billing)
    late.tags.add(billing)
    rollups.rollups_fill(now=at(3))
    assert rollup_rows.rows_stored(rollup_rows.OUTCOME_HOURS, organization_id=p.organization.pk, start=at(-1),
                                   end=at(3)) == {
        (at(), chat.pk, p.agent.pk, "webchat", sold.pk, None): {"conversations": 1},
        (at(), chat.pk, p.agent.pk, "webchat", None, billing.pk): {"conversations": 1},
        (at(1), chat.pk, p.agent.pk, "webchat", None, billing.pk): {"conversations": 1},
    }


@pytest.fixture
def tasks_run_at_once():
    """Celery runs a task in the caller as it is sent (the worker's job, without a worker)."""
    app = celery_app.app
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_disposition_saved_after_the_hour_was_filled_refills_that_hour(history, tasks_run_at_once,
                                                                         django_capture_on_commit_callbacks):
    p, chat, _ = history
    sold = f.DispositionFactory(organization=p.organization)
    chat.dispositions.add(sold)
    type(p.organization).objects.filter(pk=p.organization.pk).update(dispositions_enabled=True)
    type(chat).objects.filter(pk=chat.pk).update(after_service_seconds=30)
    rollups.rollups_fill(now=at(3))
    served = Conversation.objects.filter(queue=chat, status="closed").order_by("enqueued_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        conversations.conversation_set_disposition(conversation=served, disposition=sold, by=p.agent)
    assert rollups.rollups_compare(organization=p.organization, start=at(), end=at(3)) == []
    assert rollup_rows.rows_stored(rollup_rows.OUTCOME_HOURS, organization_id=p.organization.pk, start=at(),
                                   end=at(1)) == {(at(), chat.pk, p.agent.pk, "webchat", sold.pk, None):
                                                  {"conversations": 1}}


def test_a_correction_after_the_fill_mark_waits_for_its_turn(history, django_capture_on_commit_callbacks):
    p, _, _ = history
    rollups.rollups_fill(now=at(3))
    with django_capture_on_commit_callbacks() as callbacks:
        rollups.rollups_refill_later(organization_id=p.organization.pk, moments=[at(3, 30), None])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        rollups.rollups_refill_later(organization_id=p.organization.pk, moments=[at(1, 5), at(1, 50)])
    assert len(callbacks) == 1  # one task for both moments of the same hour


def test_wait_columns_put_each_wait_in_its_bucket():
    assert rollup_rows.wait_column(timedelta(seconds=10)) == "wait_le_10"
    assert rollup_rows.wait_column(timedelta(seconds=10, microseconds=1)) == "wait_le_20"
    assert rollup_rows.wait_column(timedelta(seconds=1800)) == "wait_le_1800"
    assert rollup_rows.wait_column(timedelta(hours=2)) == "wait_over_1800"


def test_one_agent_hour_per_queue_channel_and_medium_and_an_outcome_is_a_disposition_or_a_tag(history):
    p, chat, _ = history
    rollups.rollups_fill(now=at(3))
    row = AgentHour.objects.filter(agent=p.agent).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AgentHour.objects.create(organization=p.organization, hour=row.hour, agent=p.agent, queue=row.queue,
                                 channel_kind=row.channel_kind, medium=row.medium)
    sold, billing = f.DispositionFactory(organization=p.organization), f.TagFactory(organization=p.organization)
    for disposition, tag in ((sold, billing), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            OutcomeHour.objects.create(organization=p.organization, hour=at(), queue=chat, disposition=disposition,
                                       tag=tag)


def test_a_backlog_is_filled_a_day_per_transaction_with_the_figures_of_hour_by_hour(history):
    p, _, _ = history
    first = {table: rollups.first_hour(table) for table in rollup_rows.TABLES}
    with CaptureQueriesContext(connection) as queries:
        filled = rollups.rollups_fill(now=at(50))
    marks_moved = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "contactcenter_rollupfillstate"')]
    assert filled == sum((at(50) - start) // rollup_rows.HOUR for start in first.values())
    days = 2 * len(rollup_rows.TABLES)  # the 10th and the 11th, whole by 12 March 11:00, a mark move each
    assert len(marks_moved) == sum(-(-(at(50) - start) // rollups.CATCHUP) for start in first.values()) + days
    assert rollups.rollups_compare(organization=p.organization, start=at(-24), end=at(50)) == []
    assert stored(p.organization)[0] == expected_queue_rows(*history[1:])


# --- Days ---------------------------------------------------------------------------------------------

MIDNIGHT = datetime(2025, 3, 10, tzinfo=UTC)  # the history's UTC day


def test_a_whole_filled_day_is_stored_as_the_sum_of_its_hours(history):
    p, chat, voice = history
    rollups.rollups_fill(now=at(40))  # 12 March 01:00: the 10th and the 11th are whole
    assert {table: rollup_rows.fill_mark(table) for table in rollup_rows.DAY_TABLES.values()} == {
        table: MIDNIGHT + 2 * rollup_rows.DAY for table in rollup_rows.DAY_TABLES.values()}
    for table in rollup_rows.TABLES:
        hours = rollup_rows.rows_stored(table, organization_id=p.organization.pk, start=MIDNIGHT,
                                        end=MIDNIGHT + 2 * rollup_rows.DAY)
        assert hours or table == rollup_rows.OUTCOME_HOURS  # the morning has no disposition or tag
        assert rollup_rows.days_stored(table, organization_id=p.organization.pk, start=MIDNIGHT,
                                       end=MIDNIGHT + 2 * rollup_rows.DAY) == rollup_rows.by_day(table, hours)
    # The hand-computed hours of the chat queue's web chats, added up: 2 offered at 09:00, 1 at 10:00.
    day = QueueDay.objects.get(day=MIDNIGHT, queue=chat, channel_kind="webchat", medium="chat")
    expected = [c for (hour, queue, kind, medium), c in expected_queue_rows(chat, voice).items()
                if (queue, kind, medium) == (chat.pk, "webchat", "chat")]
    assert day.offered == sum(c["offered"] for c in expected) > 0
    assert day.wait_us == sum(c["wait_us"] for c in expected)


def test_a_day_not_over_in_every_hour_is_not_stored(history):
    rollups.rollups_fill(now=at(14, 59))  # the 10th's last hour (23:00) is still open
    assert not QueueDay.objects.exists()
    assert rollup_rows.fill_mark(rollup_rows.DAY_TABLES[rollup_rows.QUEUE_HOURS]) == MIDNIGHT


def test_a_refilled_hour_refills_its_stored_day(history):
    p, chat, _ = history
    rollups.rollups_fill(now=at(40))
    f.ConversationFactory(queue=chat, enqueued_at=at(minutes=1), closed_at=at(minutes=2), abandoned_at=at(minutes=2),
                          status="abandoned")
    rollups.rollups_refill(organization=p.organization, start=at(), end=at(1))
    assert QueueDay.objects.get(day=MIDNIGHT, queue=chat, channel_kind="").abandoned == 1
    assert rollups.rollups_compare(organization=p.organization, start=MIDNIGHT, end=at(40)) == []


def test_reports_check_compares_the_day_tables_too(history, capsys):
    p, chat, _ = history
    rollups.rollups_fill(now=at(40))
    call_command("reports_check", "--from", "2025-03-10", "--to", "2025-03-11")
    assert "No differences" in capsys.readouterr().out
    QueueDay.objects.filter(day=MIDNIGHT, queue=chat, channel_kind="webchat").update(offered=99)
    with pytest.raises(SystemExit):
        call_command("reports_check", "--from", "2025-03-10", "--to", "2025-03-11")
    out = capsys.readouterr().out
    assert "queue_days 2025-03-10 00:00Z" in out and "offered stored 99" in out
    assert "1 difference(s)" in out


def test_one_row_per_key_and_day_in_each_day_table_and_an_outcome_day_is_a_disposition_or_a_tag(history):
    p, chat, _ = history
    rollups.rollups_fill(now=at(40))
    for model, fields in (
            (QueueDay, ("queue", "channel_kind", "medium")), (AgentStatusDay, ("agent", "status")),
            (AgentDay, ("agent", "queue", "channel_kind", "medium"))):
        row = model.objects.filter(day=MIDNIGHT).first()
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(organization=p.organization, day=MIDNIGHT,
                                 **{name: getattr(row, name) for name in fields})
    tag, disposition = f.TagFactory(organization=p.organization), f.DispositionFactory(organization=p.organization)
    for both_or_neither in ({"tag": tag, "disposition": disposition}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            OutcomeDay.objects.create(organization=p.organization, day=MIDNIGHT, queue=chat, **both_or_neither)
    OutcomeDay.objects.create(organization=p.organization, day=MIDNIGHT, queue=chat, tag=tag, conversations=1)
