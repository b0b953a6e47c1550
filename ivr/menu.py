"""A menu as data: nodes of a few kinds, prompts per language, and the graph checks a menu must pass.

Node kinds (the ``type:`` in YAML, see :mod:`ivr.menu_loader`):

* waiting for the caller: ``menu`` (one key picks a choice), ``collect`` (a number, validated);
* moving on at once: ``play`` (a prompt), ``schedule`` (open / closed / public holiday), ``branch``
  (on whether a slot is set);
* waiting for the back end: ``create_request``, ``status``, ``verify``, ``outages``, ``callback``,
  ``record`` (a voice message);
* leaves, which end the session: ``transfer`` (to a queue) and ``hangup``.

A prompt is text per language with placeholders ``{slot}`` (said digit by digit), ``{slot:reference}``
(digit by digit, in groups of three) and ``{slot:amount}`` (money, from cents).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from callcentre.schedule import Schedule
from ivr.references import damm_valid, is_valid_reference, luhn_valid

BACK = "@back"  # a target meaning "the previous menu", as the `*` key does
AGENT = "@agent"  # a target meaning "the agent node for the caller's path", as the `0` key does
AGENT_KEY = "0"
BACK_KEY = "*"
RESERVED_KEYS = frozenset({AGENT_KEY, BACK_KEY, "#"})


def za_phone(digits: str) -> bool:
    """A South African phone number as dialled locally: ten digits, ``0`` then a non-zero digit."""
    return (
        len(digits) == 10 and digits.isascii() and digits.isdigit() and digits[0] == "0" and digits[1] != "0"
    )


VALIDATORS: Mapping[str, Callable[[str], bool]] = {
    "damm": damm_valid,
    "reference": is_valid_reference,
    "luhn": luhn_valid,
    "za_phone": za_phone,
}


class SayKind(StrEnum):
    """How a placeholder's slot value is spoken."""

    DIGITS = "digits"
    REFERENCE = "reference"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Text:
    """A stretch of recorded prompt: ``key`` names the recording, ``text`` is its words."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Say:
    """A slot's value spoken at this point of a prompt."""

    slot: str
    kind: SayKind


Segment = Text | Say


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt in each language of the menu, as segments."""

    name: str
    texts: Mapping[str, tuple[Segment, ...]]


@dataclass(frozen=True, slots=True)
class Choice:
    """Where a key of a ``menu`` node leads, and what choosing it sets."""

    target: str
    language: str | None = None
    sets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class Node:
    """Fields every node has. ``agent`` (if set) becomes the node `0` leads to from here on."""

    KIND: ClassVar[str] = ""
    TARGETS: ClassVar[tuple[str, ...]] = ()
    id: str
    line: int
    prompt: Prompt | None = None
    agent: str | None = None
    sets: Mapping[str, str] = field(default_factory=dict)

    def targets(self) -> Iterator[tuple[str, str]]:
        """(field, node id) for every node this one can lead to (``@back`` included)."""
        for name in self.TARGETS:
            target = getattr(self, name)
            if target:
                yield name, target

    def prompts(self) -> Iterator[tuple[str, Prompt]]:
        """(field, prompt) for every prompt of the node."""
        if self.prompt is not None:
            yield "prompt", self.prompt


@dataclass(frozen=True, kw_only=True, slots=True)
class InputNode(Node):
    """Settings shared by nodes that wait for keys: timeouts, retries, what bad input leads to."""

    timeout: float
    inter_digit_timeout: float
    retries: int
    on_invalid: str
    on_no_input: str
    invalid_prompt: Prompt | None = None
    no_input_prompt: Prompt | None = None

    def prompts(self) -> Iterator[tuple[str, Prompt]]:
        """The node's prompt and its own invalid / no-input prompts."""
        yield from Node.prompts(self)
        if self.invalid_prompt is not None:
            yield "invalid_prompt", self.invalid_prompt
        if self.no_input_prompt is not None:
            yield "no_input_prompt", self.no_input_prompt


@dataclass(frozen=True, kw_only=True, slots=True)
class MenuNode(InputNode):
    """One key picks a choice. ``all_languages``: play the prompt in every language (language menus)."""

    KIND = "menu"
    TARGETS = ("on_invalid", "on_no_input")
    choices: Mapping[str, Choice]
    all_languages: bool = False
    reset_history: bool = False  # `*` from here replays this menu instead of undoing what led here

    def targets(self) -> Iterator[tuple[str, str]]:
        """The choices' targets, then the bad-input targets."""
        for key, choice in self.choices.items():
            yield f"choices.{key}", choice.target
        yield from InputNode.targets(self)


@dataclass(frozen=True, kw_only=True, slots=True)
class CollectNode(InputNode):
    """A number keyed in (``min_length``..``max_length`` digits, ended by ``terminator``) into ``store``."""

    KIND = "collect"
    TARGETS = ("next", "on_invalid", "on_no_input")
    store: str
    min_length: int
    max_length: int
    terminator: str
    next: str
    validate: str | None = None
    secret: bool = False  # kept out of the session record (verification digits)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlayNode(Node):
    """Play the prompt, then go on to ``next``."""

    KIND = "play"
    TARGETS = ("next",)
    next: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ScheduleNode(Node):
    """Go on by the schedule at the current moment."""

    KIND = "schedule"
    TARGETS = ("open", "closed", "holiday")
    schedule: str
    open: str
    closed: str
    holiday: str


