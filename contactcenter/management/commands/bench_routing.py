"""Routing throughput and latency under concurrency, against the configured database.

A throwaway organization (slug bench-<random>) gets N agents signed in, logged in to every queue
and receiving new work. K worker processes (_bench_workers.py: one connection each, like the
server and Celery processes that route in production) open M conversations through the services.
By default customers arrive in bursts (`--burst`, 25 at once per worker, `conversation_open_many`):
free agents take a burst in its own transaction when nobody waits before it, the rest is routed
in batches on commit. `--arrivals single` opens them one by one (`conversation_open`, then the
router's transaction), which measures opening as much as routing.

The figures: assignments per second, routing latency from enqueued_at to assigned_at (both
stored on the conversation), and the invariants checked by SQL on the resulting rows. For scale,
K worker processes also run one-row UPDATE transactions on a scratch table in the same database:
routing is reported as a ratio of that raw write rate.
"""

import math
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from contactcenter.models import (
    AgentState,
    Contact,
    Conversation,
    Organization,
    Queue,
    QueueMembership,
    StatusInterval,
    User,
)
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services
from contactcenter.services import queues as queue_services
from contactcenter.services import sweep

from . import _bench_workers

MAX_CAPACITY = 50  # the queue form's limit: a bench must not need more per agent


def run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run target(i) in `count` threads; each closes its own connection. Returns what they raised."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# Each query returns one row per violation; the description names what it proves.
VIOLATION_QUERIES = {
    "double assignment (an agent's chat_load differs from the chats assigned to it)": """
        SELECT s.agent_id FROM contactcenter_agentstate s
        LEFT JOIN (SELECT assignee_id, medium, count(*) AS n FROM contactcenter_conversation
                   WHERE organization_id = %(org)s AND status = 'assigned' GROUP BY assignee_id, medium) c
               ON c.assignee_id = s.agent_id AND c.medium = 'chat'
        WHERE s.organization_id = %(org)s AND s.chat_load <> coalesce(c.n, 0)
    """,
    "double assignment (more than one accepted offer for a call)": """
        SELECT conversation_id FROM contactcenter_offer
        WHERE organization_id = %(org)s AND status = 'accepted'
        GROUP BY conversation_id HAVING count(*) > 1
    """,
    "capacity breach (an agent holds more open chats than its queues allow)": """
        SELECT c.assignee_id FROM contactcenter_conversation c
        JOIN contactcenter_queue q ON q.id = c.queue_id
        WHERE c.organization_id = %(org)s AND c.status = 'assigned' AND c.medium = 'chat'
        GROUP BY c.assignee_id HAVING count(*) > max(coalesce(q.capacity, 6))
        UNION ALL
        SELECT s.agent_id FROM contactcenter_agentstate s
        WHERE s.organization_id = %(org)s
          AND s.chat_load > (SELECT max(coalesce(capacity, 6)) FROM contactcenter_queue
                             WHERE organization_id = %(org)s AND kind = 'chat')
    """,
    "ineligible agent (not logged in to the queue when assigned)": """
        SELECT c.id FROM contactcenter_conversation c
        WHERE c.organization_id = %(org)s AND c.assigned_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM contactcenter_queuelogin l
            WHERE l.agent_id = c.assignee_id AND l.queue_id = c.queue_id AND l.started_at <= c.assigned_at
              AND (l.ended_at IS NULL OR l.ended_at >= c.assigned_at))
    """,
    "ineligible agent (neither Ready nor In service just before the assignment)": """
        SELECT c.id FROM contactcenter_conversation c
        WHERE c.organization_id = %(org)s AND c.assigned_at IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM contactcenter_statusinterval i
            JOIN contactcenter_statusdefinition d ON d.id = i.status_id
            WHERE i.agent_id = c.assignee_id AND d.code IN ('ready', 'in_service')
              AND i.started_at < c.assigned_at AND (i.ended_at IS NULL OR i.ended_at >= c.assigned_at))
    """,
    "ledger (an agent without exactly one open status interval)": """
        SELECT s.agent_id FROM contactcenter_agentstate s
        WHERE s.organization_id = %(org)s AND (
            SELECT count(*) FROM contactcenter_statusinterval i
            WHERE i.agent_id = s.agent_id AND i.ended_at IS NULL) <> 1
    """,
    "ledger (an interval that does not end where the next one starts)": """
        SELECT agent_id FROM (
            SELECT agent_id, ended_at, lead(started_at) OVER w AS next_start, lead(id) OVER w AS next_id
            FROM contactcenter_statusinterval WHERE organization_id = %(org)s
            WINDOW w AS (PARTITION BY agent_id ORDER BY started_at, id)) t
        WHERE next_id IS NOT NULL AND (ended_at IS NULL OR ended_at <> next_start)
    """,
}


