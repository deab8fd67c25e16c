"""The routing benchmark runs end to end on PostgreSQL: worker processes open bursts, routing
assigns them, the invariants hold, and it ends with its one summary line."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contactcenter.models import Organization

SUMMARY = re.compile(
    r"^routing: [\d.]+ assignments/s, ratio to raw update [\d.]+, p99 [\d.]+ ms "
    r"\(raw update p99 [\d.]+ ms\), violations (\d+)$"
)


def test_bench_routing_assigns_every_conversation_without_violations(needs_postgres, transactional_db, monkeypatch):
    monkeypatch.setenv("DEBUG", "1")  # its worker processes start Django afresh, outside pytest
    out = StringIO()
    call_command("bench_routing", agents=10, conversations=60, workers=2, queues=2, burst=5,
                 raw_seconds=0.2, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert SUMMARY.match(lines[-1]).group(1) == "0"
    assert any("60 conversations opened" in line and "60 assigned" in line for line in lines), lines
    assert not Organization.objects.filter(slug__startswith="bench-").exists()  # cleaned up


def test_bench_routing_refuses_impossible_sizes(transactional_db):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_routing", agents=0, allow_sqlite=True, stdout=StringIO())
    with pytest.raises(CommandError, match="chats per agent"):
        call_command("bench_routing", agents=1, conversations=1000, allow_sqlite=True, stdout=StringIO())
