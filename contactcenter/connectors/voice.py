"""Voice adapters. `SimulatedVoiceBackend`, the default VOICE_BACKEND, stands in for a telephony
system: it records the commands the services send (services/telephony.py is the port) and plays
the system's part on request, calling the services a real system's webhook would call.
"""

import threading
from collections import deque

from contactcenter.services import calls
from contactcenter.services.telephony import VoiceBackend, VoiceCommand


class SimulatedVoiceBackend(VoiceBackend):
    """Records every command in memory (newest last, the last `max_commands` kept) and plays
    the telephony system's part on request: `simulate_answer`, `simulate_no_answer`,
    `simulate_failure`, `simulate_hangup` call the services as a real system's webhook would.

    One instance per process (see `telephony.get_backend`); in the distributed setup each process has its
    own record, which is enough for a simulator.
    """

    max_commands = 10_000
    simulated = True

    def __init__(self):
        self._lock = threading.Lock()
        self.commands: deque[VoiceCommand] = deque(maxlen=self.max_commands)

    def _record(self, command: str, conversation, **args) -> None:
        with self._lock:
            self.commands.append(VoiceCommand(command, conversation.pk, args))

    def dial(self, conversation, number: str) -> None:
        self._record("dial", conversation, number=number)

    def answer(self, conversation) -> None:
        self._record("answer", conversation)

    def hangup(self, conversation) -> None:
        self._record("hangup", conversation)

    def hold(self, conversation, on: bool) -> None:
        self._record("hold", conversation, on=on)

    def mute(self, conversation, on: bool) -> None:
        self._record("mute", conversation, on=on)

    def play(self, conversation, prerecorded_message) -> None:
        self._record("play", conversation, message_id=prerecorded_message.pk)

    def monitor(self, conversation, supervisor, mode: str) -> None:
        self._record("monitor", conversation, supervisor_id=supervisor.pk, mode=mode)

    # --- Reading the record ---------------------------------------------------------------

    def commands_for(self, conversation) -> list[VoiceCommand]:
        conversation_id = conversation if isinstance(conversation, int) else conversation.pk
        with self._lock:
            return [c for c in self.commands if c.conversation_id == conversation_id]

    def reset(self) -> None:
        with self._lock:
            self.commands.clear()

    # --- Playing the telephony system -----------------------------------------------------

    @staticmethod
    def simulate_answer(conversation):
        """The callee of an outbound call picked up."""
        return calls.call_answered(conversation=conversation)

    @staticmethod
    def simulate_no_answer(conversation):
        return calls.call_no_answer(conversation=conversation)

    @staticmethod
    def simulate_failure(conversation):
        """Busy, invalid number, network error: the outbound call could not be connected."""
        return calls.call_failed(conversation=conversation)

    @staticmethod
    def simulate_hangup(conversation):
        """The other party hung up (an unanswered dial, a connected call, or a caller who gave
        up while waiting in the queue)."""
        return calls.call_remote_hangup(conversation=conversation)
