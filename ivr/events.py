"""What a transport tells the IVR engine: the caller's keys, silence, hang-up, and back-end results.

Every event carries ``at``: seconds since the call started, on the transport's clock. The engine
keeps those times in the session record (time spent per node) and, added to
:attr:`CallStarted.local_time`, uses them for schedule checks: it never reads a clock itself.

Which event answers which action (see :mod:`ivr.actions`):

==========================  ===========================================================
action                      events
==========================  ===========================================================
CollectDigits               DigitsEntered, NoInput
RecordMessage               RecordingDone, NoInput (nothing recorded)
CreateServiceRequest        RequestCreated
LookupStatus                StatusFound, StatusUnknown
VerifyAccount               AccountVerified, AccountUnknown, VerificationFailed, AccountLocked
LookupOutages               OutagesFound (empty when there are none)
RequestCallBack             CallbackScheduled
any back-end action         ServiceUnavailable (the back end failed: the caller is routed on)
Transfer, Hangup            none (the session is over)
==========================  ===========================================================

``CallerHungUp`` may come at any moment; ``PromptFinished`` is accepted and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallStarted:
    """A call entered the IVR. ``local_time`` is the wall-clock time at answer (time-zone aware)."""

    caller: str  # the caller's number as the network gave it; "" when withheld
    local_time: dt.datetime
    called: str = ""  # the number dialled (DID)
    call_id: str = ""  # the transport's id for the call (Asterisk Linkedid, SIP Call-ID)
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """Keys pressed for a :class:`~ivr.actions.CollectDigits`: ``0-9 * #``, terminator included if pressed."""

    digits: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class NoInput:
    """The collection (or recording) timed out with nothing entered."""

    at: float = 0.0


@dataclass(frozen=True, slots=True)
class PromptFinished:
    """A prompt finished playing. Informational: the engine never waits for it."""

    at: float = 0.0


@dataclass(frozen=True, slots=True)
class RecordingDone:
    """A :class:`~ivr.actions.RecordMessage` finished; ``recording`` is where the audio is stored."""

    recording: str
    seconds: float
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class RequestCreated:
    """The service request was logged under ``reference`` (see :mod:`ivr.references`)."""

    reference: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class StatusFound:
    """A reference's status: a key such as ``open``, ``in_progress``, ``resolved``, ``closed``."""

    reference: str
    status: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class StatusUnknown:
    """No service request has that reference."""

    reference: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class AccountVerified:
    """The account exists and the verification matched: its balance may now be disclosed."""

    account: str
    balance_cents: int
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class AccountUnknown:
    """No account has that number."""

    account: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class VerificationFailed:
    """The account exists but the verification did not match."""

    account: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class AccountLocked:
    """The back end has locked the account's self-service (too many failures across calls)."""

    account: str
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Outage:
    """An active outage: a service key (``water``, ``electricity``...) and the area's name."""

    service: str
    area: str = ""


@dataclass(frozen=True, slots=True)
class OutagesFound:
    """The outages active for the caller's area (and service, if one was asked about); may be empty."""

    outages: tuple[Outage, ...] = ()
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class CallbackScheduled:
    """The call-back request was queued."""

    at: float = 0.0


@dataclass(frozen=True, slots=True)
class ServiceUnavailable:
    """The back-end action the engine is waiting on failed (database down, timeout)."""

    reason: str = ""
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The caller hung up."""

    at: float = 0.0


Event = (
    CallStarted
    | DigitsEntered
    | NoInput
    | PromptFinished
    | RecordingDone
    | RequestCreated
    | StatusFound
    | StatusUnknown
    | AccountVerified
    | AccountUnknown
    | VerificationFailed
    | AccountLocked
    | OutagesFound
    | CallbackScheduled
    | ServiceUnavailable
    | CallerHungUp
)
