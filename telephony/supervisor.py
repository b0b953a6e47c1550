"""Keeps the call logger connected: connect, log in, reconcile, read, ping; reconnect with back-off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass

from callcentre.settings import AmiSettings
from telephony.client import AmiAuthError, AmiConnection, AmiConnectionLost
from telephony.names import Ev
from telephony.reconcile import reconcile
from telephony.service import CallLogger

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SupervisorOptions:
    flush_interval: float = 0.5
    batch_size: int = 500


class LoggerSupervisor:
    """Runs a :class:`CallLogger` against Asterisk until told to stop."""

    def __init__(
        self, ami: AmiSettings, logger: CallLogger, options: SupervisorOptions | None = None
    ) -> None:
        self.ami = ami
        self.logger = logger
        self.options = options or SupervisorOptions()
        self.connections = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set.

        A refused login raises :class:`AmiAuthError`: retrying cannot help.
        """
        delay = self.ami.reconnect_initial_delay
        while not stop.is_set():
            connection = AmiConnection(self.ami.host, self.ami.port)
            try:
                await connection.connect(self.ami.connect_timeout)
                await connection.login(self.ami.username, self.ami.secret.reveal(), self.ami.connect_timeout)
                self.connections += 1
                log.info("connected to Asterisk AMI at %s (%s)", connection.where, connection.banner)
                delay = self.ami.reconnect_initial_delay
                await self._session(connection, stop)
            except AmiAuthError:
                raise
            except AmiConnectionLost as exc:
                log.warning("%s; reconnecting in %.1f s", exc, delay)
            finally:
                await connection.close()
                # Whatever arrived before the link died is still the truth: log it.
                self.logger.handle(connection.take_received())
                self.logger.flush()
            if not stop.is_set():
                await _sleep_or_stop(stop, delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, self.ami.reconnect_max_delay)
        self.logger.flush(everything_ended=True)

    async def _session(self, connection: AmiConnection, stop: asyncio.Event) -> None:
        await self._reconcile(connection)
        keepalive = asyncio.create_task(self._keepalive(connection))
        last_flush = time.monotonic()
        try:
            while not stop.is_set():
                batch = await connection.take(self.options.batch_size, self.options.flush_interval)
                if batch is None:
                    raise AmiConnectionLost(f"Asterisk at {connection.where} closed the connection")
                self.logger.handle(batch)
                due = time.monotonic() - last_flush >= self.options.flush_interval
                if due or self.logger.pending_events() >= self.options.batch_size or not batch:
                    self.logger.flush(now=self._pbx_now(idle=not batch), wait=False)
                    last_flush = time.monotonic()
        finally:
            keepalive.cancel()
            await asyncio.gather(keepalive, return_exceptions=True)

    def _pbx_now(self, idle: bool) -> float | None:
        """PBX time for the grace period: the newest event's, or, when idle, advanced by wall time."""
        newest = self.logger.tracker.pbx_time
        if newest is None or not idle:
            return newest
        return max(newest, time.time())

    async def _keepalive(self, connection: AmiConnection) -> None:
        """Ping; a Ping unanswered within the interval means the link is dead: close it to reconnect."""
        interval = self.ami.ping_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await connection.simple("Ping", interval)
            except AmiConnectionLost as exc:
                log.warning("keep-alive failed: %s", exc)
                await connection.close()
                return

    async def _reconcile(self, connection: AmiConnection) -> None:
        """Record what happened while we were away (calls ended or started unseen)."""
        timeout = max(self.ami.connect_timeout, 10.0)
        ping = await connection.simple("Ping", timeout)
        pbx_now = ping.response.timestamp or time.time()
        listing = await connection.simple("CoreShowChannels", timeout)
        live = [item for item in listing.events if item.name == Ev.CORE_SHOW_CHANNEL]
        # The events that came before the snapshot must be applied before comparing with it;
        # those that came after describe changes since, and are handled in order afterwards.
        before = listing.events_before - connection.events_taken
        self.logger.handle(connection.take_received(before))
        self.logger.flush()
        synthetic = reconcile(self.logger.tracker.open_channels(), live, pbx_now)
        if synthetic:
            log.info(
                "reconciled after connect: %d channel(s) up, %d change(s) recorded as partly observed",
                len(live),
                len(synthetic),
            )
            self.logger.handle(synthetic, source="reconcile")
            self.logger.flush(everything_ended=True)
        else:
            log.debug("reconciled: %d channel(s) up, nothing missed", len(live))


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
