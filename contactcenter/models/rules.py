from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class StatusRule(OrganizationOwned):
    """"When <trigger> [in these queues] then <action>": an organization's status automation, run
    by the engine (services/rule_engine.py) from Celery beat and events, never in a request."""

    class Trigger(models.TextChoices):
        CONVERSATIONS_SINCE_READY = "conversations", _("An agent received N conversations since becoming Ready")
        LOGGED_IN_WITHOUT_PAUSE = "no_pause", _("An agent has been logged in for N hours without a pause")
        PAUSE_OVER_MAXIMUM = "pause_over", _("An agent's pause is over its maximum by N minutes or more")
        MISSED_OFFERS = "missed_offers", _("An agent missed N offers in a row")
        QUEUE_WAIT_OVER = "queue_wait", _("A queue's longest wait exceeds N seconds")

    class Action(models.TextChoices):
        PAUSE = "pause", _("Pause the agent with a reason")
        READY = "ready", _("Put the agent in Ready")
        ONLINE = "online", _("Put the agent in Online")
        OFFLINE = "offline", _("Sign the agent out (Offline)")
        RECEIVE_NEW_OFF = "receive_off", _("Turn the agent's Receive new off")
        RECEIVE_NEW_ON = "receive_on", _("Turn the agent's Receive new on")
        NOTIFY = "notify", _("Notify the supervisors (panel and e-mail)")
        AUTO_REPLY = "auto_reply", _("Send an auto-reply to the waiting customers")

    QUEUE_TRIGGERS = (Trigger.QUEUE_WAIT_OVER,)
    # Actions that change an agent's status or switch (and may last a while, then return).
    AGENT_ACTIONS = (Action.PAUSE, Action.READY, Action.ONLINE, Action.OFFLINE, Action.RECEIVE_NEW_OFF,
                     Action.RECEIVE_NEW_ON)
    QUEUE_ACTIONS = (Action.NOTIFY, Action.AUTO_REPLY)

    name = models.CharField(_("name"), max_length=80)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    trigger = models.CharField(_("when"), max_length=16, choices=Trigger.choices)
    threshold = models.PositiveIntegerField(
        _("N"), validators=[MaxValueValidator(100_000)],
        help_text=_("Conversations, hours, minutes over the maximum, offers or seconds, as the trigger says."))
    queues = models.ManyToManyField(
        "contactcenter.Queue", blank=True, related_name="+", verbose_name=_("in the queues"),
        help_text=_("Empty: every queue. Agents count when they are members of or logged in to one of them."))
    action = models.CharField(_("then"), max_length=12, choices=Action.choices)
    pause_reason = models.ForeignKey(
        "contactcenter.StatusDefinition", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"kind": "pause"}, verbose_name=_("pause reason"))
    duration_minutes = models.PositiveIntegerField(
        _("for (minutes)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Empty: the change stays. Otherwise the agent returns to where they were after it."))
    message = models.TextField(_("auto-reply text"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("status rule")
        verbose_name_plural = _("status rules")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="statusrule_unique_name"),
            models.CheckConstraint(condition=~Q(action="pause") | Q(pause_reason__isnull=False),
                                   name="statusrule_pause_has_reason"),
            models.CheckConstraint(condition=Q(trigger="pause_over") | Q(threshold__gte=1),
                                   name="statusrule_threshold_positive"),
            models.CheckConstraint(condition=~Q(action="auto_reply") | ~Q(message=""),
                                   name="statusrule_auto_reply_has_text"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_queue_rule(self) -> bool:
        return self.trigger in self.QUEUE_TRIGGERS

    @property
    def may_last(self) -> bool:
        """Whether the action is a change that can last `duration_minutes`, then return."""
        return self.action in self.AGENT_ACTIONS

    def clean(self):
        """The combinations that make sense (the portal's form and Django admin both ask this)."""
        errors = {}
        if self.action == self.Action.PAUSE and self.pause_reason_id is None:
            errors["pause_reason"] = _("Choose the pause reason for a pause action.")
        if self.action == self.Action.AUTO_REPLY and not (self.message or "").strip():
            errors["message"] = _("Write the text of the auto-reply.")
        if self.trigger and self.trigger != self.Trigger.PAUSE_OVER_MAXIMUM and (self.threshold or 0) < 1:
            errors["threshold"] = _("N must be at least 1 for this trigger.")
        if self.trigger in self.QUEUE_TRIGGERS and self.action in self.AGENT_ACTIONS:
            errors["action"] = _("A queue trigger has no agent to change: notify the supervisors or send an "
                                 "auto-reply.")
        elif self.trigger and self.trigger not in self.QUEUE_TRIGGERS and self.action == self.Action.AUTO_REPLY:
            errors["action"] = _("An auto-reply goes to waiting customers: use it with the queue wait trigger.")
        if self.duration_minutes and self.action not in self.AGENT_ACTIONS:
            errors["duration_minutes"] = _("Only a change of the agent's status or Receive new lasts a while.")
        if errors:
            raise ValidationError(errors)


class RuleFiring(OrganizationOwned):
    """One occurrence of a rule's trigger and what the engine did about it: applied, or skipped
    (an illegal move, nothing to do) with why. The unique keys make a rule fire once per
    occurrence however often the sweep runs. A change that lasts stores when it returns and
    the state it left, so the return happens only if nothing changed the agent since."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        SKIPPED = "skipped", _("Skipped")

    rule = models.ForeignKey(StatusRule, on_delete=models.CASCADE, related_name="firings", verbose_name=_("rule"))
    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+", verbose_name=_("agent"))
    queue = models.ForeignKey("contactcenter.Queue", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+", verbose_name=_("queue"))
    # When the occurrence began (the agent became Ready, the pause started, the wait crossed...).
    occurrence = models.DateTimeField(_("occurrence"))
    fired_at = models.DateTimeField(_("fired"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    # A queue's occurrence lasts while its wait stays over the threshold.
    cleared_at = models.DateTimeField(null=True, blank=True)
    # A change that lasts: when it returns, and what it left (status and since) to return from.
    return_at = models.DateTimeField(_("returns at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    expected_status = models.ForeignKey("contactcenter.StatusDefinition", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    expected_since = models.DateTimeField(null=True, blank=True)
    # The agent's choice before the change (receive_new, prefers_dnd, a pause reason id).
    restore = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["organization", "-fired_at"], name="rulefiring_org_recent"),
                   models.Index(fields=["return_at"], name="rulefiring_return_due",
                                condition=Q(return_at__isnull=False, returned_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["rule", "agent", "occurrence"], condition=Q(agent__isnull=False),
                                    name="rulefiring_once_per_agent_occurrence"),
            models.UniqueConstraint(fields=["rule", "queue", "occurrence"], condition=Q(queue__isnull=False),
                                    name="rulefiring_once_per_queue_occurrence"),
            # A queue's occurrence lasts until its wait is back under the threshold.
            models.UniqueConstraint(fields=["rule", "queue"], condition=Q(queue__isnull=False, cleared_at__isnull=True),
                                    name="rulefiring_one_open_per_queue"),
            models.CheckConstraint(condition=Q(agent__isnull=False) | Q(queue__isnull=False),
                                   name="rulefiring_has_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.agent or self.queue} {self.fired_at:%Y-%m-%d %H:%M}"
