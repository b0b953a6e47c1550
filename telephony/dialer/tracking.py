"""An attempt's result from AMI events. Pure: events in, results out.

An attempt is known by its Originate ``ActionID`` and, once Asterisk created the agent's channel,
by that channel's ``Uniqueid`` (from ``OriginateResponse``, or from the ``VarSet`` of the
``CC_ATTEMPT`` variable the Originate sets — which arrives even when the response was missed).

* ``OriginateResponse`` Success: the agent answered, the dialplan dials the customer (``ringing``);
  Failure: the agent's leg failed (``failed``, with Asterisk's reason).
* ``DialEnd`` on the agent's channel towards the customer: ``ANSWER`` -> ``answered``; ``BUSY``,
  ``NOANSWER``/``CANCEL``, ``CONGESTION``/``CHANUNAVAIL`` -> ``busy``, ``no_answer``,
  ``congestion``; anything else ``failed``.
* ``Hangup`` of the agent's channel: ends an answered call (``ended``), or settles an attempt that
  never reached the customer as ``failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telephony.protocol import AmiMessage

DIAL_STATUSES = {
    "ANSWER": "answered",
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CANCEL": "no_answer",
    "CONGESTION": "congestion",
    "CHANUNAVAIL": "congestion",
}
#: ``OriginateResponse`` ``Reason`` codes (Asterisk's AST_CONTROL values) for a failed agent leg.
ORIGINATE_REASONS = {
    "0": "the agent's phone could not be reached",
    "1": "the agent's phone hung up",
    "3": "the agent's phone rang without an answer",
    "5": "the agent's phone was busy",
    "8": "congestion on the agent's leg",
}
ATTEMPT_VARIABLE = "CC_ATTEMPT"


@dataclass(frozen=True, slots=True)
class Change:
    """What an event means for an attempt: ``ringing``, a final state, or ``ended``."""

    attempt_id: int
    state: str
    reason: str | None = None
    uniqueid: str | None = None
    linkedid: str | None = None


@dataclass(slots=True)
class AttemptTracker:
    """Maps ActionIDs and agent-channel Uniqueids to attempts, and events to :class:`Change`."""

    by_action: dict[str, int] = field(default_factory=dict)
    by_uniqueid: dict[str, int] = field(default_factory=dict)
    settled: set[int] = field(default_factory=set)

    def expect(self, attempt_id: int, action_id: str) -> None:
        """An Originate for ``attempt_id`` is about to be sent with ``action_id``."""
        self.by_action[action_id] = attempt_id

    def pending(self) -> set[int]:
        """Attempts being followed."""
        return set(self.by_action.values()) | set(self.by_uniqueid.values())

    def forget(self, attempt_id: int) -> None:
        """Stop following ``attempt_id``."""
        for table in (self.by_action, self.by_uniqueid):
            for key in [k for k, v in table.items() if v == attempt_id]:
                del table[key]
        self.settled.discard(attempt_id)

    def handle(self, message: AmiMessage) -> Change | None:
        """The change ``message`` makes to a followed attempt, if any."""
        name = message.name
        if name == "OriginateResponse":
            return self._originate_response(message)
        if name == "VarSet" and message.get("Variable") == ATTEMPT_VARIABLE:
            return self._varset(message)
        uniqueid = message.get("Uniqueid") or ""
        attempt = self.by_uniqueid.get(uniqueid)
        if attempt is None:
            return None
        if name == "DialEnd" and message.get("DestChannel"):
            return self._dial_end(attempt, message)
        if name == "Hangup":
            return self._hangup(attempt, message)
        return None

    def _originate_response(self, message: AmiMessage) -> Change | None:
        attempt = self.by_action.get(message.get("ActionID") or "")
        if attempt is None:
            return None
        uniqueid = message.get("Uniqueid") or ""
        if (message.get("Response") or "").lower() == "success":
            if uniqueid and uniqueid != "<null>":
                self.by_uniqueid[uniqueid] = attempt
            return Change(attempt, "ringing", uniqueid=uniqueid or None, linkedid=message.get("Linkedid"))
        reason = ORIGINATE_REASONS.get(
            message.get("Reason") or "", f"Originate failed (reason {message.get('Reason')})"
        )
        self.settled.add(attempt)
        return Change(attempt, "failed", reason=reason)

    def _varset(self, message: AmiMessage) -> Change | None:
        value, uniqueid = message.get("Value") or "", message.get("Uniqueid") or ""
        if value.isdigit() and uniqueid and int(value) in self.pending():
            self.by_uniqueid.setdefault(uniqueid, int(value))
        return None

    def _dial_end(self, attempt: int, message: AmiMessage) -> Change | None:
        if attempt in self.settled:
            return None
        status = (message.get("DialStatus") or "").upper()
        self.settled.add(attempt)
        state = DIAL_STATUSES.get(status, "failed")
        reason = None if state == "answered" else f"DialStatus {status or 'missing'}"
        return Change(
            attempt, state, reason=reason, uniqueid=message.get("Uniqueid"), linkedid=message.get("Linkedid")
        )

    def _hangup(self, attempt: int, message: AmiMessage) -> Change:
        done = attempt in self.settled
        self.forget(attempt)
        linkedid = message.get("Linkedid")
        if done:
            return Change(attempt, "ended", linkedid=linkedid)
        cause = message.get("Cause-txt") or message.get("Cause") or "unknown cause"
        return Change(
            attempt,
            "failed",
            reason=f"agent channel hung up before the customer was dialled ({cause})",
            linkedid=linkedid,
        )
