"""The reports benchmark's data: organizations of agents and queues, a year of raw history (the
status ledger, closed conversations, their tags), and the rollups of that history.

Raw rows go in with PostgreSQL's COPY (psycopg 3 `cursor.copy`), a few hundred thousand rows a
second; on another database (SQLite, for the test) with bulk_create. The generator is
deterministic for a seed and works in UTC instants: a working day of shifts per agent (weekdays)
and Poisson arrivals per queue and local hour.
"""

import datetime as dt
import random
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from contactcenter.models import (
    AgentState,
    Channel,
    Contact,
    Conversation,
    Disposition,
    Organization,
    Queue,
    QueueMembership,
    Role,
    RollupFillState,
    StatusDefinition,
    StatusInterval,
    Tag,
    User,
)
from contactcenter.selectors import rollups
from contactcenter.services import organizations as org_services

UTC = dt.UTC
BATCH = 5000
CURVE = {9: 4, 10: 6, 11: 7, 12: 6, 13: 4, 14: 3, 15: 5, 16: 6, 17: 4, 18: 2}  # arrivals per local hour
WEEKEND = 0.3
PAUSES = [("descanso", "Descanso"), ("formacion", "Formación"), ("comida", "Comida")]
DISPOSITIONS = ["Venta realizada", "Sin interés", "Resuelto", "No contesta", "Volver a llamar"]
TAGS = ["VIP", "Reclamo", "Nuevo cliente", "Factura"]
FIRST = ["Carmen", "Javier", "Rosa", "Andrés", "Isabel", "Tomás", "Nuria", "Raúl", "Pilar", "Óscar"]
LAST = ["Ortega", "Molina", "Delgado", "Ramos", "Herrera", "Cruz", "Iglesias", "Medina", "Prieto", "Gil"]


@dataclass
class Bench:
    """One benchmark organization and what the generator needs of it."""

    organization: Organization
    admin: User
    agents: list[int]
    queues: list[Queue]
    members: dict[int, list[int]]  # queue id → agent ids
    channels: dict[int, list[tuple[int, str]]]  # queue id → (channel id, kind)
    contacts: list[int]
    dispositions: list[int]
    statuses: dict[str, int]  # code → id
    pause_ids: list[int]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organization.time_zone)


# --- Writing rows ---------------------------------------------------------------------------------


def _column_default(field: models.Field, now: dt.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    else:
        value = field.get_default()  # "" for a text field without one, None for a nullable one
    return field.get_db_prep_save(value, connection)


def write_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple], *, now: dt.datetime) -> int:
    """Insert `rows` (values of `columns`, attnames) into `model`'s table; every other column gets
    its field's default. COPY on PostgreSQL, bulk_create elsewhere. Returns the rows written."""
    others = [f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key]
    defaults = tuple(_column_default(f, now) for f in others)
    count = 0
    if connection.vendor == "postgresql":
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        names = ", ".join(connection.ops.quote_name(f.column) for f in [by_attname[c] for c in columns] + others)
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + defaults)
                count += 1
        return count
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= BATCH:
            count += len(model.objects.bulk_create(batch))
            batch = []
    return count + len(model.objects.bulk_create(batch))


def delete_rows(model: type[models.Model], where: str, params: list) -> None:
    """DELETE FROM the model's table WHERE `where` (SQL on its columns), in one statement: the
    bench's tables hold millions of rows, which QuerySet.delete() would first collect."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}", params)


def delete_organization_rows(model: type[models.Model], org: Organization,
                             since: tuple[str, dt.datetime] | None = None) -> None:
    """Every row of `model` owned by `org` (from `since` = (column, moment) on, if given)."""
    where, params = "organization_id = %s", [org.pk]
    if since is not None:
        where += f" AND {connection.ops.quote_name(since[0])} >= %s"
        params.append(connection.ops.adapt_datetimefield_value(since[1]))
    delete_rows(model, where, params)


def delete_tags_of(org: Organization, since: dt.datetime | None = None) -> None:
    """The tag links of `org`'s conversations (enqueued from `since` on, if given)."""
    conversations = connection.ops.quote_name(Conversation._meta.db_table)
    where = f"organization_id = %s{' AND enqueued_at >= %s' if since else ''}"
    delete_rows(Conversation.tags.through, f"conversation_id IN (SELECT id FROM {conversations} WHERE {where})",
                [org.pk, connection.ops.adapt_datetimefield_value(since)] if since else [org.pk])


# --- Organizations --------------------------------------------------------------------------------


