"""Rollups for the historical reports: narrow counts tables per UTC hour plus a fill mark per
table (Zulip's analytics: counts tables and a FillState). The services in
`contactcenter/services/rollups.py` write them from the raw rows; re-filling an hour replaces its
rows, so a re-run never counts twice. Day, week and month figures are sums of hours; time zones
and day boundaries are the presentation's business.

Every event is counted in the hour it happened in (an answer in the hour of `assigned_at`, an
abandon in the hour of `abandoned_at`), so an hour's rows never change once it is closed unless
the raw rows are corrected (then `rollups_refill`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class QueueCounts(OrganizationOwned):
    """One queue × channel kind × medium's counters over a UTC hour (QueueHour) or day (QueueDay).
    Sums and counts are kept apart so that any range's average is the weighted one (sum of sums ÷
    sum of counts), never an average of averages."""

    queue = models.ForeignKey("contactcenter.Queue", on_delete=models.CASCADE, related_name="+")
    # The conversation's channel kind ("webchat", "whatsapp", "voice", "api", "sms"); "" when it
    # has none (an agent's outbound call, a campaign call).
    channel_kind = models.CharField(_("channel kind"), max_length=10, blank=True)
    medium = models.CharField(_("medium"), max_length=8)  # Conversation.Medium: chat or voice
    # Conversations that entered the queue (enqueued_at in the hour).
    offered = models.PositiveIntegerField(default=0)
    # Conversations an agent took (assigned_at in the hour).
    handled = models.PositiveIntegerField(default=0)
    # Customers who left (or hung up) while still waiting (abandoned_at in the hour).
    abandoned = models.PositiveIntegerField(default=0)
    # Of `handled`: those assigned within the queue's service-level target of entering it.
    # Service level of a range = answered_in_target ÷ offered.
    answered_in_target = models.PositiveIntegerField(default=0)
    # Wait (enqueued_at → assigned_at) of the conversations handled in the hour. Durations are
    # kept in microseconds (the raw rows' resolution) so sums are exact and re-runs identical.
    wait_us = models.BigIntegerField(default=0)
    wait_count = models.PositiveIntegerField(default=0)
    # First response (assigned_at → first_response_at), in the hour of the first response.
    first_response_us = models.BigIntegerField(default=0)
    first_response_count = models.PositiveIntegerField(default=0)
    # Handle time (assigned_at → closed_at) of conversations closed after service in the hour.
    handle_us = models.BigIntegerField(default=0)
    handle_count = models.PositiveIntegerField(default=0)
    # Resolution (enqueued_at → closed_at) of the same conversations (count: handle_count).
    resolution_us = models.BigIntegerField(default=0)
    # Conversations closed after an agent had them (status closed, closed_at in the hour).
    closed = models.PositiveIntegerField(default=0)
    # Completed transfers (resolved_at in the hour) into this queue: to it, or to an agent of it
    # (the conversation's queue). Transfers out need the queue a transfer left, which Transfer
    # does not keep yet.
    transfers_in = models.PositiveIntegerField(default=0)
    # Completed transfers (resolved_at in the hour) that took a conversation out of this queue
    # (Transfer.from_queue): to another queue or to an agent.
    transfers_out = models.PositiveIntegerField(default=0)
    # Of `handle_us` (calls): the time the call was on hold; talk time = handle − hold.
    hold_us = models.BigIntegerField(default=0)
    # After service (closed_at → wrapup_ended_at), in the hour the wrap-up ended.
    after_service_us = models.BigIntegerField(default=0)
    after_service_count = models.PositiveIntegerField(default=0)
    # The waits of `handled` as a histogram (selectors/rollups.WAIT_BUCKETS: the upper bound of
    # each bucket in seconds, inclusive), for the p90 wait and the distribution chart.
    wait_le_10 = models.PositiveIntegerField(default=0)
    wait_le_20 = models.PositiveIntegerField(default=0)
    wait_le_30 = models.PositiveIntegerField(default=0)
    wait_le_60 = models.PositiveIntegerField(default=0)
    wait_le_90 = models.PositiveIntegerField(default=0)
    wait_le_120 = models.PositiveIntegerField(default=0)
    wait_le_180 = models.PositiveIntegerField(default=0)
    wait_le_300 = models.PositiveIntegerField(default=0)
    wait_le_600 = models.PositiveIntegerField(default=0)
    wait_le_1800 = models.PositiveIntegerField(default=0)
    wait_over_1800 = models.PositiveIntegerField(default=0)
    # Customer satisfaction: surveys asked (asked_at in the hour) and answered (answered_at in the
    # hour; a change later re-fills that hour), the answers of 4–5 and the sum of the scores.
    csat_asked = models.PositiveIntegerField(default=0)
    csat_answered = models.PositiveIntegerField(default=0)
    csat_positive = models.PositiveIntegerField(default=0)
    csat_score_sum = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class QueueHour(QueueCounts):
    hour = models.DateTimeField(_("hour (UTC)"))

    class Meta:
        verbose_name = _("queue hour")
        verbose_name_plural = _("queue hours")
        constraints = [
            models.UniqueConstraint(fields=["organization", "hour", "queue", "channel_kind", "medium"],
                                    name="queuehour_unique"),
        ]
        indexes = [models.Index(fields=["organization", "hour"], name="queuehour_org_hour")]

    def __str__(self) -> str:
        return f"{self.queue} {self.channel_kind or '—'} {self.medium} {self.hour:%Y-%m-%d %H:00}Z"


class AgentStatusCounts(OrganizationOwned):
    """The time one agent spent in one status during one UTC hour (AgentStatusHour) or day
    (AgentStatusDay), from the status ledger split at hour boundaries. Kept in microseconds (the
    ledger's resolution) so that an agent's hour adds up exactly to the time the agent existed in
    it (3,600,000,000 for a whole hour)."""

    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="+")
    status = models.ForeignKey("contactcenter.StatusDefinition", on_delete=models.CASCADE, related_name="+")
    microseconds = models.BigIntegerField(default=0)
    # Intervals of this status that started in the hour (how often the agent went into it).
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class AgentStatusHour(AgentStatusCounts):
    hour = models.DateTimeField(_("hour (UTC)"))

    class Meta:
        verbose_name = _("agent status hour")
        verbose_name_plural = _("agent status hours")
        constraints = [
            models.UniqueConstraint(fields=["organization", "hour", "agent", "status"],
                                    name="agentstatushour_unique"),
        ]
        indexes = [models.Index(fields=["organization", "hour"], name="agentstatushour_org_hour")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.status} {self.hour:%Y-%m-%d %H:00}Z"


class AgentCounts(OrganizationOwned):
    """One agent's work in one queue × channel kind × medium over a UTC hour (AgentHour) or day
    (AgentDay): what they handled and how long it took (the conversation's agent is the one who
    had it last; a transfer is counted out of the agent who sent it and into the one who took
    it)."""

    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey("contactcenter.Queue", on_delete=models.CASCADE, related_name="+")
    channel_kind = models.CharField(_("channel kind"), max_length=10, blank=True)
    medium = models.CharField(_("medium"), max_length=8)
    # Conversations the agent took (assigned_at in the hour).
    handled = models.PositiveIntegerField(default=0)
    first_response_us = models.BigIntegerField(default=0)
    first_response_count = models.PositiveIntegerField(default=0)
    # Conversations the agent closed in the hour, their handle time and (calls) hold time.
    closed = models.PositiveIntegerField(default=0)
    handle_us = models.BigIntegerField(default=0)
    hold_us = models.BigIntegerField(default=0)
    after_service_us = models.BigIntegerField(default=0)
    after_service_count = models.PositiveIntegerField(default=0)
    transfers_in = models.PositiveIntegerField(default=0)
    transfers_out = models.PositiveIntegerField(default=0)
    # The ratings of the conversations the agent closed (see QueueHour).
    csat_asked = models.PositiveIntegerField(default=0)
    csat_answered = models.PositiveIntegerField(default=0)
    csat_positive = models.PositiveIntegerField(default=0)
    csat_score_sum = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class AgentHour(AgentCounts):
    hour = models.DateTimeField(_("hour (UTC)"))

    class Meta:
        verbose_name = _("agent hour")
        verbose_name_plural = _("agent hours")
        constraints = [
            models.UniqueConstraint(fields=["organization", "hour", "agent", "queue", "channel_kind", "medium"],
                                    name="agenthour_unique"),
        ]
        indexes = [models.Index(fields=["organization", "hour"], name="agenthour_org_hour")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.queue} {self.hour:%Y-%m-%d %H:00}Z"


class OutcomeCounts(OrganizationOwned):
    """Dispositions and tags of the conversations closed in one UTC hour (OutcomeHour) or day
    (OutcomeDay), per queue, agent and channel kind: one row per disposition or per tag (the
    other one is null)."""

    queue = models.ForeignKey("contactcenter.Queue", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, null=True, related_name="+")
    channel_kind = models.CharField(_("channel kind"), max_length=10, blank=True)
    disposition = models.ForeignKey("contactcenter.Disposition", on_delete=models.CASCADE, null=True,
                                    related_name="+")
    tag = models.ForeignKey("contactcenter.Tag", on_delete=models.CASCADE, null=True, related_name="+")
    conversations = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class OutcomeHour(OutcomeCounts):
    hour = models.DateTimeField(_("hour (UTC)"))

    class Meta:
        verbose_name = _("outcome hour")
        verbose_name_plural = _("outcome hours")
        constraints = [
            models.CheckConstraint(condition=models.Q(disposition__isnull=True) ^ models.Q(tag__isnull=True),
                                   name="outcomehour_disposition_xor_tag"),
        ]
        indexes = [models.Index(fields=["organization", "hour"], name="outcomehour_org_hour")]

    def __str__(self) -> str:
        return f"{self.disposition or self.tag} · {self.queue} {self.hour:%Y-%m-%d %H:00}Z"


# --- Days -----------------------------------------------------------------------------------------
# Each hour table's rows summed over a UTC day (`day` is its midnight), written by the fill from the
# stored hours once the whole day is filled: a year is 365 rows per key instead of 8,760. Reports
# read whole UTC days here and the hours at the edges of their range (a local day is not a UTC one)
# from the hour tables, so a range's figures are the same sums either way.


class QueueDay(QueueCounts):
    day = models.DateTimeField(_("day (UTC)"))

    class Meta:
        verbose_name = _("queue day")
        verbose_name_plural = _("queue days")
        constraints = [
            models.UniqueConstraint(fields=["organization", "day", "queue", "channel_kind", "medium"],
                                    name="queueday_unique"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="queueday_org_day")]

    def __str__(self) -> str:
        return f"{self.queue} {self.channel_kind or '—'} {self.medium} {self.day:%Y-%m-%d}Z"


class AgentStatusDay(AgentStatusCounts):
    day = models.DateTimeField(_("day (UTC)"))

    class Meta:
        verbose_name = _("agent status day")
        verbose_name_plural = _("agent status days")
        constraints = [
            models.UniqueConstraint(fields=["organization", "day", "agent", "status"], name="agentstatusday_unique"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="agentstatusday_org_day")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.status} {self.day:%Y-%m-%d}Z"


class AgentDay(AgentCounts):
    day = models.DateTimeField(_("day (UTC)"))

    class Meta:
        verbose_name = _("agent day")
        verbose_name_plural = _("agent days")
        constraints = [
            models.UniqueConstraint(fields=["organization", "day", "agent", "queue", "channel_kind", "medium"],
                                    name="agentday_unique"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="agentday_org_day")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.queue} {self.day:%Y-%m-%d}Z"


class OutcomeDay(OutcomeCounts):
    day = models.DateTimeField(_("day (UTC)"))

    class Meta:
        verbose_name = _("outcome day")
        verbose_name_plural = _("outcome days")
        constraints = [
            models.CheckConstraint(condition=models.Q(disposition__isnull=True) ^ models.Q(tag__isnull=True),
                                   name="outcomeday_disposition_xor_tag"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="outcomeday_org_day")]

    def __str__(self) -> str:
        return f"{self.disposition or self.tag} · {self.queue} {self.day:%Y-%m-%d}Z"


class RollupFillState(models.Model):
    """How far each rollup table is filled: every hour (or, for a day table, every day) before
    `filled_until` is done."""

    table = models.CharField(max_length=40, unique=True)
    filled_until = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rollup fill state")
        verbose_name_plural = _("rollup fill states")

    def __str__(self) -> str:
        return f"{self.table} ≤ {self.filled_until:%Y-%m-%d %H:%M}"
