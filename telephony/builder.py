"""The pure call builder: one call's events in, one :class:`CallRecord` out.

No I/O: checking that a recording exists happens in the service. Rebuilding
from the same events always gives the same record, so the store can delete
and re-insert a call whenever late events arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import phonenumbers

from telephony.builder_state import Leg, State, Visit, fold
from telephony.protocol import AmiMessage
from telephony.record import (
    CallRecord,
    Direction,
    Disposition,
    HoldRecord,
    LegRecord,
    QueueVisitRecord,
    TransferRecord,
)

#: Dial statuses of the customer leg of an outbound call, as a call-centre report names them.
DIAL_STATUS_DISPOSITION = {
    "ANSWER": Disposition.ANSWERED,
    "BUSY": Disposition.BUSY,
    "NOANSWER": Disposition.NO_ANSWER,
    "CANCEL": Disposition.NO_ANSWER,
    "CONGESTION": Disposition.CONGESTION,
    "CHANUNAVAIL": Disposition.FAILED,
    "DONTCALL": Disposition.FAILED,
    "INVALIDARGS": Disposition.FAILED,
}
#: Q.850 causes that mean the network refused the call rather than a person ending it.
FAILURE_CAUSES = frozenset({1, 2, 3, 22, 27, 28, 38, 41, 42, 44, 58, 88, 102, 111, 127})
BUSY_CAUSES = frozenset({17})
CONGESTION_CAUSES = frozenset({34})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the builder needs to know beyond the events."""

    phone_region: str = "ZA"
    #: Agent display names by interface (``PJSIP/1001`` -> ``Thandi Mokoena``), learnt from queue events.
    agent_names: Mapping[str, str] | None = None


def build_call(linkedid: str, events: list[AmiMessage], options: BuildOptions | None = None) -> CallRecord:
    """Turn every event of the call ``linkedid`` (arrival order) into its call record."""
    options = options or BuildOptions()
    state = fold(events, linkedid)
    if not state.legs:
        raise ValueError(f"call {linkedid}: no channel in {len(events)} events")
    return _Summary(state, options).record()


def to_e164(number: str | None, region: str) -> str | None:
    """``number`` in E.164 when it is a real phone number; short extensions stay as they are."""
    if not number or number == "<unknown>":
        return None
    return _to_e164(number.strip(), region)


