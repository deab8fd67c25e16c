from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contactcenter.embedded import start_worker_and_beat


class Command(BaseCommand):
    help = "Serve the app with Daphne, with a Celery worker and beat inside the same process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.PORT)

    def handle(self, *args, host, port, **options):
        if not settings.EMBEDDED:
            raise CommandError("REDIS_URL is set: run the distributed shape (manage.py run_distributed) instead.")

        start_worker_and_beat()
        self.stdout.write(f"Serving on http://{host}:{port} (embedded: SQLite, in-memory layer, Celery inside)")
        CommandLineInterface().run(["-b", host, "-p", str(port), "contactcenter.asgi:application"])
