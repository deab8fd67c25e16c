"""The reports benchmark runs end to end at a tiny size on SQLite: it generates history, fills
the rollups, times every report tab, the export and the fill of one day, and ends with its one
summary line. Its clock is pinned, so the run does not depend on today's date."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contactcenter.models import Conversation, RollupFillState, StatusInterval
from contactcenter.selectors import rollups
from tests import factories as f

SUMMARY = re.compile(
    r"^reports: 30-day p95 \d+ ms, 365-day p95 \d+ ms, export [\d.]+ s, fill of one day [\d.]+ s, "
    r"query count (\d+) \(same for 2 and 3 agents\)$"
)
TINY = {"agents": 3, "small_agents": 2, "queues": 2, "days": 3, "conversations": 200, "runs": 2}


def test_bench_reports_ends_with_its_summary_line(db):
    out = StringIO()
    call_command("bench_reports", **TINY, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert int(SUMMARY.match(lines[-1]).group(1)) > 0
    assert any(line.startswith("overview ") for line in lines), lines
    assert "check: the last two days' rollups against the raw rows: match" in lines
    # The extra day measured by the fill is gone again: the history ends at the pinned now.
    newest = Conversation.objects.order_by("-enqueued_at").values_list("enqueued_at", flat=True).first()
    assert newest.isoformat() < "2026-03-11T10:20"
    assert not StatusInterval.objects.filter(ended_at__gt="2026-03-11T10:20Z").exists()
    marks = {s.table: s.filled_until.isoformat() for s in RollupFillState.objects.all()}
    assert {marks[table] for table in rollups.TABLES} == {"2026-03-11T10:00:00+00:00"}
    assert {marks[table] for table in rollups.DAY_TABLES.values()} == {"2026-03-11T00:00:00+00:00"}


def test_bench_reports_keep_reuses_the_history_and_rollups(db):
    call_command("bench_reports", **TINY, stdout=StringIO())
    conversations = Conversation.objects.count()
    out = StringIO()
    call_command("bench_reports", **TINY, keep=True, stdout=out)
    assert "reusing the history of an earlier run (--keep)" in out.getvalue()
    assert "rollups: reused from an earlier run" in out.getvalue()
    assert Conversation.objects.count() == conversations


def test_bench_reports_refuses_a_database_with_other_organizations(db):
    f.OrganizationFactory()
    with pytest.raises(CommandError, match="database of its own"):
        call_command("bench_reports", **TINY, stdout=StringIO())
