"""Plausible past activity for an organization, written with bulk inserts: the agents' status
ledger (shifts with Online, Ready, In service, After service, a pause, Offline; the intervals tile
time with no gap or overlap) and closed conversations (arrivals over the working day, waits,
answers, handle times, dispositions, tags, some customers who left while waiting, and the
customers' satisfaction ratings: every served chat of a queue that asks gets a survey, about 40 %
of them an answer, some with a comment).

seed_demo gives the demo 30 days of it, so that a new user sees full reports on first run; the
reports benchmark uses the same generator for a year. Deterministic for a given `seed`.
"""

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from contactcenter.models import (
    Channel,
    Conversation,
    Queue,
    SatisfactionRating,
    StatusDefinition,
    StatusInterval,
    SystemStatus,
    Tag,
    User,
)

S = SystemStatus
C = Conversation.Status
BATCH = 2000


@dataclass
class History:
    intervals: int = 0
    conversations: int = 0


def _shift(rng: random.Random, day: dt.date, zone, pause_codes: list[str]) -> list[tuple[str, dt.datetime]]:
    """(status code, start) for one working day: the agent arrives, works, pauses, leaves."""
    start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=zone) + dt.timedelta(minutes=rng.randint(0, 60))
    end = start + dt.timedelta(hours=8, minutes=rng.randint(-30, 30))
    lunch = start + dt.timedelta(hours=4, minutes=rng.randint(-30, 30))
    moves = [(S.ONLINE, start)]
    moment = start + dt.timedelta(minutes=rng.randint(2, 8))
    paused = False
    while moment < end:
        if not paused and moment >= lunch:
            moves.append((rng.choice(pause_codes), moment))
            moment += dt.timedelta(minutes=rng.randint(20, 45))
            paused = True
            continue
        moves.append((S.READY, moment))
        moment += dt.timedelta(minutes=rng.randint(1, 12))
        if moment >= end:
            break
        moves.append((S.IN_SERVICE, moment))
        moment += dt.timedelta(minutes=rng.randint(4, 20))
        moves.append((S.AFTER_SERVICE, moment))
        moment += dt.timedelta(seconds=rng.randint(15, 90))
    moves.append((S.OFFLINE, max(moment, end)))
    return moves


def ledger(organization, agents: list[User], *, first_day: dt.date, untils: dict[int, dt.datetime], zone,
           rng) -> int:
    """Closed intervals for each agent from `first_day`'s midnight (local) to the agent's
    `untils[agent.pk]`, where their existing ledger starts. Weekdays only: weekends stay Offline."""
    statuses = {s.code: s for s in StatusDefinition.objects.filter(organization=organization)}
    pause_codes = [code for code, s in statuses.items() if s.is_pause and code != "no_answer"] or [S.ONLINE]
    rows, written = [], 0
    for agent in agents:
        until = untils[agent.pk]
        moves = [(S.OFFLINE, dt.datetime.combine(first_day, dt.time(), tzinfo=zone))]
        day = first_day
        while dt.datetime.combine(day, dt.time(), tzinfo=zone) < until:
            if day.weekday() < 5:
                moves += [m for m in _shift(rng, day, zone, pause_codes) if m[1] < until]
            day += dt.timedelta(days=1)
        moves = [m for i, m in enumerate(moves) if i == 0 or m[0] != moves[i - 1][0]]
        for index, (code, start) in enumerate(moves):
            end = moves[index + 1][1] if index + 1 < len(moves) else until
            if end <= start:
                continue
            previous = statuses[moves[index - 1][0]] if index else None
            rows.append(StatusInterval(organization=organization, agent=agent, status=statuses[code],
                                       previous_status=previous, started_at=start, ended_at=end,
                                       source="system", reason="history"))
            if len(rows) >= BATCH:
                written += len(StatusInterval.objects.bulk_create(rows))
                rows = []
    return written + len(StatusInterval.objects.bulk_create(rows))


def arrivals_per_hour(hour: int, weekday: int) -> float:
    """The mean number of customers arriving in a local hour: a working-day curve, low at weekends."""
    curve = {9: 4, 10: 6, 11: 7, 12: 6, 13: 4, 14: 3, 15: 5, 16: 6, 17: 4, 18: 2}
    return curve.get(hour, 0) * (0.3 if weekday >= 5 else 1.0)


