from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import OrganizationOwned


class Device(OrganizationOwned):
    """An open workspace (a browser tab): GoTo's "dispositivo activo"."""

    user = models.ForeignKey("contactcenter.User", on_delete=models.CASCADE, related_name="devices")
    channel_name = models.CharField(max_length=200, unique=True)
    session_key = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    connected_at = models.DateTimeField(_("connected"))
    last_seen_at = models.DateTimeField(_("last seen"))
    disconnected_at = models.DateTimeField(_("disconnected"), null=True, blank=True)

    ACTIVE_SECONDS = 60  # a heartbeat every 20 s; three missed beats make a device inactive

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "disconnected_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.browser}"

    @property
    def browser(self) -> str:
        return browser_name(self.user_agent)

    def is_active(self, now) -> bool:
        return device_is_active(self.disconnected_at, self.last_seen_at, now)


def browser_name(user_agent: str) -> str:
    for name in ("Edg", "OPR", "Firefox", "Chrome", "Safari"):
        if name in user_agent:
            return {"Edg": "Edge", "OPR": "Opera"}.get(name, name)
    return user_agent[:40] or "?"


def device_is_active(disconnected_at, last_seen_at, now) -> bool:
    return disconnected_at is None and (now - last_seen_at).total_seconds() < Device.ACTIVE_SECONDS
