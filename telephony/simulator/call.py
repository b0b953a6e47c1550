"""The shared state of a running simulator and the per-call base class that emits frames.

A :class:`CallSession` owns the channels of one call (one Linkedid) and appends
``(sim_time, frame)`` pairs to :attr:`CallSession.out` as its phases run.  Phases live in
``inbound.py`` / ``outbound.py``; this module has the plumbing they share.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from telephony.simulator import events as ev
from telephony.simulator.model import Agent, Bridge, Chan, Ids, SimConfig

WRAPUP = 3.0  # queues.conf wrapuptime: an agent is not rung again this soon after a call
# Spacing between consecutive frames of one burst: Asterisk emits a burst within microseconds.
TICK = 0.000021


@dataclass
class MemberStats:
    """Live queue-member counters of one agent (as QueueMemberStatus reports them)."""

    login_time: int
    calls_taken: int = 0
    last_call: int = 0
    last_pause: int = 0
    status: int = 1
    in_call: int = 0
    paused: bool = False
    paused_reason: str = ""
    busy_with: str = ""
    free_at: float = 0.0  # end of wrap-up after the last call


@dataclass
class PlayedCall:
    """Test oracle: what one played call was, in call-centre terms."""

    linkedid: str
    direction: str
    caller: str
    did: str
    start: float
    end: float | None = None
    disposition: str = ""
    agents: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    recording: str | None = None
    bridged: list[tuple[float, float]] = field(default_factory=list)
    holds: list[tuple[float, float]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)


class SimContext:
    """State shared by every call of one simulator: config, id counter, member stats, RNG."""

    def __init__(self, config: SimConfig, epoch: float) -> None:
        self.config = config
        self.ids = Ids()
        self.epoch = epoch
        self.rng = Random(config.seed)
        self.members: dict[str, MemberStats] = {}
        for a in config.agents:
            st = MemberStats(login_time=int(epoch) - 3, paused=a.paused, paused_reason=a.paused_reason)
            st.status = 1 if a.registered else 5
            self.members[a.extension] = st
        self.records: list[PlayedCall] = []
        self.on_finish: list[Callable[[PlayedCall], None]] = []

    def member_frames(self, ts: float, agent: Agent, event: str = "QueueMemberStatus") -> list[bytes]:
        """One QueueMemberStatus (or QueueMemberPause) per queue the agent is a member of."""
        st = self.members[agent.extension]
        out = []
        for queue, penalty in reversed(list(agent.penalties.items())):
            stats = {
                "CallsTaken": str(st.calls_taken),
                "LastCall": str(st.last_call),
                "LastPause": str(st.last_pause),
                "LoginTime": str(st.login_time),
                "InCall": str(st.in_call),
                "Status": str(st.status),
                "Paused": "1" if st.paused else "0",
                "PausedReason": st.paused_reason,
            }
            pairs = ev.member_fields(queue, agent.member_name, agent.interface, penalty, stats)
            out.append(ev.member_event(ts, event, pairs))
        return out

    def idle_agents(self, queue: str) -> list[Agent]:
        """Registered, unpaused members of ``queue`` not in a call, lowest penalty first."""
        return [
            a
            for a in self.config.members(queue)
            if a.registered
            and not self.members[a.extension].paused
            and not self.members[a.extension].busy_with
        ]


class CallSession(ABC):
    """Base of a call: clock, frame buffer, channel factory, common bursts."""

    def __init__(self, ctx: SimContext, now: float, record: PlayedCall | None = None) -> None:
        self.ctx = ctx
        self.cfg = ctx.config
        self.now = now
        self.out: list[tuple[float, bytes]] = []
        self.chans: list[Chan] = []
        self.bridge: Bridge | None = None
        self.record = record or PlayedCall("", "", "", "", now)
        self.finished = False
        self.vars: dict[str, str] = {}  # inheritable (``__``) variables, copied to new legs
        self._rtcp_port = 10000 + 2 * (len(ctx.records) % 5000)

    # ---- clock and output -------------------------------------------------------------------
    def at(self, t: float) -> None:
        """Move the call's clock forward to ``t`` (never backwards: frames stay ordered)."""
        self.now = max(self.now, t)

    def wait(self, seconds: float) -> None:
        """Advance the clock inside a phase (e.g. between DTMF begin and end)."""
        self.now += seconds

    def tick(self) -> float:
        """Timestamp for the next frame of a burst."""
        self.now += TICK
        return self.now

    def put(self, fn: Callable[..., bytes], *args: Any) -> None:
        """Build a frame with ``fn(ts, *args)`` at the next tick and queue it."""
        ts = self.tick()
        self.out.append((ts, fn(ts, *args)))

    def put_raw(self, frames: list[bytes]) -> None:
        """Queue frames already built for the current time."""
        ts = self.tick()
        self.out.extend((ts, f) for f in frames)

    def take(self) -> list[tuple[float, bytes]]:
        """Hand over the frames produced so far."""
        out, self.out = self.out, []
        return out

    # ---- channels ---------------------------------------------------------------------------
    def new_channel(self, tech: str, cid_num: str, cid_name: str, linkedid: str | None) -> Chan:
        """Allocate ``PJSIP/<tech>-%08x`` with the next Uniqueid (Linkedid defaults to itself)."""
        seq, uid = self.ctx.ids.next(self.now)
        c = Chan(f"PJSIP/{tech}-{seq:08x}", uid, linkedid or uid, cid_num, cid_name, self.now)
        self.chans.append(c)
        self.record.channels.append(c.name)
        return c

    def announce(self, c: Chan) -> None:
        """Newchannel + CEL CHAN_START."""
        self.put(ev.chan_event, "Newchannel", c)
        self.put(ev.cel, "CHAN_START", c)

    def setvar(self, c: Chan, name: str, value: str, exten_app: bool = True) -> None:
        """Dialplan ``Set()``: Newexten (priority + 1) then VarSet."""
        if exten_app:
            c.priority += 1
            self.put(ev.newexten, c, "Set", f"{name}={value}")
        if name.startswith("__"):
            self.vars[name] = value
        self.put(ev.varset, c, name, value)

    def app(self, c: Chan, app: str, data: str = "") -> None:
        """Next dialplan priority runs ``app(data)``."""
        c.priority += 1
        c.application, c.app_data = app, data
        self.put(ev.newexten, c, app, data)

    def set_state(self, c: Chan, state: int) -> None:
        """Change channel state with a Newstate."""
        c.state = state
        self.put(ev.chan_event, "Newstate", c)

    def connect_lines(self, a: Chan, b: Chan) -> None:
        """Each side learns the other's identity (NewConnectedLine on both)."""
        a.conn_num, a.conn_name = b.cid_num, b.cid_name
        b.conn_num, b.conn_name = a.cid_num, a.cid_name
        self.put(ev.chan_event, "NewConnectedLine", a)
        self.put(ev.chan_event, "NewConnectedLine", b)

    def agent_state(self, agent: Agent, status: int, device: str, linkedid: str = "") -> None:
        """Device state + member status change of an agent phone."""
        st = self.ctx.members[agent.extension]
        st.status = status
        st.in_call = 1 if status == 2 else 0
        if status in (2, 6):
            st.busy_with = linkedid or self.record.linkedid
        self.put(ev.device_state, agent.interface, device)
        self.put_raw(self.ctx.member_frames(self.now, agent))

    def agent_free(self, agent: Agent, took_call: bool) -> None:
        """The agent's phone is idle again (after a hangup)."""
        st = self.ctx.members[agent.extension]
        if took_call:
            st.calls_taken += 1
            st.last_call = int(self.now)
            st.free_at = self.now + WRAPUP
        st.busy_with = ""
        self.agent_state(agent, 1, "NOT_INUSE")

    # ---- bridges ------------------------------------------------------------------------------
    def bridge_up(self, first: Chan, second: Chan) -> None:
        """BridgeCreate + two BridgeEnters; start of a recorded (bridged) segment."""
        b = Bridge(str(uuid.UUID(int=self.ctx.rng.getrandbits(128), version=4)))
        self.bridge = b
        self.put(ev.bridge_event, "BridgeCreate", b)
        for c in (first, second):
            b.members += 1
            c.bridge_id = b.uniqueid
            self.put(ev.bridge_event, "BridgeEnter", b, c)
            self.put(ev.cel, "BRIDGE_ENTER", c, c.application, c.app_data)
        self.record.bridged.append((self.now, self.now))

    def bridge_down(self, first: Chan, second: Chan) -> None:
        """Two BridgeLeaves + BridgeDestroy; closes the recorded segment."""
        b = self.bridge
        if b is None:
            return
        for c in (first, second):
            b.members -= 1
            c.bridge_id = ""
            self.put(ev.bridge_event, "BridgeLeave", b, c)
            self.put(ev.cel, "BRIDGE_EXIT", c, c.application, c.app_data)
        self.put(ev.bridge_event, "BridgeDestroy", b)
        self.bridge = None
        start, _ = self.record.bridged[-1]
        self.record.bridged[-1] = (start, self.now)

    def rtcp(self, c: Chan) -> None:
        """An RTCPSent report (noise that real streams are full of)."""
        packets = max(1, int((self.now - c.created) * 50))
        self.put(
            ev.rtcp_sent, c, int(c.uniqueid.split(".")[1]) * 2654435761 & 0xFFFFFFFF, packets, self._rtcp_port
        )

    @abstractmethod
    def hangup(self, who: str = "caller") -> None:
        """``who`` hangs up now, whatever state the call is in (each direction has its own)."""

    # ---- end of a channel ---------------------------------------------------------------------
    def kill(
        self, c: Chan, cause: int, tech: int | None = None, source: str = "", dialstatus: str = ""
    ) -> None:
        """Hangup + CEL HANGUP/CHAN_END for one channel."""
        if not c.alive:
            return
        c.alive = False
        self.put(ev.hangup, c, cause, tech)
        self.put(ev.cel, "HANGUP", c, "", "", "", ev.cel_hangup_extra(cause, source or c.name, dialstatus))
        self.put(ev.cel, "CHAN_END", c)

    def finish(self, disposition: str, last: Chan) -> None:
        """LINKEDID_END, close the oracle record and notify listeners (recording writer, server)."""
        if self.finished:
            return
        self.finished = True
        self.put(ev.cel, "LINKEDID_END", last)
        self.record.end = self.now
        self.record.disposition = self.record.disposition or disposition
        for cb in self.ctx.on_finish:
            cb(self.record)

    def cdr_row(
        self,
        src: Chan,
        dst: Chan | None,
        start: float,
        answer: float | None,
        kw: dict[str, str],
        end: float | None = None,
    ) -> None:
        """Emit one ``Cdr``; duration/billsec are whole seconds from start/answer to ``end`` (now)."""
        end = self.now if end is None else end
        row = {
            "Source": src.cid_num,
            "CallerID": f'"{src.cid_name}" <{src.cid_num}>',
            "Channel": src.name,
            "DestinationChannel": dst.name if dst else "",
            "StartTime": ev.local_time(start),
            "AnswerTime": ev.local_time(answer) if answer is not None else "",
            "EndTime": ev.local_time(end),
            "Duration": str(int(end - start)),
            "BillableSeconds": str(int(end - answer)) if answer is not None else "0",
            "UniqueID": src.uniqueid,
            "UserField": "",
            "AccountCode": src.account,
        }
        row.update(kw)
        self.put(ev.cdr, row)