@dataclass(frozen=True, kw_only=True, slots=True)
class BranchNode(Node):
    """Go on by whether ``slot`` has a value (e.g. the caller's number was not withheld)."""

    KIND = "branch"
    TARGETS = ("present", "missing")
    slot: str
    present: str
    missing: str


@dataclass(frozen=True, kw_only=True, slots=True)
class TransferNode(Node):
    """Leaf: play the prompt (if any), then transfer to ``queue``."""

    KIND = "transfer"
    queue: str


@dataclass(frozen=True, kw_only=True, slots=True)
class HangupNode(Node):
    """Leaf: play the prompt (if any), then hang up."""

    KIND = "hangup"


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestNode(Node):
    """Log a service request for the service in ``service_slot`` with the ``details`` slots."""

    KIND = "create_request"
    TARGETS = ("next", "on_error")
    service_slot: str
    details: tuple[str, ...]
    next: str
    on_error: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StatusNode(Node):
    """Look up the reference in ``reference_slot`` and say its status; unknown ones count to ``attempts``."""

    KIND = "status"
    TARGETS = ("next", "unknown", "too_many", "on_error")
    reference_slot: str
    statuses: Mapping[str, Prompt]
    other_status: Prompt
    next: str
    unknown: str
    attempts: int
    too_many: str
    on_error: str

    def prompts(self) -> Iterator[tuple[str, Prompt]]:
        """The node's prompt, one per status, and the prompt for any other status."""
        yield from Node.prompts(self)
        for status, prompt in self.statuses.items():
            yield f"statuses.{status}", prompt
        yield "other_status", self.other_status


@dataclass(frozen=True, kw_only=True, slots=True)
class VerifyNode(Node):
    """Verify an account; after ``attempts`` failures (unknown or mismatched) the caller is ``locked`` out."""

    KIND = "verify"
    TARGETS = ("next", "unknown", "failed", "locked", "on_error")
    account_slot: str
    verification_slot: str
    next: str
    unknown: str
    failed: str
    attempts: int
    locked: str
    on_error: str


@dataclass(frozen=True, kw_only=True, slots=True)
class OutagesNode(Node):
    """Look up outages for the caller's area; announce each (per service), then ``found`` or ``none``."""

    KIND = "outages"
    TARGETS = ("found", "none", "on_error")
    service_slot: str | None
    services: Mapping[str, Prompt]
    other_service: Prompt
    found: str
    none: str
    on_error: str

    def prompts(self) -> Iterator[tuple[str, Prompt]]:
        """The node's prompt, one per service, and the prompt for any other service."""
        yield from Node.prompts(self)
        for service, prompt in self.services.items():
            yield f"services.{service}", prompt
        yield "other_service", self.other_service


@dataclass(frozen=True, kw_only=True, slots=True)
class CallbackNode(Node):
    """Request a call-back to the number in ``number_slot`` (else the caller's) by the ``callback_queue``
    slot's queue (else ``queue``)."""

    KIND = "callback"
    TARGETS = ("next", "on_error")
    queue: str
    number_slot: str
    next: str
    on_error: str


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordNode(Node):
    """Record a voice message into ``store`` (the recording's name)."""

    KIND = "record"
    TARGETS = ("next", "on_error")
    store: str
    max_seconds: float
    next: str
    on_error: str


LEAVES = (TransferNode, HangupNode)
AUTOMATIC = (PlayNode, ScheduleNode, BranchNode)  # move on without waiting for anything
NODE_KINDS: Mapping[str, type[Node]] = {
    kind.KIND: kind
    for kind in (
        MenuNode,
        CollectNode,
        PlayNode,
        ScheduleNode,
        BranchNode,
        TransferNode,
        HangupNode,
        RequestNode,
        StatusNode,
        VerifyNode,
        OutagesNode,
        CallbackNode,
        RecordNode,
    )
}


@dataclass(frozen=True, slots=True)
class Menu:
    """A whole IVR menu. ``agent`` is the node `0` leads to until a node on the way sets another."""

    name: str
    source: str
    languages: tuple[str, ...]
    default_language: str
    start: str
    agent: str
    max_errors: int  # bad inputs in one call before the caller is put through to an agent
    invalid_prompt: Prompt
    no_input_prompt: Prompt
    schedules: Mapping[str, Schedule]
    nodes: Mapping[str, Node]

    def queues(self) -> frozenset[str]:
        """Every queue a caller can be transferred to."""
        return frozenset(node.queue for node in self.nodes.values() if isinstance(node, TransferNode))


def flow_edges(node: Node, agent: str = "") -> list[str]:
    """Where ``node`` leads by its own settings (not `0`, `*`, ``@back``; ``@agent`` counts as ``agent``)."""
    return [agent if target == AGENT else target for _, target in node.targets() if target != BACK]
