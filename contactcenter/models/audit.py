from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .base import OrganizationOwned

# What each recorded action means. Codes not listed are shown as "<object>: <verb>" from the two
# tables below, and an unknown code as itself.
ACTIONS = {
    "agent.pause": _("Agent paused"),
    "agent.resume": _("Agent resumed from a pause"),
    "agent.sign_out": _("Agent forced offline"),
    "agent.end_after_service": _("After service ended by a supervisor"),
    "agent.ban": _("Agent banned from receiving work"),
    "agent.unban": _("Ban lifted"),
    "queue.login_agent": _("Agent logged in to a queue by a supervisor"),
    "queue.logout_agent": _("Agent logged out of a queue by a supervisor"),
    "conversation.priority": _("Waiting customer's priority changed"),
    "conversation.whisper": _("Whisper to the agent"),
    "conversation.barge": _("Barge in to a conversation"),
    "monitor.start": _("Monitoring started"),
    "login.locked_out": _("Login paused after wrong passwords"),
    "login.unlocked": _("Login lockout lifted"),
    "skill.assign": _("Skill given to an agent"),
    "skill.unassign": _("Skill taken from an agent"),
    "organization.shift_policy": _("Shift policy changed"),
}
OBJECTS = {
    "queue": _("Queue"), "skill": _("Skill"), "pause_reason": _("Pause reason"), "disposition": _("Disposition"),
    "tag": _("Tag"), "canned": _("Canned response"), "prerecorded": _("Pre-recorded message"),
    "channel": _("Channel"), "user": _("User"), "business_hours": _("Business hours"), "campaign": _("Campaign"),
    "call": pgettext_lazy("a phone call (noun)", "Call"), "permissions": _("Permissions"),
    "policy": _("Organization policy"),
}
VERBS = {
    "create": _("created"), "update": _("changed"), "delete": _("deleted"), "deactivate": _("deactivated"),
    "reactivate": _("reactivated"), "member_add": _("member added"), "member_remove": _("member removed"),
    "member_reorder": _("members reordered"), "import": _("contacts imported"),
    "release_contact": _("contact released"), "part_remove": _("interval removed"), "listen": _("listened"),
    "whisper": _("whisper"), "barge": _("barge in"), "set": _("changed"),
}


def action_label(code: str) -> str:
    if code in ACTIONS:
        return str(ACTIONS[code])
    thing, _dot, verb = code.partition(".")
    if thing in OBJECTS and verb in VERBS:
        return f"{OBJECTS[thing]}: {VERBS[verb]}"
    return code


class AuditEntry(OrganizationOwned):
    """Who did what to whom, when: supervisor actions, configuration changes."""

    actor = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    target_user = models.ForeignKey(
        "contactcenter.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queue = models.ForeignKey(
        "contactcenter.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        "contactcenter.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)
