"""Worker processes for bench_routing: K clients, each its own process and connection, as the
server and Celery processes that route in production are (threads of one process would share
one interpreter lock and measure that instead).

Each worker starts, sets Django up, waits at the barrier with the others, works, and sends back
what it measured. Spawned (not forked): nothing of the parent's connections or threads leaks in.
"""

import gc
import multiprocessing
import queue as queue_module
import time
import traceback

from contactcenter.services import eligibility


def _setup(database_name: str) -> None:
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name  # the parent's (a test run's test database)


def raw_updates(index, barrier, results, database_name, table, seconds, hot_row):
    """One-row UPDATE transactions for `seconds`: its own row, or the shared hot row."""
    _setup(database_name)
    from django.db import connection, transaction

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


def open_bursts(index, barrier, results, database_name, bursts, text):
    """Customers arrive: each burst is (queue id, contact ids); routing runs on commit."""
    _setup(database_name)
    from django.db import connection

    from contactcenter import events
    from contactcenter.models import Contact, Queue
    from contactcenter.services import conversations

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
        gc.freeze()  # as server and Celery processes do after start-up (asgi.py, celery.py)
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
    from channels.layers import get_channel_layer
    from django.db import transaction

    from contactcenter import events
    from contactcenter.services import routing

    for queue in queues:
        routing.route_queue(queue.pk)  # nothing waits yet: one read
        eligibility.prepare(queue)
        with transaction.atomic():
            for limit in {*sizes, routing.BATCH}:
                eligibility.eligible_sql(queue, conversation=None, lock=True, limit=min(limit, routing.BATCH))
    layer = get_channel_layer()
    if layer is not None:
        events.publish("bench.warm_up", organization_id=0)  # no transaction: sent at once


def run(target, arguments: list[tuple], timeout: float = 600) -> list[dict]:
    """One spawned worker per tuple of `arguments`, running target(index, barrier, results,
    database name, *those); their reports, in index order."""
    from django.db import connection

    database_name = connection.settings_dict["NAME"]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(i, barrier, results, database_name, *args), daemon=True)
        for i, args in enumerate(arguments)
    ]
    for worker in workers:
        worker.start()
    reports, deadline = [], time.monotonic() + timeout
    while len(reports) < len(workers):
        try:
            reports.append(results.get(timeout=1))
        except queue_module.Empty:
            if time.monotonic() > deadline or not any(worker.is_alive() for worker in workers):
                for worker in workers:
                    worker.kill()
                raise RuntimeError(
                    f"{len(workers) - len(reports)} bench worker(s) stopped without a report "
                    "(see their error above)"
                ) from None
    for worker in workers:
        worker.join(10)
    return sorted(reports, key=lambda report: report["index"])
