"""Call records as plain data: what the pure builder returns and the store writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Disposition(StrEnum):
    """What a call-centre report says happened to the call (not the CDR's view).

    ``answered``: a person (agent, or the customer on an outbound call) was connected.
    ``abandoned``: the caller hung up while waiting in a queue.
    ``ivr``: the call ended in the IVR without reaching a queue (self-served, or gave up there).
    ``no_answer``, ``busy``, ``congestion``: the dialled party or queue did not take the call.
    ``failed``: the call could not be placed or was refused (unassigned number, agent unreachable).
    """

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    IVR = "ivr"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONGESTION = "congestion"
    FAILED = "failed"


@dataclass(slots=True)
class LegRecord:
    channel: str
    uniqueid: str
    role: str
    number: str | None
    start_time: datetime | None
    answer_time: datetime | None
    end_time: datetime | None
    hangup_cause: int | None
    hangup_cause_text: str | None


@dataclass(slots=True)
class QueueVisitRecord:
    queue: str
    joined_at: datetime
    left_at: datetime | None
    wait_seconds: float | None
    position: int | None
    outcome: str
    agent: str | None
    agent_interface: str | None
    ring_no_answer: int
    talk_seconds: float | None
    agent_complete_reason: str | None


@dataclass(slots=True)
class HoldRecord:
    channel: str
    start_time: datetime
    end_time: datetime | None


@dataclass(slots=True)
class TransferRecord:
    kind: str
    at: datetime
    from_agent: str | None
    target: str | None
    other_linkedid: str | None = None


@dataclass(slots=True)
class CallRecord:
    """Everything known about one call (one ``Linkedid``)."""

    linkedid: str
    direction: Direction
    disposition: Disposition
    caller_number: str | None
    caller_name: str | None
    dialled_number: str | None
    start_time: datetime
    answer_time: datetime | None
    end_time: datetime | None
    ivr_seconds: float = 0.0
    queue: str | None = None
    queue_wait_seconds: float | None = None
    queue_position: int | None = None
    abandoned: bool = False
    agent: str | None = None
    agent_interface: str | None = None
    ring_seconds: float | None = None
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    hold_count: int = 0
    hung_up_by: str | None = None
    hangup_cause: int | None = None
    hangup_cause_text: str | None = None
    dtmf: str = ""
    ivr_path: str | None = None
    campaign: str | None = None
    account: str | None = None
    reference: str | None = None
    recording_path: str | None = None
    recording_status: str = "none"
    variables: dict[str, Any] = field(default_factory=dict)
    partial: bool = False
    partial_reason: str | None = None
    legs: list[LegRecord] = field(default_factory=list)
    queue_visits: list[QueueVisitRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    transfers: list[TransferRecord] = field(default_factory=list)

    @property
    def external_number(self) -> str | None:
        """The party outside the call centre: the caller inbound, the dialled customer outbound."""
        return self.dialled_number if self.direction is Direction.OUTBOUND else self.caller_number
