"""Background work the services ask for: Celery tasks, enqueued by name once the transaction
commits (never when it rolls back).

The dependency runs one way: `contactcenter.tasks` imports the services (a task is a thin call
into one), and the services name the task they want here instead of importing it. The names
below are the tasks' registered names (`@shared_task(name=...)` in tasks.py uses these
constants, and tests/test_architecture.py checks each one is registered).
"""

from celery import current_app
from django.db import transaction

WRAPUP_EXPIRE = "contactcenter.tasks.wrapup_expire"
OFFER_EXPIRE = "contactcenter.tasks.offer_expire"
DELIVER_MESSAGE = "contactcenter.tasks.deliver_message"
CSAT_REQUEST = "contactcenter.tasks.csat_request"
# Periodic (celery.py's beat): the reports' rollups of the closed hours.
ROLLUPS_FILL = "contactcenter.tasks.rollups_fill"
ROLLUPS_REFILL = "contactcenter.tasks.rollups_refill"
# Periodic: shift starts, ends and breaks that are due; the shifts' safety net.
SHIFTS_DUE = "contactcenter.tasks.shifts_due"
SHIFTS_SWEEP = "contactcenter.tasks.shifts_sweep"
# Status rules: the periodic check (beat), one agent's triggers after an event, the e-mail of a
# rule that notifies; the supervisors' e-mail digest of status changes (beat).
RULES_CHECK = "contactcenter.tasks.rules_check"
RULES_CHECK_AGENT = "contactcenter.tasks.rules_check_agent"
RULE_NOTIFY = "contactcenter.tasks.rule_notify"
NOTIFICATIONS_DIGEST = "contactcenter.tasks.notifications_digest"


def enqueue_on_commit(name: str, *args, eta=None) -> None:
    """Send task `name` with `args` after commit (at `eta` if given)."""

    def send():
        task = current_app.tasks[name]
        if eta is None:
            task.delay(*args)
        else:
            task.apply_async(args=list(args), eta=eta)

    transaction.on_commit(send, robust=True)


def schedule_wrapup_expiry(agent_id: int, episode: int, deadline) -> None:
    """After service ends by itself at `deadline` unless the agent ended it (a newer episode)."""
    enqueue_on_commit(WRAPUP_EXPIRE, agent_id, episode, eta=deadline)


def schedule_offer_expiry(offer) -> None:
    """A ringing offer nobody answered goes back to the queue at its expiry."""
    enqueue_on_commit(OFFER_EXPIRE, offer.pk, eta=offer.expires_at)


def schedule_delivery(message) -> None:
    """A customer-visible message leaves through its channel's provider (connectors/outbound.py)."""
    enqueue_on_commit(DELIVER_MESSAGE, message.pk)


def schedule_csat_request(rating) -> None:
    """A satisfaction survey leaves through its channel's provider (connectors/csat/outbound.py)."""
    enqueue_on_commit(CSAT_REQUEST, rating.pk)


def schedule_rollups_refill(organization_id: int, hours: list) -> None:
    """Late corrections: the reports' rollups of these already filled UTC hours are recomputed."""
    enqueue_on_commit(ROLLUPS_REFILL, organization_id, [hour.isoformat() for hour in hours])
