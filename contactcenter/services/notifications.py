"""Supervisors' notifications of their agents' status: the preference each one sets (which
changes, about which agents, and how: toast with sound, browser notification, e-mail digest),
the periodic e-mail digest, and the e-mail of a status rule that notifies.

Mail goes through Django's mail API from Celery tasks (tasks.py), never from a request.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactcenter.models import NotificationPreference, QueueLogin, QueueMembership, RuleFiring, User
from contactcenter.selectors import notifications as sel
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import supervised_queues, user_can_supervise_agent, user_can_supervise_queue

logger = logging.getLogger(__name__)
P = NotificationPreference.StatusChanges


def supervised_agent_ids(user: User) -> list[int]:
    """The agents of the queues `user` supervises (members and those logged in now)."""
    queues = supervised_queues(user).values("pk")
    members = QueueMembership.objects.filter(queue_id__in=queues, role=QueueMembership.Role.AGENT)
    logins = QueueLogin.objects.filter(queue_id__in=queues, ended_at__isnull=True)
    return sorted(set(members.values_list("user_id", flat=True)) | set(logins.values_list("agent_id", flat=True)))


@transaction.atomic
def notification_preference_save(*, user: User, status_changes: str, missed_shifts: bool, panel: bool,
                                  browser: bool, email_digest: bool, agents=(), now: datetime | None = None
                                  ) -> NotificationPreference:
    if not user.is_supervising:
        raise NotAllowed(_("Only supervisors receive notifications."))
    if status_changes not in P.values:
        raise DomainError(_("Choose which status changes notify you."), code="bad_choice")
    agents = list(agents)
    if any(not user_can_supervise_agent(user, agent) for agent in agents):
        raise DomainError(_("That item does not exist."), code="not_found")
    if email_digest and not user.email:
        raise DomainError(_("Add an e-mail address to your user to receive the digest."), code="no_email")
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"organization_id": user.organization_id})
    if email_digest and not preference.email_digest:
        preference.digest_sent_until = now or timezone.now()  # the first digest starts from here
    preference.status_changes, preference.missed_shifts = status_changes, missed_shifts
    preference.panel, preference.browser, preference.email_digest = panel, browser, email_digest
    preference.save()
    preference.agents.set(agents)
    return preference


# --- The e-mail digest ---------------------------------------------------------------------------------


def digest_period() -> timedelta:
    return timedelta(minutes=settings.NOTIFICATION_DIGEST_MINUTES)


def notifications_digest(now: datetime | None = None) -> int:
    """The beat task: one mail per supervisor who asked for the digest, with what happened since
    their previous one (nothing new: no mail). Returns how many mails were sent."""
    now = now or timezone.now()
    sent = 0
    preferences = (NotificationPreference.objects.filter(email_digest=True, user__is_active=True)
                   .exclude(user__email="").values_list("pk", flat=True))
    for preference_id in list(preferences):
        try:
            sent += digest_send(preference_id=preference_id, now=now)
        except Exception:  # one bad address must not stop the others; the next run covers them
            logger.exception("notification digest %s failed", preference_id)
    return sent


def digest_send(*, preference_id: int, now: datetime | None = None) -> bool:
    """One supervisor's digest, covering (their last digest, now]. The mark moves in the same
    transaction as the mail is handed over: a failed send leaves it for the next run."""
    now = now or timezone.now()
    with transaction.atomic():
        preference = (NotificationPreference.objects.select_for_update(of=("self",))
                      .select_related("user__organization")
                      .filter(pk=preference_id, email_digest=True).first())
        if preference is None or (preference.digest_sent_until and preference.digest_sent_until >= now):
            return False
        since = preference.digest_sent_until or now - digest_period()
        user = preference.user
        lines, more = sel.digest_lines(preference, supervised_agent_ids(user), since, now)
        preference.digest_sent_until = now
        preference.save(update_fields=["digest_sent_until"])
        if not lines:
            return False
        zone = user.organization.zone
        with translation.override(settings.LANGUAGE_CODE):
            body = [_("Status changes of your agents from %(since)s to %(until)s:") % {
                "since": since.astimezone(zone).strftime("%d/%m %H:%M"),
                "until": now.astimezone(zone).strftime("%d/%m %H:%M")}, ""]
            body += [f"{line.at.astimezone(zone):%d/%m %H:%M}  {line.agent}: {line.text}" for line in lines]
            if more:
                body.append(_("…and %(count)s more.") % {"count": more})
            subject = _("Status of your agents: %(count)s changes") % {"count": len(lines) + more}
        send_mail(subject=subject, message="\n".join(body) + "\n", from_email=None, recipient_list=[user.email])
    return True


# --- A status rule that notifies ---------------------------------------------------------------------


def rule_recipients(firing: RuleFiring) -> list[User]:
    """The supervisors of the firing's agent (or queue) who have an e-mail address."""
    users = User.objects.filter(organization_id=firing.organization_id, is_active=True).exclude(email="")
    found = []
    for user in users.select_related("organization"):
        if not user.is_supervising:
            continue
        if firing.agent_id is not None and user_can_supervise_agent(user, firing.agent):
            found.append(user)
        elif firing.queue_id is not None and user_can_supervise_queue(user, firing.queue):
            found.append(user)
    return found


def rule_notify_send(*, firing_id: int) -> int:
    """The e-mail of a notify rule's firing, to each supervisor concerned. Returns the mails sent."""
    firing = (RuleFiring.objects.select_related("rule", "agent", "queue", "organization")
              .filter(pk=firing_id, outcome=RuleFiring.Outcome.APPLIED).first())
    if firing is None:
        return 0
    recipients = rule_recipients(firing)
    if not recipients:
        return 0
    zone = firing.organization.zone
    subject_of = firing.agent.display_name if firing.agent_id else firing.queue.name
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Rule “%(rule)s”: %(subject)s") % {"rule": firing.rule.name, "subject": subject_of}
        body = "\n".join([
            _("The status rule “%(rule)s” fired at %(at)s.") % {
                "rule": firing.rule.name, "at": firing.fired_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")},
            _("When: %(trigger)s (N = %(n)s).") % {"trigger": firing.rule.get_trigger_display(),
                                                     "n": firing.rule.threshold},
            _("About: %(subject)s.") % {"subject": subject_of},
        ]) + "\n"
    for user in recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    return len(recipients)
