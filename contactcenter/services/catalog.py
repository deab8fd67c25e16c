"""Canned responses (an agent's personal ones, and public ones the organization shares) and
pre-recorded messages. The workspace and the configuration portal write them through these
same functions, with the same checks (contactcenter/services/policies.py).

What the organization shares (public canned responses, pre-recorded messages) is audited; an
agent's personal canned responses are their own and are not.
"""

from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contactcenter.models import CannedResponse, PrerecordedMessage, User
from contactcenter.services import uploads, writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import can_manage_prerecorded, can_manage_public_canned

# --- Canned responses -----------------------------------------------------------------------------


def _check_may_edit(user: User, canned: CannedResponse) -> None:
    if canned.organization_id != user.organization_id:
        raise DomainError(_("That canned response does not exist."), code="not_found")
    if canned.is_public and not can_manage_public_canned(user):
        raise NotAllowed(_("Your organization does not let you manage public canned responses."))
    if not canned.is_public and canned.owner_id != user.pk:
        raise NotAllowed(_("That canned response belongs to someone else."))


def _validate(*, shortcut: str, title: str, body: str) -> tuple[str, str, str]:
    shortcut = slugify(shortcut)[:40]  # "/saludo" typed with its slash is "saludo"
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
    """A personal canned response of `by`, or a public one where they may manage those."""
    if public and not can_manage_public_canned(by):
        raise NotAllowed(_("Your organization does not let you manage public canned responses."))
    shortcut, title, body = _validate(shortcut=shortcut, title=title, body=body)
    try:
        with transaction.atomic():
            canned = CannedResponse.objects.create(
                organization_id=by.organization_id, owner=None if public else by,
                shortcut=shortcut, title=title, body=body,
            )
    except IntegrityError:
        raise DomainError(_("The shortcut /%(s)s is already used.") % {"s": shortcut}, code="duplicate") from None
    if canned.is_public:
        audit(by, "canned.create", id=canned.pk, name=str(canned))
    return canned


@transaction.atomic
def canned_update(*, by: User, canned: CannedResponse, shortcut: str, title: str, body: str) -> CannedResponse:
    _check_may_edit(by, canned)
    canned.shortcut, canned.title, canned.body = _validate(shortcut=shortcut, title=title, body=body)
    try:
        with transaction.atomic():
            canned.full_clean(exclude=["organization", "owner"], validate_unique=False)
            canned.save()
    except (IntegrityError, ValidationError):
        raise DomainError(_("The shortcut /%(s)s is already used.") % {"s": canned.shortcut},
                          code="duplicate") from None
    if canned.is_public:
        audit(by, "canned.update", id=canned.pk, name=str(canned))
    return canned


@transaction.atomic
def canned_delete(*, by: User, canned: CannedResponse) -> str:
    """Returns writes.DELETED (nothing refers to a canned response: it is always deleted)."""
    _check_may_edit(by, canned)
    if canned.is_public:
        audit(by, "canned.delete", id=canned.pk, name=str(canned))
    canned.delete()
    return writes.DELETED


# --- Pre-recorded messages ------------------------------------------------------------------------


def validate_audio(upload: IO[bytes]) -> uploads.ValidUpload:
    """An audio file, judged by its content (not its name or the browser's word)."""
    valid = uploads.validate_upload(upload)
    if valid.kind != "audio":
        raise DomainError(
            _("“%(name)s” is not an audio file. Upload an MP3, Ogg, WAV, M4A, AAC or WebM recording.")
            % {"name": valid.name},
            code="file_type",
        )
    return valid


def _check_may_manage_prerecorded(by: User) -> None:
    if not can_manage_prerecorded(by):
        raise NotAllowed(_("Your organization does not let you manage pre-recorded messages."))


@transaction.atomic
def prerecorded_save(*, by: User, name: str, message: PrerecordedMessage | None = None,
                     audio: IO[bytes] | None = None) -> PrerecordedMessage:
    """Create a pre-recorded message (`message` None: its audio is required) or rename it and,
    with `audio`, replace its recording (the old file is deleted once this commits)."""
    _check_may_manage_prerecorded(by)
    writes.same_organization(by, message)
    name = " ".join(name.split())[:120]
    if not name:
        raise DomainError(_("Write the name of the message."), code="required")
    valid = validate_audio(audio) if audio is not None else None
    message = message or PrerecordedMessage(organization_id=by.organization_id)
    if message.pk is None and valid is None:
        raise DomainError(_("Choose the audio file of the message."), code="file_empty")
    writes.check_unique(message, _("There is already a message named “%(name)s”.") % {"name": name},
                        name__iexact=name)
    previous = message.audio.name if message.pk else ""
    writes.save(by, message, "prerecorded", {"name": name})
    if valid is not None:
        message.audio.save(valid.name, valid.file, save=True)
        if previous:
            storage = message.audio.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return message


@transaction.atomic
def prerecorded_delete(*, by: User, message: PrerecordedMessage) -> str:
    """Delete the message; its file goes once this commits. Returns writes.DELETED."""
    if message.organization_id != by.organization_id:
        raise DomainError(_("That message does not exist."), code="not_found")
    _check_may_manage_prerecorded(by)
    if message.audio:
        file_name, storage = message.audio.name, message.audio.storage
        transaction.on_commit(lambda: storage.delete(file_name))
    return writes.delete(by, message, "prerecorded")