@lru_cache(maxsize=65536)
def _to_e164(number: str, region: str) -> str:
    digits = number.lstrip("+")
    if not digits.isdigit() or len(digits) < 7:
        return number  # an extension such as 1001, or an anonymous caller
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _time(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


class _Summary:
    """Judgements over a folded state; each property is one decision."""

    def __init__(self, state: State, options: BuildOptions) -> None:
        self.state = state
        self.options = options
        self.vars = state.variables
        self.primary = state.legs.get(state.linkedid) or min(
            state.legs.values(), key=lambda leg: leg.start if leg.start is not None else float("inf")
        )
        self.direction = self._direction()
        self.external = self._external_leg()

    def _direction(self) -> Direction:
        declared = self.vars.get("CC_DIRECTION", "").lower()
        if declared in {item.value for item in Direction}:
            return Direction(declared)
        if self.state.originated:
            return Direction.OUTBOUND
        number, exten = self.primary.number or "", self.primary.exten or ""
        if len(number) <= 6 and exten.isdigit() and len(exten) <= 6:
            return Direction.INTERNAL
        return Direction.INBOUND

    def _external_leg(self) -> Leg:
        if self.direction is not Direction.OUTBOUND:
            return self.primary
        dialled = [leg for leg in self.state.legs.values() if leg.dialled_by == self.primary.uniqueid]
        return dialled[0] if dialled else self.primary

    def _agent_uniqueids(self) -> set[str]:
        ids = {visit.agent_uniqueid for visit in self.state.visits if visit.agent_uniqueid}
        if self.direction is Direction.OUTBOUND:
            ids.add(self.primary.uniqueid)
        ids |= {leg.uniqueid for leg in self.state.legs.values() if leg is not self.external} - {
            self.primary.uniqueid
        }
        return ids - {self.external.uniqueid}

    def _role(self, leg: Leg) -> str:
        if leg is self.external:
            return "customer" if self.direction is Direction.OUTBOUND else "caller"
        return "agent" if leg.uniqueid in self._agent_uniqueids() else "other"

    def _bridged_seconds(self, leg: Leg) -> float:
        end = self._end()
        return sum(((stop if stop is not None else end or start) - start) for start, stop in leg.bridged_at)

    def _answer(self) -> float | None:
        """When a person took the call: the caller first bridged, or an agent connected from a queue."""
        times = [visit.connected for visit in self.state.visits if visit.connected is not None]
        if self.external.bridged_at:
            times.append(self.external.bridged_at[0][0])
        return min(times) if times else None

    def _start(self) -> float:
        starts = [leg.start for leg in self.state.legs.values() if leg.start is not None]
        return min(starts) if starts else (self.state.first_time or 0.0)

    def _end(self) -> float | None:
        ends = [leg.end for leg in self.state.legs.values()]
        if not ends or any(end is None for end in ends):
            return None
        return max(end for end in ends if end is not None)

    def _disposition(self) -> Disposition:
        if self.direction is Direction.OUTBOUND:
            return self._outbound_disposition()
        if self._answer() is not None:
            return Disposition.ANSWERED
        if self.state.visits:
            last = self.state.visits[-1]
            if last.outcome == "timeout" or self.vars.get("CC_QUEUESTATUS") == "TIMEOUT":
                return Disposition.NO_ANSWER
            return Disposition.ABANDONED
        if self.vars.get("CC_IVR_PATH"):
            return Disposition.IVR
        return self._cause_disposition(self.external.cause)

    def _outbound_disposition(self) -> Disposition:
        if self.state.originate_failed:
            return Disposition.FAILED
        if self._answer() is not None:
            return Disposition.ANSWERED
        status = self.external.dial_status or self.vars.get("CC_OUTCOME") or self.vars.get("DIALSTATUS")
        if status in DIAL_STATUS_DISPOSITION:
            return DIAL_STATUS_DISPOSITION[status]
        return self._cause_disposition(self.external.cause)

    @staticmethod
    def _cause_disposition(cause: int | None) -> Disposition:
        if cause in BUSY_CAUSES:
            return Disposition.BUSY
        if cause in CONGESTION_CAUSES:
            return Disposition.CONGESTION
        if cause in FAILURE_CAUSES:
            return Disposition.FAILED
        return Disposition.NO_ANSWER

    def _hung_up_by(self) -> str | None:
        first = self.state.first_hangup_request
        if first is not None and first in self.state.legs:
            return self._role(self.state.legs[first])
        reasons = [visit.complete_reason for visit in self.state.visits if visit.complete_reason]
        if reasons and reasons[-1] in {"caller", "agent"}:
            return reasons[-1]
        return "system"

    def _answered_visit(self) -> Visit | None:
        return next((visit for visit in self.state.visits if visit.outcome == "answered"), None)

    def _agent(self) -> tuple[str | None, str | None]:
        visit = self._answered_visit()
        if visit is not None:
            return visit.agent, visit.interface
        if self.direction is not Direction.OUTBOUND:
            return None, None
        interface = self.primary.channel.rsplit("-", 1)[0]
        names = self.options.agent_names or {}
        return names.get(interface, self.vars.get("CC_AGENT") or interface), interface

    def _ring_seconds(self) -> float | None:
        if self.direction is Direction.OUTBOUND:
            leg = self.external
            if leg.dial_begin is not None and leg.dial_end is not None:
                return leg.dial_end - leg.dial_begin
            return None
        visit = self._answered_visit()
        return visit.ring_seconds if visit is not None else None

    def _ivr_seconds(self) -> float:
        if not self.vars.get("CC_IVR_PATH"):
            return 0.0
        until = self.state.visits[0].joined if self.state.visits else self._end()
        return max(0.0, (until or self._start()) - self._start())

    def _holds(self) -> list[HoldRecord]:
        end = self._end()
        return [
            HoldRecord(str(channel), _time(start), _time(stop if stop is not None else end))  # type: ignore[arg-type]
            for channel, start, stop in self.state.holds
        ]

    def _hold_seconds(self) -> float:
        end = self._end() or 0.0
        total = 0.0
        for _channel, start, stop in self.state.holds:
            total += float(stop if stop is not None else end) - float(start)  # type: ignore[arg-type]
        return max(0.0, total)

    def _transfers(self) -> list[TransferRecord]:
        transfers = [
            TransferRecord("blind", _time(item.at), self._agent_of(item.transferer_uniqueid), item.target)  # type: ignore[arg-type]
            for item in self.state.blind_transfers
        ]
        transfers += [
            TransferRecord("attended", _time(at), self._agent_of(uniqueid), None, other)  # type: ignore[arg-type]
            for at, uniqueid, other in self.state.attended_transfers
        ]
        transfers += self._redirects()
        return sorted(transfers, key=lambda item: item.at)

    def _redirects(self) -> list[TransferRecord]:
        """A caller who was with an agent and then joins another queue, with no transfer event: a Redirect."""
        found = []
        blind_times = [item.at for item in self.state.blind_transfers]
        for before, after in zip(self.state.visits, self.state.visits[1:], strict=False):
            if before.outcome != "answered":
                continue
            if any(before.joined <= at <= after.joined for at in blind_times):
                continue
            found.append(TransferRecord("redirect", _time(after.joined), before.agent, after.queue))  # type: ignore[arg-type]
        return found

    def _agent_of(self, uniqueid: str | None) -> str | None:
        for visit in self.state.visits:
            if uniqueid and visit.agent_uniqueid == uniqueid:
                return visit.agent
        leg = self.state.legs.get(uniqueid or "")
        return leg.channel.rsplit("-", 1)[0] if leg else None

    def _recording(self) -> str | None:
        path = self.vars.get("CC_RECORDING")
        if not path:
            raw = self.vars.get("MIXMONITOR_FILENAME")
            path = raw[: -len(".raw")] + ".wav" if raw and raw.endswith(".raw") else raw
        return path or self.state.cdr_userfield or None

    def _partial(self) -> tuple[bool, str | None]:
        notes = list(self.state.notes)
        if self.primary.start is None:
            notes.append("the call's first channel was not observed starting")
        if any(leg.end is None for leg in self.state.legs.values()):
            notes.append("the call had not ended when it was recorded")
        return (bool(notes), "; ".join(notes) or None)

    def _legs(self) -> list[LegRecord]:
        region = self.options.phone_region
        return [
            LegRecord(
                channel=leg.channel,
                uniqueid=leg.uniqueid,
                role=self._role(leg),
                number=to_e164(leg.exten if leg is self.external and leg.dialled_by else leg.number, region),
                start_time=_time(leg.start),
                answer_time=_time(leg.bridged_at[0][0]) if leg.bridged_at else None,
                end_time=_time(leg.end),
                hangup_cause=leg.cause,
                hangup_cause_text=leg.cause_text,
            )
            for leg in sorted(self.state.legs.values(), key=lambda leg: (leg.start or 0.0, leg.uniqueid))
        ]

    def _visits(self) -> list[QueueVisitRecord]:
        records = []
        for visit in self.state.visits:
            outcome = visit.outcome
            if outcome == "unknown" and self.vars.get("CC_QUEUESTATUS") == "TIMEOUT":
                outcome = "timeout"
            elif outcome == "unknown" and visit is self.state.visits[-1] and self._answer() is None:
                outcome = "abandoned"
            wait_end = visit.connected or visit.left
            records.append(
                QueueVisitRecord(
                    queue=visit.queue,
                    joined_at=_time(visit.joined),  # type: ignore[arg-type]
                    left_at=_time(visit.left),
                    wait_seconds=(wait_end - visit.joined) if wait_end is not None else None,
                    position=visit.position,
                    outcome=outcome,
                    agent=visit.agent,
                    agent_interface=visit.interface,
                    ring_no_answer=visit.ring_no_answer,
                    talk_seconds=visit.talk_seconds,
                    agent_complete_reason=visit.complete_reason,
                )
            )
        return records

    def _numbers(self) -> tuple[str | None, str | None, str | None]:
        region = self.options.phone_region
        if self.direction is Direction.OUTBOUND:
            dialled = self.external.exten if self.external is not self.primary else None
            caller = self.primary.number
            return to_e164(caller, region), self.primary.name, to_e164(dialled, region)
        did = self.vars.get("CC_DID") or self.primary.exten
        return to_e164(self.primary.number, region), self.primary.name, to_e164(did, region)

    def record(self) -> CallRecord:
        visits = self._visits()
        agent, interface = self._agent()
        caller, caller_name, dialled = self._numbers()
        partial, reason = self._partial()
        disposition = self._disposition()
        holds = self._holds()
        hold_seconds = self._hold_seconds()
        first_visit = visits[0] if visits else None
        return CallRecord(
            linkedid=self.state.linkedid,
            direction=self.direction,
            disposition=disposition,
            caller_number=caller,
            caller_name=caller_name,
            dialled_number=dialled,
            start_time=_time(self._start()),  # type: ignore[arg-type]
            answer_time=_time(self._answer()),
            end_time=_time(self._end()),
            ivr_seconds=self._ivr_seconds(),
            queue=first_visit.queue if first_visit else self.vars.get("CC_QUEUE"),
            queue_wait_seconds=first_visit.wait_seconds if first_visit else None,
            queue_position=first_visit.position if first_visit else None,
            abandoned=disposition is Disposition.ABANDONED,
            agent=agent,
            agent_interface=interface,
            ring_seconds=self._ring_seconds(),
            talk_seconds=max(0.0, self._bridged_seconds(self.external) - hold_seconds),
            hold_seconds=hold_seconds,
            hold_count=len(holds),
            hung_up_by=self._hung_up_by(),
            hangup_cause=self.external.cause,
            hangup_cause_text=self.external.cause_text,
            dtmf="".join(digit for uniqueid, digit in self.state.dtmf if uniqueid == self.external.uniqueid)[
                :256
            ],
            ivr_path=self.vars.get("CC_IVR_PATH"),
            campaign=self.vars.get("CC_CAMPAIGN")
            or (self.state.account_code if self.state.originated else None),
            account=self.vars.get("CC_ACCOUNT"),
            reference=self.vars.get("CC_REFERENCE"),
            recording_path=self._recording(),
            variables={key: value for key, value in sorted(self.vars.items()) if key.startswith("CC_")},
            partial=partial,
            partial_reason=reason,
            legs=self._legs(),
            queue_visits=visits,
            holds=holds,
            transfers=self._transfers(),
        )
