"""Discrete-event engine: runs call scripts in simulated-time order and merges their frames.

Both the TCP server (paced by a wall clock) and the fast offline generator (no pacing) drive the
same engine, so the traffic is identical for a given seed.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

from telephony.simulator.call import CallSession, SimContext
from telephony.simulator.model import Chan
from telephony.simulator.scenarios import OutboundPlan, Plan, Script, start_call

DIALER_RETRY = 5.0  # an outbound plan whose agent is busy is retried this much later


@dataclass
class Run:
    """One scheduled or running call."""

    plan: Plan | None
    session: CallSession | None = None
    script: Script | None = None
    token: int = 0
    done: bool = False


class Engine:
    """Priority queue of due call steps plus a priority queue of produced frames."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self._due: list[tuple[float, int, int, Run]] = []
        self._out: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self.active: dict[int, Run] = {}

    # ---- scheduling -------------------------------------------------------------------------
    def schedule(self, plan: Plan, at: float) -> Run:
        """Start ``plan`` at simulated time ``at``."""
        run = Run(plan)
        self._push(run, at)
        return run

    def adopt(self, session: CallSession, script: Script, now: float) -> Run:
        """Run an already created session (e.g. an AMI Originate) starting now."""
        run = Run(None, session, script)
        self.active[id(run)] = run
        self._advance(run, now)
        return run

    def _push(self, run: Run, at: float) -> None:
        heapq.heappush(self._due, (at, next(self._seq), run.token, run))

    def next_due(self) -> float | None:
        """Simulated time of the next step (None when nothing is scheduled)."""
        while self._due and (self._due[0][3].done or self._due[0][2] != self._due[0][3].token):
            heapq.heappop(self._due)
        return self._due[0][0] if self._due else None

    def step(self) -> None:
        """Run the earliest due step."""
        if self.next_due() is None:
            return
        at, _, _, run = heapq.heappop(self._due)
        if run.session is None:
            self._start(run, at)
        else:
            self._advance(run, at)

    def _start(self, run: Run, at: float) -> None:
        plan = run.plan
        assert plan is not None
        if isinstance(plan, OutboundPlan) and self._agent_busy(plan.agent, at):
            # A dialer only originates to an idle agent: try again a little later.
            self._push(run, at + DIALER_RETRY)
            return
        started = start_call(self.ctx, plan, at)
        if started is None:
            run.done = True
            return
        run.session, run.script = started
        self.active[id(run)] = run
        self._advance(run, at)

    def _agent_busy(self, ext: str, at: float) -> bool:
        st = self.ctx.members.get(ext)
        return st is not None and (bool(st.busy_with) or st.free_at > at)

    def _advance(self, run: Run, now: float) -> None:
        s, script = run.session, run.script
        assert s is not None and script is not None
        s.at(now)
        try:
            delay = next(script)
        except StopIteration:
            delay = -1.0
        self._collect(s)
        if delay < 0 or s.finished:
            self._end(run)
        else:
            self._push(run, max(now + delay, s.now))

    def _end(self, run: Run) -> None:
        run.done = True
        if run.script is not None:
            run.script.close()
        self.active.pop(id(run), None)

    def _collect(self, s: CallSession) -> None:
        for ts, frame in s.take():
            heapq.heappush(self._out, (ts, next(self._seq), frame))

    # ---- live control -----------------------------------------------------------------------
    def replace(self, run: Run, script: Script, now: float) -> None:
        """Interrupt a call: drop its remaining script and continue with ``script`` from now."""
        if run.script is not None:
            run.script.close()
        run.token += 1
        run.script = script
        self._advance(run, now)

    def hangup(self, run: Run, who: str, now: float) -> None:
        """End a call now; ``who`` hung up (the session knows how to end from any state)."""
        s = run.session
        if s is None or s.finished:
            return
        s.at(now)
        s.hangup(who)
        self._collect(s)
        run.token += 1
        self._end(run)

    def find_channel(self, name: str) -> tuple[Run, Chan] | None:
        """The running call that owns a live channel of that name."""
        for run in self.active.values():
            if run.session is None:
                continue
            for c in run.session.chans:
                if c.alive and c.name == name:
                    return run, c
        return None

    def live_channels(self) -> list[Chan]:
        """Every channel that is up, in creation order."""
        chans = [c for r in self.active.values() if r.session for c in r.session.chans if c.alive]
        return sorted(chans, key=lambda c: int(c.uniqueid.split(".")[1]))

    def crash(self) -> None:
        """Forget everything without hangups (an Asterisk crash/restart)."""
        for run in list(self.active.values()):
            run.token += 1
            self._end(run)
        self._due.clear()
        self._out.clear()

    # ---- output -----------------------------------------------------------------------------
    def next_frame_time(self) -> float | None:
        """Timestamp of the earliest produced, not yet released frame."""
        return self._out[0][0] if self._out else None

    def pop_frames(self, until: float) -> list[bytes]:
        """Release the frames stamped at or before ``until``, in timestamp order."""
        out = []
        while self._out and self._out[0][0] <= until:
            out.append(heapq.heappop(self._out)[2])
        return out

    def idle(self) -> bool:
        """True when no call is scheduled or running and every frame was released."""
        return self.next_due() is None and not self._out
