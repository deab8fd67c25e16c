"""Reconcile the reports' rollups with the raw rows:
`python manage.py reports_check --from 2026-11-01 --to 2026-11-30 [--organization SLUG]`.

Days are UTC days, both ends included; only hours already filled are compared (the rest is not
rolled up yet). Prints every differing row and exits with status 1 if there is any."""

from datetime import UTC, date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError

from contactcenter.models import Organization
from contactcenter.selectors import rollups as rollup_rows
from contactcenter.services import rollups


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from error


def _mark(table: str) -> str:
    mark = rollup_rows.fill_mark(table)
    return f"{table} filled up to {mark:%Y-%m-%d %H:00}Z" if mark else f"{table} never filled"


class Command(BaseCommand):
    help = "Recompute a range of the reports' rollups from the raw rows and print any difference."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=_day, help="first UTC day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", required=True, type=_day, help="last UTC day, included")
        parser.add_argument("--organization", help="the organization's slug (default: all)")

    def handle(self, *args, start: date, end: date, organization: str | None, **options):
        if end < start:
            raise CommandError("--to is before --from")
        organizations = Organization.objects.order_by("pk")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations.exists():
                raise CommandError(f"no organization {organization!r}")
        since = datetime.combine(start, time(), tzinfo=UTC)
        until = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
        total = 0
        for org in organizations:
            for line in rollups.rollups_compare(organization=org, start=since, end=until):
                self.stdout.write(f"{org.slug}: {line}")
                total += 1
        marks = ", ".join(_mark(table) for table in rollup_rows.TABLES)
        if total:
            self.stdout.write(f"{total} difference(s) ({marks}).")
            raise SystemExit(1)
        self.stdout.write(f"No differences ({marks}).")
