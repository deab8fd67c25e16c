from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class CampaignContact(OrganizationOwned):
    """One contact to call in a campaign (a queue of kind "campaign"): its place in the list,
    who has it now, how many calls were made and how the last one ended."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    class CallOutcome(models.TextChoices):
        NONE = "", _("—")
        ANSWERED = "answered", _("Answered")
        NO_ANSWER = "no_answer", _("No answer")
        FAILED = "failed", _("Could not connect")

    WAITING_STATUSES = (Status.PENDING, Status.RESCHEDULED)

    queue = models.ForeignKey(
        "contactcenter.Queue",
        on_delete=models.CASCADE,
        related_name="campaign_contacts",
        limit_choices_to={"kind": "campaign"},
        verbose_name=_("campaign"),
    )
    contact = models.ForeignKey(
        "contactcenter.Contact", on_delete=models.CASCADE, related_name="campaign_entries",
        verbose_name=_("contact"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True, help_text=_("Empty: as soon as possible.")
    )
    last_disposition = models.ForeignKey(
        "contactcenter.Disposition", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last disposition"),
    )
    # How the telephony system reported the last call (the agent still picks the disposition).
    call_outcome = models.CharField(
        _("last call"), max_length=10, choices=CallOutcome.choices, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # The agent previewing or calling the contact (in progress); afterwards, who finished it.
    assigned_to = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="campaign_contacts", verbose_name=_("agent"),
    )
    # The last call made to the contact.
    conversation = models.ForeignKey(
        "contactcenter.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last call"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign contact")
        verbose_name_plural = _("campaign contacts")
        ordering = ["queue", "position", "id"]
        indexes = [
            models.Index(fields=["queue", "status", "next_attempt_at", "position"], name="campaign_next"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["queue", "contact"], name="campaign_contact_unique"),
            models.CheckConstraint(condition=Q(attempts__gte=0), name="campaign_contact_attempts_positive"),
            models.CheckConstraint(
                condition=~Q(status="in_progress") | Q(assigned_to__isnull=False),
                name="campaign_contact_in_progress_has_agent",
            ),
            # An agent works one contact of a campaign at a time.
            models.UniqueConstraint(
                fields=["queue", "assigned_to"], condition=Q(status="in_progress"),
                name="campaign_contact_one_in_progress_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.queue} ({self.get_status_display()})"
