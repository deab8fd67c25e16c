"""Worker processes for bench_routing: K clients, each its own process and connection, as the
server and Celery processes that route in production are (threads of one process would share
one interpreter lock and measure that instead).

Each worker starts, sets Django up, waits at the barrier with the others, works (the functions
of _bench_work.py, named by RAW_UPDATES and OPEN_BURSTS), and sends back what it measured.
Spawned (not forked): nothing of the parent's connections or threads leaks in.
"""

import multiprocessing
import queue as queue_module
import time

import django
from django.conf import settings
from django.db import connection

RAW_UPDATES = "raw_updates"
OPEN_BURSTS = "open_bursts"


def _main(work: str, index, barrier, results, database_name, *args) -> None:
    """A spawned worker's entry point: Django first, then the work."""
    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name  # the parent's (a test run's test database)
    # Imported here, not at the top: a spawned process loads this module before Django is set up,
    # and the work's module imports the models.
    from contactcenter.management.commands import _bench_work

    getattr(_bench_work, work)(index, barrier, results, *args)


def run(work: str, arguments: list[tuple], timeout: float = 600) -> list[dict]:
    """One spawned worker per tuple of `arguments`, running the function `work` of _bench_work.py
    with (index, barrier, results, *those); their reports, in index order."""
    database_name = connection.settings_dict["NAME"]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    workers = [
        context.Process(target=_main, args=(work, i, barrier, results, database_name, *args), daemon=True)
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
