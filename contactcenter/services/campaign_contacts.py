"""A campaign's contact list entries, as the dialer (campaigns.py) and the calls' reports
(calls.py) both write them."""

from contactcenter import events
from contactcenter.models import CampaignContact, Conversation


def campaign_contact_publish(entry: CampaignContact) -> None:
    events.publish(events.CAMPAIGN_UPDATED, organization_id=entry.organization_id, queue_ids=[entry.queue_id],
                   agent_ids=[entry.assigned_to_id] if entry.assigned_to_id else [],
                   campaign_contact_id=entry.pk, status=entry.status)


def campaign_contact_set_outcome(*, conversation: Conversation, outcome: str) -> None:
    """What the telephony system reported about a campaign call (calls.py, under the
    conversation's lock). The contact stays with its agent, who chooses the disposition."""
    for entry in CampaignContact.objects.select_for_update().filter(conversation=conversation):
        entry.call_outcome = outcome
        entry.save(update_fields=["call_outcome", "updated_at"])
        campaign_contact_publish(entry)
