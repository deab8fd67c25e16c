from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class SystemStatus(models.TextChoices):
    READY = "ready", _("Ready")
    DIALING = "dialing", _("Dialing")
    IN_SERVICE = "in_service", _("In service")
    AFTER_SERVICE = "after_service", _("After service")
    BANNED = "banned", _("Banned")
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")
    DND = "dnd", _("Do not disturb")


# The automatic pause put on an agent who let an offer ring out.
NO_ANSWER_CODE = "no_answer"

# Statuses the engine holds an agent in while work lasts; the agent's own choice (Ready, Online,
# DND) takes over when it ends.
WORK_STATUSES = (SystemStatus.IN_SERVICE, SystemStatus.AFTER_SERVICE, SystemStatus.DIALING)


def chosen_status_code(*, receive_new: bool, prefers_dnd: bool) -> str:
    """The status the agent chose for when no work holds them: Ready, Online or DND."""
    if receive_new:
        return SystemStatus.READY
    return SystemStatus.DND if prefers_dnd else SystemStatus.ONLINE


def then_status_label(*, code: str, is_pause: bool, receive_new: bool, prefers_dnd: bool) -> str:
    """While work holds an agent who chose not to take more (Online or DND), the status they go
    to when it ends; "" otherwise. The badge, the status menu and the supervisor's row show it, so
    that "En servicio" and a chosen "No molestar" never read as a contradiction."""
    if is_pause or code not in WORK_STATUSES:
        return ""
    chosen = chosen_status_code(receive_new=receive_new, prefers_dnd=prefers_dnd)
    return "" if chosen == SystemStatus.READY else str(SystemStatus(chosen).label)


class StatusDefinition(OrganizationOwned):
    """The statuses an agent can be in: the 8 system ones and the organization's pause reasons."""

    class Kind(models.TextChoices):
        SYSTEM = "system", _("System status")
        PAUSE = "pause", _("Pause reason")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAUSE)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    max_minutes = models.PositiveIntegerField(
        _("maximum minutes"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        ordering = ["kind", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="status_unique_code"),
            models.CheckConstraint(
                condition=~Q(kind="system") | Q(code__in=SystemStatus.values),
                name="status_system_code_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self):
        if self.kind == self.Kind.SYSTEM:
            return SystemStatus(self.code).label
        return self.name

    @property
    def is_pause(self) -> bool:
        return self.kind == self.Kind.PAUSE


class AgentState(OrganizationOwned):
    """An agent's one current status, since when, and what the router needs to know fast."""

    agent = models.OneToOneField(
        "contactcenter.User", on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    status = models.ForeignKey(StatusDefinition, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField(_("since"))
    receive_new = models.BooleanField(_("receive new"), default=False)
    # Whether the agent chose DND (rather than Online) for "not receiving new".
    prefers_dnd = models.BooleanField(default=False)
    # Open conversations assigned (or offered) to the agent, by medium. Kept under the row lock
    # by the services; the router filters on them without counting conversations.
    chat_load = models.PositiveIntegerField(default=0)
    voice_load = models.PositiveIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # After service (wrap-up): one episode at a time; the number makes late task runs harmless.
    wrapup_episode = models.PositiveIntegerField(default=0)
    wrapup_conversation = models.ForeignKey(
        "contactcenter.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wrapup_deadline = models.DateTimeField(null=True, blank=True)
    # Shifts (services/shifts.py keeps them from the agent's schedule): the router reads
    # `in_shift` instead of evaluating weekly patterns; the beat task acts on the agents whose
    # `shift_next_change` is due and leaves the others alone.
    in_shift = models.BooleanField(_("in shift"), default=True)
    shift_phase = models.CharField(max_length=8, default="none")
    shift_next_change = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent state")
        verbose_name_plural = _("agent states")
        indexes = [models.Index(fields=["organization", "receive_new"]),
                   models.Index(fields=["shift_next_change"])]

    def __str__(self) -> str:
        return f"{self.agent} · {self.status}"

    @property
    def chosen_code(self) -> str:
        return chosen_status_code(receive_new=self.receive_new, prefers_dnd=self.prefers_dnd)

    @property
    def then_label(self) -> str:
        return then_status_label(code=self.status.code, is_pause=self.status.is_pause,
                                 receive_new=self.receive_new, prefers_dnd=self.prefers_dnd)


class StatusSource(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    SYSTEM = "system", _("System")
    SCHEDULE = "schedule", _("Schedule")


class StatusInterval(OrganizationOwned):
    """The status ledger: an agent's intervals tile time with no gap or overlap."""

    agent = models.ForeignKey(
        "contactcenter.User", on_delete=models.CASCADE, related_name="status_intervals"
    )
    status = models.ForeignKey(StatusDefinition, on_delete=models.PROTECT, related_name="+")
    previous_status = models.ForeignKey(
        StatusDefinition, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    changed_by = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=StatusSource.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("status interval")
        verbose_name_plural = _("status ledger")
        ordering = ["agent", "started_at"]
        indexes = [
            models.Index(fields=["agent", "started_at"]),
            # The rollups read one hour of the whole organization's ledger: the intervals that
            # start in it, and those still open or ending after its start.
            models.Index(fields=["organization", "started_at"], name="ledger_org_started"),
            models.Index(fields=["organization", "ended_at"], name="ledger_org_ended"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="ledger_one_open_interval"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="ledger_interval_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent}: {self.status} {self.started_at:%Y-%m-%d %H:%M:%S}"