def bench_create(*, slug: str, name: str, agent_count: int, queue_count: int, contact_count: int,
                 now: dt.datetime, seed: int) -> Bench:
    """An organization with `agent_count` agents (each a member of two queues, Offline), an admin
    who reads the reports, `queue_count` queues (a third of them voice), their channels,
    dispositions, tags, three pauses and `contact_count` contacts."""
    rng = random.Random(seed)
    org = org_services.organization_create(name=name, slug=slug)
    for position, (code, label) in enumerate(PAUSES):
        StatusDefinition.objects.create(organization=org, kind=StatusDefinition.Kind.PAUSE, code=code, name=label,
                                        position=20 + position)
    dispositions = [Disposition.objects.create(organization=org, name=label) for label in DISPOSITIONS]
    for label in TAGS:
        Tag.objects.create(organization=org, name=label)
    queues, channels = [], {}
    for i in range(queue_count):
        kind = Queue.Kind.VOICE if i % 3 == 2 else Queue.Kind.CHAT
        queue = Queue.objects.create(organization=org, name=f"Cola {i + 1:02d}", kind=kind)
        queue.dispositions.set(dispositions)
        kinds = [Channel.Kind.VOICE] if kind == Queue.Kind.VOICE else [Channel.Kind.WEBCHAT, Channel.Kind.WHATSAPP]
        channels[queue.pk] = [(Channel.objects.create(organization=org, kind=k, name=f"{k} {queue.name}",
                                                      queue=queue).pk, k) for k in kinds]
        queues.append(queue)
    password = make_password(None)
    User.objects.create(organization=org, username=f"{slug}-admin", role=Role.ADMIN, password=password,
                                first_name="Ada", last_name="Admin")
    User.objects.bulk_create([
        User(organization=org, username=f"{slug}-a{i:04d}", first_name=rng.choice(FIRST),
             last_name=rng.choice(LAST), role=Role.AGENT, password=password)
        for i in range(agent_count)
    ], batch_size=BATCH)
    agents = list(User.objects.filter(organization=org, role=Role.AGENT).order_by("pk").values_list("pk", flat=True))
    statuses = dict(StatusDefinition.objects.filter(organization=org).values_list("code", "pk"))
    AgentState.objects.bulk_create([AgentState(organization=org, agent_id=a, status_id=statuses["offline"], since=now)
                                    for a in agents], batch_size=BATCH)
    members: dict[int, list[int]] = {q.pk: [] for q in queues}
    rows = []
    for i, agent in enumerate(agents):
        for queue in {queues[i % queue_count], queues[(i + 7) % queue_count]}:
            members[queue.pk].append(agent)
            rows.append(QueueMembership(organization=org, queue=queue, user_id=agent,
                                        role=QueueMembership.Role.AGENT, position=len(members[queue.pk])))
    QueueMembership.objects.bulk_create(rows, batch_size=BATCH)
    write_rows(Contact, ["organization_id", "name", "phone"],
               ((org.pk, f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"+346{rng.randrange(10**7, 10**8)}")
                for _ in range(contact_count)), now=now)
    return bench_load(org)


def bench_load(org: Organization) -> Bench:
    """The Bench of an organization made by bench_create."""
    queues = list(Queue.objects.filter(organization=org).order_by("pk"))
    members: dict[int, list[int]] = {q.pk: [] for q in queues}
    for queue_id, user_id in QueueMembership.objects.filter(organization=org).order_by("queue_id", "position") \
            .values_list("queue_id", "user_id"):
        members[queue_id].append(user_id)
    channels: dict[int, list[tuple[int, str]]] = {q.pk: [] for q in queues}
    for pk, queue_id, kind in Channel.objects.filter(organization=org).order_by("pk").values_list("pk", "queue_id",
                                                                                                  "kind"):
        channels[queue_id].append((pk, kind))
    statuses = dict(StatusDefinition.objects.filter(organization=org).values_list("code", "pk"))
    return Bench(
        organization=org,
        admin=User.objects.get(organization=org, role=Role.ADMIN),
        agents=list(User.objects.filter(organization=org, role=Role.AGENT).order_by("pk")
                    .values_list("pk", flat=True)),
        queues=queues, members=members, channels=channels,
        contacts=list(Contact.objects.filter(organization=org).values_list("pk", flat=True)),
        dispositions=list(Disposition.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True)),
        statuses=statuses,
        pause_ids=[statuses[code] for code, _label in PAUSES],
    )


def bench_delete(org: Organization) -> None:
    """The organization and everything it owns; the big tables first, in bulk."""
    with transaction.atomic():
        AgentState.objects.filter(organization=org).update(wrapup_conversation=None)
        for model in (*rollups.MODELS.values(), *rollups.DAY_MODELS.values()):
            delete_organization_rows(model, org)
        delete_tags_of(org)
        for model in (Conversation, Contact, StatusInterval, AgentState, QueueMembership):
            delete_organization_rows(model, org)
        Channel.objects.filter(organization=org).delete()
        org.delete()


