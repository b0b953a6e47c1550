"""The mutable state the call builder folds events into, and the handlers that fold them.

Handlers follow the wazo-call-logd shape: ``handler(event, state) -> None``,
looked up in :data:`HANDLERS` by event name. They only record facts; every
judgement (disposition, roles, durations) is made once, in
:mod:`telephony.builder`, when the state is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from telephony.names import CC_VAR_PREFIX, KEPT_ASTERISK_VARIABLES, Ev, H
from telephony.protocol import AmiMessage


@dataclass(slots=True)
class Leg:
    channel: str
    uniqueid: str
    number: str | None = None
    name: str | None = None
    exten: str | None = None
    start: float | None = None
    end: float | None = None
    cause: int | None = None
    cause_text: str | None = None
    bridged_at: list[tuple[float, float | None]] = field(default_factory=list)
    dialled_by: str | None = None
    dial_status: str | None = None
    dial_begin: float | None = None
    dial_end: float | None = None
    start_estimated: bool = False
    end_estimated: bool = False


@dataclass(slots=True)
class Visit:
    queue: str
    joined: float
    position: int | None
    left: float | None = None
    outcome: str = "unknown"
    agent: str | None = None
    interface: str | None = None
    agent_uniqueid: str | None = None
    ring_start: dict[str, float] = field(default_factory=dict)
    ring_seconds: float | None = None
    connected: float | None = None
    ring_no_answer: int = 0
    talk_seconds: float | None = None
    complete_reason: str | None = None
    abandon_position: int | None = None


@dataclass(slots=True)
class BlindTransfer:
    at: float
    transferer_uniqueid: str | None
    target: str


@dataclass(slots=True)
class State:
    linkedid: str
    legs: dict[str, Leg] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    visits: list[Visit] = field(default_factory=list)
    holds: list[list[object]] = field(default_factory=list)
    blind_transfers: list[BlindTransfer] = field(default_factory=list)
    attended_transfers: list[tuple[float, str | None, str | None]] = field(default_factory=list)
    dtmf: list[tuple[str, str]] = field(default_factory=list)
    first_hangup_request: str | None = None
    originated: bool = False
    originate_failed: bool = False
    mixmonitor_started: bool = False
    cdr_userfield: str | None = None
    account_code: str | None = None
    notes: list[str] = field(default_factory=list)
    first_time: float | None = None
    last_time: float | None = None


Handler = Callable[[AmiMessage, State, float], None]


def _leg(state: State, event: AmiMessage, prefix: str = "") -> Leg | None:
    uniqueid = event.get(prefix + H.UNIQUEID)
    if not uniqueid:
        return None
    leg = state.legs.get(uniqueid)
    if leg is None:
        # A channel seen first in some other event: it started before we were listening.
        leg = Leg(channel=event.get(prefix + H.CHANNEL) or "?", uniqueid=uniqueid)
        _set_caller_id(leg, event, prefix)
        state.legs[uniqueid] = leg
    return leg


def _set_caller_id(leg: Leg, event: AmiMessage, prefix: str = "") -> None:
    number = event.get(prefix + H.CALLER_ID_NUM)
    if number and number != "<unknown>":
        leg.number = number
    name = event.get(prefix + H.CALLER_ID_NAME)
    if name and name != "<unknown>":
        leg.name = name


def on_newchannel(event: AmiMessage, state: State, ts: float) -> None:
    uniqueid = event[H.UNIQUEID]
    leg = state.legs.get(uniqueid) or Leg(channel=event[H.CHANNEL], uniqueid=uniqueid)
    leg.start = ts
    leg.start_estimated = False
    leg.exten = event.get(H.EXTEN)
    _set_caller_id(leg, event)
    state.legs[uniqueid] = leg


def on_newcallerid(event: AmiMessage, state: State, ts: float) -> None:
    leg = _leg(state, event)
    if leg is not None:
        _set_caller_id(leg, event)


def on_varset(event: AmiMessage, state: State, ts: float) -> None:
    name = event.get(H.VARIABLE, "") or ""
    bare = name.lstrip("_")
    if bare.startswith(CC_VAR_PREFIX) or bare in KEPT_ASTERISK_VARIABLES:
        state.variables[bare] = event.get(H.VALUE, "") or ""


def on_dial_begin(event: AmiMessage, state: State, ts: float) -> None:
    dest = _leg(state, event, "Dest")
    if dest is None:
        return
    if H.CHANNEL not in event:
        # First leg of an Originate: only Dest* fields (README, point 3).
        state.originated = True
        dest.dial_begin = ts
        return
    dest.dialled_by = event.get(H.UNIQUEID)
    dest.dial_begin = ts
    dest.exten = (event.get(H.DIAL_STRING) or "").split("@", 1)[0] or event.get(H.DEST_EXTEN)


def on_dial_end(event: AmiMessage, state: State, ts: float) -> None:
    dest = _leg(state, event, "Dest")
    if dest is not None:
        dest.dial_status = event.get(H.DIAL_STATUS)
        dest.dial_end = ts


def on_originate_response(event: AmiMessage, state: State, ts: float) -> None:
    state.originated = True
    if (event.get(H.RESPONSE) or "").lower() == "failure":
        state.originate_failed = True


def on_bridge_enter(event: AmiMessage, state: State, ts: float) -> None:
    leg = _leg(state, event)
    if leg is not None:
        leg.bridged_at.append((ts, None))


def on_bridge_leave(event: AmiMessage, state: State, ts: float) -> None:
    leg = _leg(state, event)
    if leg is not None and leg.bridged_at and leg.bridged_at[-1][1] is None:
        leg.bridged_at[-1] = (leg.bridged_at[-1][0], ts)


def on_queue_join(event: AmiMessage, state: State, ts: float) -> None:
    _leg(state, event)
    state.visits.append(Visit(queue=event[H.QUEUE], joined=ts, position=_int(event.get(H.POSITION))))


def _visit(state: State, queue: str | None) -> Visit | None:
    for visit in reversed(state.visits):
        if queue is None or visit.queue == queue:
            return visit
    return None


def on_queue_leave(event: AmiMessage, state: State, ts: float) -> None:
    visit = _visit(state, event.get(H.QUEUE))
    if visit is not None and visit.left is None:
        visit.left = ts


def on_queue_abandon(event: AmiMessage, state: State, ts: float) -> None:
    visit = _visit(state, event.get(H.QUEUE))
    if visit is not None:
        visit.outcome = "abandoned"
        visit.left = visit.left or ts
        visit.abandon_position = _int(event.get(H.POSITION))


def on_agent_called(event: AmiMessage, state: State, ts: float) -> None:
    visit = _visit(state, event.get(H.QUEUE))
    _leg(state, event, "Dest")
    if visit is not None:
        visit.ring_start.setdefault(event.get(H.INTERFACE) or "", ts)


def on_agent_ring_no_answer(event: AmiMessage, state: State, ts: float) -> None:
    visit = _visit(state, event.get(H.QUEUE))
    if visit is not None:
        visit.ring_no_answer += 1
        visit.ring_start.pop(event.get(H.INTERFACE) or "", None)


def on_agent_connect(event: AmiMessage, state: State, ts: float) -> None:
    visit = _visit(state, event.get(H.QUEUE))
    if visit is None:
        return
    interface = event.get(H.INTERFACE) or ""
    visit.outcome = "answered"
    visit.agent = event.get(H.MEMBER_NAME) or interface
    visit.interface = interface
    visit.agent_uniqueid = event.get(H.DEST_UNIQUEID)
    visit.connected = ts
    ring = _float(event.get(H.RING_TIME))
    started = visit.ring_start.get(interface)
    visit.ring_seconds = ring if ring is not None else (ts - started if started is not None else None)


def on_agent_complete(event: AmiMessage, state: State, ts: float) -> None:
    interface = event.get(H.INTERFACE)
    for visit in reversed(state.visits):
        if visit.queue == event.get(H.QUEUE) and visit.interface == interface and visit.talk_seconds is None:
            visit.talk_seconds = _float(event.get(H.TALK_TIME))
            visit.complete_reason = event.get(H.REASON)
            return


def on_mixmonitor_start(event: AmiMessage, state: State, ts: float) -> None:
    state.mixmonitor_started = True


def on_hold(event: AmiMessage, state: State, ts: float) -> None:
    state.holds.append([event.get(H.CHANNEL) or "?", ts, None])


def on_unhold(event: AmiMessage, state: State, ts: float) -> None:
    channel = event.get(H.CHANNEL)
    for hold in reversed(state.holds):
        if hold[0] == channel and hold[2] is None:
            hold[2] = ts
            return


def on_dtmf_end(event: AmiMessage, state: State, ts: float) -> None:
    if (event.get(H.DIRECTION) or "Received") == "Received":
        state.dtmf.append((event.get(H.UNIQUEID) or "", event.get(H.DIGIT) or ""))


def on_hangup_request(event: AmiMessage, state: State, ts: float) -> None:
    if state.first_hangup_request is None:
        state.first_hangup_request = event.get(H.UNIQUEID)


def on_hangup(event: AmiMessage, state: State, ts: float) -> None:
    leg = _leg(state, event)
    if leg is None:
        return
    leg.end = ts
    leg.end_estimated = False
    leg.cause = _int(event.get(H.CAUSE))
    leg.cause_text = event.get(H.CAUSE_TXT)
    if leg.bridged_at and leg.bridged_at[-1][1] is None:
        leg.bridged_at[-1] = (leg.bridged_at[-1][0], ts)


def on_blind_transfer(event: AmiMessage, state: State, ts: float) -> None:
    target = f"{event.get(H.EXTENSION) or '?'}@{event.get(H.CONTEXT) or event.get('Context') or ''}".rstrip(
        "@"
    )
    state.blind_transfers.append(BlindTransfer(ts, event.get("TransfererUniqueid"), target))


def on_attended_transfer(event: AmiMessage, state: State, ts: float) -> None:
    mine = state.linkedid
    others = [event.get("OrigTransfererLinkedid"), event.get("SecondTransfererLinkedid")]
    other = next((value for value in others if value and value != mine), None)
    state.attended_transfers.append((ts, event.get("OrigTransfererUniqueid"), other))


def on_cdr(event: AmiMessage, state: State, ts: float) -> None:
    userfield = (event.get(H.CDR_USERFIELD) or "").lstrip(";")
    if userfield:
        state.cdr_userfield = userfield
    if event.get(H.ACCOUNT_CODE):
        state.account_code = event.get(H.ACCOUNT_CODE)


def on_reconciled_channel(event: AmiMessage, state: State, ts: float) -> None:
    """A channel found alive by ``CoreShowChannels`` whose start we never saw."""
    leg = _leg(state, event)
    if leg is None or leg.start is not None:
        return
    leg.start = ts
    leg.start_estimated = True
    leg.exten = leg.exten or event.get(H.EXTEN)
    state.notes.append(f"channel {leg.channel} was already up when the logger connected")
    observed = _float(event.get(H.OBSERVED_AT))
    if event.get(H.BRIDGE_ID) and observed is not None and not leg.bridged_at:
        # Bridged already; since when is unknown, so talk time counts from when we saw it.
        leg.bridged_at.append((observed, None))


def on_reconciled_gone(event: AmiMessage, state: State, ts: float) -> None:
    """A channel we knew that had gone when the logger came back: its hang-up was missed."""
    leg = _leg(state, event)
    if leg is None or leg.end is not None:
        return
    last_seen = _float(event.get("LastSeen")) or ts
    leg.end = last_seen
    leg.end_estimated = True
    if leg.bridged_at and leg.bridged_at[-1][1] is None:
        leg.bridged_at[-1] = (leg.bridged_at[-1][0], last_seen)
    state.notes.append(f"hang-up of {leg.channel} not observed: ended between {last_seen:.3f} and {ts:.3f}")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


HANDLERS: dict[str, Handler] = {
    Ev.NEWCHANNEL: on_newchannel,
    Ev.NEWCALLERID: on_newcallerid,
    Ev.VARSET: on_varset,
    Ev.DIAL_BEGIN: on_dial_begin,
    Ev.DIAL_END: on_dial_end,
    Ev.ORIGINATE_RESPONSE: on_originate_response,
    Ev.BRIDGE_ENTER: on_bridge_enter,
    Ev.BRIDGE_LEAVE: on_bridge_leave,
    Ev.QUEUE_CALLER_JOIN: on_queue_join,
    Ev.QUEUE_CALLER_LEAVE: on_queue_leave,
    Ev.QUEUE_CALLER_ABANDON: on_queue_abandon,
    Ev.AGENT_CALLED: on_agent_called,
    Ev.AGENT_RING_NO_ANSWER: on_agent_ring_no_answer,
    Ev.AGENT_CONNECT: on_agent_connect,
    Ev.AGENT_COMPLETE: on_agent_complete,
    Ev.MIXMONITOR_START: on_mixmonitor_start,
    Ev.HOLD: on_hold,
    Ev.UNHOLD: on_unhold,
    Ev.DTMF_END: on_dtmf_end,
    Ev.HANGUP_REQUEST: on_hangup_request,
    Ev.HANGUP: on_hangup,
    Ev.BLIND_TRANSFER: on_blind_transfer,
    Ev.ATTENDED_TRANSFER: on_attended_transfer,
    Ev.CDR: on_cdr,
    Ev.RECONCILED_CHANNEL: on_reconciled_channel,
    Ev.RECONCILED_GONE: on_reconciled_gone,
}


def fold(events: list[AmiMessage], linkedid: str) -> State:
    """Fold a call's events, in arrival order, into a :class:`State`."""
    state = State(linkedid=linkedid)
    for event in events:
        handler = HANDLERS.get(event.name)
        ts = event.timestamp
        if handler is None or ts is None:
            continue
        state.first_time = ts if state.first_time is None else min(state.first_time, ts)
        state.last_time = ts if state.last_time is None else max(state.last_time, ts)
        handler(event, state, ts)
    return state
