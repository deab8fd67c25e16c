from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class Queue(OrganizationOwned):
    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice")
        CHAT = "chat", _("Chat")
        CAMPAIGN = "campaign", _("Campaign")

    class Strategy(models.TextChoices):
        LEAST_BUSY = "least_busy", _("Least busy")
        ROUND_ROBIN = "round_robin", _("Round robin (longest idle)")
        RANDOM = "random", _("Random")
        SEQUENTIAL = "sequential", _("Sequential (member order)")
        SIMULTANEOUS = "simultaneous", _("Simultaneous (ring all)")

    DEFAULT_CAPACITY = {Kind.CHAT: 6, Kind.VOICE: 1, Kind.CAMPAIGN: 1}

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CHAT)
    strategy = models.CharField(
        _("routing strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LEAST_BUSY
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity per agent"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Conversations an agent handles at once here. Empty: chat 6, voice 1."),
    )
    required_skills = models.ManyToManyField(
        "contactcenter.Skill", blank=True, related_name="queues", verbose_name=_("required skills")
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    after_service_seconds = models.PositiveIntegerField(
        _("after-service seconds"), default=0, validators=[MaxValueValidator(24 * 3600)]
    )
    after_service_enforced = models.BooleanField(_("enforce the after-service limit"), default=True)
    offer_timeout_seconds = models.PositiveSmallIntegerField(
        _("offer timeout (seconds)"), default=20, validators=[MinValueValidator(1)]
    )
    service_level_seconds = models.PositiveSmallIntegerField(
        _("service level target (seconds)"), null=True, blank=True,
        help_text=_("Answered within this many seconds counts as on time. Empty: calls 20, chats 60."),
    )
    # An agent who declined or let a conversation ring out is not offered that one again for this
    # long; after it, the conversation is offered to them again in its turn (a caller never waits
    # forever because everyone logged in once missed them).
    reoffer_after_seconds = models.PositiveSmallIntegerField(
        _("offer again after (seconds)"), default=30, validators=[MaxValueValidator(3600)],
        help_text=_("How long an agent who declined or missed a call is not offered the same call again."),
    )
    dispositions = models.ManyToManyField(
        "contactcenter.Disposition", blank=True, related_name="queues", verbose_name=_("dispositions")
    )
    business_hours = models.ForeignKey(
        "contactcenter.BusinessHours",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queues",
        verbose_name=_("business hours"),
        help_text=_("Empty: always open."),
    )
    auto_reply_outside_hours = models.TextField(_("auto-reply outside business hours"), blank=True)
    auto_reply_no_agents = models.TextField(_("auto-reply when no agent is logged in"), blank=True)
    auto_reply_queued = models.TextField(
        _("auto-reply when queued"), blank=True, help_text=_("{position} is replaced by the position.")
    )
    # Customer satisfaction: a chat closed by an agent asks the customer for a 1–5 rating (new
    # queues: on; the migration turned it off for existing voice and campaign queues).
    csat_enabled = models.BooleanField(
        _("ask for a rating after close"), default=True,
        help_text=_("Chats only: after an agent closes a conversation the customer is asked to rate it from 1 to 5."))
    csat_window_hours = models.PositiveSmallIntegerField(
        _("rating window (hours)"), default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("How long the customer may answer (and change their rating once)."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]
        permissions = [("supervise_queue", "Can supervise the queue")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="queue_unique_name"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="queue_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_capacity(self) -> int:
        return self.capacity or self.DEFAULT_CAPACITY[self.Kind(self.kind)]

    DEFAULT_SERVICE_LEVEL_SECONDS = {Kind.CHAT: 60, Kind.VOICE: 20, Kind.CAMPAIGN: 20}

    @property
    def effective_service_level_seconds(self) -> int:
        """The service-level target: the queue's own, or 20 s for calls and 60 s for chats."""
        if self.service_level_seconds is not None:
            return self.service_level_seconds
        return self.DEFAULT_SERVICE_LEVEL_SECONDS[self.Kind(self.kind)]

    @property
    def medium(self) -> str:
        """Chat queues share the chat capacity; voice queues and campaigns are calls."""
        return "chat" if self.kind == self.Kind.CHAT else "voice"


class QueueMembership(OrganizationOwned):
    """A permanent assignment of a user to a queue, as agent or as supervisor."""

    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        "contactcenter.User", on_delete=models.CASCADE, related_name="queue_memberships"
    )
    role = models.CharField(_("as"), max_length=12, choices=Role.choices, default=Role.AGENT)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        ordering = ["queue", "role", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "user", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.queue} ({self.get_role_display()})"


class QueueLogin(OrganizationOwned):
    """An agent logged in to a queue now (ended_at empty) or in the past."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="logins")
    agent = models.ForeignKey(
        "contactcenter.User", on_delete=models.CASCADE, related_name="queue_logins"
    )
    logged_in_by = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    logged_out_by = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    # True when the agent was not a member: allowed by the organization policy at login time.
    is_unassigned = models.BooleanField(_("unassigned queue"), default=False)

    class Meta:
        verbose_name = _("queue login")
        verbose_name_plural = _("queue logins")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "agent"], condition=Q(ended_at__isnull=True), name="login_one_open"
            ),
        ]
        indexes = [models.Index(fields=["queue", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.agent} @ {self.queue}"
