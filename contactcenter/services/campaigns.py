"""Campaigns (Campañas): a queue of kind "campaign" with a list of contacts to call.

An agent logged in to the campaign with Receive new on asks for the next contact (preview);
it is theirs alone until they choose a disposition. They call it (`campaign_call`), and after
the call, in after service, choose the disposition: a rescheduling one ("No contesta",
"Volver a llamar") puts the contact back in the list for later, any other finishes it.

Lock order: conversation, campaign contact, agent state. `campaign_next_contact` locks the
agent's state first but takes campaign contacts with SKIP LOCKED only (it never waits for one),
so it cannot deadlock with the others.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    CampaignContact,
    Contact,
    Conversation,
    Disposition,
    Queue,
    QueueLogin,
    SystemStatus,
    User,
)
from contactcenter.services import agent_states, calls, locks
from contactcenter.services import conversations as conversation_services
from contactcenter.services.audit import audit
from contactcenter.services.campaign_contacts import campaign_contact_publish
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import user_can_supervise_queue

RESCHEDULE_DELAY = timedelta(hours=1)
MAX_IMPORT_ROWS = 10_000
CC = CampaignContact.Status
S = SystemStatus


def _check_campaign(queue: Queue, user: User) -> None:
    if queue.organization_id != user.organization_id:
        raise DomainError(_("That campaign does not exist."), code="not_found")
    if queue.kind != Queue.Kind.CAMPAIGN:
        raise DomainError(_("%(queue)s is not a campaign.") % {"queue": queue.name}, code="not_campaign")


def _lock_entry(entry: CampaignContact | int, organization_id: int) -> CampaignContact:
    entry_id = entry if isinstance(entry, int) else entry.pk
    found = (
        CampaignContact.objects.select_for_update(of=("self",))
        .select_related("queue", "contact")
        .filter(pk=entry_id, organization_id=organization_id)
        .first()
    )
    if found is None:
        raise DomainError(_("That campaign contact does not exist."), code="not_found")
    return found


def _check_mine(entry: CampaignContact, agent: User) -> None:
    if entry.status != CC.IN_PROGRESS or entry.assigned_to_id != agent.pk:
        raise NotAllowed(_("This contact is not assigned to you. Ask for the next contact."))


# --- The agent's flow -------------------------------------------------------------------------


@transaction.atomic
def campaign_next_contact(*, agent: User, queue: Queue) -> CampaignContact | None:
    """The contact the agent previews next: their current one if they have one; otherwise the
    first waiting contact that is due (rescheduled ones whose time has come, by time; then the
    pending ones by position), taken for this agent alone. None when nothing is due."""
    _check_campaign(queue, agent)
    state = agent_states.lock_state(agent)  # one agent's requests one after another
    mine = CampaignContact.objects.select_related("contact", "conversation", "last_disposition")
    current = mine.filter(queue=queue, assigned_to=agent, status=CC.IN_PROGRESS).first()
    if current is not None:
        return current
    if not QueueLogin.objects.filter(queue=queue, agent_id=agent.pk, ended_at__isnull=True).exists():
        raise DomainError(_("Log in to %(queue)s to get its contacts.") % {"queue": queue.name},
                          code="not_logged_in")
    if not (state.receive_new and state.status.code == S.READY):
        raise DomainError(_("Be Ready with Receive new on to get the next contact."), code="not_ready")
    now = timezone.now()
    waiting = (
        CampaignContact.objects.select_for_update(skip_locked=True)
        .filter(queue=queue, status__in=CampaignContact.WAITING_STATUSES)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by(F("next_attempt_at").asc(nulls_last=True), "position", "id")
    )
    for _attempt in range(20):
        candidate = waiting.first()
        if candidate is None:
            return None
        # Conditional: without row locks (SQLite) a contact taken meanwhile is not taken twice.
        taken = CampaignContact.objects.filter(
            pk=candidate.pk, status__in=CampaignContact.WAITING_STATUSES
        ).update(status=CC.IN_PROGRESS, assigned_to=agent, updated_at=now)
        if taken:
            entry = mine.get(pk=candidate.pk)
            campaign_contact_publish(entry)
            return entry
    return None


@transaction.atomic
def campaign_call(*, agent: User, campaign_contact: CampaignContact) -> Conversation:
    """Call the agent's current contact (calls.call_dial: the agent goes to Dialing)."""
    entry = _lock_entry(campaign_contact, agent.organization_id)
    _check_mine(entry, agent)
    if entry.conversation_id and Conversation.objects.filter(
        pk=entry.conversation_id, status__in=Conversation.OPEN_STATUSES
    ).exists():
        raise DomainError(_("This contact is already on a call."), code="on_call")
    if not entry.contact.phone.strip():
        raise DomainError(_("%(contact)s has no phone number.") % {"contact": entry.contact}, code="no_number")
    conversation = calls.call_dial(agent=agent, queue=entry.queue, contact=entry.contact)
    entry.conversation = conversation
    entry.attempts += 1
    entry.call_outcome = ""
    entry.save(update_fields=["conversation", "attempts", "call_outcome", "updated_at"])
    campaign_contact_publish(entry)
    return conversation


