"""What the IVR engine asks a transport to do.

A step returns a tuple of actions to execute in order. Prompts (``Play``, ``SayDigits``,
``SayAmount``) never block. Every step that does not end the session ends with exactly one
*waiting* action (:data:`WAITING_ACTIONS`), whose outcome the transport feeds back as the next event
(see :mod:`ivr.events` for which event answers which action). A session ends with ``Transfer`` or
``Hangup``. Callers may barge in: a transport may stop the prompts when a key is pressed, as long as
the key counts towards the following ``CollectDigits``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Play:
    """Play a recorded prompt: ``prompt`` names the recording (``<language>/<prompt>``); ``text`` says it."""

    prompt: str
    language: str
    text: str


@dataclass(frozen=True, slots=True)
class SayDigits:
    """Say ``digits`` one by one in ``language``, pausing after every ``group`` digits (0: no pauses)."""

    digits: str
    language: str
    group: int = 0


@dataclass(frozen=True, slots=True)
class SayAmount:
    """Say an amount of money (rand and cents) in ``language``."""

    cents: int
    language: str


@dataclass(frozen=True, slots=True)
class CollectDigits:
    """Collect keys: stop at ``max_length`` keys, at ``terminator``, or after a timeout.

    ``timeout`` is the wait for the first key, ``inter_digit_timeout`` the wait for each further key.
    Answer with ``DigitsEntered`` (keys pressed, terminator included) or ``NoInput``.
    """

    min_length: int
    max_length: int
    terminator: str  # "" for none
    timeout: float
    inter_digit_timeout: float


@dataclass(frozen=True, slots=True)
class RecordMessage:
    """Record the caller (after a beep) for at most ``max_seconds``, or until ``#`` or silence."""

    max_seconds: float
    beep: bool = True


@dataclass(frozen=True, slots=True)
class CreateServiceRequest:
    """Log a service request; answer with ``RequestCreated(reference)`` (see :mod:`ivr.references`)."""

    service: str
    details: tuple[tuple[str, str], ...]  # e.g. (("detail_kind", "meter"), ("detail", "04123456789"))
    caller: str
    language: str


@dataclass(frozen=True, slots=True)
class LookupStatus:
    """Look up a service request; answer with ``StatusFound`` or ``StatusUnknown``."""

    reference: str


@dataclass(frozen=True, slots=True)
class VerifyAccount:
    """Check that ``verification`` matches ``account``; the balance comes back only when it does."""

    account: str
    verification: str


@dataclass(frozen=True, slots=True)
class LookupOutages:
    """Active outages for the caller's area (found from ``caller``), for ``service`` or all (``""``)."""

    caller: str
    service: str = ""


@dataclass(frozen=True, slots=True)
class RequestCallBack:
    """Queue a call-back to ``number`` by ``queue``; answer with ``CallbackScheduled``."""

    number: str
    queue: str
    language: str
    ivr_path: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """Send the caller to ``queue``, setting these channel variables first. Ends the session."""

    queue: str
    variables: tuple[tuple[str, str], ...]  # CC_IVR_PATH, CC_LANGUAGE, CC_REFERENCE, CC_ACCOUNT when known

    def variable_map(self) -> dict[str, str]:
        """The channel variables as a dict."""
        return dict(self.variables)


@dataclass(frozen=True, slots=True)
class Hangup:
    """Hang up (after the prompts before it have played). Ends the session."""

    cause: int = 16  # Q.850 normal clearing


Action = (
    Play
    | SayDigits
    | SayAmount
    | CollectDigits
    | RecordMessage
    | CreateServiceRequest
    | LookupStatus
    | VerifyAccount
    | LookupOutages
    | RequestCallBack
    | Transfer
    | Hangup
)
PROMPT_ACTIONS = (Play, SayDigits, SayAmount)
WAITING_ACTIONS = (
    CollectDigits,
    RecordMessage,
    CreateServiceRequest,
    LookupStatus,
    VerifyAccount,
    LookupOutages,
    RequestCallBack,
)
FINAL_ACTIONS = (Transfer, Hangup)
