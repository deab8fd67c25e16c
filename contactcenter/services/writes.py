"""The steps every configuration write shares: check the actor may do it, keep to their
organization, refuse a duplicate name, then save (or delete, or deactivate) and audit.

The entity modules (queues, skills, pause reasons, dispositions, tags, channels, business
hours, pre-recorded messages) call these so that a refusal reads the same everywhere and every
change leaves one AuditEntry named `<action>.create`, `.update`, `.delete` or `.deactivate`.
"""

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from contactcenter.models import Queue, User
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed

# What a delete did: the row is gone, or (history points to it) it is only deactivated.
DELETED, DEACTIVATED = "deleted", "deactivated"


def require(allowed: bool) -> None:
    """The service's own check of a permission the screen checked first."""
    if not allowed:
        raise NotAllowed(_("You are not allowed to change this setting."))


def same_organization(by: User, *objects) -> None:
    """Foreign keys and many-to-many values chosen in a form must be of the actor's organization
    (None is skipped)."""
    for obj in objects:
        if obj is not None and obj.organization_id != by.organization_id:
            raise DomainError(_("That item does not exist."), code="not_found")


def check_unique(obj: Model, message: str, **lookup) -> None:
    """Refuse with `message` when another row of the organization matches `lookup`."""
    duplicates = type(obj).objects.filter(organization_id=obj.organization_id, **lookup).exclude(pk=obj.pk)
    if duplicates.exists():
        raise DomainError(message, code="duplicate")


def save(by: User, obj: Model, action: str, fields: dict) -> Model:
    """Set the fields, validate the model, save it in the actor's organization and audit
    `<action>.create` or `<action>.update` with the names of the fields that changed."""
    created = obj.pk is None
    obj.organization_id = by.organization_id
    changed = [name for name, value in fields.items() if created or getattr(obj, name) != value]
    for name, value in fields.items():
        setattr(obj, name, value)
    try:
        obj.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from None
    obj.save()
    audit(by, f"{action}.{'create' if created else 'update'}", queue=obj if isinstance(obj, Queue) else None,
          id=obj.pk, name=str(obj), changed=changed)
    return obj


def delete(by: User, obj: Model, action: str, **extra) -> str:
    """Audit `<action>.delete`, then delete the row. Returns DELETED."""
    audit(by, f"{action}.delete", id=obj.pk, name=str(obj), **extra)
    obj.delete()
    return DELETED


def deactivate(by: User, obj: Model, action: str, **extra) -> str:
    """Deactivate a row that history points to (audited once, as `<action>.deactivate`).
    Returns DEACTIVATED."""
    if obj.is_active:
        obj.is_active = False
        obj.save(update_fields=["is_active"])
        audit(by, f"{action}.deactivate", id=obj.pk, name=str(obj), **extra)
    return DEACTIVATED
