"""Catalog items people edit outside Django admin: canned responses (personal and public)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from contactcenter.models import CannedResponse, User
from contactcenter.services.errors import DomainError, NotAllowed


def may_manage_public_canned(user: User) -> bool:
    return user.is_org_admin or user.organization.agents_manage_public_canned


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
