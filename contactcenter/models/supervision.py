from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class MonitoringSession(OrganizationOwned):
    """A supervisor watching one agent (Supervisar): who watched whom, from when to when, and
    the call they joined through the voice connector, if any, and how."""

    class CallMode(models.TextChoices):
        NONE = "", _("—")
        LISTEN = "listen", _("Listening")
        WHISPER = "whisper", _("Whispering")
        BARGE = "barge", _("Barged in")

    supervisor = models.ForeignKey(
        "contactcenter.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("supervisor")
    )
    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("agent"))
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    call = models.ForeignKey(
        "contactcenter.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    call_mode = models.CharField(_("call monitoring"), max_length=10, choices=CallMode.choices, blank=True, default="")

    class Meta:
        verbose_name = _("monitoring session")
        verbose_name_plural = _("monitoring sessions")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["agent", "ended_at"], name="monitoring_agent_open")]

    def __str__(self) -> str:
        return f"{self.supervisor} → {self.agent} {self.started_at:%Y-%m-%d %H:%M}"


class SupervisionAlert(OrganizationOwned):
    """A toast already sent for one long pause (a ledger interval) or one long wait (a
    conversation, or an agent's offline interval during their shift): the periodic check publishes
    each once, however often it runs."""

    class Kind(models.TextChoices):
        PAUSE_OVER = "pause_over", _("Pause over its maximum")
        WAIT_OVER = "wait_over", _("Customer waiting over the target")
        MISSED_SHIFT = "missed_shift", _("Agent not logged in for their shift")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supervision alert")
        verbose_name_plural = _("supervision alerts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id"], name="supervision_alert_once"),
            models.CheckConstraint(condition=Q(kind__in=["pause_over", "wait_over", "missed_shift"]),
                                   name="supervision_alert_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id}"


class NotificationPreference(OrganizationOwned):
    """What a supervisor is told about their agents' status, and how. Quiet by default: pauses
    over their maximum and missed shifts, as toasts in the panel."""

    class StatusChanges(models.TextChoices):
        ALL = "all", _("Every status change")
        PAUSES = "pauses", _("Pauses only")
        LONG_PAUSES = "long_pauses", _("Only pauses over their maximum")
        AUTOMATIC = "automatic", _("Only changes made by rules or schedules")
        NONE = "none", _("None")

    user = models.OneToOneField("contactcenter.User", on_delete=models.CASCADE, related_name="notification_preference",
                                verbose_name=_("supervisor"))
    status_changes = models.CharField(_("status changes that notify me"), max_length=12,
                                      choices=StatusChanges.choices, default=StatusChanges.LONG_PAUSES)
    missed_shifts = models.BooleanField(_("agents who miss their shift"), default=True)
    agents = models.ManyToManyField(
        "contactcenter.User", blank=True, related_name="+", verbose_name=_("only these agents"),
        help_text=_("Empty: every agent you supervise."))
    panel = models.BooleanField(_("toast in the panel, with a sound"), default=True)
    browser = models.BooleanField(_("browser notification when the panel's tab is in the background"),
                                  default=False)
    email_digest = models.BooleanField(_("e-mail digest"), default=False)
    # The e-mail digest covers what happened after this moment (the previous digest's end).
    digest_sent_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(status_changes__in=["all", "pauses", "long_pauses", "automatic", "none"]),
                name="notificationpreference_known_choice"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_status_changes_display()}"
