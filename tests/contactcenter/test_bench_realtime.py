"""The live-update benchmark runs end to end on PostgreSQL and Redis: it starts a Daphne process,
connects supervisor and agent sockets with its own websocket client, measures status changes
reaching each of them, and ends with its one summary line."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contactcenter.models import Organization

SUMMARY = re.compile(
    r"^realtime: p50 [\d.]+ ms, p99 [\d.]+ ms, lost (\d+) of \d+, ratio p50 to raw redis [\d.]+, sockets (\d+), "
    r"KiB per socket -?\d+$"
)


def test_bench_realtime_delivers_every_change_to_every_socket(needs_postgres, needs_redis, transactional_db):
    out = StringIO()
    call_command("bench_realtime", supervisors=2, agents=3, changes=4, no_pin=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert SUMMARY.match(lines[-1]).group(2) == "5"  # 2 supervision + 3 workspace sockets, all held
    assert SUMMARY.match(lines[-1]).group(1) == "0"  # nothing lost
    assert any("missing (not in within 5 s): 0 of 12" in line for line in lines), lines  # 4 x (2 + 1)
    assert any("errors 0 (" in line for line in lines), lines
    # The promise, not a ratio to raw Redis.
    assert any(line.startswith("targets: p50 ") and "(<= 25)" in line and "(<= 100)" in line and "lost 0 (= 0)" in line
               for line in lines), lines
    assert not Organization.objects.filter(slug__startswith="bench-rt-").exists()  # cleaned up


def test_bench_realtime_refuses_to_run_without_redis(settings, transactional_db):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("bench_realtime", stdout=StringIO())
