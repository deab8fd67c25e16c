import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class Skill(OrganizationOwned):
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="skill_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AgentSkill(OrganizationOwned):
    agent = models.ForeignKey(
        "contactcenter.User", on_delete=models.CASCADE, related_name="agent_skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    level = models.PositiveSmallIntegerField(
        _("level"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=10), name="agentskill_level_1_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} · {self.skill} ({self.level})"


class Tag(OrganizationOwned):
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("color"), max_length=7, default="#6c757d")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Disposition(OrganizationOwned):
    name = models.CharField(_("name"), max_length=80)
    # Campaign outcomes that put the contact back in the list ("No contesta", "Volver a llamar").
    reschedules = models.BooleanField(_("reschedules the contact"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="disposition_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CannedResponse(OrganizationOwned):
    """A pre-written message. Public (owner empty) or personal to its owner."""

    owner = models.ForeignKey(
        "contactcenter.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        verbose_name=_("owner"),
        help_text=_("Empty for a public response shared by the organization."),
    )
    shortcut = models.SlugField(_("shortcut"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=4000)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "shortcut"],
                condition=models.Q(owner__isnull=True),
                name="canned_public_unique_shortcut",
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=models.Q(owner__isnull=False),
                name="canned_personal_unique_shortcut",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"

    @property
    def is_public(self) -> bool:
        return self.owner_id is None


def prerecorded_upload_to(instance, filename: str) -> str:
    return f"org-{instance.organization_id}/prerecorded/{secrets.token_hex(8)}-{filename}"


class PrerecordedMessage(OrganizationOwned):
    name = models.CharField(_("name"), max_length=120)
    audio = models.FileField(_("audio"), upload_to=prerecorded_upload_to, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pre-recorded message")
        verbose_name_plural = _("pre-recorded messages")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="prerecorded_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
