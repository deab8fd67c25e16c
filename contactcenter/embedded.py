"""Embedded mode: a Celery worker and beat inside the server process, on the in-memory broker.

The in-memory broker only exists inside one process, so the worker and beat must run as
threads of the process whose code publishes tasks (the Daphne server).
"""

import logging
import tempfile
import threading
from pathlib import Path

from celery.beat import EmbeddedService

from contactcenter.celery import app

logger = logging.getLogger(__name__)
_started = threading.Event()


def start_worker_and_beat() -> None:
    """Start once per process; safe to call again."""
    if _started.is_set():
        return
    _started.set()
    worker = app.WorkController(
        pool_cls="solo",
        concurrency=1,
        hostname="embedded@localhost",
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
        loglevel="WARNING",
    )
    threading.Thread(target=worker.start, name="celery-worker", daemon=True).start()
    schedule = Path(tempfile.gettempdir()) / "contactcenter-embedded-beat"
    beat = EmbeddedService(app, thread=True, schedule_filename=str(schedule))
    beat.daemon = True
    beat.start()
    logger.info("embedded Celery worker and beat started")
