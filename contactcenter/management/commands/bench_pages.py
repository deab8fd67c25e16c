"""How the agent workspace's pages scale with the size of the organization.

A throwaway organization (slug bench-pages-<random>) gets 200 agents, all logged in to 4 chat
queues. One of them is measured: their "Asignado a mí" list, "Sin asignar", an open conversation
(50 messages) and the htmx "lists" region, rendered through django.test.Client (the full
middleware stack and templates), first with 100 conversations in the organization, then with
10,000. What the measured agent sees is the same size in both (their 6 chats, full pages of
waiting chats); only the organization around them grows. For each page: the median server time
of ~15 runs and the number of queries; also the median time spent in SQL, the items listed (the
same in both rounds, or the comparison is off), the page size, and the queries whose time grew
most, to show where a miss comes from.

The summary line compares the two: the ratio of the summed medians (target <= 1.5) and the total
query counts (target: equal). It goes on with the supervision pages (_bench_supervision.py): the
overview and a queue's page for a queue of 200 agents versus one of 10 (targets: ratio <= 2 and
equal query counts).
"""

import random
import secrets
import statistics
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcenter.management.commands._bench_supervision import SupervisionBench
from contactcenter.models import (
    AgentState,
    Channel,
    Contact,
    Conversation,
    Device,
    Message,
    Queue,
    QueueLogin,
    QueueMembership,
    Role,
    StatusDefinition,
    StatusInterval,
    StatusSource,
    User,
)
from contactcenter.services import organizations as org_services

FIRST = ["Carmen", "Javier", "Rosa", "Andrés", "Isabel", "Tomás", "Nuria", "Raúl", "Pilar", "Óscar",
         "Lucía", "Diego", "Marta", "Jorge", "Elena", "Pablo"]
LAST = ["Ortega", "Molina", "Delgado", "Ramos", "Herrera", "Cruz", "Iglesias", "Medina", "Prieto", "Gil"]
TEXTS = [
    "Hola, quería información sobre mi factura.",
    "¿Podéis ayudarme a cambiar mi tarifa?",
    "No me funciona la conexión desde ayer.",
    "Buenas, ¿cuál es el horario de la tienda?",
    "Quiero darme de baja del servicio.",
    "¿Tenéis alguna oferta para clientes nuevos?",
]
QUEUE_NAMES = ["Ventas", "Soporte", "Facturación", "Bajas"]
MY_CHATS = 6  # the measured agent's own open chats: a full chat capacity
BATCH = 2000


class SqlTimer:
    """A connection.execute_wrapper that records (sql, seconds) for every query."""

    def __init__(self, into: list):
        self.into = into

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.into.append((sql, time.perf_counter() - t0))


def short_sql(sql: str, width: int = 150) -> str:
    """SELECT <columns> FROM ... -> SELECT … FROM ..., on one line."""
    sql = " ".join(sql.split()).replace('"', "")
    if sql.startswith("SELECT ") and " FROM " in sql:
        head, _sep, rest = sql.partition(" FROM ")
        columns = head.removeprefix("SELECT ")
        if len(columns) > 40 and not columns.startswith(("COUNT", "AVG")):
            sql = "SELECT … FROM " + rest
    return sql[:width]


