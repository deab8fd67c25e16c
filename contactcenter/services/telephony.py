"""Voice: the media runs on an external telephony system; the app tracks call state and sends
it commands. This is the port the services talk to; the adapters live in contactcenter/connectors/.

The services in `contactcenter.services.calls` change the conversation and the agent under their
locks and call `send_on_commit(...)`: the command reaches the backend only after the
transaction commits, so a rolled-back change sends nothing. What the telephony system reports
(the callee answered, nobody answered, the caller hung up) comes back through the services
`call_answered`, `call_no_answer`, `call_failed` and `call_remote_hangup`.

The backend is chosen by the setting VOICE_BACKEND (a dotted path to a `VoiceBackend` subclass);
the default is `contactcenter.connectors.voice.SimulatedVoiceBackend`, which only records the
commands it receives (for tests, the demo and the traffic simulator).
"""

import logging
import threading
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "contactcenter.connectors.voice.SimulatedVoiceBackend"
MONITOR_MODES = ("listen", "whisper", "barge")
COMMANDS = ("dial", "answer", "hangup", "hold", "mute", "play", "monitor")


class VoiceBackend:
    """What the app asks of a telephony system. `simulated` is True for a backend where the
    person at the screen plays the telephony system's part (the workspace then offers it).
 Each method is called after commit, with the
    conversation (a call) it is about; it must not write to the database (report back through
    the services instead) and should not block for long."""

    simulated = False

    def dial(self, conversation, number: str) -> None:
        """Place an outbound call from the conversation's agent to `number`."""
        raise NotImplementedError

    def answer(self, conversation) -> None:
        """Connect the ringing inbound call to the agent who accepted it."""
        raise NotImplementedError

    def hangup(self, conversation) -> None:
        raise NotImplementedError

    def hold(self, conversation, on: bool) -> None:
        raise NotImplementedError

    def mute(self, conversation, on: bool) -> None:
        raise NotImplementedError

    def play(self, conversation, prerecorded_message) -> None:
        """Play a pre-recorded message to the other party."""
        raise NotImplementedError

    def monitor(self, conversation, supervisor, mode: str) -> None:
        """Connect a supervisor: listen (silent), whisper (only the agent hears) or barge."""
        raise NotImplementedError


class VoiceCommand(NamedTuple):
    command: str
    conversation_id: int
    args: dict[str, Any]


_backends: dict[str, VoiceBackend] = {}
_backends_lock = threading.Lock()


def backend_path() -> str:
    return getattr(settings, "VOICE_BACKEND", DEFAULT_BACKEND) or DEFAULT_BACKEND


def get_backend() -> VoiceBackend:
    """The configured backend, one instance per dotted path and process."""
    path = backend_path()
    backend = _backends.get(path)
    if backend is None:
        with _backends_lock:
            backend = _backends.get(path)
            if backend is None:
                backend_class = import_string(path)
                if not (isinstance(backend_class, type) and issubclass(backend_class, VoiceBackend)):
                    raise TypeError(f"VOICE_BACKEND {path!r} is not a VoiceBackend subclass.")
                backend = _backends[path] = backend_class()
    return backend


def send_on_commit(command: str, conversation, **args) -> None:
    """Send `command` to the backend once the current transaction commits (never if it rolls
    back). A failing backend is logged and does not undo the committed change."""
    if command not in COMMANDS:
        raise ValueError(f"unknown voice command {command!r}")

    def send():
        try:
            getattr(get_backend(), command)(conversation, **args)
        except Exception:
            logger.exception("voice backend: %s for conversation %s failed", command, conversation.pk)

    transaction.on_commit(send, robust=True)


def backend_is_simulated() -> bool:
    """Whether the configured backend is a simulator (the workspace shows its buttons)."""
    return get_backend().simulated
