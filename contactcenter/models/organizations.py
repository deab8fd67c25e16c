import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Madrid", validators=[validate_time_zone]
    )
    # Policy: GoTo's "Permitir que los agentes inicien sesión en colas sin asignar".
    allow_unassigned_queue_login = models.BooleanField(
        _("allow agents to log in to unassigned queues"), default=False
    )
    # Supervisor toggles.
    supervisors_access_config = models.BooleanField(
        _("supervisors can open the configuration portal"), default=False
    )
    supervisors_limited_to_assigned_queues = models.BooleanField(
        _("limit supervisors to their assigned queues"), default=True
    )
    supervisors_manage_queue_settings = models.BooleanField(
        _("supervisors can manage queue settings"), default=False
    )
    supervisors_view_pause_reasons = models.BooleanField(
        _("supervisors can view pause reasons"), default=True
    )
    supervisors_manage_pause_reasons = models.BooleanField(
        _("supervisors can manage pause reasons"), default=False
    )
    supervisors_view_skills = models.BooleanField(
        _("supervisors can view skills and skill assignment"), default=True
    )
    supervisors_manage_skills = models.BooleanField(
        _("supervisors can manage skills and skill assignment"), default=False
    )
    supervisors_end_after_service = models.BooleanField(
        _("supervisors can end an agent's after service early"), default=True
    )
    supervisors_view_reports = models.BooleanField(_("supervisors can view reports"), default=True)
    # Agent toggles.
    agents_manage_prerecorded = models.BooleanField(
        _("agents can manage pre-recorded messages"), default=False
    )
    agents_manage_public_canned = models.BooleanField(
        _("agents can manage public canned responses"), default=False
    )
    agents_create_tags = models.BooleanField(_("agents can create custom tags"), default=True)
    dispositions_enabled = models.BooleanField(_("call dispositions enabled"), default=True)
    # Routing: an active call blocks new chats for that agent (Voximplant's default).
    calls_block_chats = models.BooleanField(_("an active call blocks new chats"), default=True)
    # Schedules and shifts (documented on the Schedules page of the configuration portal).
    shift_routing = models.BooleanField(_("no routed work outside an agent's shift"), default=True)
    shift_allow_overtime = models.BooleanField(
        _("agents may take work outside their shift (overtime)"), default=True
    )
    shift_auto_ready = models.BooleanField(
        _("at shift start, put agents with the workspace open in Ready and log them in to their queues"),
        default=False,
    )
    shift_end_grace_minutes = models.PositiveSmallIntegerField(
        _("minutes after shift end to finish open conversations"), default=15
    )
    shift_breaks_pause = models.BooleanField(_("scheduled breaks pause the agent"), default=True)
    shift_holidays = models.ForeignKey(
        "contactcenter.BusinessHours", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("holidays that close every schedule"),
        help_text=_("The holidays of these business hours are days without shifts for everyone."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The organization's time zone: its days, "today" and the times its pages print."""
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


SUPERVISING_ROLES = {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.SUPERVISOR}
ADMIN_ROLES = {Role.OWNER, Role.ADMIN}


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organization"),
        help_text=_("Empty only for platform superusers."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    extension = models.CharField(_("extension"), max_length=20, blank=True)

    # What a supervisor is told of their agents' status: NotificationPreference (supervision.py).

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(organization__isnull=False),
                name="user_has_organization_unless_superuser",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_supervising(self) -> bool:
        return self.role in SUPERVISING_ROLES

    @property
    def is_org_admin(self) -> bool:
        return self.role in ADMIN_ROLES
