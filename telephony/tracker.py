"""Which call an event belongs to, which events are kept, and when a call is over.

Pure and in memory: holds only the calls in progress (plus a bounded map of
recent channels, for the ``Cdr`` events that name a channel but no Linkedid),
so memory stays flat however long the logger runs.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from telephony.builder_state import HANDLERS
from telephony.names import CC_VAR_PREFIX, CEL_LINKEDID_END, KEPT_ASTERISK_VARIABLES, Ev, H
from telephony.protocol import AmiMessage

#: Agent and queue-member state changes: kept (for agent availability) though they belong to no call.
MEMBER_EVENTS = frozenset(
    {Ev.QUEUE_MEMBER_STATUS, Ev.QUEUE_MEMBER_PAUSE, Ev.QUEUE_MEMBER_ADDED, Ev.QUEUE_MEMBER_REMOVED}
)
RECENT_CHANNELS = 50_000


def is_kept(event: AmiMessage) -> bool:
    """Whether the raw-event store keeps ``event``.

    Kept: every event the call builder reads, ``VarSet`` of ``CC_*`` and the few
    Asterisk variables it reads, queue-member changes, and CEL ``LINKEDID_END``.
    Dropped: the noise (``RTCPSent``, ``Newexten``, other ``VarSet``s, other CEL,
    ``DeviceStateChange``...) that is most of a real stream and that no record uses.
    """
    name = event.name
    if name == Ev.VARSET:
        variable = (event.get(H.VARIABLE) or "").lstrip("_")
        return variable.startswith(CC_VAR_PREFIX) or variable in KEPT_ASTERISK_VARIABLES
    if name == Ev.CEL:
        return event.get(H.CEL_EVENT_NAME) == CEL_LINKEDID_END
    return name in HANDLERS or name in MEMBER_EVENTS


@dataclass(slots=True)
class ActiveCall:
    """A call in progress: its events so far and the channels still up."""

    linkedid: str
    events: list[AmiMessage] = field(default_factory=list)
    open_channels: dict[str, str] = field(default_factory=dict)
    seen_channels: set[str] = field(default_factory=set)
    ended_at: float | None = None
    last_time: float | None = None
    linkedid_end: bool = False
    digests: set[str] = field(default_factory=set)


class CallTracker:
    """Routes events to calls and says which calls have ended.

    A call has ended when every channel it opened has hung up; it is handed
    over ``grace`` seconds of PBX time later (or at once on CEL ``LINKEDID_END``)
    because Asterisk sends some of a call's events (``Cdr``, a delayed
    ``AgentComplete``) just after the last ``Hangup``.
    """

    def __init__(self, grace: float = 2.0) -> None:
        self.grace = grace
        self.calls: dict[str, ActiveCall] = {}
        self._channel_call: OrderedDict[str, str] = OrderedDict()
        self.pbx_time: float | None = None

    def linkedid_of(self, event: AmiMessage) -> str | None:
        """The Linkedid of the call ``event`` belongs to, when it belongs to one."""
        linkedid = (
            event.get(H.LINKEDID)
            or event.get(H.DEST_LINKEDID)
            or event.get(H.CEL_LINKEDID)
            or event.get(H.TRANSFEREE_LINKEDID)
            or event.get("OrigTransfererLinkedid")
        )
        if linkedid:
            return linkedid
        uniqueid = event.get(H.UNIQUEID) or event.get(H.CDR_UNIQUEID)
        return self._channel_call.get(uniqueid) if uniqueid else None

    def add(self, event: AmiMessage, linkedid: str, digest: str) -> bool:
        """Record ``event`` (already known to be kept) against its call; False if it was a repeat."""
        call = self.calls.get(linkedid)
        if call is None:
            call = self.calls[linkedid] = ActiveCall(linkedid)
        if digest in call.digests:
            return False  # the same frame again (a replayed stream): already counted
        call.digests.add(digest)
        call.events.append(event)
        ts = event.timestamp
        if ts is not None:
            call.last_time = ts
            self.pbx_time = ts if self.pbx_time is None else max(self.pbx_time, ts)
        self._follow_channels(event, call, linkedid)
        return True

    def _follow_channels(self, event: AmiMessage, call: ActiveCall, linkedid: str) -> None:
        name = event.name
        uniqueid = event.get(H.UNIQUEID)
        if name in (Ev.NEWCHANNEL, Ev.RECONCILED_CHANNEL) and uniqueid:
            call.open_channels[uniqueid] = event.get(H.CHANNEL) or "?"
            call.seen_channels.add(uniqueid)
            self._remember(uniqueid, linkedid)
            call.ended_at = None
        elif name in (Ev.HANGUP, Ev.RECONCILED_GONE) and uniqueid:
            call.open_channels.pop(uniqueid, None)
            call.seen_channels.add(uniqueid)
            if not call.open_channels:
                call.ended_at = event.timestamp if event.timestamp is not None else call.last_time
        elif name == Ev.CEL and event.get(H.CEL_EVENT_NAME) == CEL_LINKEDID_END:
            call.linkedid_end = True
        elif uniqueid and uniqueid not in call.seen_channels and name not in (Ev.CDR, Ev.ORIGINATE_RESPONSE):
            # First sight of a channel mid-call (we connected while it was up): it is open.
            call.open_channels[uniqueid] = event.get(H.CHANNEL) or "?"
            call.seen_channels.add(uniqueid)
            self._remember(uniqueid, linkedid)

    def _remember(self, uniqueid: str, linkedid: str) -> None:
        self._channel_call[uniqueid] = linkedid
        self._channel_call.move_to_end(uniqueid)
        while len(self._channel_call) > RECENT_CHANNELS:
            self._channel_call.popitem(last=False)

    def pop_finished(self, now: float | None = None, everything_ended: bool = False) -> list[ActiveCall]:
        """Remove and return the calls that are over.

        ``now`` is PBX time (defaults to the newest event's time); with
        ``everything_ended`` every ended call is returned regardless of grace
        (end of a replay, shutdown).
        """
        now = self.pbx_time if now is None else now
        done = [
            call
            for call in self.calls.values()
            if call.ended_at is not None
            and (
                everything_ended
                or call.linkedid_end
                or (now is not None and now >= call.ended_at + self.grace)
            )
        ]
        for call in done:
            del self.calls[call.linkedid]
        return done

    def open_channels(self) -> dict[str, tuple[str, str, float | None]]:
        """Every channel believed up: ``{uniqueid: (linkedid, channel, last event time of its call)}``."""
        return {
            uniqueid: (call.linkedid, channel, call.last_time)
            for call in self.calls.values()
            for uniqueid, channel in call.open_channels.items()
        }
