import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contactcenter import cluster
from contactcenter.services.uploads import max_upload_bytes


def env_count(name: str, default: int) -> int:
    raw = os.environ.get(name, "") or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise CommandError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


class Command(BaseCommand):
    help = ("Serve the distributed shape: SERVERS Daphne processes (default 2) behind nginx on PORT, "
            "WORKERS Celery workers (default 2) and one Celery beat. Ctrl-C stops them all.")

    def handle(self, *args, **options):
        if cluster.nginx_binary() is None:
            raise CommandError(cluster.INSTALL_NGINX)
        if settings.EMBEDDED or not settings.IS_POSTGRES:
            raise CommandError("Set DATABASE_URL=postgres://... and REDIS_URL=redis://... (or run run_embedded).")
        servers, workers = env_count("SERVERS", 2), env_count("WORKERS", 2)
        run_dir = Path(tempfile.mkdtemp(prefix="contactcenter-run-"))
        group = cluster.Cluster(run_dir=run_dir, env=cluster.process_env())
        stopping = []
        # Ctrl-C and SIGTERM reach this process only (each child has its own session): stop them all.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda number, frame: stopping.append(number))
        try:
            group.start_servers(servers)
            group.start_proxy(port=settings.PORT, static_root=Path(settings.STATIC_ROOT),
                              media_root=settings.MEDIA_ROOT, max_body_bytes=max_upload_bytes())
            group.start_workers(workers)
            group.start_beat()
            ports = ", ".join(str(child.port) for child in group.servers())
            self.stdout.write(f"Serving on http://127.0.0.1:{settings.PORT} (nginx, config {run_dir}/nginx.conf) "
                              f"-> {servers} Daphne servers on ports {ports}; {workers} Celery workers, one beat.")
            while not stopping and not group.dead():
                time.sleep(0.5)
            for child in group.dead():
                self.stderr.write(f"{child.name} (pid {child.process.pid}) exited with code "
                                  f"{child.process.returncode}: stopping the others.")
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        finally:
            self.stdout.write("Stopping every process...")
            group.stop()
            shutil.rmtree(run_dir, ignore_errors=True)
        if not stopping:
            raise CommandError("A process died.")
