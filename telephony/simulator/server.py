"""The AMI TCP server: greeting, sessions, event broadcast, simulated clock, call playback.

``Simulator`` is the asyncio API (tests, benchmarks); ``SimulatorThread`` wraps it for synchronous code.
A ``stop()`` behaves like an Asterisk crash/restart: sockets close and live calls vanish without
Hangup events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from telephony.simulator.actions import dispatch
from telephony.simulator.call import PlayedCall, SimContext
from telephony.simulator.engine import Engine
from telephony.simulator.model import SimConfig
from telephony.simulator.recordings import recording_job
from telephony.simulator.scenarios import Plan

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
OutcomePolicy = Callable[[str], str]


def default_outcome_policy(number: str) -> str:
    """Customer behaviour for an AMI Originate by the number's last digit: 7 busy, 8 no answer,
    9 congestion, anything else answers."""
    return {"7": "busy", "8": "noanswer", "9": "congestion"}.get(number[-1:], "answer")


@dataclass(eq=False)
class Client:
    """One AMI connection."""

    writer: asyncio.StreamWriter
    logged_in: bool = False
    events: bool = True
    closing: bool = False
    queue: list[bytes] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        """Write unless the connection is going away."""
        if not self.closing and not self.writer.is_closing():
            self.writer.write(data)


class Simulator:
    """An Asterisk 22 look-alike AMI server that plays call-centre calls."""

    def __init__(self, config: SimConfig | None = None, policy: OutcomePolicy | None = None) -> None:
        self.config = config or SimConfig()
        self.policy: OutcomePolicy = policy or default_outcome_policy
        self.ctx = SimContext(self.config, self.config.epoch())
        self.ctx.on_finish.append(self._call_finished)
        self.engine = Engine(self.ctx)
        self.clients: set[Client] = set()
        self._server: asyncio.base_events.Server | None = None
        self._pump: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._t0 = 0.0
        self._writes: set[asyncio.Future[None]] = set()
        self.host, self.port = self.config.host, self.config.port

    # ---- lifecycle --------------------------------------------------------------------------
    async def start(self) -> tuple[str, int]:
        """Listen (port 0 = ephemeral) and start the clock; returns (host, port)."""
        loop = asyncio.get_running_loop()
        self._t0 = loop.time()
        self._wake = asyncio.Event()
        self._server = await asyncio.start_server(self._handle, self.config.host, self.config.port)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        self._pump = asyncio.create_task(self._run())
        return self.host, self.port

    async def stop(self) -> None:
        """Crash-stop: close every socket; live calls vanish without Hangup events."""
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        self.engine.crash()
        for c in list(self.clients):
            c.closing = True
            c.writer.close()
        self.clients.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    # ---- clock ------------------------------------------------------------------------------
    def now(self) -> float:
        """Simulated epoch time (advances ``speed`` times faster than the wall clock)."""
        return self.ctx.epoch + (asyncio.get_running_loop().time() - self._t0) * self.config.speed

    def wake(self) -> None:
        """Make the pump re-plan (new calls or frames were added)."""
        self._wake.set()

    # ---- playback ---------------------------------------------------------------------------
    def play(self, plans: Iterable[Plan]) -> None:
        """Schedule plans; each starts ``plan.start`` simulated seconds from now."""
        base = self.now()
        for p in plans:
            self.engine.schedule(p, base + p.start)
        self.wake()

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until every scheduled call has ended, every event was sent and WAVs are written."""

        async def idle() -> None:
            while not self.engine.idle() or self._writes:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(idle(), timeout)

    def expected_calls(self) -> list[PlayedCall]:
        """Oracle: one record per call played (Linkedid, direction, disposition, times, agents)."""
        return list(self.ctx.records)

    async def _run(self) -> None:
        while True:
            now = self.now()
            due = self.engine.next_due()
            while due is not None and due <= now:
                self.engine.step()
                due = self.engine.next_due()
            frames = self.engine.pop_frames(now)
            if frames:
                self.broadcast(b"".join(frames))
            nxt = [t for t in (due, self.engine.next_frame_time()) if t is not None]
            timeout = (min(nxt) - now) / self.config.speed if nxt else None
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def broadcast(self, data: bytes) -> None:
        """Send event bytes to every logged-in client that has events on."""
        for c in self.clients:
            if c.logged_in and c.events:
                c.send(data)

    # ---- recordings -------------------------------------------------------------------------
    def _call_finished(self, rec: PlayedCall) -> None:
        job = recording_job(self.config, rec)
        if job is None:
            return
        # Rendering takes a few ms per second of audio: keep it off the event loop.
        fut = asyncio.get_running_loop().run_in_executor(None, job)
        self._writes.add(fut)
        fut.add_done_callback(self._writes.discard)

    # ---- connections ------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client = Client(writer)
        self.clients.add(client)
        writer.write(BANNER)
        try:
            while not client.closing:
                action = await read_action(reader)
                if action is None:
                    break
                await dispatch(self, client, action)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.clients.discard(client)
            client.closing = True
            with contextlib.suppress(ConnectionError, RuntimeError):
                writer.close()


async def read_action(reader: asyncio.StreamReader) -> list[tuple[str, str]] | None:
    """Read one action (lines up to a blank line) as ordered pairs; None at end of stream."""
    pairs: list[tuple[str, str]] = []
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if pairs:
                return pairs
            continue
        key, _, value = text.partition(":")
        pairs.append((key.strip(), value.strip()))
