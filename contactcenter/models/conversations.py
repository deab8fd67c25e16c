import secrets
from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import OrganizationOwned


def new_public_key() -> str:
    return secrets.token_urlsafe(16)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Channel(OrganizationOwned):
    """Where customers reach us. Identified in URLs by its public key, never by its id."""

    class Kind(models.TextChoices):
        WEBCHAT = "webchat", _("Web chat")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")
        VOICE = "voice", _("Voice")
        API = "api", _("API")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    public_key = models.SlugField(_("public key"), max_length=64, unique=True, default=new_public_key)
    secret = models.CharField(_("secret"), max_length=128, default=new_secret)
    queue = models.ForeignKey(
        "contactcenter.Queue", on_delete=models.PROTECT, related_name="channels", verbose_name=_("queue")
    )
    webhook_url = models.URLField(_("outbound webhook URL"), blank=True)
    # Provider settings, e.g. WhatsApp's verify_token, app_secret, phone_number_id, graph_url.
    settings = models.JSONField(_("provider settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="channel_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Contact(OrganizationOwned):
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.phone or self.email or self.external_id or f"#{self.pk}"


class Conversation(OrganizationOwned):
    """A chat thread or a call: queued → (offered) → assigned → closed, or abandoned."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        OFFERED = "offered", _("Offered")
        ASSIGNED = "assigned", _("Assigned")
        CLOSED = "closed", _("Closed")
        ABANDONED = "abandoned", _("Abandoned")

    class Medium(models.TextChoices):
        CHAT = "chat", _("Chat")
        VOICE = "voice", pgettext_lazy("a phone call (noun)", "Call")

    class CallState(models.TextChoices):
        NONE = "", _("—")
        RINGING = "ringing", _("Ringing")
        DIALING = "dialing", _("Dialing")
        ACTIVE = "active", _("Active")
        HELD = "held", _("On hold")
        MUTED = "muted", _("Muted")
        ENDED = "ended", _("Ended")

    OPEN_STATUSES = (Status.QUEUED, Status.OFFERED, Status.ASSIGNED)

    queue = models.ForeignKey(
        "contactcenter.Queue", on_delete=models.PROTECT, related_name="conversations"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    medium = models.CharField(_("medium"), max_length=8, choices=Medium.choices, default=Medium.CHAT)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    assignee = models.ForeignKey(
        "contactcenter.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("assignee"),
    )
    enqueued_at = models.DateTimeField(_("enqueued"))
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the customer gave up while still waiting (queued or ringing): the reports' "abandoned".
    abandoned_at = models.DateTimeField(_("abandoned"), null=True, blank=True)
    # When the agent's after service for it ended (the reports' after-service time).
    wrapup_ended_at = models.DateTimeField(_("after service ended"), null=True, blank=True)
    # Calls: time on hold so far, and since when the call is on hold now.
    hold_duration = models.DurationField(_("time on hold"), default=timedelta(0))
    held_since = models.DateTimeField(null=True, blank=True, editable=False)
    tags = models.ManyToManyField("contactcenter.Tag", blank=True, related_name="conversations")
    disposition = models.ForeignKey(
        "contactcenter.Disposition", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wrapup_notes = models.TextField(_("wrap-up notes"), blank=True)
    call_state = models.CharField(
        _("call state"), max_length=10, choices=CallState.choices, blank=True, default=""
    )
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    # Denormalized for the lists: their query count must not grow with their length.
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_excerpt = models.CharField(max_length=140, blank=True)
    # Whether that excerpt is an agent's reply (the list marks it) rather than the customer's.
    last_message_outbound = models.BooleanField(default=False)
    unread_count = models.PositiveIntegerField(default=0)
    # Kinds of auto-reply already sent ("outside_hours", "no_agents", "queued"): each goes once.
    auto_replies_sent = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-priority", "enqueued_at", "id"]
        indexes = [
            models.Index(fields=["queue", "status", "-priority", "enqueued_at"], name="conv_routing"),
            models.Index(fields=["assignee", "status"], name="conv_assignee_status"),
            # The status rules count what an agent received since they became Ready.
            models.Index(fields=["assignee", "assigned_at"], name="conv_assignee_assigned"),
            models.Index(fields=["organization", "status", "-last_message_at"], name="conv_org_recent"),
            models.Index(fields=["queue", "assigned_at"], name="conv_queue_assigned"),
            models.Index(fields=["organization", "enqueued_at"], name="conv_waiting",
                         condition=Q(status__in=["queued", "offered"])),
            # The rollups read one hour of events at a time.
            models.Index(fields=["organization", "enqueued_at"], name="conv_org_enqueued"),
            models.Index(fields=["organization", "assigned_at"], name="conv_org_assigned"),
            models.Index(fields=["organization", "first_response_at"], name="conv_org_first_response"),
            models.Index(fields=["organization", "closed_at"], name="conv_org_closed"),
            models.Index(fields=["organization", "wrapup_ended_at"], name="conv_org_wrapup_ended"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(assignee__isnull=False),
                name="conversation_assigned_has_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["queued", "offered"]) | Q(assignee__isnull=True),
                name="conversation_waiting_has_no_assignee",
            ),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="conversation_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(OrganizationOwned):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("From the customer")
        OUTBOUND = "outbound", _("To the customer")
        INTERNAL = "internal", _("Internal note")
        # Told to the customer on behalf of the organization (auto-replies).
        SYSTEM = "system", _("System")
        # What happened in the conversation (assigned, transferred, hung up): staff only.
        EVENT = "event", _("Event")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        ATTACHMENT = "attachment", _("Attachment")
        LOCATION = "location", _("Location")

    class Delivery(models.TextChoices):
        NONE = "", _("—")
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    # What the customer may read: their own messages, the replies and the auto-replies; never
    # internal notes, whispers (internal) or the staff's event lines.
    CUSTOMER_DIRECTIONS = (Direction.INBOUND, Direction.OUTBOUND, Direction.SYSTEM)

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("text"), blank=True, max_length=10000)
    sender = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whispers: internal notes written by a supervisor to the agent.
    is_whisper = models.BooleanField(default=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_label = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="msg_conv_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id",
            ),
            models.CheckConstraint(
                condition=~Q(kind="location") | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="message_location_has_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.body[:40]}"

    @property
    def is_customer_visible(self) -> bool:
        return self.direction in self.CUSTOMER_DIRECTIONS


def attachment_upload_to(instance, filename: str) -> str:
    return f"org-{instance.organization_id}/attachments/{secrets.token_hex(8)}-{filename}"


class Attachment(OrganizationOwned):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")
        AUDIO = "audio", _("Audio")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("file name"), max_length=200)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class Offer(OrganizationOwned):
    """A call offered (ringing) to an agent; the first to accept gets it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Ringing")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Not answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "agent"],
                condition=Q(status="pending"),
                name="offer_one_pending_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.agent} ({self.status})"


class Transfer(OrganizationOwned):
    class Mode(models.TextChoices):
        BLIND = "blind", _("Transfer now")
        CONSULT = "consult", _("Ask first")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="transfers")
    from_agent = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    to_agent = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_queue = models.ForeignKey(
        "contactcenter.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The queue the conversation was in when the transfer was asked for (the reports' transfers out).
    from_queue = models.ForeignKey(
        "contactcenter.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "resolved_at"], name="transfer_org_resolved")]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_agent__isnull=False) | Q(to_queue__isnull=False),
                name="transfer_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id} → {self.to_agent or self.to_queue} ({self.status})"
