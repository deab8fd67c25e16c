"""The work of bench_routing's worker processes (see _bench_workers.py, which starts them and
imports this module in each only after django.setup())."""

import time
import traceback

from channels.layers import get_channel_layer
from django.db import connection, transaction

from contactcenter import events
from contactcenter.models import Contact, Queue
from contactcenter.services import conversations, eligibility, routing


def raw_updates(index, barrier, results, table, seconds, hot_row):
    """One-row UPDATE transactions for `seconds`: its own row, or the shared hot row."""

    row = hot_row if hot_row is not None else index
    sql = f"UPDATE {table} SET n = n + 1 WHERE id = %s"
    latencies, error = [], None
    try:
        connection.ensure_connection()
        barrier.wait(120)
        deadline = time.perf_counter() + seconds
        while (began := time.perf_counter()) < deadline:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [row])
            latencies.append(time.perf_counter() - began)
    except Exception:
        error = traceback.format_exc()
    finally:
        connection.close()
    results.put({"index": index, "latencies": latencies, "error": error})


def open_bursts(index, barrier, results, bursts, text):
    """Customers arrive: each burst is (queue id, contact ids); routing runs on commit."""

    assigned: list[int] = []

    def listen(event) -> None:
        if event.type == events.CONVERSATION_ASSIGNED:
            assigned.extend(event.data["conversation_ids"])

    error, started, ended = None, None, None
    try:
        queues = {q.pk: q for q in Queue.objects.select_related("organization").filter(
            pk__in={queue_id for queue_id, _ in bursts})}
        contacts = Contact.objects.in_bulk([pk for _, ids in bursts for pk in ids])
        plan = [(queues[queue_id], [contacts[pk] for pk in ids]) for queue_id, ids in bursts]
        _warm_up(list(queues.values()), sizes={len(ids) for _, ids in bursts})
        events.listeners.append(listen)
        barrier.wait(120)
        started = time.time()
        for queue, burst in plan:
            if len(burst) == 1:
                conversations.conversation_open(queue=queue, contact=burst[0], text=text)
            else:
                conversations.conversation_open_many(queue=queue, arrivals=[(contact, text) for contact in burst])
        ended = time.time()
    except Exception:
        error = traceback.format_exc()
    finally:
        connection.close()
    results.put({"index": index, "assigned": assigned, "error": error, "started": started, "ended": ended})


def _warm_up(queues, sizes) -> None:
    """What a long-running server or Celery process has done before: the routing statements
    compiled, the event publisher's Redis connection open."""
    for queue in queues:
        routing.route_queue(queue.pk)  # nothing waits yet: one read
        eligibility.prepare(queue)
        with transaction.atomic():
            for limit in {*sizes, routing.BATCH}:
                eligibility.eligible_sql(queue, conversation=None, lock=True, limit=min(limit, routing.BATCH))
    layer = get_channel_layer()
    if layer is not None:
        events.publish("bench.warm_up", organization_id=0)  # no transaction: sent at once