class Command(BaseCommand):
    help = "Render the agent workspace with 100 and with 10,000 conversations in the organization."

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=200)
        parser.add_argument("--queues", type=int, default=4)
        parser.add_argument("--small", type=int, default=100, help="Conversations in the first round.")
        parser.add_argument("--large", type=int, default=10_000, help="Conversations in the second round.")
        parser.add_argument("--runs", type=int, default=15, help="Timed renders per page.")
        parser.add_argument("--messages", type=int, default=50, help="Messages in the open conversation.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Keep the bench organization afterwards.")
        parser.add_argument("--only", choices=["all", "workspace", "supervision"], default="all",
                            help="Measure the workspace, the supervision pages, or both.")

    def handle(self, *args, agents, queues, small, large, runs, messages, seed, keep, only="all", **options):
        if not 2 <= agents <= 5000:
            raise CommandError("--agents must be between 2 and 5000.")
        if not 1 <= queues <= len(QUEUE_NAMES):
            raise CommandError(f"--queues must be between 1 and {len(QUEUE_NAMES)}.")
        if not 50 <= small < large <= 1_000_000:
            raise CommandError("--small must be at least 50 and below --large (at most 1,000,000).")
        if not 3 <= runs <= 1000:
            raise CommandError("--runs must be between 3 and 1000.")
        self.rng = random.Random(seed)
        self.now = timezone.now()
        slug = f"bench-pages-{secrets.token_hex(4)}"
        started = time.monotonic()
        organization = org_services.organization_create(name=f"Bench pages {slug[-8:]}", slug=slug)
        self.stdout.write(f"organization {slug} on {connection.vendor}")
        try:
            self.build_people(organization, agents, queues)
            self.stdout.write(f"{agents} agents logged in to {queues} queues in {time.monotonic() - started:.1f} s")
            self.open_chat = None
            results = {}
            summary = []
            if only in ("all", "workspace"):
                for total in (small, large):
                    t0 = time.monotonic()
                    self.grow_to(total, messages)
                    self.analyze()
                    self.stdout.write(f"{total:,} conversations in the organization "
                                      f"(built in {time.monotonic() - t0:.1f} s)")
                    results[total] = self.measure(runs)
                summary.append(self.report(results, small, large))
            if only in ("all", "supervision"):

                bench = SupervisionBench(self.stdout, organization, self.agents, runs)
                summary.append(bench.run())
            self.stdout.write("pages: " + "; ".join(summary))
        finally:
            if keep:
                self.stdout.write(f"kept organization {slug}")
            else:
                self.delete(organization)

    # --- Data ---------------------------------------------------------------------------------------

    def build_people(self, organization, agent_count, queue_count):
        org = organization
        statuses = {s.code: s for s in StatusDefinition.objects.filter(organization=org)}
        for position, name in enumerate(["Descanso", "Formación"]):
            StatusDefinition.objects.create(organization=org, kind=StatusDefinition.Kind.PAUSE, code=f"p{position}",
                                            name=name, position=10 + position)
        self.queues = [Queue.objects.create(organization=org, name=name, kind=Queue.Kind.CHAT)
                       for name in QUEUE_NAMES[:queue_count]]
        self.channels = [Channel.objects.create(organization=org, kind=Channel.Kind.WEBCHAT, name=f"Web {q.name}",
                                                queue=q) for q in self.queues]
        password = make_password(None)
        users = User.objects.bulk_create([
            User(organization=org, username=f"{org.slug}-a{i:04d}", first_name=self.rng.choice(FIRST),
                 last_name=self.rng.choice(LAST), role=Role.AGENT, password=password, is_active=True)
            for i in range(agent_count)
        ])
        if users[0].pk is None:  # a backend that does not return ids from bulk inserts
            users = list(User.objects.filter(organization=org).order_by("pk"))
        self.agents = users
        self.agent = users[0]
        since = self.now - timedelta(hours=2)
        working = [statuses["ready"], statuses["in_service"], statuses["in_service"], statuses["online"]]
        states, intervals = [], []
        for i, user in enumerate(users):
            status = statuses["in_service"] if i == 0 else self.rng.choice(working)
            states.append(AgentState(organization=org, agent=user, status=status, since=since,
                                     receive_new=status.code != "online",
                                     chat_load=MY_CHATS if i == 0 else self.rng.randrange(0, 6)))
            intervals.append(StatusInterval(organization=org, agent=user, status=status, started_at=since,
                                            source=StatusSource.AGENT, reason="bench"))
        AgentState.objects.bulk_create(states, batch_size=BATCH)
        StatusInterval.objects.bulk_create(intervals, batch_size=BATCH)
        QueueMembership.objects.bulk_create([
            QueueMembership(organization=org, queue=q, user=u, role=QueueMembership.Role.AGENT, position=i)
            for q in self.queues for i, u in enumerate(users)
        ], batch_size=BATCH)
        QueueLogin.objects.bulk_create([
            QueueLogin(organization=org, queue=q, agent=u, logged_in_by=u, started_at=since)
            for q in self.queues for u in users
        ], batch_size=BATCH)
        self.organization = org
        self.created = 0

    def grow_to(self, total, message_count):
        """Add conversations until the organization has `total`. The measured agent's view stays
        the same size: their 6 open chats (one of them the open conversation) and at least three
        pages of waiting chats; the rest is other agents' chats and closed history."""
        org, rng, now = self.organization, self.rng, self.now
        to_add = total - self.created
        first_round = self.created == 0
        contacts = Contact.objects.bulk_create([
            Contact(organization=org, name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    phone=f"+346{rng.randrange(10**7, 10**8)}")
            for _ in range(to_add)
        ], batch_size=BATCH)
        if contacts and contacts[0].pk is None:
            contacts = list(Contact.objects.filter(organization=org).order_by("-pk")[:to_add])
        rows = []
        for i, contact in enumerate(contacts):
            queue_index = rng.randrange(len(self.queues))
            if first_round and i < MY_CHATS:
                kind = "mine"
            elif first_round:
                kind = "queued" if i < MY_CHATS + 30 else rng.choices(["assigned", "closed"], [1, 2])[0]
            else:
                kind = rng.choices(["queued", "assigned", "closed", "abandoned"], [3, 6, 86, 5])[0]
            enqueued = now - timedelta(minutes=rng.randrange(1, 90 * 24 * 60))
            if kind in ("mine", "queued", "assigned"):
                enqueued = now - timedelta(seconds=rng.randrange(30, 3 * 3600))
            text = rng.choice(TEXTS)
            row = Conversation(
                organization=org, queue=self.queues[queue_index], channel=self.channels[queue_index],
                contact=contact, medium=Conversation.Medium.CHAT, enqueued_at=enqueued,
                last_message_at=enqueued + timedelta(seconds=rng.randrange(0, 600)), last_message_excerpt=text,
            )
            if kind == "queued":
                row.status = Conversation.Status.QUEUED
                row.unread_count = 1
            elif kind == "abandoned":
                row.status = Conversation.Status.ABANDONED
                row.closed_at = enqueued + timedelta(minutes=2)
            else:
                agent = self.agent if kind == "mine" else rng.choice(self.agents)
                row.assignee = agent
                row.assigned_at = enqueued + timedelta(seconds=rng.randrange(5, 300))
                row.first_response_at = row.assigned_at + timedelta(seconds=20)
                if kind == "closed":
                    row.status = Conversation.Status.CLOSED
                    row.closed_at = row.assigned_at + timedelta(minutes=rng.randrange(2, 40))
                else:
                    row.status = Conversation.Status.ASSIGNED
                    if kind == "assigned" and agent.pk == self.agent.pk:
                        # the measured agent's list stays their MY_CHATS chats
                        row.assignee = self.agents[1]
            rows.append(row)
        with transaction.atomic():
            created = Conversation.objects.bulk_create(rows, batch_size=BATCH)
            if created and created[0].pk is None:
                created = list(Conversation.objects.filter(organization=org).order_by("-pk")[:to_add])
            # A customer message and a reply on every conversation: the message table grows too.
            history = []
            for conversation in created:
                history.append(Message(organization=org, conversation=conversation,
                                       direction=Message.Direction.INBOUND, body=conversation.last_message_excerpt,
                                       created_at=conversation.enqueued_at))
                if conversation.assignee_id:
                    history.append(Message(organization=org, conversation=conversation,
                                           direction=Message.Direction.OUTBOUND, body="Hola, te ayudo.",
                                           sender_id=conversation.assignee_id, delivery=Message.Delivery.SENT,
                                           created_at=conversation.first_response_at))
            Message.objects.bulk_create(history, batch_size=BATCH)
            if first_round:
                self.open_chat = next(c for c in created if c.assignee_id == self.agent.pk)
                self.fill_open_chat(message_count)
        self.created = total

    def fill_open_chat(self, count):
        chat, rng = self.open_chat, self.rng
        start = self.now - timedelta(hours=1)
        existing = Message.objects.filter(conversation=chat).count()
        messages = []
        for i in range(existing, count):
            inbound = i % 2 == 0
            messages.append(Message(
                organization=self.organization, conversation=chat,
                direction=Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                body=rng.choice(TEXTS) if inbound else f"Respuesta {i}: lo reviso ahora mismo.",
                sender=None if inbound else self.agent, delivery="" if inbound else Message.Delivery.SENT,
                created_at=start + timedelta(seconds=30 * i)))
        Message.objects.bulk_create(messages)
        Conversation.objects.filter(pk=chat.pk).update(last_message_at=start + timedelta(seconds=30 * count))

    def analyze(self):
        """Fresh planner statistics after bulk loading, as autovacuum would provide."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # --- Measuring ------------------------------------------------------------------------------------

    def pages(self):
        index = reverse("workspace:index")
        return [
            ("Asignado a mí", index + "?tab=assigned", {}),
            ("Sin asignar", index + "?tab=unassigned", {}),
            ("Conversación abierta", reverse("workspace:conversation", args=[self.open_chat.pk]), {}),
            ("Región lists (htmx)", index + "?region=lists", {"HX-Request": "true"}),
        ]

    def measure(self, runs):
        client = Client()
        client.force_login(self.agent)
        results = {}
        for name, path, headers in self.pages():
            for _ in range(2):  # warm: templates, sessions, the open chat marked read
                self.get(client, path, headers)
            timings, sql_runs = [], []
            for _ in range(runs):
                executed = []
                with connection.execute_wrapper(SqlTimer(executed)):
                    t0 = time.perf_counter()
                    self.get(client, path, headers)
                    timings.append(time.perf_counter() - t0)
                sql_runs.append(executed)
            with CaptureQueriesContext(connection) as ctx:
                body = self.get(client, path, headers).content
            size, items = len(body), body.count(b'data-testid="conv-item"')
            per_query = [
                (sql, statistics.median(run[i][1] for run in sql_runs))
                for i, (sql, _t) in enumerate(sql_runs[0])
            ] if len({len(run) for run in sql_runs}) == 1 else []
            results[name] = {
                "median": statistics.median(timings),
                "sql": statistics.median(sum(t for _sql, t in run) for run in sql_runs),
                "queries": len(ctx),
                "bytes": size,
                "items": items,
                "per_query": per_query,
            }
        return results

    @staticmethod
    def get(client, path, headers):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise CommandError(f"GET {path} answered {response.status_code}")
        return response

    def report(self, results, small, large):
        a, b = results[large], results[small]
        self.stdout.write("")
        header = (f"{'page':<22} {'ms @' + format(small, ','):>10} {'ms @' + format(large, ','):>11} {'ratio':>6} "
                  f"{'sql ms':>13} {'queries':>9} {'items':>7} {'KB':>5}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for name in b:
            ratio = a[name]["median"] / b[name]["median"]
            self.stdout.write(
                f"{name:<22} {b[name]['median'] * 1000:>10.1f} {a[name]['median'] * 1000:>11.1f} {ratio:>6.2f} "
                f"{b[name]['sql'] * 1000:>6.1f} {a[name]['sql'] * 1000:>6.1f} "
                f"{b[name]['queries']:>4} {a[name]['queries']:>4} {b[name]['items']:>3} {a[name]['items']:>3} "
                f"{a[name]['bytes'] / 1024:>5.0f}")
        growth = []
        for name in b:
            if len(a[name]["per_query"]) == len(b[name]["per_query"]):
                for (sql, t_large), (_sql, t_small) in zip(a[name]["per_query"], b[name]["per_query"], strict=True):
                    growth.append((t_large - t_small, t_small, t_large, name, sql))
        growth.sort(key=lambda g: g[0], reverse=True)
        self.stdout.write("")
        self.stdout.write(f"queries whose time grew most ({small:,} -> {large:,} conversations, median ms):")
        for _delta, t_small, t_large, name, sql in growth[:6]:
            self.stdout.write(f"  {t_small * 1000:6.2f} -> {t_large * 1000:6.2f}  [{name}] {short_sql(sql)}")
        ratio = sum(r["median"] for r in a.values()) / sum(r["median"] for r in b.values())
        queries_large = sum(r["queries"] for r in a.values())
        queries_small = sum(r["queries"] for r in b.values())
        verdict = "OK" if ratio <= 1.5 and queries_large == queries_small else "MISSED"
        self.stdout.write(f"targets: ratio <= 1.5 and equal query counts: {verdict}")
        return (f"workspace ratio {ratio:.2f} ({large} vs {small} conversations), "
                f"queries {queries_large} vs {queries_small}")

    # --- Cleanup --------------------------------------------------------------------------------------

    def delete(self, organization):
        started = time.monotonic()
        with transaction.atomic():
            # Rows that PROTECT what the organization's cascade deletes go first, in bulk.
            AgentState.objects.filter(organization=organization).update(wrapup_conversation=None)
            Message.objects.filter(organization=organization)._raw_delete(connection.alias)
            Conversation.tags.through.objects.filter(conversation__organization=organization).delete()
            Conversation.objects.filter(organization=organization)._raw_delete(connection.alias)
            Contact.objects.filter(organization=organization)._raw_delete(connection.alias)
            Channel.objects.filter(organization=organization).delete()
            StatusInterval.objects.filter(organization=organization)._raw_delete(connection.alias)
            AgentState.objects.filter(organization=organization)._raw_delete(connection.alias)
            QueueLogin.objects.filter(organization=organization)._raw_delete(connection.alias)
            QueueMembership.objects.filter(organization=organization)._raw_delete(connection.alias)
            Device.objects.filter(organization=organization)._raw_delete(connection.alias)
            organization.delete()
        self.stdout.write(f"deleted organization {organization.slug} in {time.monotonic() - started:.1f} s")