class Command(BaseCommand):
    help = (
        "Benchmark routing: assignments per second and routing latency with concurrent arrivals, "
        "the routing invariants checked on the resulting rows, compared with raw one-row UPDATE "
        "transactions in the same database. Meant for PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=200)
        parser.add_argument("--conversations", type=int, default=6000)
        parser.add_argument("--workers", type=int, default=8, help="Client processes (one connection each).")
        parser.add_argument("--queues", type=int, default=4, help="Chat queues; every agent works all of them.")
        parser.add_argument("--arrivals", choices=("burst", "single"), default="burst",
                            help="Customers arrive in bursts (default) or one by one.")
        parser.add_argument("--burst", type=int, default=25, help="Conversations per burst (one transaction).")
        parser.add_argument("--raw-seconds", type=float, default=3.0, help="Duration of the raw UPDATE run.")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--keep", action="store_true", help="Keep the bench organization afterwards.")
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="Run on SQLite anyway (its writers are serialized: the figures mean little).",
        )

    def handle(self, *args, **options):
        agents, count, workers = options["agents"], options["conversations"], options["workers"]
        queues, raw_seconds, keep = options["queues"], options["raw_seconds"], options["keep"]
        if not settings.IS_POSTGRES and not options["allow_sqlite"]:
            raise CommandError(
                "bench_routing measures routing under concurrency and is meant for PostgreSQL, but "
                "DATABASE_URL points to SQLite. Set DATABASE_URL=postgres://… (and run migrate), or "
                "pass --allow-sqlite to run it anyway."
            )
        for name, value in (("--agents", agents), ("--conversations", count), ("--workers", workers),
                            ("--queues", queues), ("--burst", options["burst"])):  # fmt: skip
            if value < 1:
                raise CommandError(f"{name} must be at least 1.")
        if raw_seconds <= 0:
            raise CommandError("--raw-seconds must be positive.")
        # Every conversation must find a free slot, so that routing, not capacity, is measured.
        capacity = max(2, math.ceil(1.5 * count / agents))
        if capacity > MAX_CAPACITY:
            raise CommandError(
                f"{count} conversations for {agents} agents need {capacity} chats per agent "
                f"(at most {MAX_CAPACITY}): add agents or open fewer conversations."
            )
        self.rng = random.Random(options["seed"])
        self.workers = workers
        self.burst = options["burst"] if options["arrivals"] == "burst" else 1
        slug = f"bench-{secrets.token_hex(4)}"
        out = self.stdout.write
        out(
            f"bench_routing on {connection.vendor} {connection.settings_dict.get('NAME')}: {agents} agents, "
            f"{count} conversations, {workers} workers, {queues} chat queues (capacity {capacity}), "
            + (f"arrivals in bursts of {self.burst}" if self.burst > 1 else "arrivals one by one")
        )
        started = time.monotonic()
        organization = org_services.organization_create(name=f"Bench {slug}", slug=slug)
        try:
            queue_list = self.set_up(organization, agents=agents, queues=queues, capacity=capacity)
            out(f"set-up: organization {slug}, {agents} agents ready in {time.monotonic() - started:.1f} s")
            raw = self.bench_raw_update(raw_seconds)
            out(
                f"raw update: {raw['count']} transactions in {raw['seconds']:.2f} s = {raw['rate']:.0f}/s, "
                f"p50 {raw['p50']:.2f} ms, p99 {raw['p99']:.2f} ms "
                f"(one row per thread; one shared hot row: {raw['hot_rate']:.0f}/s, p99 {raw['hot_p99']:.2f} ms)"
            )
            result = self.bench_routing(organization, queue_list, count)
            out(
                f"routing: {result['opened']} conversations opened by {workers} worker processes in "
                f"{result['seconds']:.2f} s, {result['assigned']} assigned ({result['rate']:.1f} assignments/s), "
                f"{result['waiting']} still waiting when the workers ended"
            )
            out(
                f"routing latency (enqueued_at -> assigned_at): p50 {result['p50']:.1f} ms, "
                f"p90 {result['p90']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms"
            )
            if result["errors"]:
                out(self.style.ERROR(f"{len(result['errors'])} worker errors, first: {result['errors'][0]!r}"))
            violations = self.find_violations(organization, result["assigned_twice"])
            for description, rows in violations.items():
                out(f"  {description}: {len(rows)}" + (f" e.g. {rows[:5]}" if rows else ""))
            total = sum(len(rows) for rows in violations.values()) + len(result["errors"])
        finally:
            if keep:
                out(f"kept organization {slug} (id {organization.pk})")
            else:
                self.tear_down(organization)
        ratio = result["rate"] / raw["rate"] if raw["rate"] else 0.0
        out(
            f"targets: ratio {ratio:.2f} (>= 0.3), p99 {result['p99']:.1f} ms <= 20 x raw p99 = "
            f"{20 * raw['p99']:.1f} ms, violations {total} (= 0)"
        )
        out(
            f"routing: {result['rate']:.1f} assignments/s, ratio to raw update {ratio:.2f}, "
            f"p99 {result['p99']:.1f} ms (raw update p99 {raw['p99']:.2f} ms), violations {total}"
        )

    # --- Set-up and tear-down -------------------------------------------------------------------

    def set_up(self, organization: Organization, *, agents: int, queues: int, capacity: int) -> list[Queue]:
        queue_list = [
            Queue.objects.create(
                organization=organization,
                name=f"Bench chat {i + 1}",
                kind=Queue.Kind.CHAT,
                capacity=capacity,
                strategy=Queue.Strategy.LEAST_BUSY,
            )
            for i in range(queues)
        ]
        agent_ids = [
            org_services.user_create(organization=organization, username=f"{organization.slug}-agent-{i + 1}").pk
            for i in range(agents)
        ]
        QueueMembership.objects.bulk_create(
            QueueMembership(organization=organization, queue=queue, user_id=agent_id, position=position)
            for queue in queue_list
            for position, agent_id in enumerate(agent_ids)
        )

        def make_ready(index: int) -> None:
            for agent in User.objects.filter(pk__in=agent_ids[index :: self.workers]).select_related("organization"):
                agent_services.agent_sign_in(agent=agent)
                for queue in queue_list:
                    queue_services.queue_login(queue=queue, agent=agent)
                agent_services.agent_set_receive_new(agent=agent, on=True)

        errors = run_threads(self.workers, make_ready)
        if errors:
            raise CommandError(f"setting up the agents failed: {errors[0]!r}")
        return queue_list

    def tear_down(self, organization: Organization) -> None:
        started = time.monotonic()
        with transaction.atomic():
            # Rows that PROTECT what the organization's cascade deletes go first: Django's collector
            # fast-deletes them without noticing they are on their way out and refuses.
            Conversation.objects.filter(organization=organization).delete()
            StatusInterval.objects.filter(organization=organization).delete()
            AgentState.objects.filter(organization=organization).delete()
            organization.delete()
        self.stdout.write(f"deleted organization {organization.slug} in {time.monotonic() - started:.1f} s")

    # --- Raw UPDATE baseline --------------------------------------------------------------------

    def bench_raw_update(self, seconds: float) -> dict:
        table = f"bench_routing_scratch_{secrets.token_hex(4)}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, n bigint NOT NULL DEFAULT 0)")
            cursor.executemany(f"INSERT INTO {table} (id) VALUES (%s)", [[i] for i in range(self.workers + 1)])
        try:
            spread = self._run_updates(table, seconds, hot=False)
            hot = self._run_updates(table, seconds, hot=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {table}")
        return {**spread, "hot_rate": hot["rate"], "hot_p99": hot["p99"]}

    def _run_updates(self, table: str, seconds: float, *, hot: bool) -> dict:
        hot_row = self.workers if hot else None
        reports = _bench_workers.run(_bench_workers.RAW_UPDATES, [(table, seconds, hot_row)] * self.workers)
        errors = [r["error"] for r in reports if r["error"]]
        if errors:
            raise CommandError(f"the raw update run failed: {errors[0]}")
        flat = [1000 * v for report in reports for v in report["latencies"]]
        return {
            "count": len(flat),
            "seconds": seconds,
            "rate": len(flat) / seconds,
            "p50": percentile(flat, 50),
            "p99": percentile(flat, 99),
        }

    # --- Routing --------------------------------------------------------------------------------

    def bench_routing(self, organization: Organization, queue_list: list[Queue], count: int) -> dict:
        contacts = Contact.objects.bulk_create(
            Contact(organization=organization, name=f"Cliente {i + 1}") for i in range(count)
        )
        # Each burst: one queue, `self.burst` customers at once (one by one when 1).
        plan = [
            (self.rng.choice(queue_list).pk, [c.pk for c in contacts[i : i + self.burst]])
            for i in range(0, count, self.burst)
        ]
        text = "Hola, ¿me ayudáis?"
        reports = _bench_workers.run(_bench_workers.OPEN_BURSTS, [(plan[i :: self.workers], text)
                                                                  for i in range(self.workers)])
        errors = [r["error"] for r in reports if r["error"]]
        began = min((r["started"] for r in reports if r["started"]), default=0)
        elapsed = max((r["ended"] for r in reports if r["ended"]), default=0) - began
        assigned_events = Counter(pk for r in reports for pk in r["assigned"])
        rows = list(Conversation.objects.filter(organization=organization).values_list("enqueued_at", "assigned_at"))
        latencies = [1000 * (a - e).total_seconds() for e, a in rows if a is not None]
        waiting = sum(1 for _, a in rows if a is None)
        if waiting:
            sweep.sweep()  # what the periodic sweep would do; not counted in the figures
        return {
            "opened": len(rows),
            "assigned": len(latencies),
            "waiting": waiting,
            "seconds": elapsed,
            "rate": len(latencies) / elapsed if elapsed > 0 else 0.0,
            "errors": errors,
            "p50": percentile(latencies, 50) if latencies else math.nan,
            "p90": percentile(latencies, 90) if latencies else math.nan,
            "p99": percentile(latencies, 99) if latencies else math.nan,
            "max": max(latencies, default=math.nan),
            "assigned_twice": sorted(pk for pk, n in assigned_events.items() if n > 1),
        }

    def find_violations(self, organization: Organization, assigned_twice: list[int]) -> dict[str, list]:
        found = {"double assignment (conversation.assigned published twice)": assigned_twice}
        with connection.cursor() as cursor:
            for description, sql in VIOLATION_QUERIES.items():
                cursor.execute(sql, {"org": organization.pk})
                found[description] = [row[0] for row in cursor.fetchall()]
        return found
