"""Catalog items people edit from the workspace: canned responses (personal and public) and
pre-recorded messages, where the organization lets them."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contactcenter.models import CannedResponse, PrerecordedMessage, User
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_manage_prerecorded, can_manage_public_canned


def may_manage_public_canned(user: User) -> bool:
    return can_manage_public_canned(user)


def _check_may_edit(user: User, canned: CannedResponse) -> None:
    if canned.organization_id != user.organization_id:
        raise DomainError(_("That canned response does not exist."), code="not_found")
    if canned.is_public and not may_manage_public_canned(user):
        raise NotAllowed(_("Your organization does not let you manage public canned responses."))
    if not canned.is_public and canned.owner_id != user.pk:
        raise NotAllowed(_("That canned response belongs to someone else."))


def _validate(*, shortcut: str, title: str, body: str) -> tuple[str, str, str]:
    shortcut = slugify(shortcut)[:40]
    if not shortcut:
        raise DomainError(_("The shortcut needs letters or digits, e.g. saludo."), code="shortcut")
    title, body = title.strip()[:120], body.strip()
    if not title or not body:
        raise DomainError(_("Write a title and a text."), code="required")
    if len(body) > 4000:
        raise DomainError(_("The text is too long (at most 4000 characters)."), code="too_long")
    return shortcut, title, body


@transaction.atomic
def canned_create(*, by: User, shortcut: str, title: str, body: str, public: bool = False) -> CannedResponse:
    if public and not may_manage_public_canned(by):
        raise NotAllowed(_("Your organization does not let you manage public canned responses."))
    shortcut, title, body = _validate(shortcut=shortcut, title=title, body=body)
    try:
        with transaction.atomic():
            return CannedResponse.objects.create(
                organization_id=by.organization_id, owner=None if public else by,
                shortcut=shortcut, title=title, body=body,
            )
    except IntegrityError:
        raise DomainError(_("The shortcut /%(s)s is already used.") % {"s": shortcut}, code="duplicate") from None


@transaction.atomic
def canned_update(*, canned: CannedResponse, by: User, shortcut: str, title: str, body: str) -> CannedResponse:
    _check_may_edit(by, canned)
    canned.shortcut, canned.title, canned.body = _validate(shortcut=shortcut, title=title, body=body)
    try:
        with transaction.atomic():
            canned.full_clean(exclude=["organization", "owner"], validate_unique=False)
            canned.save()
    except (IntegrityError, ValidationError):
        raise DomainError(_("The shortcut /%(s)s is already used.") % {"s": canned.shortcut},
                          code="duplicate") from None
    return canned


@transaction.atomic
def canned_delete(*, canned: CannedResponse, by: User) -> None:
    _check_may_edit(by, canned)
    canned.delete()


# --- Pre-recorded messages (agents, where the organization lets them) ----------------------------


@transaction.atomic
def prerecorded_add(*, by: User, name: str, audio) -> PrerecordedMessage:
    """A new pre-recorded message from the workspace; the audio is judged by its content."""
    from contactcenter.services.config import validate_audio

    if not can_manage_prerecorded(by):
        raise NotAllowed(_("Your organization does not let you manage pre-recorded messages."))
    name = " ".join(name.split())[:120]
    if not name:
        raise DomainError(_("Write the name of the message."), code="required")
    if audio is None:
        raise DomainError(_("Choose the audio file of the message."), code="file_empty")
    valid = validate_audio(audio)
    if PrerecordedMessage.objects.filter(organization_id=by.organization_id, name__iexact=name).exists():
        raise DomainError(_("There is already a message named “%(name)s”.") % {"name": name}, code="duplicate")
    message = PrerecordedMessage(organization_id=by.organization_id, name=name)
    message.audio.save(valid.name, valid.file, save=True)
    audit(by, "prerecorded.create", id=message.pk, name=name)
    return message


@transaction.atomic
def prerecorded_remove(*, by: User, message: PrerecordedMessage) -> None:
    if message.organization_id != by.organization_id:
        raise DomainError(_("That message does not exist."), code="not_found")
    if not can_manage_prerecorded(by):
        raise NotAllowed(_("Your organization does not let you manage pre-recorded messages."))
    audit(by, "prerecorded.delete", id=message.pk, name=message.name)
    if message.audio:
        file_name, storage = message.audio.name, message.audio.storage
        transaction.on_commit(lambda: storage.delete(file_name))
    message.delete()
