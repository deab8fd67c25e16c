"""How fast the reports are at a year of history (issue 19, "Speed, measured").

Meant for PostgreSQL, in a database of its own (it refuses one with other organizations: the
rollups' fill marks are global and the bench moves them). It generates, with COPY, one
organization of 300 agents in 20 queues with a year of history (≥ 1,000,000 conversations, ≥
5,000,000 status intervals) and a 10-agent organization beside it; fills the rollups (the real
`rollups_fill`, day by day, for up to --catchup-budget seconds, timed and projected to the year;
the rest is stored a week per query from the same selectors); then, through django.test.Client
logged in as an organization admin (real views, middleware and templates), times every report
tab (views_reports.TABS) for the last 30 days by day, the last 365 days by day and yesterday by
hour, and each tab's CSV; a CSV export of a year by hour (time, and peak memory while the
streamed response is consumed); the fill of one fresh day of raw rows after the fill mark; and
each tab's query count for the 10-agent and the 300-agent organization.

The clock is pinned (time-machine, a dev dependency) to NOW, so a run does not depend on the date
and --keep reuses the history of an earlier run. Ends with one line:
reports: 30-day p95 X ms, 365-day p95 Y ms, export Z s, fill of one day W s, query count Q (...)
"""

import contextlib
import cProfile
import datetime as dt
import io
import pstats
import time
import tracemalloc
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcenter.management.commands import _bench_reports_data as data
from contactcenter.management.commands._bench_utils import percentile
from contactcenter.models import Organization, RollupFillState
from contactcenter.selectors import rollups
from contactcenter.selectors.report_ranges import ReportRange
from contactcenter.services.rollups import rollups_compare, rollups_fill
from permissions import access
from supervision import exports, views_reports

try:
    import time_machine
except ImportError:  # a deployment without the dev dependencies: the real clock
    time_machine = None

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 11, 10, 20, tzinfo=UTC)  # a Wednesday, 11:20 in Madrid
BIG, SMALL = "bench-reports", "bench-reports-small"
TARGETS = {"30 days": 0.300, "365 days": 0.800}
EXPORT_MEMORY_LIMIT = 100 * 1024 * 1024
FILL_DAY_LIMIT = 30.0


def status_kib(field: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def reset_peak_rss() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux ≥ 4.0)


