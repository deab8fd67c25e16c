"""The supervision part of bench_pages: the supervisor overview and a queue's page, for a
queue with 10 agents and for one with 200.

Two queues are added to the bench organization: "Supervisión 10" (10 agents) and
"Supervisión 200" (200 agents), each with the same waiting customers and the same history
today, every agent a member, logged in and with an open device. Two supervisors, each assigned
to one of them, open the overview and the queue's page. What differs is only the number of
agents: the query counts must be equal (no query per agent) and the time at most twice.
"""

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcenter.models import (
    Channel,
    Contact,
    Conversation,
    Device,
    Queue,
    QueueLogin,
    QueueMembership,
    Role,
    User,
)
from contactcenter.services import organizations as org_services
from contactcenter.services import queues as queue_services

SIZES = (10, 200)
WAITING = 20  # customers waiting in each queue
SERVED_TODAY = 60  # conversations each queue served today


@dataclass
class Result:
    median: float
    cpu: float  # median CPU time of this thread: steadier than wall time on a busy machine
    queries: int
    rows: int
    kilobytes: float


class SupervisionBench:
    def __init__(self, stdout, organization, agents: list[User], runs: int):
        self.stdout = stdout
        self.organization = organization
        self.agents = agents
        self.runs = runs
        self.now = timezone.now()

    def build(self) -> dict[int, dict]:
        """One queue and one supervisor per size; returns {size: {"queue", "supervisor"}}."""
        if len(self.agents) < max(SIZES):
            raise ValueError(f"the supervision bench needs at least {max(SIZES)} agents")
        org, now = self.organization, self.now
        password = make_password(None)
        Device.objects.bulk_create([
            Device(organization=org, user=agent, channel_name=f"bench.{org.slug}.{agent.pk}",
                   user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", connected_at=now - timedelta(hours=1),
                   last_seen_at=now)
            for agent in self.agents[:max(SIZES)]
        ])
        setups = {}
        for size in SIZES:
            queue = Queue.objects.create(organization=org, name=f"Supervisión {size}", kind=Queue.Kind.CHAT)
            channel = Channel.objects.create(organization=org, kind=Channel.Kind.WEBCHAT, name=f"Web sup {size}",
                                             queue=queue)
            supervisor = User.objects.create(organization=org, username=f"{org.slug}-sup{size}", role=Role.SUPERVISOR,
                                             first_name="Supervisora", last_name=str(size), password=password)

            org_services.user_setup_defaults(user=supervisor)
            queue_services.queue_member_add(queue=queue, user=supervisor, role=QueueMembership.Role.SUPERVISOR)
            members = self.agents[:size]
            QueueMembership.objects.bulk_create([
                QueueMembership(organization=org, queue=queue, user=agent, role=QueueMembership.Role.AGENT,
                                position=i)
                for i, agent in enumerate(members)
            ])
            QueueLogin.objects.bulk_create([
                QueueLogin(organization=org, queue=queue, agent=agent, logged_in_by=agent,
                           started_at=now - timedelta(hours=1))
                for agent in members
            ])
            contacts = Contact.objects.bulk_create([
                Contact(organization=org, name=f"Cliente {size}-{i}") for i in range(WAITING + SERVED_TODAY)
            ])
            if contacts and contacts[0].pk is None:
                contacts = list(Contact.objects.filter(organization=org).order_by("-pk")[:WAITING + SERVED_TODAY])
            rows = []
            for i, contact in enumerate(contacts):
                enqueued = now - timedelta(seconds=30 + 40 * i)
                row = Conversation(organization=org, queue=queue, channel=channel, contact=contact,
                                   medium=Conversation.Medium.CHAT, enqueued_at=enqueued, last_message_at=enqueued,
                                   last_message_excerpt="Hola")
                if i >= WAITING:
                    row.status = Conversation.Status.CLOSED
                    row.assignee = members[i % len(members)]
                    row.assigned_at = enqueued + timedelta(seconds=5 + i % 40)
                    row.closed_at = row.assigned_at + timedelta(minutes=3)
                rows.append(row)
            Conversation.objects.bulk_create(rows)
            setups[size] = {"queue": queue, "supervisor": supervisor}
        return setups

    def pages(self, setup) -> list[tuple[str, str]]:
        return [
            ("Supervisión: resumen", reverse("supervision:overview")),
            ("Supervisión: cola", reverse("supervision:queue", args=[setup["queue"].pk])),
        ]

    def measure(self, setups) -> dict[int, dict[str, Result]]:
        results = {}
        for size, setup in setups.items():
            client = Client()
            client.force_login(setup["supervisor"])
            results[size] = {}
            for name, path in self.pages(setup):
                for _ in range(2):  # warm
                    self.get(client, path)
                timings, cpu = [], []
                for _ in range(self.runs):
                    t0, c0 = time.perf_counter(), time.thread_time()
                    self.get(client, path)
                    timings.append(time.perf_counter() - t0)
                    cpu.append(time.thread_time() - c0)
                with CaptureQueriesContext(connection) as ctx:
                    body = self.get(client, path).content
                rows = body.count(b'data-testid="agent-row"') + body.count(b'data-testid="queue-agent-row"')
                results[size][name] = Result(statistics.median(timings), statistics.median(cpu), len(ctx), rows,
                                             len(body) / 1024)
        return results

    @staticmethod
    def get(client, path):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return response

    def report(self, results) -> tuple[float, int, int]:
        small, large = results[SIZES[0]], results[SIZES[1]]
        self.stdout.write("")
        header = (f"{'page':<22} {'ms @10':>8} {'ms @200':>8} {'ratio':>6} {'cpu ms':>13} {'queries':>9} "
                  f"{'rows':>9} {'KB':>9}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name in small:
            a, b = small[name], large[name]
            self.stdout.write(
                f"{name:<22} {a.median * 1000:>8.1f} {b.median * 1000:>8.1f} {b.median / a.median:>6.2f} "
                f"{a.cpu * 1000:>6.1f} {b.cpu * 1000:>6.1f} {a.queries:>4} {b.queries:>4} {a.rows:>4} {b.rows:>4} "
                f"{a.kilobytes:>4.0f} {b.kilobytes:>4.0f}")
        ratio = sum(r.median for r in large.values()) / sum(r.median for r in small.values())
        queries_large = sum(r.queries for r in large.values())
        queries_small = sum(r.queries for r in small.values())
        verdict = "OK" if ratio <= 2 and queries_large == queries_small else "MISSED"
        self.stdout.write(f"supervision targets: ratio <= 2 and equal query counts: {verdict}")
        return ratio, queries_large, queries_small

    def run(self) -> str:
        setups = self.build()
        self.stdout.write(f"supervision: queues of {SIZES[0]} and {SIZES[1]} agents, {WAITING} waiting each")
        ratio, queries_large, queries_small = self.report(self.measure(setups))
        return (f"supervision ratio {ratio:.2f} ({SIZES[1]} vs {SIZES[0]} agents), "
                f"queries {queries_large} vs {queries_small}")
