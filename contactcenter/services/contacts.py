"""Contacts and conversation tags, as agents edit them from the workspace."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import Contact, Conversation, Tag, User
from contactcenter.services import rollups
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_create_tags

MAX_DETAILS = 30


@transaction.atomic
def contact_update(*, contact: Contact, by: User, name: str, phone: str, email: str, notes: str) -> Contact:
    if contact.organization_id != by.organization_id:
        raise DomainError(_("That contact does not exist."), code="not_found")
    contact.name, contact.phone, contact.email, contact.notes = name.strip(), phone.strip(), email.strip(), notes
    try:
        contact.full_clean(exclude=["channel", "organization"])
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages), code="invalid") from None
    contact.save(update_fields=["name", "phone", "email", "notes"])
    _publish_contact(contact)
    return contact


@transaction.atomic
def contact_set_detail(*, contact: Contact, by: User, key: str, value: str) -> Contact:
    if contact.organization_id != by.organization_id:
        raise DomainError(_("That contact does not exist."), code="not_found")
    key = key.strip()[:40]
    if not key:
        raise DomainError(_("Write the field's name."), code="invalid")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    details = dict(contact.details or {})
    if value.strip():
        if key not in details and len(details) >= MAX_DETAILS:
            raise DomainError(_("A contact has at most %(max)s custom details.") % {"max": MAX_DETAILS})
        details[key] = value.strip()[:200]
    else:
        details.pop(key, None)
    contact.details = details
    contact.save(update_fields=["details"])
    _publish_contact(contact)
    return contact


def _publish_contact(contact: Contact) -> None:
    conversation_ids = list(
        contact.conversations.filter(status__in=Conversation.OPEN_STATUSES).values_list("pk", flat=True)
    )
    events.publish(events.CONVERSATION_UPDATED, organization_id=contact.organization_id,
                   conversation_ids=conversation_ids, contact_id=contact.pk)


@transaction.atomic
def conversation_tag_add(*, conversation: Conversation, by: User, name: str) -> Tag:
    """Add an existing tag; create it only where the organization lets agents create tags."""
    if conversation.organization_id != by.organization_id:
        raise DomainError(_("That conversation does not exist."), code="not_found")
    name = " ".join(name.split())[:60]
    tag = Tag.objects.filter(organization_id=by.organization_id, name__iexact=name).first()
    if tag is None:
        if not can_create_tags(by):
            raise NotAllowed(_("Your organization does not allow creating new tags. Pick an existing one."))
        tag = Tag.objects.create(organization_id=by.organization_id, name=name)
    conversation.tags.add(tag)
    rollups.rollups_refill_later(organization_id=conversation.organization_id, moments=[conversation.closed_at])
    events.publish(events.CONVERSATION_UPDATED, organization_id=conversation.organization_id,
                   conversation_ids=[conversation.pk])
    return tag


@transaction.atomic
def conversation_tag_remove(*, conversation: Conversation, by: User, tag: Tag) -> None:
    if conversation.organization_id != by.organization_id or tag.organization_id != by.organization_id:
        raise DomainError(_("That tag does not exist."), code="not_found")
    conversation.tags.remove(tag)
    rollups.rollups_refill_later(organization_id=conversation.organization_id, moments=[conversation.closed_at])
    events.publish(events.CONVERSATION_UPDATED, organization_id=conversation.organization_id,
                   conversation_ids=[conversation.pk])
