"""Which of a queue's agents are free to take a campaign call, from AMI queue-member state.

Fed with the ``QueueMember`` items of a ``QueueStatus`` snapshot (``Name``/``Location``) and then
with ``QueueMemberStatus``, ``QueueMemberPause``, ``QueueMemberAdded`` and ``QueueMemberRemoved``
events (``MemberName``/``Interface``). An agent is free when their device is ``NOT_INUSE``
(Status 1), they are not paused and not in a call. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from telephony.protocol import AmiMessage

#: Asterisk device states (``Status`` of a queue member).
NOT_INUSE = 1
STATUS_NAMES = {
    0: "unknown",
    1: "free",
    2: "in use",
    3: "busy",
    4: "invalid",
    5: "unavailable",
    6: "ringing",
    7: "ringing (in use)",
    8: "on hold",
}
MEMBER_EVENTS = frozenset(
    {"QueueMember", "QueueMemberStatus", "QueueMemberPause", "QueueMemberAdded", "QueueMemberRemoved"}
)


@dataclass(slots=True)
class Member:
    """One agent in one queue."""

    name: str
    interface: str
    status: int = 0
    paused: bool = False
    in_call: bool = False
    paused_reason: str = ""

    @property
    def free(self) -> bool:
        """Device idle, not paused, not in a call."""
        return self.status == NOT_INUSE and not self.paused and not self.in_call

    @property
    def state(self) -> str:
        """A word for people: free, paused (reason), in use..."""
        if self.paused:
            return f"paused ({self.paused_reason})" if self.paused_reason else "paused"
        return STATUS_NAMES.get(self.status, f"status {self.status}")


class AgentBoard:
    """Members of the queues the dialer works, kept current from AMI."""

    def __init__(self, queues: set[str]) -> None:
        self.queues = queues
        self.members: dict[tuple[str, str], Member] = {}

    def reset(self) -> None:
        """Forget everything (before a fresh ``QueueStatus`` snapshot)."""
        self.members.clear()

    def handle(self, message: AmiMessage) -> bool:
        """Apply one event; True when it concerned a member of our queues."""
        name = message.name
        queue = message.get("Queue") or ""
        if name not in MEMBER_EVENTS or queue not in self.queues:
            return False
        interface = message.get("Interface") or message.get("Location") or message.get("StateInterface") or ""
        key = (queue, interface)
        if name == "QueueMemberRemoved":
            self.members.pop(key, None)
            return True
        member = self.members.get(key) or Member(name="", interface=interface)
        member.name = message.get("MemberName") or message.get("Name") or member.name or interface
        member.status = _int(message.get("Status"), member.status)
        member.paused = (message.get("Paused") or ("1" if member.paused else "0")) == "1"
        member.paused_reason = message.get("PausedReason") or ""
        member.in_call = (message.get("InCall") or ("1" if member.in_call else "0")) == "1"
        self.members[key] = member
        return True

    def free(self, queue: str) -> list[Member]:
        """Free members of ``queue``, in a stable order (by name)."""
        return sorted(
            (m for (q, _), m in self.members.items() if q == queue and m.free), key=lambda m: m.name
        )

    def find(self, queue: str, name: str) -> Member | None:
        """The member of ``queue`` called ``name`` (as in ``calls.agent``)."""
        return next((m for (q, _), m in self.members.items() if q == queue and m.name == name), None)

    def of(self, queue: str) -> list[Member]:
        """All members of ``queue`` (for status displays)."""
        return sorted((m for (q, _), m in self.members.items() if q == queue), key=lambda m: m.name)


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.lstrip("-").isdigit() else default
