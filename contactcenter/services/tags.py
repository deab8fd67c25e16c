"""The organization's tags (Etiquetas), as the configuration portal edits them. Tagging a
conversation (which may create a tag) is contactcenter/services/contacts.py."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import Tag, User
from contactcenter.services import writes
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_create_tags, can_manage_tags


@transaction.atomic
def tag_save(*, by: User, tag: Tag | None, name: str, color: str) -> Tag:
    """Create a tag (`tag` None: whoever may create tags) or rename or recolor one (administrators)."""
    writes.require(can_create_tags(by) if tag is None else can_manage_tags(by))
    name = " ".join(name.split())
    tag = tag or Tag(organization_id=by.organization_id)
    writes.check_unique(tag, _("There is already a tag named “%(name)s”.") % {"name": name}, name__iexact=name)
    return writes.save(by, tag, "tag", {"name": name, "color": color})


@transaction.atomic
def tag_delete(*, by: User, tag: Tag) -> str:
    """Refused while conversations carry the tag: deleting it would change their history."""
    writes.require(can_manage_tags(by))
    writes.same_organization(by, tag)
    used = tag.conversations.count()
    if used:
        raise DomainError(
            _("“%(name)s” tags %(count)s conversations; deleting it would change their history.")
            % {"name": tag.name, "count": used},
            code="in_use",
        )
    return writes.delete(by, tag, "tag")