class Command(BaseCommand):
    help = "Time the report tabs, the CSV export and the rollup fill at a year of history (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=300)
        parser.add_argument("--queues", type=int, default=20)
        parser.add_argument("--days", type=int, default=365, help="Days of history before the bench's now.")
        parser.add_argument("--conversations", type=int, default=1_000_000, help="About this many, over --days.")
        parser.add_argument("--small-agents", type=int, default=10, help="Agents of the organization compared "
                                                                          "for query counts.")
        parser.add_argument("--runs", type=int, default=7, help="Timed requests per tab and range.")
        parser.add_argument("--budget", type=float, default=60.0,
                            help="Seconds per tab and range after which no more runs start (at least 2 run).")
        parser.add_argument("--catchup-budget", type=float, default=120.0,
                            help="Seconds of the real rollups_fill over the year before the rest is bulk-loaded.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--keep", action="store_true",
                            help="Reuse the history (and rollups) of an earlier run with the same sizes.")
        parser.add_argument("--profile", action="store_true",
                            help="cProfile the slowest 365-day request and the fill of one day.")

    def handle(self, *args, **options):
        if not 1 <= options["small_agents"] < options["agents"] <= 5000:
            raise CommandError("--small-agents must be at least 1 and below --agents (at most 5000).")
        if not 1 <= options["queues"] <= 200 or not 2 <= options["days"] <= 730:
            raise CommandError("--queues must be 1..200 and --days 2..730.")
        if options["runs"] < 1 or options["conversations"] < 1:
            raise CommandError("--runs and --conversations must be positive.")
        if Organization.objects.exclude(slug__in=[BIG, SMALL]).exists():
            raise CommandError("bench_reports needs a database of its own: it moves the rollups' fill marks, which "
                               "are shared by every organization. Create one (createdb bench_reports), migrate it "
                               "and point DATABASE_URL at it.")
        self.options = options
        if time_machine is None:
            self.now = timezone.now().replace(second=0, microsecond=0)
            self.stdout.write("time-machine is not installed: the bench's now is the real clock (no --keep reuse "
                              "across days)")
            self.run()
            return
        self.now = NOW
        with time_machine.travel(NOW, tick=True):
            self.run()

    # --- The run ------------------------------------------------------------------------------------

    def run(self):
        self.stdout.write(f"bench_reports on {connection.vendor}, now pinned at {self.now:%Y-%m-%d %H:%M} UTC")
        big, small, reused = self.prepare()
        self.big, self.small = big, small
        catchup = self.fill(reused)
        mark = rollups.hour_floor(self.now)
        differences = rollups_compare(organization=big.organization, start=mark - dt.timedelta(days=2), end=mark)
        self.stdout.write(f"check: the last two days' rollups against the raw rows: "
                          f"{'match' if not differences else f'{len(differences)} differences, e.g. {differences[0]}'}")
        self.tabs = list(views_reports.TABS)
        timings = self.measure_tabs()
        counts = self.query_counts()
        export = self.measure_export()
        fill_day = self.measure_fill_day()
        self.report(timings, counts, export, fill_day, catchup)

    def signature(self, agents: int) -> str:
        o = self.options
        return (f"Bench reports {agents}a {o['queues']}q {o['days']}d {o['conversations']}c s{o['seed']} "
                f"{self.now:%Y%m%d%H%M}")

    def prepare(self) -> tuple[data.Bench, data.Bench, bool]:
        o = self.options
        wanted = {BIG: self.signature(o["agents"]), SMALL: self.signature(o["small_agents"])}
        found = {org.slug: org for org in Organization.objects.filter(slug__in=wanted)}
        if o["keep"] and all(slug in found and found[slug].name == name for slug, name in wanted.items()):
            self.stdout.write("reusing the history of an earlier run (--keep)")
            return data.bench_load(found[BIG]), data.bench_load(found[SMALL]), True
        started = time.perf_counter()
        for org in found.values():
            data.bench_delete(org)
        RollupFillState.objects.all().delete()
        if found:
            self.stdout.write(f"deleted the earlier bench organizations in {time.perf_counter() - started:.1f} s")
        benches = []
        for slug, agents in ((BIG, o["agents"]), (SMALL, o["small_agents"])):
            t0 = time.perf_counter()
            bench = data.bench_create(slug=slug, name=wanted[slug], agent_count=agents, queue_count=o["queues"],
                                      contact_count=max(50, min(20_000, o["conversations"] // 50)), now=self.now,
                                      seed=o["seed"])
            days = self.days(slug)
            made = data.history_write(bench, start=self.day_start(bench, days), until=self.now,
                                      scale=self.scale(bench, slug), seed=o["seed"], now=self.now)
            self.stdout.write(f"{slug}: {agents} agents, {o['queues']} queues, {days} days: {made.conversations:,} "
                              f"conversations, {made.intervals:,} status intervals, {made.tags:,} tags, "
                              f"in {time.perf_counter() - t0:.1f} s")
            benches.append(bench)
        t0 = time.perf_counter()
        data.analyze()
        self.stdout.write(f"ANALYZE in {time.perf_counter() - t0:.1f} s")
        return benches[0], benches[1], False

    def days(self, slug: str) -> int:
        return self.options["days"] if slug == BIG else min(self.options["days"], 30)

    def scale(self, bench: data.Bench, slug: str) -> float:
        """The arrival curve's multiplier that gives the big organization --conversations; the
        small one gets as many per agent."""
        o = self.options
        start = self.day_start(bench, o["days"])
        # Half a percent over: Poisson noise and the few cut at the end must not leave it short.
        scale = o["conversations"] * 1.005 / data.expected_arrivals(bench, start=start, until=self.now)
        return scale if slug == BIG else scale * o["small_agents"] / o["agents"]

    def day_start(self, bench: data.Bench, days: int) -> dt.datetime:
        first_day = self.now.astimezone(bench.zone).date() - dt.timedelta(days=days)
        return dt.datetime.combine(first_day, dt.time(), tzinfo=bench.zone).astimezone(UTC)

    # --- Rollups ------------------------------------------------------------------------------------

    def fill(self, reused: bool) -> str:
        """Fill the rollups up to now's hour; returns what the year's catch-up took (or would)."""
        mark = rollups.hour_floor(self.now)
        if reused and all(rollups.fill_mark(table) == mark for table in rollups.TABLES):
            t0 = time.perf_counter()
            rollups_fill(now=mark)  # the day tables, if an earlier run predates them
            return f"reused from an earlier run (day tables brought up to date in {time.perf_counter() - t0:.1f} s)"
        organizations = [self.big.organization, self.small.organization]
        data.rollups_delete_from(organizations, dt.datetime(1970, 1, 1, tzinfo=UTC))
        RollupFillState.objects.all().delete()
        first = rollups.hour_floor(self.day_start(self.big, self.options["days"]))
        total_hours = int((mark - first) / rollups.HOUR)
        budget, spent, hours, moment, per_day = self.options["catchup_budget"], 0.0, 0, first, []
        while moment < mark and spent < budget:
            step = min(moment + dt.timedelta(days=1), mark)
            t0 = time.perf_counter()
            hours += rollups_fill(now=step)
            per_day.append(time.perf_counter() - t0)
            spent += per_day[-1]
            moment = step
        if moment >= mark:
            line = f"the year's catch-up by rollups_fill: {spent:.1f} s for {hours} hours"
        else:
            projected = spent / hours * total_hours
            line = (f"the year's catch-up by rollups_fill: {hours} of {total_hours} hours in {spent:.1f} s "
                    f"({spent / hours * 1000:.0f} ms an hour, days {per_day[0]:.1f} s … {per_day[-1]:.1f} s): "
                    f"about {projected / 60:.0f} min for the year")
            t0 = time.perf_counter()
            rows = data.rollups_load(organizations, start=moment, until=mark, now=self.now)
            line += f"; the rest ({total_hours - hours} hours, {rows:,} rows) stored a week per query in " \
                    f"{time.perf_counter() - t0:.1f} s"
            t0 = time.perf_counter()
            rollups_fill(now=mark)  # the hours are all there: this sums the days not yet summed
            line += f", its days summed by rollups_fill in {time.perf_counter() - t0:.1f} s"
        data.analyze()
        self.stdout.write(line)
        return line

    # --- Pages --------------------------------------------------------------------------------------

    def ranges(self, bench: data.Bench) -> dict[str, dict]:
        today = self.now.astimezone(bench.zone).date()
        return {
            "30 days": {"range": "last_30_days", "granularity": "day"},
            "365 days": {"from": (today - dt.timedelta(days=364)).isoformat(), "to": today.isoformat(),
                         "granularity": "day"},
            "yesterday": {"range": "yesterday", "granularity": "hour"},
        }

    def client(self, bench: data.Bench) -> Client:
        client = Client()
        client.force_login(bench.admin)
        return client

    @staticmethod
    def get(client: Client, tab: str, params: dict) -> tuple[int, float]:
        """One request, its body consumed; (bytes, seconds)."""
        t0 = time.perf_counter()
        response = client.get(reverse("supervision:reports-tab", args=[tab]), params)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seconds = time.perf_counter() - t0
        if response.status_code != 200:
            raise CommandError(f"{tab} {params} answered {response.status_code}")
        if "format" not in params and b'data-testid="report-period"' not in body:
            raise CommandError(f"{tab} {params}: the page shows no report (a filter error?)")
        return len(body), seconds

    def timed(self, client: Client, tab: str, params: dict) -> list[float]:
        self.get(client, tab, params)  # warm: templates, the session
        times, started = [], time.perf_counter()
        for run in range(self.options["runs"]):
            if run >= 2 and time.perf_counter() - started > self.options["budget"]:
                break
            times.append(self.get(client, tab, params)[1])
        return times

    def measure_tabs(self) -> dict:
        client = self.client(self.big)
        results = {}
        for tab in self.tabs:
            for name, params in self.ranges(self.big).items():
                results[(tab, name)] = self.timed(client, tab, params)
            results[(tab, "csv")] = self.timed(client, tab, {**self.ranges(self.big)["30 days"], "format": "csv"})
        if self.options["profile"]:
            slowest = max(self.tabs, key=lambda tab: percentile(results[(tab, "365 days")], 95))
            params = self.ranges(self.big)["365 days"]
            self.profile(f"GET {slowest} 365 days", lambda: self.get(client, slowest, params))
        return results

    def query_counts(self) -> dict:
        counts = {}
        for label, bench in (("small", self.small), ("big", self.big)):
            client = self.client(bench)
            for tab in self.tabs:
                for name, params in self.ranges(bench).items():
                    self.get(client, tab, params)
                    with CaptureQueriesContext(connection) as ctx:
                        self.get(client, tab, params)
                    counts[(label, tab, name)] = len(ctx.captured_queries)
        return counts

    def measure_export(self) -> dict:
        """The overview's CSV over the last 365 days by hour: time, and memory while consuming it."""
        today = self.now.astimezone(self.big.zone).date()
        params = {"from": (today - dt.timedelta(days=364)).isoformat(), "to": today.isoformat(),
                  "granularity": "hour", "format": "csv"}
        client = self.client(self.big)
        response = client.get(reverse("supervision:reports-tab", args=["overview"]), params)
        via = "the view"
        if not response.streaming:
            # The filter form refuses hourly ranges over MAX_HOURLY_DAYS, CSV included: the same
            # builder and CSV writer the view uses, called as the view would.
            via = "views_reports.overview + exports.csv_response (the view refuses hourly over 31 days)"
        result = {"via": via}

        def export():
            if via == "the view":
                response = client.get(reverse("supervision:reports-tab", args=["overview"]), params)
            else:
                scope = access.report_scope(self.big.admin)
                period = ReportRange(today - dt.timedelta(days=364), today, self.big.zone)
                with timezone.override(self.big.zone):
                    built = views_reports.BUILDERS["overview"](scope, {"period": period, "granularity": "hour"},
                                                               {"queue_ids": [], "channel_kind": ""})
                response = exports.csv_response("overview.csv", built["table"].header, built["table"].raw)
            size = lines = 0
            for chunk in response.streaming_content:
                size += len(chunk)
                lines += chunk.count(b"\n")
            return size, lines

        export()  # warm
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            result["bytes"], result["lines"] = export()
            times.append(time.perf_counter() - t0)
        result["seconds"] = min(times)
        rss_before = status_kib("VmRSS")
        reset_peak_rss()
        tracemalloc.start()
        export()
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        peak = status_kib("VmHWM")
        result["rss_growth"] = (peak - rss_before) * 1024 if peak is not None and rss_before is not None else None
        return result

    # --- The fill of one day ------------------------------------------------------------------------

    def measure_fill_day(self) -> dict:
        """One more day of raw rows after the fill mark, then rollups_fill as of the day after;
        the extra day is deleted afterwards so that --keep finds the history it made."""
        until = self.now + dt.timedelta(days=1)
        made = {}
        for slug, bench in ((BIG, self.big), (SMALL, self.small)):
            made[slug] = data.history_write(bench, start=self.now, until=until, scale=self.scale(bench, slug),
                                            seed=self.options["seed"] + 1, now=self.now)
        result = {"conversations": made[BIG].conversations, "intervals": made[BIG].intervals}
        try:
            with (time_machine.travel(until + dt.timedelta(minutes=1), tick=True) if time_machine
                  else contextlib.nullcontext()):
                t0 = time.perf_counter()
                if self.options["profile"]:
                    result["hours"] = self.profile("rollups_fill of one day", lambda: rollups_fill(now=until))
                else:
                    result["hours"] = rollups_fill(now=until)
                result["seconds"] = time.perf_counter() - t0
        finally:
            for bench in (self.big, self.small):
                data.history_delete_from(bench, self.now)
            data.rollups_delete_from([self.big.organization, self.small.organization], rollups.hour_floor(self.now))
        return result

    def profile(self, label: str, call):
        profiler = cProfile.Profile()
        value = profiler.runcall(call)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        self.stdout.write(f"--- profile: {label}\n{out.getvalue()}")
        return value

    # --- The report ---------------------------------------------------------------------------------

    def report(self, timings, counts, export, fill_day, catchup):
        names = list(self.ranges(self.big))
        self.stdout.write("")
        header = (f"{'tab':<14}" + "".join(f"{'p95 ' + n:>18}" for n in names) + f"{'csv 30d':>10}"
                  + f"{'queries 10a/300a (30d, 365d, yday)':>38}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for tab in self.tabs:
            cells = "".join(f"{percentile(timings[(tab, n)], 95) * 1000:>11.0f} ms n={len(timings[(tab, n)]):<2}"
                            for n in names)
            queries = ", ".join(f"{counts[('small', tab, n)]}/{counts[('big', tab, n)]}" for n in names)
            self.stdout.write(f"{tab:<14}{cells}{percentile(timings[(tab, 'csv')], 95) * 1000:>7.0f} ms{queries:>38}")
        self.stdout.write("")
        self.stdout.write(f"rollups: {catchup}")
        traced = export["traced_peak"] / 1024 / 1024
        rss = f"{export['rss_growth'] / 1024 / 1024:.1f} MB" if export["rss_growth"] is not None else "n/a"
        self.stdout.write(f"export of a year by hour via {export['via']}: {export['seconds']:.2f} s, "
                          f"{export['lines']:,} lines, {export['bytes'] / 1024:.0f} KB; peak Python memory "
                          f"{traced:.1f} MB (tracemalloc), peak RSS growth {rss}")
        self.stdout.write(f"fill of one day: {fill_day['hours'] // 2} hours × 2 tables ({fill_day['conversations']:,} "
                          f"conversations, {fill_day['intervals']:,} intervals) in {fill_day['seconds']:.1f} s")
        p30 = max(percentile(timings[(tab, "30 days")], 95) for tab in self.tabs)
        p365 = max(percentile(timings[(tab, "365 days")], 95) for tab in self.tabs)
        small = {k[1:]: v for k, v in counts.items() if k[0] == "small"}
        big = {k[1:]: v for k, v in counts.items() if k[0] == "big"}
        by_days = all(big[(tab, "30 days")] == big[(tab, "365 days")] for tab in self.tabs)
        q = max(big.values())
        verdicts = [
            ("30-day p95 <= 300 ms", p30 <= TARGETS["30 days"]),
            ("365-day p95 <= 800 ms", p365 <= TARGETS["365 days"]),
            ("export memory < 100 MB", export["traced_peak"] < EXPORT_MEMORY_LIMIT),
            ("fill of one day <= 30 s", fill_day["seconds"] <= FILL_DAY_LIMIT),
            ("query count same for both organizations", small == big),
            ("query count same for 30 and 365 days", by_days),
        ]
        self.stdout.write("targets: " + "; ".join(f"{name}: {'OK' if ok else 'MISSED'}" for name, ok in verdicts))
        a, b = self.options["small_agents"], self.options["agents"]
        same = f"same for {a} and {b} agents" if small == big else \
            f"NOT the same: {a} agents {max(small.values())}, {b} agents {q}"
        self.stdout.write(f"reports: 30-day p95 {p30 * 1000:.0f} ms, 365-day p95 {p365 * 1000:.0f} ms, "
                          f"export {export['seconds']:.1f} s, fill of one day {fill_day['seconds']:.1f} s, "
                          f"query count {q} ({same})")
