from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned

SCORE_MIN, SCORE_MAX = 1, 5
POSITIVE_SCORE = 4  # 4 and 5 count as satisfied (CSAT)
MAX_COMMENT = 1000


class SatisfactionRating(OrganizationOwned):
    """The one survey of a conversation an agent closed: asked on commit of the close, answered
    by the customer within the window (score 1–5, optional comment), changed at most once."""

    conversation = models.OneToOneField(
        "contactcenter.Conversation", on_delete=models.CASCADE, related_name="satisfaction_rating",
        verbose_name=_("conversation"),
    )
    # Copied from the conversation at the close: the reports count the rating where it was served.
    queue = models.ForeignKey("contactcenter.Queue", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("queue"))
    agent = models.ForeignKey("contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("agent"))
    channel_kind = models.CharField(_("channel kind"), max_length=10, blank=True)
    medium = models.CharField(_("medium"), max_length=8, default="chat")
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)])
    comment = models.TextField(_("comment"), max_length=MAX_COMMENT, blank=True)
    asked_at = models.DateTimeField(_("asked"))
    # The survey closes here (asked_at + the queue's window at the time it was asked).
    expires_at = models.DateTimeField(_("answer until"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering = ["-asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="rating_score_range"),
            models.CheckConstraint(condition=Q(score__isnull=True, answered_at__isnull=True)
                | Q(score__isnull=False, answered_at__isnull=False),
                                   name="rating_answered_has_score"),
        ]
        indexes = [
            models.Index(fields=["organization", "asked_at"], name="rating_org_asked"),
            models.Index(fields=["organization", "answered_at"], name="rating_org_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.score or '—'}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def stars(self) -> str:
        return "★" * (self.score or 0) + "☆" * (SCORE_MAX - (self.score or 0))
