"""Static model of the simulated call centre: configuration, agents, queues, ids and channels.

Everything here is plain data.  The defaults mirror the municipal call-centre dialplan the AMI
captures were taken from (see the captures' README), but every number, name and path is a setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from telephony.simulator.dialogue import Dialogue

STATE_DESC: dict[int, str] = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}
UNKNOWN = "<unknown>"

CAUSE_TEXT: dict[int, str] = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    34: "Circuit/channel congestion",
}


@dataclass(frozen=True)
class Agent:
    """A registered (or not) agent phone and its queue memberships (queue -> penalty)."""

    extension: str
    member_name: str
    penalties: dict[str, int]
    registered: bool = True
    paused: bool = False
    paused_reason: str = ""

    @property
    def interface(self) -> str:
        """The queue member interface, e.g. ``PJSIP/1001``."""
        return f"PJSIP/{self.extension}"

    @property
    def caller_name(self) -> str:
        """Caller ID name the phone presents (pjsip.conf ``callerid``)."""
        return f"Agent {self.extension}"


@dataclass(frozen=True)
class QueueDef:
    """A queue, with the Queue() timeout the dialplan uses for it."""

    name: str
    max_wait: int = 300


def default_agents() -> tuple[Agent, ...]:
    """The four agents of the reference call centre (1004 is not registered)."""
    return (
        Agent("1001", "Thandi Mokoena", {"faults": 0, "accounts": 2, "revenue": 1}),
        Agent("1002", "Pieter van Wyk", {"faults": 1, "accounts": 0}),
        Agent("1003", "Lerato Nkosi", {"revenue": 0}),
        Agent("1004", "Johan Botha", {"faults": 2, "accounts": 1}, registered=False),
    )


def default_queues() -> tuple[QueueDef, ...]:
    """faults / accounts (300 s max wait) and the revenue call-back queue (20 s)."""
    return (QueueDef("revenue", 20), QueueDef("accounts"), QueueDef("faults"))


@dataclass
class SimConfig:
    """Every setting of the simulator; all have working defaults."""

    host: str = "127.0.0.1"
    port: int = 0
    username: str = "qa"
    secret: str = "qa-secret"
    recordings_dir: Path | None = None
    recording_prefix: str = "/srv/asterisk-rec"
    sounds_dir: str = "/srv/cc-sounds"
    start_epoch: float | None = None
    speed: float = 1.0
    seed: int = 0
    main_did: str = "0800110000"
    faults_did: str = "0800110100"
    accounts_did: str = "0800110200"
    revenue_did: str = "0123580300"
    outbound_cli: str = "0123580300"
    outbound_cli_name: str = "Rivervale Revenue"
    campaign: str = "ARREARS-2026-11"
    #: How long an answered Originate's conversation lasts (simulated seconds).
    originate_talk_seconds: float = 8.0
    trunk: str = "pstn-trunk"
    login_fail_delay: float = 1.0
    agents: tuple[Agent, ...] = field(default_factory=default_agents)
    queues: tuple[QueueDef, ...] = field(default_factory=default_queues)
    #: Writes what the parties say in each recording's script (default: two fixed scripts).
    dialogue: Dialogue | None = None

    def did_queue(self, did: str) -> str | None:
        """The queue a DID goes straight to, or None (main IVR number or unassigned)."""
        return {
            self.faults_did: "faults",
            self.accounts_did: "accounts",
            self.revenue_did: "revenue",
        }.get(did)

    def queue(self, name: str) -> QueueDef:
        """Queue definition by name (unknown names get the 300 s default)."""
        for q in self.queues:
            if q.name == name:
                return q
        return QueueDef(name)

    def agent(self, extension: str) -> Agent | None:
        """Agent by extension, or None when no such endpoint exists."""
        for a in self.agents:
            if a.extension == extension:
                return a
        return None

    def members(self, queue: str) -> list[Agent]:
        """Members of a queue, lowest penalty first (the order the queue rings them)."""
        found = [a for a in self.agents if queue in a.penalties]
        return sorted(found, key=lambda a: (a.penalties[queue], a.extension))

    def epoch(self) -> float:
        """Simulated start time: the configured epoch or now."""
        return self.start_epoch if self.start_epoch is not None else time.time()


class Ids:
    """Asterisk's channel counter: one sequence for Uniqueid suffixes and channel name suffixes.

    Shared by every call of a simulator so that, as in a real PBX, numbers never repeat.
    """

    def __init__(self, start: int = 0) -> None:
        self._seq = start

    def next(self, now: float) -> tuple[int, str]:
        """Return (sequence, Uniqueid) for a channel created at ``now``."""
        seq = self._seq
        self._seq += 1
        return seq, f"{int(now)}.{seq}"


@dataclass
class Chan:
    """A live channel as the events describe it (mutable: state, dialplan position, peer)."""

    name: str
    uniqueid: str
    linkedid: str
    cid_num: str
    cid_name: str
    created: float
    state: int = 0
    conn_num: str = UNKNOWN
    conn_name: str = UNKNOWN
    account: str = ""
    context: str = "default"
    exten: str = "s"
    priority: int = 1
    application: str = ""
    app_data: str = ""
    bridge_id: str = ""
    dnid: str = ""
    alive: bool = True

    def goto(self, context: str, exten: str, priority: int = 1) -> None:
        """Move the channel's dialplan position."""
        self.context, self.exten, self.priority = context, exten, priority


@dataclass
class Bridge:
    """A two-party basic bridge."""

    uniqueid: str
    members: int = 0