def conversations(organization, queues: list[Queue], members: dict[int, list[User]], channels: dict[int, list],
                  contacts: list, *, first_day: dt.date, until: dt.datetime, zone, rng, scale: float = 1.0) -> int:
    """Closed conversations of every queue from `first_day` to `until`; about 8 % of customers
    leave while waiting (abandoned, never assigned); served ones have an after service, and some
    calls a time on hold."""
    dispositions = {q.pk: list(q.dispositions.all()) for q in queues}
    tags = list(Tag.objects.filter(organization=organization))
    rows, tagged, written = [], [], 0
    ratings = _Ratings(until)
    day = first_day
    while dt.datetime.combine(day, dt.time(), tzinfo=zone) < until:
        for queue in queues:
            agents = members.get(queue.pk) or []
            if not agents:
                continue
            for hour in range(24):
                mean = arrivals_per_hour(hour, day.weekday()) * scale
                for _ in range(_poisson(rng, mean)):
                    enqueued = (dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
                                + dt.timedelta(seconds=rng.randint(0, 3599)))
                    wait = dt.timedelta(seconds=int(rng.expovariate(1 / (25 if queue.medium == "voice" else 45))))
                    handle = dt.timedelta(seconds=rng.randint(180, 900))
                    if enqueued + wait + handle >= until:
                        continue
                    left = rng.random() < 0.08
                    conversation = Conversation(
                        organization=organization, queue=queue, channel=rng.choice(channels.get(queue.pk) or [None]),
                        contact=rng.choice(contacts), medium=queue.medium, status=C.ABANDONED if left else C.CLOSED,
                        enqueued_at=enqueued, closed_at=enqueued + wait if left else enqueued + wait + handle,
                        abandoned_at=enqueued + wait if left else None,
                        last_message_excerpt="Gracias por vuestra ayuda.",
                    )
                    if not left:
                        conversation.assignee = rng.choice(agents)
                        conversation.assigned_at = enqueued + wait
                        if queue.medium == "chat":
                            conversation.first_response_at = conversation.assigned_at + dt.timedelta(
                                seconds=rng.randint(5, 90))
                        elif rng.random() < 0.4:
                            conversation.hold_duration = dt.timedelta(seconds=rng.randint(10, min(120, handle.seconds)))
                        wrapup_end = conversation.closed_at + dt.timedelta(seconds=rng.randint(15, 90))
                        conversation.wrapup_ended_at = wrapup_end if wrapup_end < until else None
                        if dispositions[queue.pk] and rng.random() < 0.8:
                            conversation.disposition = rng.choice(dispositions[queue.pk])
                    conversation.last_message_at = conversation.closed_at
                    rows.append(conversation)
                    if tags and not left and rng.random() < 0.25:
                        tagged.append((conversation, rng.choice(tags)))
            if len(rows) >= BATCH:
                written += _save(rows, tagged, ratings)
                rows, tagged = [], []
        day += dt.timedelta(days=1)
    return written + _save(rows, tagged, ratings)


def _save(rows: list[Conversation], tagged: list, ratings: "_Ratings") -> int:
    saved = Conversation.objects.bulk_create(rows)
    links = Conversation.tags.through
    links.objects.bulk_create([links(conversation_id=c.pk, tag_id=t.pk) for c, t in tagged if c.pk])
    SatisfactionRating.objects.bulk_create(ratings.for_conversations(saved))
    return len(saved)


COMMENTS = {
    5: ["¡Muy rápido y amable, gracias!", "Me resolvieron todo a la primera.", "Excelente atención."],
    4: ["Bien, aunque tuve que esperar un poco.", "Buena atención."],
    3: ["Correcto, sin más.", "Me costó explicar el problema."],
    2: ["Tardaron demasiado en contestar.", "No quedó del todo resuelto."],
    1: ["No me solucionaron nada.", "Me dejaron esperando mucho tiempo."],
}
ASKING = {Channel.Kind.WEBCHAT, Channel.Kind.WHATSAPP, Channel.Kind.API}


class _Ratings:
    """The surveys of the served chats (own random stream: the conversations stay the same with
    or without them)."""

    def __init__(self, until: dt.datetime):
        self.rng, self.until = random.Random(20), until

    def for_conversations(self, saved: list[Conversation]) -> list[SatisfactionRating]:
        rows = []
        for c in saved:
            if (c.pk is None or c.status != C.CLOSED or c.medium != "chat" or c.channel is None
                    or c.channel.kind not in ASKING or not c.queue.csat_enabled):
                continue
            rating = SatisfactionRating(
                organization_id=c.organization_id, conversation_id=c.pk, queue_id=c.queue_id, agent_id=c.assignee_id,
                channel_kind=c.channel.kind, medium=c.medium, asked_at=c.closed_at,
                expires_at=c.closed_at + dt.timedelta(hours=c.queue.csat_window_hours))
            answered = c.closed_at + dt.timedelta(minutes=self.rng.randint(1, 180))
            if self.rng.random() < 0.4 and answered < self.until:
                rating.score = self.rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 12, 7, 6))[0]
                rating.answered_at = answered
                if self.rng.random() < 0.35:
                    rating.comment = self.rng.choice(COMMENTS[rating.score])
            rows.append(rating)
        return rows


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def generate(organization, *, agents: list[User], queues: list[Queue], channels: dict[int, list], contacts: list,
             days: int, until: dt.datetime | None = None, seed: int = 7, scale: float = 1.0) -> History:
    """`days` of history ending at `until` (default: now). Each agent's ledger goes on where their
    existing one starts (their first interval), so that it still tiles time."""
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    until = until or timezone.now()
    firsts = dict(StatusInterval.objects.filter(agent__in=agents).values("agent_id").annotate(first=Min("started_at"))
                  .values_list("agent_id", "first"))
    untils = {agent.pk: min(firsts.get(agent.pk, until), until) for agent in agents}
    first_day = until.astimezone(zone).date() - dt.timedelta(days=days)
    rng = random.Random(seed)
    members = {q.pk: [a for a in agents if q.memberships.filter(user=a, role="agent").exists()] for q in queues}
    return History(
        intervals=ledger(organization, agents, first_day=first_day, untils=untils, zone=zone, rng=rng),
        conversations=conversations(organization, queues, members, channels, contacts, first_day=first_day,
                                    until=until, zone=zone, rng=rng, scale=scale),
    )
