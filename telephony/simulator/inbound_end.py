"""How inbound calls move on and end: Redirect / BlindTransfer to another queue, hangups, CDRs."""

from __future__ import annotations

import json

from telephony.simulator import events as ev
from telephony.simulator.inbound import AgentLeg
from telephony.simulator.ivr import IvrCall
from telephony.simulator.model import Chan


class InboundCall(IvrCall):
    """A complete inbound call: every phase from arrival to the last CEL."""

    # ---- transfers --------------------------------------------------------------------------
    def redirect(self, queue: str) -> None:
        """AMI ``Redirect`` of the caller to ``cc-queue,<queue>,1``.

        The agent leg is hung up at once but its AgentComplete is held back until the caller
        finally hangs up (then it reports ``Reason: caller`` and talk time to the end of the call).
        """
        leg, c = self.talking, self.caller
        if leg is None:
            self._leave_queue_for(queue)
            return
        self._close_hold()
        self.bridge_down(c, leg.chan)
        leg.end = self.now
        self.talking = None
        self.deferred.append(leg)
        self.enter_queue(queue)
        self.kill(leg.chan, 16, source=leg.chan.name)
        self.agent_free(leg.agent, took_call=True)

    def _leave_queue_for(self, queue: str) -> None:
        """Redirect of a caller still waiting: leave the old queue, join the new one."""
        self._cancel_ringing()
        if self.waiting:
            c = self.caller
            self.put(ev.chan_event, "MusicOnHoldStop", c)
            self.put(ev.queue_caller, "QueueCallerLeave", c, self.queue, [("Position", "1"), ("Count", "0")])
        if self.enter_queue(queue):
            self.join_queue()

    def blind_transfer(self, queue: str) -> None:
        """AMI ``BlindTransfer`` by the agent: Unhold, BlindTransfer, AgentComplete Reason transfer."""
        leg, c = self.talking, self.caller
        if leg is None or self.bridge is None:
            return
        a = leg.chan
        self._close_hold()
        self.put(ev.chan_event, "Unhold", a)
        self.put(ev.varset, c, "BLINDTRANSFER", a.name)
        self.put(ev.varset, a, "BLINDTRANSFER", c.name)
        extra = {
            "extension": queue,
            "context": "cc-queue",
            "bridge_id": self.bridge.uniqueid,
            "transferee_channel_name": c.name,
            "transferee_channel_uniqueid": c.uniqueid,
        }
        self.put(
            ev.cel,
            "BLINDTRANSFER",
            a,
            a.application,
            a.app_data,
            "",
            json.dumps(extra, separators=(",", ":")),
        )
        self.put(ev.blind_transfer, a, c, self.bridge, "cc-queue", queue)
        self._agent_complete(leg, "transfer", with_dest=True)
        self.bridge_down(a, c)
        leg.end = self.now
        self.talking = None
        self.kill(a, 16, source=a.name)
        self.agent_free(leg.agent, took_call=True)
        self.enter_queue(queue)

    # ---- endings ----------------------------------------------------------------------------
    def hangup(self, who: str = "caller") -> None:
        """``who`` ('caller' or 'agent') hangs up, whatever state the call is in."""
        if self.finished:
            return
        if self.talking is not None:
            self._end_bridged(who)
        elif self.waiting:
            self._abandon()
        else:
            self._end_unbridged()

    def dialplan_hangup(self, cause: int) -> None:
        """The dialplan's own ``Hangup(cause)`` (IVR goodbye, unassigned number)."""
        if self.finished:
            return
        c = self.caller
        self.app(c, "Hangup", str(cause))
        self.put(ev.chan_event, "SoftHangupRequest", c, [("Cause", str(cause))])
        self._cdrs()
        self.kill(c, cause, source="dialplan/builtin")
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        self.finish("ivr" if self.did == self.cfg.main_did else "failed", c)

    def _end_unbridged(self) -> None:
        """Caller hangs up in the IVR, during a prompt, or before anything else happened."""
        c = self.caller
        self.put(ev.hangup_request, c)
        self.put(ev.chan_event, "SoftHangupRequest", c, [("Cause", "16")])
        self._cdrs()
        self.kill(c, 0, source=c.name)
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        disposition = "ivr" if self.did == self.cfg.main_did else "abandoned"
        self.finish("failed" if self.record.disposition == "failed" else disposition, c)

    def _cancel_ringing(self) -> None:
        leg = self.ringing
        if leg is None:
            return
        self.put(ev.dial_event, "DialEnd", self.caller, leg.chan, [("DialStatus", "CANCEL")])
        self.kill(leg.chan, 0, source="")
        leg.end = self.now
        self.ringing = None
        self.agent_free(leg.agent, took_call=False)

    def _abandon(self) -> None:
        """Caller hangs up while waiting in the queue (possibly while an agent rings)."""
        c = self.caller
        self.put(ev.hangup_request, c)
        self._cancel_ringing()
        self.put(ev.chan_event, "MusicOnHoldStop", c)
        hold = str(int(self.now - self.queue_join))
        tail = [("Position", "1"), ("OriginalPosition", "1"), ("HoldTime", hold)]
        self.put(ev.queue_caller, "QueueCallerAbandon", c, self.queue, tail)
        self.put(ev.device_state, f"Queue:{self.queue}", "NOT_INUSE")
        self.put(ev.queue_caller, "QueueCallerLeave", c, self.queue, [("Position", "1"), ("Count", "0")])
        self.put(ev.chan_event, "SoftHangupRequest", c, [("Cause", "16")])
        self._cdrs()
        self._complete_deferred("caller")
        self.kill(c, 0, source=c.name)
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        self.finish("answered" if self.record.agents else "abandoned", c)

    def _end_bridged(self, who: str) -> None:
        """Normal end of a conversation; ``who`` hung up first."""
        leg, c = self.talking, self.caller
        assert leg is not None
        a = leg.chan
        first, other = (c, a) if who == "caller" else (a, c)
        self._close_hold()
        leg.end = self.now
        self.put(ev.hangup_request, first)
        if who == "caller":
            self._cdrs()
        self._agent_complete(leg, who, with_dest=True)
        self._complete_deferred("caller")
        self.bridge_down(first, other)
        if who != "caller":
            self._cdrs()
        # Asterisk soft-hangs-up the caller's channel when Queue() ends, whoever hung up.
        self.put(ev.chan_event, "SoftHangupRequest", c, [("Cause", "16")])
        self.kill(a, 16, source=first.name)
        self.agent_free(leg.agent, took_call=True)
        self.kill(c, 16, source=first.name, dialstatus="ANSWER")
        self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "NOT_INUSE")
        self.talking = None
        self.finish("answered", c)

    def _close_hold(self) -> None:
        if self.hold_start is not None:
            self.record.holds.append((self.hold_start, self.now))
            self.hold_start = None

    def _agent_complete(self, leg: AgentLeg, reason: str, with_dest: bool) -> None:
        talk = int(self.now - (leg.connect or self.now))
        tail = [
            ("Queue", leg.queue),
            ("Interface", leg.agent.interface),
            ("MemberName", leg.agent.member_name),
            ("HoldTime", str(leg.hold_time)),
            ("TalkTime", str(talk)),
            ("Reason", reason),
        ]
        self.put(ev.agent_event, "AgentComplete", self.caller, leg.chan if with_dest else None, tail)

    def _complete_deferred(self, reason: str) -> None:
        for leg in self.deferred:
            self._agent_complete(leg, reason, with_dest=False)
        self.deferred = []

    def _cdrs(self) -> None:
        """One row per agent leg (NO ANSWER for unanswered rings), or one row if none was rung."""
        c = self.caller
        common = {
            "Destination": c.exten,
            "DestinationContext": c.context,
            "UserField": self.record.recording or "",
        }
        ans = self.answered_at
        if not self.legs:
            disp = "ANSWERED" if ans is not None else "NO ANSWER"
            fields = {"LastApplication": c.application, "LastData": c.app_data, "Disposition": disp}
            self.cdr_row(c, None, self.record.start, ans, fields | common)
            return
        prev_end = self.record.start
        for leg in self.legs:
            start = min(prev_end, leg.ring_start)
            end = leg.end if leg.end is not None else self.now
            disp = "ANSWERED" if leg.connect is not None else "NO ANSWER"
            data = f"{leg.queue},,,,{self.cfg.queue(leg.queue).max_wait}"
            fields = {"LastApplication": "Queue", "LastData": data, "Disposition": disp}
            self.cdr_row(c, leg.chan, start, start, fields | common, end)
            prev_end = end


def live_channels(chans: list[Chan]) -> list[Chan]:
    """Channels of a call that are still up (for CoreShowChannels / Status)."""
    return [c for c in chans if c.alive]