@transaction.atomic
def campaign_disposition(
    *,
    agent: User,
    campaign_contact: CampaignContact,
    disposition: Disposition,
    notes: str = "",
    callback_at: datetime | None = None,
) -> CampaignContact:
    """After the call (or instead of calling), the outcome: a rescheduling disposition puts the
    contact back for later (at `callback_at`, or in an hour), any other finishes it. The call's
    conversation gets the same disposition."""
    entry = CampaignContact.objects.filter(pk=campaign_contact.pk, organization_id=agent.organization_id).first()
    if entry is None:
        raise DomainError(_("That campaign contact does not exist."), code="not_found")
    conversation = (
        locks.lock_conversation(entry.conversation_id, agent.organization_id) if entry.conversation_id else None
    )
    entry = _lock_entry(entry, agent.organization_id)
    _check_mine(entry, agent)
    if entry.conversation_id != (conversation.pk if conversation else None):
        raise DomainError(_("This contact changed meanwhile. Try again."), code="changed")
    if (
        disposition.organization_id != agent.organization_id
        or not disposition.is_active
        or not entry.queue.dispositions.filter(pk=disposition.pk).exists()
    ):
        raise DomainError(_("Choose one of this campaign's dispositions."), code="bad_disposition")
    if conversation is not None and conversation.is_open:
        raise DomainError(_("Hang up before choosing the outcome."), code="on_call")
    now = timezone.now()
    if callback_at is not None:
        if not disposition.reschedules:
            raise DomainError(_("Only a disposition that reschedules takes a callback time."),
                              code="bad_callback")
        if callback_at <= now:
            raise DomainError(_("Choose a callback time in the future."), code="bad_callback")
    if conversation is not None:
        conversation_services.conversation_set_disposition(
            conversation=conversation, disposition=disposition, by=agent, notes=notes or None
        )
    entry.last_disposition = disposition
    if notes:
        entry.notes = notes[:4000]
    if disposition.reschedules:
        entry.status = CC.RESCHEDULED
        entry.next_attempt_at = callback_at or now + RESCHEDULE_DELAY
        entry.assigned_to = None  # back in the list: the next agent who is due one gets it
    else:
        entry.status = CC.DONE
        entry.next_attempt_at = None
    entry.save(update_fields=["last_disposition", "notes", "status", "next_attempt_at", "assigned_to",
                              "updated_at"])
    campaign_contact_publish(entry)
    return entry


@transaction.atomic
def campaign_release(*, campaign_contact: CampaignContact, by: User) -> CampaignContact:
    """Give an in-progress contact back to the list without a disposition (the agent stops
    working the campaign, or a supervisor frees a contact an absent agent kept). It keeps its
    place: pending if it was never disposed, otherwise rescheduled for its time."""
    entry = CampaignContact.objects.filter(pk=campaign_contact.pk, organization_id=by.organization_id).first()
    if entry is None:
        raise DomainError(_("That campaign contact does not exist."), code="not_found")
    conversation = (
        locks.lock_conversation(entry.conversation_id, by.organization_id) if entry.conversation_id else None
    )
    entry = _lock_entry(entry, by.organization_id)
    if entry.status != CC.IN_PROGRESS:
        raise DomainError(_("This contact is not in progress."), code="not_in_progress")
    if entry.assigned_to_id != by.pk and not user_can_supervise_queue(by, entry.queue):
        raise NotAllowed(_("This contact is assigned to someone else."))
    if conversation is not None and conversation.is_open:
        raise DomainError(_("Hang up before giving the contact back."), code="on_call")
    previous_agent = entry.assigned_to_id
    entry.status = CC.PENDING if entry.last_disposition_id is None else CC.RESCHEDULED
    entry.assigned_to = None
    entry.save(update_fields=["status", "assigned_to", "updated_at"])
    events.publish(events.CAMPAIGN_UPDATED, organization_id=entry.organization_id, queue_ids=[entry.queue_id],
                   agent_ids=[previous_agent], campaign_contact_id=entry.pk, status=entry.status)
    if by.pk != previous_agent:
        audit(by, "campaign.release_contact", queue=entry.queue,
                             target_user=User.objects.filter(pk=previous_agent).first(),
                             contact_id=entry.contact_id)
    return entry


# --- Progress and import ----------------------------------------------------------------------


