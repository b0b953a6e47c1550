"""Synchronous wrappers: a thread-backed simulator and the ``callcentre simulator`` entry point."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

from telephony.simulator.call import PlayedCall
from telephony.simulator.model import SimConfig
from telephony.simulator.scenarios import Plan
from telephony.simulator.server import OutcomePolicy, Simulator
from telephony.simulator.workload import plan_workload

T = TypeVar("T")


class SimulatorThread:
    """Runs a :class:`Simulator` on its own event loop in a daemon thread."""

    def __init__(self, config: SimConfig | None = None, policy: OutcomePolicy | None = None) -> None:
        self.config = config or SimConfig()
        self._policy = policy
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.sim: Simulator | None = None
        self.host, self.port = self.config.host, self.config.port

    def start(self) -> tuple[str, int]:
        """Start the thread and the server; returns (host, port) once listening."""
        ready: concurrent.futures.Future[tuple[str, int]] = concurrent.futures.Future()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def main() -> None:
            asyncio.set_event_loop(loop)
            self.sim = Simulator(self.config, self._policy)
            try:
                ready.set_result(loop.run_until_complete(self.sim.start()))
            except Exception as exc:  # surface bind errors to the caller
                ready.set_exception(exc)
                return
            loop.run_forever()

        self._thread = threading.Thread(target=main, name="asterisk-simulator", daemon=True)
        self._thread.start()
        self.host, self.port = ready.result(timeout=10)
        return self.host, self.port

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def play(self, plans: Iterable[Plan]) -> None:
        """Schedule plans (thread-safe)."""
        sim, loop = self.sim, self._loop
        assert sim is not None and loop is not None
        items = list(plans)
        loop.call_soon_threadsafe(sim.play, items)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until every scheduled call has been played out."""
        assert self.sim is not None
        self._call(self.sim.wait_idle(timeout))

    def now(self) -> float:
        """The simulator's clock (simulated epoch seconds)."""
        sim = self.sim
        assert sim is not None

        async def read() -> float:
            return sim.now()

        return self._call(read(), 10)

    def expected_calls(self) -> list[PlayedCall]:
        """The oracle of the calls played so far."""
        assert self.sim is not None
        return self.sim.expected_calls()

    def stop(self) -> None:
        """Crash-stop the server and end the thread."""
        if self._loop is None or self.sim is None:
            return
        self._call(self.sim.stop(), 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None


def run_simulator(
    host: str = "127.0.0.1",
    port: int = 5038,
    username: str = "qa",
    secret: str = "qa-secret",
    recordings_dir: str | Path | None = None,
    calls: int = 120,
    speed: float = 60.0,
    seed: int = 0,
    forever: bool = True,
) -> list[PlayedCall]:
    """Serve AMI and play ``calls`` calls of a realistic hour (compressed ``speed`` times).

    With ``forever`` the server keeps running after the workload (until Ctrl-C); returns the oracle.
    """
    cfg = SimConfig(
        host=host,
        port=port,
        username=username,
        secret=secret,
        speed=speed,
        seed=seed,
        recordings_dir=Path(recordings_dir) if recordings_dir else None,
    )

    async def main() -> list[PlayedCall]:
        sim = Simulator(cfg)
        await sim.start()
        try:
            sim.play(plan_workload(cfg, calls, seed))
            await sim.wait_idle()
            if forever:
                await asyncio.Event().wait()
        finally:
            await sim.stop()
        return sim.expected_calls()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return []