# --- History --------------------------------------------------------------------------------------


def _shift(rng: random.Random, day: dt.date, zone, bench: Bench) -> Iterator[tuple[int, dt.datetime]]:
    """(status id, start) of one agent's working day: Online, cycles of Ready → In service →
    After service, one pause near the middle, Offline."""
    ids = bench.statuses
    start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=zone) + dt.timedelta(minutes=rng.randint(0, 60))
    end = start + dt.timedelta(hours=8, minutes=rng.randint(-30, 30))
    pause_at = start + dt.timedelta(hours=4, minutes=rng.randint(-30, 30))
    yield ids["online"], start
    moment, paused = start + dt.timedelta(minutes=rng.randint(2, 8)), False
    while moment < end:
        if not paused and moment >= pause_at:
            yield rng.choice(bench.pause_ids), moment
            moment += dt.timedelta(minutes=rng.randint(20, 45))
            paused = True
            continue
        yield ids["ready"], moment
        moment += dt.timedelta(seconds=rng.randint(30, 600))
        if moment >= end:
            break
        yield ids["in_service"], moment
        moment += dt.timedelta(seconds=rng.randint(240, 1200))
        yield ids["after_service"], moment
        moment += dt.timedelta(seconds=rng.randint(15, 90))
    yield ids["offline"], max(moment, end)


def ledger_rows(bench: Bench, *, start: dt.datetime, until: dt.datetime, seed: int) -> Iterator[tuple]:
    """Closed intervals tiling [start, until) for every agent: Offline outside working days."""
    zone, org_id = bench.zone, bench.organization.pk
    offline = bench.statuses["offline"]
    for agent in bench.agents:
        rng = random.Random(f"{seed}-{agent}-{start.isoformat()}")
        moves = [(offline, start)]
        day, last_day = start.astimezone(zone).date(), until.astimezone(zone).date()
        while day <= last_day:
            if day.weekday() < 5:
                moves += [(status, at) for status, at in _shift(rng, day, zone, bench) if start < at < until]
            day += dt.timedelta(days=1)
        previous = None
        for index, (status, at) in enumerate(moves):
            if status == previous:
                continue
            following = next((m[1] for m in moves[index + 1:] if m[0] != status), until)
            yield (org_id, agent, status, previous, at.astimezone(UTC), following.astimezone(UTC), "system", "bench")
            previous = status


LEDGER_COLUMNS = ["organization_id", "agent_id", "status_id", "previous_status_id", "started_at", "ended_at",
                  "source", "reason"]


def expected_arrivals(bench: Bench, *, start: dt.datetime, until: dt.datetime) -> float:
    """The mean number of conversations the curve gives over [start, until), at scale 1."""
    zone, total, hour = bench.zone, 0.0, rollups.hour_floor(start)
    while hour < until:
        local = hour.astimezone(zone)
        total += CURVE.get(local.hour, 0) * (WEEKEND if local.weekday() >= 5 else 1.0)
        hour += rollups.HOUR
    return total * len(bench.queues)


def conversation_rows(bench: Bench, *, start: dt.datetime, until: dt.datetime, scale: float,
                      seed: int) -> Iterator[tuple]:
    """Closed conversations arriving in [start, until) and over before `until`: Poisson arrivals
    per queue and hour, exponential waits, about 8 % abandoned while waiting."""
    rng = random.Random(f"{seed}-{start.isoformat()}")
    zone, org_id = bench.zone, bench.organization.pk
    hour = rollups.hour_floor(start)
    while hour < until:
        local = hour.astimezone(zone)
        mean = CURVE.get(local.hour, 0) * (WEEKEND if local.weekday() >= 5 else 1.0) * scale
        for queue in bench.queues:
            agents, channels = bench.members[queue.pk], bench.channels[queue.pk]
            medium = queue.medium
            for _ in range(_poisson(rng, mean) if agents else 0):
                enqueued = hour + dt.timedelta(seconds=rng.random() * 3600)
                wait = dt.timedelta(seconds=rng.expovariate(1 / (25 if medium == "voice" else 45)))
                handle = dt.timedelta(seconds=rng.randint(180, 900))
                if enqueued < start or enqueued + wait + handle >= until:
                    continue
                channel = rng.choice(channels)[0] if channels else None
                contact = rng.choice(bench.contacts)
                if rng.random() < 0.08:
                    left = enqueued + wait
                    yield (org_id, queue.pk, channel, contact, medium, "abandoned", None, enqueued, None, None, left,
                           left, None, left)
                    continue
                assigned, closed = enqueued + wait, enqueued + wait + handle
                first = assigned + dt.timedelta(seconds=rng.randint(5, 90)) if medium == "chat" else None
                disposition = rng.choice(bench.dispositions) if rng.random() < 0.8 else None
                yield (org_id, queue.pk, channel, contact, medium, "closed", rng.choice(agents), enqueued, assigned,
                       first, closed, None, disposition, closed)
        hour += rollups.HOUR