def campaign_progress(queue: Queue) -> dict:
    """Counts for agents and supervisors: total, called (at least one attempt), pending,
    in_progress, rescheduled, done, due (waiting and callable now), attempts, and
    by_disposition {disposition name: contacts whose last disposition it is}."""
    now = timezone.now()
    entries = CampaignContact.objects.filter(queue=queue)
    totals = entries.aggregate(
        total=Count("pk"),
        called=Count("pk", filter=Q(attempts__gt=0)),
        pending=Count("pk", filter=Q(status=CC.PENDING)),
        in_progress=Count("pk", filter=Q(status=CC.IN_PROGRESS)),
        rescheduled=Count("pk", filter=Q(status=CC.RESCHEDULED)),
        done=Count("pk", filter=Q(status=CC.DONE)),
        due=Count("pk", filter=Q(status__in=CampaignContact.WAITING_STATUSES)
                  & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))),
        attempts=Sum("attempts"),
    )
    totals["attempts"] = totals["attempts"] or 0
    totals["by_disposition"] = {
        row["last_disposition__name"]: row["count"]
        for row in entries.filter(last_disposition__isnull=False)
        .values("last_disposition__name")
        .annotate(count=Count("pk"))
        .order_by("last_disposition__name")
    }
    return totals


_COLUMNS = {
    "name": ("name", "nombre"),
    "phone": ("phone", "telefono", "teléfono", "number", "numero", "número"),
    "email": ("email", "correo", "e-mail"),
    "notes": ("notes", "notas"),
}


def _field(row: Mapping, field: str) -> str:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for key in _COLUMNS[field]:
        if lowered.get(key) not in (None, ""):
            return str(lowered[key]).strip()
    return ""


@transaction.atomic
def campaign_import_contacts(*, queue: Queue, rows: Iterable[Mapping], by: User | None = None,
                             line_numbers: Sequence[int] | None = None) -> dict:
    """Add contacts to a campaign from rows (e.g. a CSV's DictReader: name/nombre,
    phone/teléfono, email/correo, notes/notas). A contact of the organization with the same
    number is reused; one already in the campaign is skipped. Any invalid row: nothing is
    imported and the error names the rows (by `line_numbers`, e.g. a file's lines, when given).
    Returns {"created": n, "skipped": n}."""
    if by is not None:
        _check_campaign(queue, by)
        if not user_can_supervise_queue(by, queue):
            raise NotAllowed(_("You do not supervise this campaign."))
    elif queue.kind != Queue.Kind.CAMPAIGN:
        raise DomainError(_("%(queue)s is not a campaign.") % {"queue": queue.name}, code="not_campaign")
    parsed, errors = [], []
    for index, row in enumerate(rows, start=1):
        if index > MAX_IMPORT_ROWS:
            raise DomainError(_("Import at most %(max)s contacts at a time.") % {"max": MAX_IMPORT_ROWS},
                              code="too_many")
        name, phone, email, notes = (_field(row, key) for key in ("name", "phone", "email", "notes"))
        if not any((name, phone, email, notes)):
            continue  # a blank line
        try:
            number = calls.normalize_number(phone) if phone else ""
            if not number:
                raise DomainError(_("the phone number is missing"))
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    raise DomainError(_("“%(email)s” is not an email address") % {"email": email}) from None
        except DomainError as exc:
            line = line_numbers[index - 1] if line_numbers else index
            errors.append(_("Row %(row)s: %(error)s") % {"row": line, "error": exc.message})
            continue
        parsed.append((name[:120], number, email, notes[:4000]))
    if errors:
        shown = "; ".join(str(e) for e in errors[:10])
        more = len(errors) - 10
        if more > 0:
            shown += " " + _("(and %(count)s more)") % {"count": more}
        error = DomainError(_("Nothing was imported. %(errors)s") % {"errors": shown}, code="invalid_rows")
        error.rows = errors  # every rejected row and why, for the import report
        raise error

    organization_id = queue.organization_id
    existing = {}
    for contact in Contact.objects.filter(
        organization_id=organization_id, phone__in={number for _n, number, _e, _no in parsed}
    ).order_by("-id"):
        existing[contact.phone] = contact  # the oldest wins
    in_campaign = set(CampaignContact.objects.filter(queue=queue).values_list("contact_id", flat=True))
    position = (CampaignContact.objects.filter(queue=queue).aggregate(p=Max("position"))["p"] or 0) + 1
    created = skipped = 0
    entries = []
    for name, number, email, notes in parsed:
        contact = existing.get(number)
        if contact is None:
            contact = existing[number] = Contact.objects.create(
                organization_id=organization_id, name=name, phone=number, email=email
            )
        if contact.pk in in_campaign:
            skipped += 1
            continue
        in_campaign.add(contact.pk)
        entries.append(CampaignContact(organization_id=organization_id, queue=queue, contact=contact,
                                       notes=notes, position=position))
        position += 1
        created += 1
    CampaignContact.objects.bulk_create(entries)
    events.publish(events.CAMPAIGN_UPDATED, organization_id=organization_id, queue_ids=[queue.pk], imported=created)
    return {"created": created, "skipped": skipped}
