"""The only module that talks to the channel layer.

Services call `publish(...)` inside their transaction; the event is sent after commit (never
for a rolled-back change) to the groups that care: org.<id>, queue.<id>, agent.<id>,
conversation.<id>. Events carry a type and ids (agent.status also the agent's new state and name,
so that a status change is drawn without a query); consumers decide what their user may see and
render fragments themselves. Delivery is at most once: consumers refresh on (re)connect.
"""

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Event types.
AGENT_STATUS = "agent.status"
QUEUE_LOGIN = "queue.login"
QUEUE_LOGOUT = "queue.logout"
CONVERSATION_QUEUED = "conversation.queued"
CONVERSATION_OFFERED = "conversation.offered"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_CLOSED = "conversation.closed"
CONVERSATION_TRANSFERRED = "conversation.transferred"
CONVERSATION_UPDATED = "conversation.updated"
CONVERSATION_RATED = "conversation.rated"  # the customer answered (or changed) the satisfaction survey
MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"  # its delivery state changed (sent, delivered, read, failed)
WRAPUP_STARTED = "wrapup.started"
WRAPUP_ENDED = "wrapup.ended"
OFFER_ENDED = "offer.ended"
DEVICE_CHANGED = "device.changed"
CAMPAIGN_UPDATED = "campaign.updated"  # a campaign contact changed, or contacts were imported
SESSION_ENDED = "session.ended"  # a logout or a deactivation: that user's sockets close
RULE_FIRED = "rule.fired"  # a status rule fired (applied or skipped): the supervisors' panel lists it
AGENT_SHIFT = "agent.shift"  # the agent's shift phase changed (shift start/end, break): adherence redraws

# Channel-layer message type: consumers implement `cc_event(self, message)`.
LAYER_MESSAGE_TYPE = "cc.event"


@dataclass(frozen=True)
class Event:
    type: str
    organization_id: int
    data: dict
    groups: tuple[str, ...]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def as_message(self) -> dict:
        return {
            "type": LAYER_MESSAGE_TYPE,
            "event": {"id": self.id, "type": self.type, "organization_id": self.organization_id, **self.data},
        }


# Called with every event right after it is sent (tests capture events through this).
listeners: list[Callable[[Event], None]] = []


def org_group(organization_id: int) -> str:
    return f"org.{organization_id}"


def queue_group(queue_id: int) -> str:
    return f"queue.{queue_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def publish(
    type: str,
    *,
    organization_id: int,
    agent_ids: Iterable[int] = (),
    queue_ids: Iterable[int] = (),
    conversation_ids: Iterable[int] = (),
    to_queue_groups: bool = True,
    to_conversation_groups: bool = True,
    **data,
) -> Event:
    """Schedule an event for after the current transaction commits.

    `queue_ids` always travel in the event (consumers filter by them); `to_queue_groups=False`
    keeps the event out of those queues' groups (every workspace of the queue) when none of
    them shows anything it changes; `to_conversation_groups=False` likewise for conversations
    no page can show yet (just created: a page learns of them after this commit)."""
    agent_ids, queue_ids, conversation_ids = list(agent_ids), list(queue_ids), list(conversation_ids)
    # In this order: the agents the event is about first (usually the one who acted), the
    # conversation, the queues, and the organization (every supervisor) last. The groups are sent
    # in this order, and a server process handles its sockets' messages one after another: the
    # acting agent's own update must not wait behind every supervisor's. A socket in several of
    # these groups gets the event once per group and handles it once (by its id).
    groups = (
        *(agent_group(i) for i in dict.fromkeys(agent_ids)),
        *(conversation_group(i) for i in dict.fromkeys(conversation_ids) if to_conversation_groups),
        *(queue_group(i) for i in dict.fromkeys(queue_ids) if to_queue_groups),
        org_group(organization_id),
    )
    event = Event(
        type=type,
        organization_id=organization_id,
        data={"agent_ids": agent_ids, "queue_ids": queue_ids, "conversation_ids": conversation_ids, **data},
        groups=groups,
    )
    transaction.on_commit(lambda: _send(event), robust=True)
    return event


# Embedded mode: the in-memory channel layer lives on the server's event loop. A thread that is
# not serving a request (the in-process Celery worker, a test) must hand its sends to that loop.
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _on_foreign_thread() -> bool:
    if _server_loop is None or _server_loop.is_closed() or not _server_loop.is_running():
        return False
    try:
        return asyncio.get_running_loop() is not _server_loop
    except RuntimeError:
        # No loop here: inside a request's sync thread asgiref routes back to the server loop;
        # anywhere else (Celery, tests) we must hand over explicitly.
        return getattr(SyncToAsync.threadlocal, "main_event_loop", None) is None


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _send(event: Event) -> None:
    layer = get_channel_layer()
    if layer is not None:
        try:
            if isinstance(layer, InMemoryChannelLayer) and _on_foreign_thread():
                # The in-memory layer lives on the server's event loop: hand the send over to it.
                asyncio.run_coroutine_threadsafe(_send_to_groups(layer, event), _server_loop).result(5)
            elif getattr(SyncToAsync.threadlocal, "main_event_loop", None) and not _loop_running_here():
                async_to_sync(_send_to_groups)(layer, event)  # a request's thread: its server loop
            else:
                # A sync caller with no server loop (a script, a test): one publisher loop for the
                # process. async_to_sync here would start an event loop and a thread per call.
                asyncio.run_coroutine_threadsafe(_send_to_groups(layer, event), _publisher_loop()).result(10)
        except Exception:  # a lost event heals on the next refresh; never break the caller
            logger.exception("could not publish %s", event.type)
    for listener in list(listeners):
        listener(event)


async def _send_to_groups(layer, event: Event) -> None:
    message = event.as_message()
    for group in event.groups:
        try:
            await layer.group_send(group, message)
        except Exception:  # one group failing does not stop the others
            logger.exception("could not publish %s to %s", event.type, group)


_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, for sends from threads no request serves."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid() or not _publisher[1].is_running():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="events-publisher", daemon=True).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]