CONVERSATION_COLUMNS = ["organization_id", "queue_id", "channel_id", "contact_id", "medium", "status", "assignee_id",
                        "enqueued_at", "assigned_at", "first_response_at", "closed_at", "abandoned_at",
                        "disposition_id", "last_message_at"]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def tag_rows(bench: Bench, *, start: dt.datetime, until: dt.datetime) -> Iterator[tuple[int, int]]:
    """A tag on every fourth closed conversation of [start, until)."""
    tags = list(Tag.objects.filter(organization=bench.organization).order_by("pk").values_list("pk", flat=True))
    ids = Conversation.objects.filter(organization=bench.organization, status="closed", enqueued_at__gte=start,
                                      enqueued_at__lt=until).values_list("pk", flat=True).order_by()
    for pk in ids:
        if pk % 4 == 0:
            yield pk, tags[pk // 4 % len(tags)]


@dataclass
class Made:
    intervals: int = 0
    conversations: int = 0
    tags: int = 0


def history_write(bench: Bench, *, start: dt.datetime, until: dt.datetime, scale: float, seed: int,
                  now: dt.datetime) -> Made:
    made = Made()
    with transaction.atomic():
        made.intervals = write_rows(StatusInterval, LEDGER_COLUMNS,
                                    ledger_rows(bench, start=start, until=until, seed=seed), now=now)
        made.conversations = write_rows(Conversation, CONVERSATION_COLUMNS,
                                        conversation_rows(bench, start=start, until=until, scale=scale, seed=seed),
                                        now=now)
        # Read before writing: a query cannot run on the connection while its COPY is open.
        tags = list(tag_rows(bench, start=start, until=until))
        made.tags = write_rows(Conversation.tags.through, ["conversation_id", "tag_id"], tags, now=now)
    return made


def history_delete_from(bench: Bench, moment: dt.datetime) -> None:
    """Forget the raw rows from `moment` on (the bench's extra day), so the next run finds the
    history it generated."""
    org = bench.organization
    with transaction.atomic():
        delete_tags_of(org, moment)
        delete_organization_rows(Conversation, org, ("enqueued_at", moment))
        delete_organization_rows(StatusInterval, org, ("started_at", moment))


# --- Rollups --------------------------------------------------------------------------------------


def rollups_load(organizations: list[Organization], *, start: dt.datetime, until: dt.datetime,
                 now: dt.datetime, window: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Store every rollup table's rows of [start, until) (whole UTC hours) and move the fill
    marks to `until`, as rollups_fill would, but a week per query instead of a day: the rows are
    what the same selectors (rollups.COMPUTE) give (an hour's rows do not depend on the window
    they are computed in)."""
    written = 0
    with transaction.atomic():
        for org in organizations:
            for model in rollups.MODELS.values():
                delete_organization_rows(model, org, ("hour", start))
        day_marks_back_to(organizations, start)
        moment = start
        while moment < until:
            end = min(moment + window, until)
            for org in organizations:
                for table in rollups.TABLES:
                    keys, counters = rollups.KEYS[table], rollups.COUNTERS[table]
                    computed = rollups.COMPUTE[table](organization_id=org.pk, start=moment, end=end, now=now)
                    written += write_rows(rollups.MODELS[table], ["organization_id", "hour", *keys, *counters],
                                          ((org.pk, *key, *(c[n] for n in counters)) for key, c in computed.items()),
                                          now=now)
            moment = end
        fill_marks_set(until)
    return written


def fill_marks_set(moment: dt.datetime) -> None:
    for table in rollups.TABLES:
        RollupFillState.objects.update_or_create(table=table, defaults={"filled_until": moment})


def day_marks_back_to(organizations: list[Organization], moment: dt.datetime) -> None:
    """The day tables forget the days from `moment`'s on (their hours are about to change); the
    next rollups_fill sums them again from the hours."""
    day = rollups.day_floor(moment)
    for org in organizations:
        for model in rollups.DAY_MODELS.values():
            delete_organization_rows(model, org, ("day", day))
    RollupFillState.objects.filter(table__in=rollups.DAY_TABLES.values(), filled_until__gt=day).update(
        filled_until=day)


def rollups_delete_from(organizations: list[Organization], moment: dt.datetime) -> None:
    with transaction.atomic():
        for org in organizations:
            for model in rollups.MODELS.values():
                delete_organization_rows(model, org, ("hour", moment))
        day_marks_back_to(organizations, moment)
        fill_marks_set(moment)


def analyze() -> None:
    """Fresh planner statistics after bulk loading, as autovacuum would provide."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
