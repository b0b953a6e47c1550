"""Inbound call phases: DID, IVR, queue, agent ring/answer, hold, transfers, hangups.

Each public method is one burst of frames at the call's current clock, following what the
reference dialplan (``from-pstn`` -> ``cc-ivr`` / ``cc-queue`` -> ``cc-record``) makes Asterisk emit.
The scenario layer decides the pauses between phases.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass

from telephony.simulator import events as ev
from telephony.simulator.call import CallSession, PlayedCall, SimContext
from telephony.simulator.model import Agent, Chan

NOTICE_SECONDS = 2.78  # the recording notice prompt played before queueing


@dataclass
class AgentLeg:
    """One agent channel rung for this call (answered or not): for CDRs and AgentComplete."""

    agent: Agent
    chan: Chan
    queue: str
    ring_start: float
    connect: float | None = None
    end: float | None = None
    hold_time: int = 0


class InboundBase(CallSession):
    """A caller arriving over the PSTN trunk: arrival, queueing, agents, hold."""

    def __init__(self, ctx: SimContext, now: float, did: str, cid_num: str, cid_name: str) -> None:
        super().__init__(ctx, now, PlayedCall("", "inbound", cid_num, did, now))
        self.caller = self.new_channel(self.cfg.trunk, cid_num, cid_name, None)
        self.record.linkedid = self.caller.linkedid
        self.did = did
        self.queue = ""
        self.queue_join = 0.0
        self.answered_at: float | None = None
        self.recorded = False
        self.legs: list[AgentLeg] = []
        self.ringing: AgentLeg | None = None
        self.talking: AgentLeg | None = None
        self.deferred: list[AgentLeg] = []
        self.hold_start: float | None = None
        self.waiting = False  # True while the caller sits in a queue
        ctx.records.append(self.record)

    @abstractmethod
    def ivr_start(self) -> None:
        """Enter the main-number IVR (the IVR layer, ivr.py, does this)."""

    # ---- arrival ----------------------------------------------------------------------------
    def arrive(self) -> str:
        """Newchannel and the ``from-pstn`` burst; returns where the call goes: queue name, 'ivr', ''."""
        c = self.caller
        c.state, c.context, c.exten, c.dnid = 4, "from-pstn", self.did, self.did
        self.announce(c)
        self.put(ev.varset, c, "SIPDOMAIN", "127.0.0.1")
        queue = self.cfg.did_queue(self.did)
        kind = {"faults": "Faults hotline", "accounts": "Accounts line", "revenue": "Revenue call-back line"}
        if self.did == self.cfg.main_did:
            label = "Main number"
        elif queue:
            label = kind[queue]
        else:
            self._unassigned()
            return ""
        c.priority = 0
        self.app(c, "NoOp", f'{label} {self.did} from "{c.cid_name}" <{c.cid_num}>')
        self.setvar(c, "__CC_DID", self.did)
        self.app(c, "Goto", f"cc-queue,{queue},1" if queue else "cc-ivr,s,1")
        if queue:
            self.enter_queue(queue)
            return queue
        self.ivr_start()
        return "ivr"

    def _unassigned(self) -> None:
        c = self.caller
        c.priority = 0
        self.app(c, "NoOp", f"Unassigned DID {self.did}")
        self.app(c, "Answer")
        self._answer_caller()
        self.app(c, "Playback", "ss-noservice")
        self.record.disposition = "failed"

    def _answer_caller(self) -> None:
        if self.answered_at is None:
            self.answered_at = self.now
            self.set_state(self.caller, 6)
            self.put(ev.cel, "ANSWER", self.caller, "Answer")
            self.put(ev.device_state, f"PJSIP/{self.cfg.trunk}", "INUSE")

    # ---- queue ------------------------------------------------------------------------------
    def enter_queue(self, queue: str) -> bool:
        """``cc-queue,<queue>,1``: set variables, answer, play the notice unless already recorded.

        Returns True when the notice is playing (call :meth:`join_queue` after it), False when the
        call was already recorded and has joined the queue at once (transfers).
        """
        c = self.caller
        c.goto("cc-queue", queue, 0)
        self.queue = queue
        self.app(c, "NoOp", f"Queue {queue} for {c.cid_num}")
        self.setvar(c, "__CC_DIRECTION", "inbound")
        self.setvar(c, "CC_QUEUE", queue)
        self.setvar(c, "CC_MAXWAIT", str(self.cfg.queue(queue).max_wait))
        self.app(c, "Answer")
        self._answer_caller()
        self.app(c, "GotoIf", f"{int(self.recorded)}?queue")
        if self.recorded:
            self.join_queue()
            return False
        self.app(c, "Playback", f"{self.cfg.sounds_dir}/recording-notice")
        self.put(ev.cel, "STREAM_BEGIN", c, "Playback", c.app_data)
        return True

    def join_queue(self) -> None:
        """Start the recording (first time only), run Queue(): QueueCallerJoin + music on hold."""
        c = self.caller
        if not self.recorded:
            self.put(ev.cel, "STREAM_END", c, "Playback", c.app_data)
            self.put(ev.varset, c, "PLAYBACKSTATUS", "SUCCESS")
            self.start_mixmonitor(c, self.record.linkedid)
        q = self.queue
        c.goto("cc-queue", q, 9)
        data = f"{q},,,,{self.cfg.queue(q).max_wait}"
        c.application, c.app_data = "Queue", data
        self.put(ev.newexten, c, "Queue", data)
        self.put(ev.cel, "APP_START", c, "Queue", data)
        self.put(ev.device_state, f"Queue:{q}", "RINGING")
        self.put(ev.queue_caller, "QueueCallerJoin", c, q, [("Position", "1"), ("Count", "1")])
        self.put(ev.cel, "STREAM_BEGIN", c, "Queue", data, "", '{"class":"default"}')
        self.put(ev.chan_event, "MusicOnHoldStart", c, [("Class", "default")])
        self.queue_join = self.now
        self.waiting = True
        self.record.queues.append(q)

    def start_mixmonitor(self, c: Chan, name: str) -> None:
        """``cc-record`` subroutine: CC_RECORDING, CDR(userfield), MixMonitor (stereo, bridged only)."""
        pbx = f"{self.cfg.recording_prefix}/{name}"
        back = (c.context, c.exten, c.priority)
        c.goto("cc-record", "s", 0)
        self.setvar(c, "CC_RECORDING", f"{pbx}.wav")
        self.app(c, "Set", f"CDR(userfield)={pbx}.wav")
        sox = f"/usr/bin/sox -q -t raw -r 8000 -e signed-integer -b 16 -c 2 {pbx}.raw {pbx}.wav"
        self.app(c, "MixMonitor", f"{pbx}.raw,bD,{sox}")
        self.put(ev.varset, c, "MIXMONITOR_FILENAME", f"{pbx}.raw")
        self.put(ev.chan_event, "MixMonitorStart", c)
        self.app(c, "Return")
        c.context, c.exten, c.priority = back
        self.recorded = True
        self.record.recording = f"{pbx}.wav"

    # ---- agents -----------------------------------------------------------------------------
    def ring(self, agent: Agent) -> None:
        """The queue rings one member: agent channel, AgentCalled, DialBegin, ringing states."""
        c = self.caller
        a = self.new_channel(agent.extension, agent.extension, agent.caller_name, c.linkedid)
        self.announce(a)
        for var in ("__CC_DIRECTION", "__CC_ACCOUNT", "__CC_REFERENCE", "__CC_DID"):
            if var in self.vars:
                self.put(ev.varset, a, var, self.vars[var])
        a.conn_num, a.conn_name, a.exten = c.cid_num, c.cid_name, self.queue
        a.application, a.app_data = "AppQueue", "(Outgoing Line)"
        self.put(ev.agent_event, "AgentCalled", c, a, self._member(agent))
        self.put(ev.dial_event, "DialBegin", c, a, [("DialString", agent.interface)])
        c.conn_num, c.conn_name = a.cid_num, a.cid_name
        self.put(ev.chan_event, "NewConnectedLine", c)
        self.set_state(a, 5)
        self.agent_state(agent, 6, "RINGING")
        self.put(ev.dial_event, "DialState", c, a, [("DialStatus", "RINGING")])
        leg = AgentLeg(agent, a, self.queue, self.now)
        self.ringing = leg
        self.legs.append(leg)

    def _member(self, agent: Agent) -> list[tuple[str, str]]:
        return [("Queue", self.queue), ("Interface", agent.interface), ("MemberName", agent.member_name)]

    def ring_no_answer(self, rejected: bool = False) -> None:
        """The rung agent did not answer (queue timeout) or rejected the call (486)."""
        leg = self.ringing
        if leg is None:
            return
        a, c = leg.chan, self.caller
        ring_ms = int((self.now - leg.ring_start) * 1000)
        if rejected:
            self.put(ev.hangup_request, a, 17, 486)
        self.put(ev.dial_event, "DialEnd", c, a, [("DialStatus", "NOANSWER")])
        tail = [*self._member(leg.agent), ("RingTime", str(ring_ms))]
        self.put(ev.agent_event, "AgentRingNoAnswer", c, a, tail)
        self.kill(a, 17 if rejected else 0, 486 if rejected else None, "" if not rejected else a.name)
        leg.end = self.now
        self.ringing = None
        self.agent_free(leg.agent, took_call=False)

    def answer(self) -> None:
        """The rung agent answers: DialEnd ANSWER, QueueCallerLeave, AgentConnect, bridge."""
        leg = self.ringing
        if leg is None:
            return
        a, c = leg.chan, self.caller
        self.put(ev.cel, "ANSWER", a, a.application, a.app_data)
        self.put(ev.cel, "STREAM_END", c, "Queue", c.app_data)
        self.set_state(a, 6)
        self.put(ev.dial_event, "DialEnd", c, a, [("DialStatus", "ANSWER")])
        self.put(ev.chan_event, "MusicOnHoldStop", c)
        for var, val in (("MEMBERINTERFACE", leg.agent.interface), ("MEMBERNAME", leg.agent.member_name)):
            self.put(ev.varset, c, var, val)
        hold = int(self.now - self.queue_join)
        ring = int(self.now - leg.ring_start)
        self.put(ev.varset, c, "QEHOLDTIME", str(hold))
        self.put(ev.queue_caller, "QueueCallerLeave", c, self.queue, [("Position", "1"), ("Count", "0")])
        tail = [*self._member(leg.agent), ("HoldTime", str(hold)), ("RingTime", str(ring))]
        self.put(ev.agent_event, "AgentConnect", c, a, tail)
        self.put(ev.device_state, f"Queue:{self.queue}", "NOT_INUSE")
        self.agent_state(leg.agent, 2, "INUSE")
        self.bridge_up(a, c)
        self.put(ev.varset, c, "BRIDGEPEER", a.name)
        leg.connect, leg.hold_time = self.now, hold
        self.ringing, self.talking, self.waiting = None, leg, False
        self.record.agents.append(leg.agent.extension)
        self.record.disposition = "answered"

    # ---- hold -------------------------------------------------------------------------------
    def hold(self) -> None:
        """The agent's phone puts the caller on hold (re-INVITE sendonly)."""
        if self.talking is None or self.hold_start is not None:
            return
        self.put(ev.chan_event, "Hold", self.talking.chan, [("MusicClass", "default")])
        self.put(ev.chan_event, "MusicOnHoldStart", self.caller, [("Class", "default")])
        self.hold_start = self.now

    def unhold(self) -> None:
        """The agent resumes (re-INVITE sendrecv)."""
        if self.talking is None or self.hold_start is None:
            return
        self.put(ev.chan_event, "Unhold", self.talking.chan)
        self.put(ev.chan_event, "MusicOnHoldStop", self.caller)
        self.record.holds.append((self.hold_start, self.now))
        self.hold_start = None
