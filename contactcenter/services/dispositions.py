"""Dispositions (Disposiciones): how a call or a campaign contact ended, chosen in after service.
A rescheduling one puts a campaign contact back in the list for later."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import CampaignContact, Conversation, Disposition, User
from contactcenter.services import writes
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_manage_queue_settings


@transaction.atomic
def disposition_save(*, by: User, disposition: Disposition | None, name: str, reschedules: bool,
                     is_active: bool = True) -> Disposition:
    """Create (`disposition` None) or change a disposition."""
    writes.require(can_manage_queue_settings(by))
    disposition = disposition or Disposition(organization_id=by.organization_id)
    writes.check_unique(disposition, _("There is already a disposition named “%(name)s”.") % {"name": name},
                        name__iexact=name)
    return writes.save(by, disposition, "disposition", {"name": name, "reschedules": reschedules,
                                                        "is_active": is_active})


@transaction.atomic
def disposition_delete(*, by: User, disposition: Disposition) -> str:
    """Refused while queues offer it (as business hours and skills in use are); conversations and
    campaign contacts keep theirs: a disposition they used is deactivated."""
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, disposition)
    queues = list(disposition.queues.order_by("name").values_list("name", flat=True))
    if queues:
        raise DomainError(_("The queues %(queues)s offer “%(name)s”. Remove it from them first.")
                          % {"queues": ", ".join(queues), "name": disposition.name}, code="in_use")
    if (Conversation.objects.filter(disposition=disposition).exists()
            or CampaignContact.objects.filter(last_disposition=disposition).exists()):
        return writes.deactivate(by, disposition, "disposition")
    return writes.delete(by, disposition, "disposition")
