"""The engine's state: immutable between steps, everything the session record is made of.

Within a step the engine works on a :class:`Draft` (a mutable copy) and freezes it at the end, so the
state handed to the transport is never changed afterwards and old states stay valid (the path test
branches from them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum


class Waiting(StrEnum):
    """What the engine waits for: the answer to the last action it gave."""

    DIGITS = "digits"
    RECORDING = "recording"
    REQUEST = "request"
    STATUS = "status"
    ACCOUNT = "account"
    OUTAGES = "outages"
    CALLBACK = "callback"
    NOTHING = "nothing"  # the session is over


class Outcome(StrEnum):
    """How an IVR session ended."""

    SELF_SERVED = "self_served"  # a request logged, a status or balance heard, then the call ended
    TRANSFERRED = "transferred"  # to an agent queue (see the state's ``queue``)
    CALLBACK = "callback"  # a call-back was requested
    ABANDONED = "abandoned"  # the caller hung up before being served (see ``hangup_node``)
    DISCONNECTED = "disconnected"  # the IVR hung up without serving the caller


@dataclass(frozen=True, slots=True)
class Visit:
    """The caller reached ``node`` at ``at`` seconds into the call."""

    node: str
    at: float


@dataclass(frozen=True, slots=True)
class KeyInput:
    """Keys entered at ``node`` (``*`` for each key of a secret entry) and what the engine made of them.

    ``result``: ``ok``, ``agent`` (0), ``back`` (*), ``no_input``, or ``invalid:<reason>`` with reason
    one of ``empty`` (``#`` alone), ``not_an_option``, ``storm`` (several keys at a one-key menu),
    ``not_digits``, ``too_short``, ``too_long``, ``check_digit``.
    """

    node: str
    keys: str
    at: float
    result: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something that happened that is not a key press: ``status_unknown``, ``account_locked``..."""

    node: str
    at: float
    what: str


@dataclass(frozen=True, slots=True)
class State:
    """One IVR session between two steps. Build it with ``Engine.start``; read it with ``session_record``."""

    node: str  # the current node
    waiting: Waiting
    language: str
    caller: str  # as the network gave it
    call_id: str
    local_time: dt.datetime  # wall-clock time at the start of the call
    at: float  # seconds into the call of the latest event
    agent: str  # the node `0` leads to from here
    slots: Mapping[str, str]  # values collected or set on the way (never mutated: replaced)
    secrets: frozenset[str]  # slot names kept out of the session record
    history: tuple[tuple[str, str], ...]  # (menu node, agent node) for `*`, oldest first
    tries: int  # bad inputs at the current node since it was entered
    errors: int  # bad inputs in the whole call
    failures: Mapping[str, int]  # per node: unknown references, failed verifications
    served: tuple[str, ...]  # self-services completed: "request", "status", "balance"
    references: tuple[str, ...]  # service requests created in this call
    callback: bool  # a call-back was scheduled
    visits: tuple[Visit, ...]
    inputs: tuple[KeyInput, ...]
    notes: tuple[Note, ...]
    outcome: Outcome | None = None
    queue: str | None = None  # transferred to
    ended_at: float | None = None
    ended_by: str = ""  # "caller" or "ivr"

    @property
    def ended(self) -> bool:
        """True once the session is over (transferred, hung up by either side)."""
        return self.waiting is Waiting.NOTHING

    def thaw(self) -> Draft:
        """A mutable copy to build the next state on."""
        draft = Draft.__new__(Draft)
        for name in _NAMES:
            setattr(draft, name, getattr(self, name))
        return draft


class Draft:
    """A :class:`State` being changed within one step (the engine's scratch copy)."""

    __slots__ = (
        "agent",
        "at",
        "call_id",
        "callback",
        "caller",
        "ended_at",
        "ended_by",
        "errors",
        "failures",
        "history",
        "inputs",
        "language",
        "local_time",
        "node",
        "notes",
        "outcome",
        "queue",
        "references",
        "secrets",
        "served",
        "slots",
        "tries",
        "visits",
        "waiting",
    )
    node: str
    waiting: Waiting
    language: str
    caller: str
    call_id: str
    local_time: dt.datetime
    at: float
    agent: str
    slots: Mapping[str, str]
    secrets: frozenset[str]
    history: tuple[tuple[str, str], ...]
    tries: int
    errors: int
    failures: Mapping[str, int]
    served: tuple[str, ...]
    references: tuple[str, ...]
    callback: bool
    visits: tuple[Visit, ...]
    inputs: tuple[KeyInput, ...]
    notes: tuple[Note, ...]
    outcome: Outcome | None
    queue: str | None
    ended_at: float | None
    ended_by: str

    def freeze(self) -> State:
        """The finished next state."""
        return State(**{name: getattr(self, name) for name in _NAMES})

    def set_slot(self, name: str, value: str) -> None:
        """Set one slot (copying the mapping: earlier states keep theirs)."""
        self.slots = {**self.slots, name: value}

    def note(self, what: str) -> None:
        """Record something that happened at the current node."""
        self.notes = (*self.notes, Note(self.node, self.at, what))

    def count_failure(self, node: str) -> int:
        """One more failure at ``node``; returns the new count."""
        count = self.failures.get(node, 0) + 1
        self.failures = {**self.failures, node: count}
        return count

    def now(self) -> dt.datetime:
        """The wall-clock time of the latest event."""
        return self.local_time + dt.timedelta(seconds=self.at)


_NAMES = tuple(field.name for field in fields(State))
assert set(_NAMES) == set(Draft.__slots__), "Draft and State must have the same fields"


def new_state(
    *,
    node: str,
    language: str,
    caller: str,
    call_id: str,
    local_time: dt.datetime,
    at: float,
    agent: str,
    slots: Mapping[str, str],
) -> Draft:
    """A draft for a session that is just starting at ``node``."""
    state = State(
        node=node,
        waiting=Waiting.NOTHING,
        language=language,
        caller=caller,
        call_id=call_id,
        local_time=local_time,
        at=at,
        agent=agent,
        slots=slots,
        secrets=frozenset(),
        history=(),
        tries=0,
        errors=0,
        failures={},
        served=(),
        references=(),
        callback=False,
        visits=(),
        inputs=(),
        notes=(),
    )
    return state.thaw()
